/* SPDX-License-Identifier: MIT */
/*
 * One json-file record: the encoder that writes it byte for byte like
 * dockerd's json-file writer, and the decoder that reads it back (a fast
 * hand-written path for dockerd's exact line shape, jansson for the rest).
 */
#ifndef LP_LOGLINE_H
#define LP_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

enum logline_stream {
	LOGLINE_OTHER = 0,
	LOGLINE_STDOUT = 1,
	LOGLINE_STDERR = 2,
};

/* Go's zero time (0001-01-01) does not fit int64 ns: a missing time is this. */
#define LOGLINE_NO_TIME	INT64_MIN

struct logline {
	const char		*log;		/* borrowed; sink call only */
	size_t			 loglen;	/* incl. its "\n" if any */
	enum logline_stream	 stream;
	int64_t			 time_ns;	/* UTC, or LOGLINE_NO_TIME */
	int			 has_time;
	int			 time_off;	/* seconds east of UTC */
	const char		*details;	/* borrowed; "" when no attrs */
	size_t			 detailslen;
};

/* "stdout", "stderr" or "" for LOGLINE_OTHER. */
const char	*logline_stream_name(enum logline_stream);

/*
 * Appends the timestamps=1 prefix ("2026-11-27T02:28:17.251591878Z ", nine
 * digits, stored offset kept, Go's zero time when missing) to buf, which
 * holds at least LOGLINE_TIMEBUF bytes; returns the length incl. the space.
 */
#define LOGLINE_TIMEBUF	48
size_t		 logline_format_time(const struct logline *, char *buf);

/* Worst-case encoded size of one entry with a msg of len bytes. */
size_t		 logline_encode_bound(size_t len, size_t attrslen);
/*
 * Encodes one entry exactly as dockerd's json-file writer does (spec 5.2,
 * 5.3) into dst, which has logline_encode_bound() bytes; returns the length.
 * complete appends "\n" to the log text; attrs is an encoded JSON object
 * from logline_attrs_encode() or NULL. The line ends with "\n".
 */
size_t		 logline_encode(char *dst, enum logline_stream,
		     const char *msg, size_t len, int complete, int64_t time_ns,
		     const char *attrs, size_t attrslen);
/* The same, appended to an evbuffer; returns 0 or -1. */
int		 logline_encode_evbuffer(struct evbuffer *,
		     enum logline_stream, const char *msg, size_t len,
		     int complete, int64_t time_ns);
/*
 * Encodes attributes as Go's encoding/json writes a map[string]string (keys
 * sorted, <>& escaped): {"k":"v",...}. Returns an xmalloc'ed string (caller
 * frees with xfree) of *lenp bytes, or NULL when n is 0.
 */
char		*logline_attrs_encode(const char *const *keys,
		     const char *const *values, size_t n, size_t *lenp);

/*
 * Escapes n bytes of s as Go's encoding/json writes a string's contents
 * (no quotes; <>& escaped, invalid UTF-8 as U+FFFD) into dst, which holds
 * 6 * n bytes; returns the length. For daemon/events.c's encoder.
 */
size_t		 logline_escape_go(char *dst, const char *s, size_t n);

/*
 * Decoder scratch space: reused from line to line so that decoding does not
 * allocate once warmed up. Zeroed memory (or logline_decoder_init) is ready;
 * logline_decoder_clear frees what it holds.
 */
struct logline_decoder {
	char		*buf;		/* owned: unescaped log */
	size_t		 bufcap;
	char		*details;	/* owned: details prefix */
	size_t		 detailslen;
	size_t		 detailscap;
	char		*rawattrs;	/* owned: attrs of details */
	size_t		 rawattrslen;
	size_t		 rawattrscap;
	char		*kv;		/* owned: unescaped attr keys/values */
	size_t		 kvcap;
	size_t		*pairs;		/* owned: offsets into kv, 4 a pair */
	size_t		 pairscap;
	char		 tkey[20];	/* "YYYY-MM-DDTHH:MM:SS." last parsed */
	int64_t		 tbase_ns;	/* its second, in ns */
	int		 tkeyok;	/* tkey is set */
	uint64_t	 fast;		/* lines the fast path decoded */
	uint64_t	 slow;		/* lines handed to jansson */
};

void		 logline_decoder_init(struct logline_decoder *);
void		 logline_decoder_clear(struct logline_decoder *);
/*
 * Decodes one line (without its "\n") into out. Returns 0, or -1 when the
 * line must be skipped (broken JSON, wrong types, bad time). out's pointers
 * point into line or into the decoder and live until the next call.
 */
int		 logline_decode(struct logline_decoder *, const char *line,
		     size_t len, struct logline *out);
/* The reference: the same contract, decoded with jansson only. */
int		 logline_decode_jansson(struct logline_decoder *,
		     const char *line, size_t len, struct logline *out);

#endif
