/* SPDX-License-Identifier: MIT */
/*
 * json-file records: the record, its timestamp text, and the encoder with
 * dockerd's escaping (jsonlogbytes.go), byte for byte. The decoder is in
 * logdecode.c.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logline.h"

static const char logline_hex[] = "0123456789abcdef";

/* Per byte: 0 copied raw, 1 escaped ASCII, 2 start of a UTF-8 sequence. */
static unsigned char logline_enc_class[256];
static int logline_tables_ready;

static void
logline_tables(void)
{
	for (int c = 0; c < 256; c++) {
		if (c < 0x20 || c == '"' || c == '\\' || c == '<' ||
		    c == '>' || c == '&')
			logline_enc_class[c] = 1;
		else if (c >= 0x80)
			logline_enc_class[c] = 2;
	}
	logline_tables_ready = 1;
}

const char *
logline_stream_name(enum logline_stream stream)
{
	switch (stream) {
	case LOGLINE_STDOUT:
		return ("stdout");
	case LOGLINE_STDERR:
		return ("stderr");
	default:
		return ("");
	}
}

/*
 * Decodes one UTF-8 sequence as Go's utf8.DecodeRune does: returns its size
 * and the rune, or size 1 and -1 for each byte of an invalid sequence
 * (overlong forms, surrogates and truncated sequences included).
 */
size_t
logline_utf8(const unsigned char *s, size_t n, int32_t *r)
{
	unsigned char	c = s[0], lo = 0x80, hi = 0xbf;
	size_t		need;

	*r = -1;
	if (c < 0x80) {
		*r = c;
		return (1);
	}
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return (1);
	if (n < need + 1 || s[1] < lo || s[1] > hi)
		return (1);
	for (size_t i = 2; i <= need; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (1);
	}
	if (need == 1)
		*r = (int32_t)(c & 0x1f) << 6 | (s[1] & 0x3f);
	else if (need == 2)
		*r = (int32_t)(c & 0x0f) << 12 | (int32_t)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
	else
		*r = (int32_t)(c & 0x07) << 18 | (int32_t)(s[1] & 0x3f) << 12 |
		    (int32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return (need + 1);
}

static char *
logline_put_u(char *p, unsigned v)
{
	memcpy(p, "\\u", 2);
	p[2] = logline_hex[(v >> 12) & 0xf];
	p[3] = logline_hex[(v >> 8) & 0xf];
	p[4] = logline_hex[(v >> 4) & 0xf];
	p[5] = logline_hex[v & 0xf];
	return (p + 6);
}

/*
 * Escapes s into p: dockerd's json-file table (spec 5.3), or with gojson
 * Go's encoding/json, which differs only in writing TAB as "\t". At most
 * six bytes out per byte in.
 */
static char *
logline_escape(char *p, const unsigned char *s, size_t n, int gojson)
{
	size_t	i = 0, run;
	int32_t	r;

	while (i < n) {
		run = i;
		while (i < n && logline_enc_class[s[i]] == 0)
			i++;
		if (i > run) {
			memcpy(p, s + run, i - run);
			p += i - run;
		}
		if (i == n)
			break;
		if (logline_enc_class[s[i]] == 1) {
			switch (s[i]) {
			case '"':
			case '\\':
				*p++ = '\\';
				*p++ = (char)s[i];
				break;
			case '\n':
				*p++ = '\\';
				*p++ = 'n';
				break;
			case '\r':
				*p++ = '\\';
				*p++ = 'r';
				break;
			case '\t':
				if (gojson) {
					*p++ = '\\';
					*p++ = 't';
					break;
				}
				/* FALLTHROUGH */
			default:
				p = logline_put_u(p, s[i]);
				break;
			}
			i++;
			continue;
		}
		run = logline_utf8(s + i, n - i, &r);
		if (r < 0)
			p = logline_put_u(p, 0xfffd);
		else if (r == 0x2028 || r == 0x2029)
			p = logline_put_u(p, (unsigned)r);
		else {
			memcpy(p, s + i, run);
			p += run;
		}
		i += run;
	}
	return (p);
}

size_t
logline_encode_bound(size_t len, size_t attrslen)
{
	/* {"log":"",  "stream":"stdout",  "attrs":,  "time":"<35>"}\n */
	return (len * 6 + 2 + attrslen + 96);
}

size_t
logline_encode(char *dst, enum logline_stream stream, const char *msg,
    size_t len, int complete, int64_t time_ns, const char *attrs,
    size_t attrslen)
{
	char		*p = dst;
	const char	*name;

	if (!logline_tables_ready)
		logline_tables();
	*p++ = '{';
	/* Like dockerd, an empty log is omitted (omitempty). */
	if (len != 0 || complete) {
		memcpy(p, "\"log\":\"", 7);
		p = logline_escape(p + 7, (const unsigned char *)msg, len, 0);
		if (complete) {
			*p++ = '\\';
			*p++ = 'n';
		}
		memcpy(p, "\",", 2);
		p += 2;
	}
	name = logline_stream_name(stream);
	if (*name != '\0') {
		memcpy(p, "\"stream\":\"", 10);
		memcpy(p + 10, name, 6);
		memcpy(p + 16, "\",", 2);
		p += 18;
	}
	if (attrs != NULL && attrslen != 0) {
		memcpy(p, "\"attrs\":", 8);
		memcpy(p + 8, attrs, attrslen);
		p += 8 + attrslen;
		*p++ = ',';
	}
	memcpy(p, "\"time\":\"", 8);
	p += 8;
	p += timeutil_format(p, time_ns, 0);
	memcpy(p, "\"}\n", 3);
	p += 3;
	return ((size_t)(p - dst));
}

int
logline_encode_evbuffer(struct evbuffer *out, enum logline_stream stream,
    const char *msg, size_t len, int complete, int64_t time_ns)
{
	struct evbuffer_iovec	v;
	size_t			bound = logline_encode_bound(len, 0);

	if (evbuffer_reserve_space(out, (ev_ssize_t)bound, &v, 1) < 1)
		return (-1);
	v.iov_len = logline_encode(v.iov_base, stream, msg, len, complete,
	    time_ns, NULL, 0);
	return (evbuffer_commit_space(out, &v, 1));
}

struct logline_kv {
	const char	*key;
	const char	*value;
};

static int
logline_kv_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct logline_kv *)a)->key,
	    ((const struct logline_kv *)b)->key));
}

char *
logline_attrs_encode(const char *const *keys, const char *const *values,
    size_t n, size_t *lenp)
{
	struct logline_kv	*kv;
	size_t			 bound = 2;
	char			*out, *p;

	if (n == 0) {
		*lenp = 0;
		return (NULL);
	}
	if (!logline_tables_ready)
		logline_tables();
	kv = xreallocarray(NULL, n, sizeof *kv);
	for (size_t i = 0; i < n; i++) {
		kv[i].key = keys[i];
		kv[i].value = values[i];
		bound += 6 * (strlen(keys[i]) + strlen(values[i])) + 6;
	}
	qsort(kv, n, sizeof *kv, logline_kv_cmp);
	p = out = xmalloc(bound + 1);
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		/* A Go map holds each key once: the last one given wins. */
		if (i + 1 < n && strcmp(kv[i].key, kv[i + 1].key) == 0)
			continue;
		if (p[-1] != '{')
			*p++ = ',';
		*p++ = '"';
		p = logline_escape(p, (const unsigned char *)kv[i].key,
		    strlen(kv[i].key), 1);
		memcpy(p, "\":\"", 3);
		p = logline_escape(p + 3, (const unsigned char *)kv[i].value,
		    strlen(kv[i].value), 1);
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	xfree(kv);
	*lenp = (size_t)(p - out);
	return (out);
}

/*
 * timeutil_format(buf, ns, 1), with "YYYY-MM-DDTHH:MM:SS." formatted once
 * per second: frames of one second share it, so a timestamp costs a copy
 * and nine digits instead of a calendar computation per frame (callgrind:
 * ~350 instructions a frame before). A memo of a pure function, not state:
 * the same ns always gives the same text.
 */
static size_t
logline_format_ns(char *buf, int64_t ns)
{
	static int64_t	 memo_secs;
	static char	 memo[20];
	static int	 memo_ok;
	int64_t		 secs = ns / 1000000000;
	int		 frac = (int)(ns % 1000000000);
	size_t		 n;

	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	if (!memo_ok || secs != memo_secs) {
		n = timeutil_format(buf, ns, 1);
		/* Only the fixed 30-byte shape (4-digit years) is memoised. */
		memo_ok = n == 30 && buf[19] == '.';
		if (memo_ok) {
			memcpy(memo, buf, sizeof memo);
			memo_secs = secs;
		}
		return (n);
	}
	memcpy(buf, memo, sizeof memo);
	for (int i = 28; i >= 20; i--) {
		buf[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	buf[29] = 'Z';
	buf[30] = '\0';
	return (30);
}

size_t
logline_format_time(const struct logline *ll, char *buf)
{
	static const char	 zero[] = "0001-01-01T00:00:00.000000000Z ";
	size_t			 n;
	int			 off = ll->time_off, h, m;

	if (!ll->has_time) {
		memcpy(buf, zero, sizeof zero);
		return (sizeof zero - 1);
	}
	/* Go prints the wall clock of the stored zone, then the zone. */
	n = logline_format_ns(buf, ll->time_ns + (int64_t)off * 1000000000);
	if (off != 0) {
		n--;				/* the 'Z' */
		buf[n++] = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		h = off / 3600;
		m = off / 60 % 60;
		buf[n++] = (char)('0' + h / 10);
		buf[n++] = (char)('0' + h % 10);
		buf[n++] = ':';
		buf[n++] = (char)('0' + m / 10);
		buf[n++] = (char)('0' + m % 10);
	}
	buf[n++] = ' ';
	buf[n] = '\0';
	return (n);
}

size_t
logline_escape_go(char *dst, const char *s, size_t n)
{
	if (!logline_tables_ready)
		logline_tables();
	return ((size_t)(logline_escape(dst, (const unsigned char *)s, n, 1) -
	    dst));
}
