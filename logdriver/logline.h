/* SPDX-License-Identifier: MIT */
/*
 * One json-file record and its encoder, which writes it byte for byte like
 * dockerd's json-file writer. Reading it back is logdecode's.
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
 * Decodes one UTF-8 sequence as Go's utf8.DecodeRune does: returns its
 * size and the rune, or size 1 and -1 for each byte of an invalid sequence
 * (overlong forms, surrogates and truncated sequences included).
 */
size_t		 logline_utf8(const unsigned char *s, size_t n, int32_t *r);

#endif
