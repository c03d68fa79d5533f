/* SPDX-License-Identifier: MIT */
/*
 * Log decode: reads one json-file record back into a struct logline: a
 * fast hand-written path for dockerd's exact line shape, jansson for the
 * rest (and as the reference the fuzzer compares against).
 */
#ifndef LP_LOGDECODE_H
#define LP_LOGDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "logdriver/logdetails.h"
#include "logdriver/logline.h"

/*
 * Decoder scratch space: reused from line to line so that decoding does not
 * allocate once warmed up. Zeroed memory (or logdecode_init) is ready;
 * logdecode_clear frees what it holds.
 */
struct logdecode {
	char		*buf;		/* owned: unescaped log */
	size_t		 bufcap;
	struct logdetails det;		/* the details prefix */
	char		*rawattrs;	/* owned: attrs of details */
	size_t		 rawattrslen;
	size_t		 rawattrscap;
	char		*kv;		/* owned: unescaped attr keys/values */
	size_t		 kvcap;
	char		 tkey[20];	/* "YYYY-MM-DDTHH:MM:SS." last parsed */
	int64_t		 tbase_ns;	/* its second, in ns */
	int		 tkeyok;	/* tkey is set */
	uint64_t	 fast;		/* lines the fast path decoded */
	uint64_t	 slow;		/* lines handed to jansson */
};

void		 logdecode_init(struct logdecode *);
void		 logdecode_clear(struct logdecode *);
/*
 * Decodes one line (without its "\n") into out. Returns 0, or -1 when the
 * line must be skipped (broken JSON, wrong types, bad time). out's pointers
 * point into line or into the decoder and live until the next call.
 */
int		 logdecode_line(struct logdecode *, const char *line,
		     size_t len, struct logline *out);
/* The reference: the same contract, decoded with jansson only. */
int		 logdecode_jansson(struct logdecode *,
		     const char *line, size_t len, struct logline *out);

#endif
