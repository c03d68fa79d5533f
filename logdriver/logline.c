/* SPDX-License-Identifier: MIT */
/*
 * json-file records: dockerd's escaping (jsonlogbytes.go) for writing, and
 * for reading a hand-written decoder of the one line shape dockerd writes,
 * with jansson as the fallback for anything else (and as the reference).
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logline.h"

static const char logline_hex[] = "0123456789abcdef";

/* Per byte: 0 copied raw, 1 escaped ASCII, 2 start of a UTF-8 sequence. */
static unsigned char logline_enc_class[256];
/* Per byte inside a JSON string: 0 plain, 1 '"', 2 '\\', 3 control, 4 high. */
static unsigned char logline_dec_class[256];
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
		if (c == '"')
			logline_dec_class[c] = 1;
		else if (c == '\\')
			logline_dec_class[c] = 2;
		else if (c < 0x20)
			logline_dec_class[c] = 3;
		else if (c >= 0x80)
			logline_dec_class[c] = 4;
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
static size_t
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

void
logline_decoder_init(struct logline_decoder *dec)
{
	memset(dec, 0, sizeof *dec);
}

void
logline_decoder_clear(struct logline_decoder *dec)
{
	xfree(dec->buf);
	xfree(dec->details);
	xfree(dec->rawattrs);
	xfree(dec->kv);
	xfree(dec->pairs);
	memset(dec, 0, sizeof *dec);
}

/* Grows *bufp to at least need bytes; keeps the contents. */
static void
logline_grow(char **bufp, size_t *capp, size_t need)
{
	size_t	cap = *capp;

	if (need <= cap)
		return;
	if (cap < 256)
		cap = 256;
	while (cap < need)
		cap *= 2;
	*bufp = xrealloc(*bufp, cap);
	*capp = cap;
}

static int
logline_hex4(const unsigned char *p, unsigned *v)
{
	unsigned	x = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char	c = p[i];

		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return (-1);
	}
	*v = x;
	return (0);
}

static char *
logline_put_utf8(char *p, uint32_t r)
{
	if (r < 0x80)
		*p++ = (char)r;
	else if (r < 0x800) {
		*p++ = (char)(0xc0 | r >> 6);
		*p++ = (char)(0x80 | (r & 0x3f));
	} else if (r < 0x10000) {
		*p++ = (char)(0xe0 | r >> 12);
		*p++ = (char)(0x80 | ((r >> 6) & 0x3f));
		*p++ = (char)(0x80 | (r & 0x3f));
	} else {
		*p++ = (char)(0xf0 | r >> 18);
		*p++ = (char)(0x80 | ((r >> 12) & 0x3f));
		*p++ = (char)(0x80 | ((r >> 6) & 0x3f));
		*p++ = (char)(0x80 | (r & 0x3f));
	}
	return (p);
}

/*
 * Skips the bytes a JSON string holds as they are (not '"', '\\', a
 * control byte or a byte >= 0x80), eight at a time: the log text is most
 * of a line and this scan was the decoder's largest cost (callgrind: about
 * five instructions a byte with the table, two with this). A word with any
 * candidate byte is finished with the table, so false positives of the
 * bit tricks only cost the slow path.
 */
static const unsigned char *
logline_skip_plain(const unsigned char *p, const unsigned char *end)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	highs = 0x8080808080808080ULL;
	uint64_t	w, q, b;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		q = w ^ (ones * '"');		/* zero byte where '"' */
		b = w ^ (ones * '\\');		/* zero byte where '\\' */
		/* Per byte: < 0x20, zero in q or b, or the high bit set. */
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b) | w) & highs)
			break;
		p += 8;
	}
	while (p < end && logline_dec_class[*p] == 0)
		p++;
	return (p);
}

/*
 * Unescapes the JSON string starting after its opening quote at *pp into
 * out (at least LOGLINE_UNESCAPE_MAX(end - *pp) bytes: an invalid byte
 * becomes the 3-byte U+FFFD, escapes only shrink), with Go's rules:
 * surrogate pairs combine, a lone surrogate or an invalid UTF-8 byte becomes
 * U+FFFD. Returns the length and leaves *pp after the closing quote, or -1
 * for anything that is not a valid string (raw control byte, bad escape).
 */
/* +1: never a NULL buffer, even for n = 0 (memcpy's contract). */
#define LOGLINE_UNESCAPE_MAX(n)	(3 * (size_t)(n) + 1)

static ssize_t
logline_unescape(const unsigned char **pp, const unsigned char *end,
    char *out)
{
	const unsigned char	*p = *pp, *run;
	char			*o = out;
	unsigned		 u, u2;
	int32_t			 r;
	size_t			 n;

	for (;;) {
		run = p;
		p = logline_skip_plain(p, end);
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			return (-1);
		switch (logline_dec_class[*p]) {
		case 1:
			*pp = p + 1;
			return (o - out);
		case 3:
			return (-1);
		case 4:
			n = logline_utf8(p, (size_t)(end - p), &r);
			if (r < 0) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
			} else {
				memcpy(o, p, n);
				o += n;
			}
			p += n;
			continue;
		}
		if (end - p < 2)
			return (-1);
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			*o++ = (char)p[1];
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (end - p < 6 || logline_hex4(p + 2, &u) != 0)
				return (-1);
			p += 6;
			if (u >= 0xd800 && u < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    logline_hex4(p + 2, &u2) == 0 &&
			    u2 >= 0xdc00 && u2 < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (u2 - 0xdc00);
				p += 6;
			} else if (u >= 0xd800 && u < 0xe000)
				u = 0xfffd;
			o = logline_put_utf8(o, u);
			continue;
		default:
			return (-1);
		}
		p += 2;
	}
}

/*
 * Scans a JSON string with no escapes at all (stream, time): returns its
 * length and moves *pp after the closing quote, or -1 to let the caller
 * fall back.
 */
static ssize_t
logline_plain(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char	*p = *pp, *start = p;

	while (p < end && logline_dec_class[*p] == 0)
		p++;
	if (p == end || *p != '"')
		return (-1);
	*pp = p + 1;
	return (p - start);
}

static int
logline_url_safe(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~');
}

/* Appends s as Go's url.QueryEscape would to the details buffer. */
static void
logline_details_put(struct logline_decoder *dec, const char *s, size_t n)
{
	char		*o;

	logline_grow(&dec->details, &dec->detailscap,
	    dec->detailslen + 3 * n + 2);
	o = dec->details + dec->detailslen;
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (logline_url_safe(c))
			*o++ = (char)c;
		else if (c == ' ')
			*o++ = '+';
		else {
			*o++ = '%';
			*o++ = "0123456789ABCDEF"[c >> 4];
			*o++ = "0123456789ABCDEF"[c & 0xf];
		}
	}
	dec->detailslen = (size_t)(o - dec->details);
}

static const char *logline_sort_kv;

static int
logline_pair_cmp(const void *a, const void *b)
{
	const size_t	*x = a, *y = b;
	size_t		 n = x[1] < y[1] ? x[1] : y[1];
	int		 c;

	c = memcmp(logline_sort_kv + x[0], logline_sort_kv + y[0], n);
	if (c != 0)
		return (c);
	return (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/*
 * Builds the details prefix from the npairs pairs in dec->kv: sorted by key
 * (byte order, like Go's sort.Strings), k=v escaped, joined by ",". Returns
 * -1 on a duplicate key (the fast path then hands the line to jansson).
 */
static int
logline_details_build(struct logline_decoder *dec, size_t npairs)
{
	size_t	*pr = dec->pairs;

	dec->detailslen = 0;
	if (npairs == 0)
		return (0);
	logline_sort_kv = dec->kv;
	qsort(pr, npairs, 4 * sizeof *pr, logline_pair_cmp);
	logline_sort_kv = NULL;
	dec->detailslen = 0;
	for (size_t i = 0; i < npairs; i++) {
		if (i > 0 && pr[4 * i + 1] == pr[4 * i - 3] &&
		    memcmp(dec->kv + pr[4 * i], dec->kv + pr[4 * i - 4],
		    pr[4 * i + 1]) == 0)
			return (-1);
		if (i > 0) {
			logline_grow(&dec->details, &dec->detailscap,
			    dec->detailslen + 1);
			dec->details[dec->detailslen++] = ',';
		}
		logline_details_put(dec, dec->kv + pr[4 * i], pr[4 * i + 1]);
		logline_grow(&dec->details, &dec->detailscap,
		    dec->detailslen + 1);
		dec->details[dec->detailslen++] = '=';
		logline_details_put(dec, dec->kv + pr[4 * i + 2],
		    pr[4 * i + 3]);
	}
	return (0);
}

/* Adds a key/value pair slot; returns its index. */
static size_t *
logline_pair_add(struct logline_decoder *dec, size_t npairs)
{
	if ((npairs + 1) * 4 > dec->pairscap) {
		dec->pairscap = dec->pairscap == 0 ? 64 : dec->pairscap * 2;
		dec->pairs = xreallocarray(dec->pairs, dec->pairscap,
		    sizeof *dec->pairs);
	}
	return (dec->pairs + 4 * npairs);
}

/*
 * Parses {"k":"v",...} at *pp (fast path: no whitespace) and sets the
 * details prefix. dockerd writes the same attrs on every line, so the text
 * is compared with the previous line's first and the details reused.
 */
static int
logline_fast_attrs(struct logline_decoder *dec, const unsigned char **pp,
    const unsigned char *end)
{
	const unsigned char	*p = *pp, *start = p;
	size_t			 npairs = 0, used = 0, *pr;
	ssize_t			 n;

	if (dec->rawattrslen != 0 && (size_t)(end - p) >= dec->rawattrslen &&
	    memcmp(dec->rawattrs, p, dec->rawattrslen) == 0) {
		/* The same bytes as a complete object: the same object. */
		*pp = p + dec->rawattrslen;
		return (0);
	}
	if (p == end || *p != '{')
		return (-1);
	p++;
	logline_grow(&dec->kv, &dec->kvcap, LOGLINE_UNESCAPE_MAX(end - p));
	while (p < end && *p != '}') {
		if (npairs > 0) {
			if (*p != ',')
				return (-1);
			p++;
		}
		if (p == end || *p != '"')
			return (-1);
		p++;
		pr = logline_pair_add(dec, npairs);
		pr[0] = used;
		if ((n = logline_unescape(&p, end, dec->kv + used)) < 0)
			return (-1);
		pr[1] = (size_t)n;
		used += (size_t)n;
		if (end - p < 2 || p[0] != ':' || p[1] != '"')
			return (-1);
		p += 2;
		pr[2] = used;
		if ((n = logline_unescape(&p, end, dec->kv + used)) < 0)
			return (-1);
		pr[3] = (size_t)n;
		used += (size_t)n;
		npairs++;
	}
	if (p == end)
		return (-1);
	p++;
	*pp = p;
	dec->rawattrslen = 0;
	if (logline_details_build(dec, npairs) != 0)
		return (-1);
	logline_grow(&dec->rawattrs, &dec->rawattrscap, (size_t)(p - start));
	memcpy(dec->rawattrs, start, (size_t)(p - start));
	dec->rawattrslen = (size_t)(p - start);
	return (0);
}

static enum logline_stream
logline_stream_parse(const char *s, size_t n)
{
	if (n == 6 && memcmp(s, "stdout", 6) == 0)
		return (LOGLINE_STDOUT);
	if (n == 6 && memcmp(s, "stderr", 6) == 0)
		return (LOGLINE_STDERR);
	return (LOGLINE_OTHER);
}

/*
 * The fraction of "...:SS.fffffffffZ" (1 to 9 digits, then 'Z', the shape
 * dockerd writes) at s[20..n), in ns; -1 for any other shape.
 */
static int64_t
logline_time_frac(const char *s, size_t n)
{
	int64_t	frac = 0;
	size_t	i;

	if (n < 22 || n > 30 || s[19] != '.' || s[n - 1] != 'Z')
		return (-1);
	for (i = 20; i < n - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		frac = frac * 10 + (s[i] - '0');
	}
	for (; i < 29; i++)
		frac *= 10;
	return (frac);
}

/*
 * Lines written in the same second share "YYYY-MM-DDTHH:MM:SS.": the
 * seconds are parsed once per second and cached in the decoder, so a time
 * costs a 20-byte compare and its fraction digits (callgrind had the full
 * parse at 15% of a full read).
 */
static int
logline_time_parse(struct logline_decoder *dec, const char *s, size_t n,
    struct logline *out)
{
	int64_t	frac;

	if (dec->tkeyok && n >= 22 && memcmp(s, dec->tkey, 20) == 0 &&
	    (frac = logline_time_frac(s, n)) >= 0) {
		out->time_ns = dec->tbase_ns + frac;
		out->time_off = 0;
		out->has_time = 1;
		return (0);
	}
	if (timeutil_parse(s, n, &out->time_ns, &out->time_off) != 0)
		return (-1);
	out->has_time = 1;
	/* Saturated times (outside int64 ns) are not cached. */
	if (out->time_off == 0 && out->time_ns != INT64_MAX &&
	    out->time_ns > INT64_MIN + 1 &&
	    (frac = logline_time_frac(s, n)) >= 0) {
		memcpy(dec->tkey, s, 20);
		dec->tbase_ns = out->time_ns - frac;
		dec->tkeyok = 1;
	}
	return (0);
}

static void
logline_reset(struct logline *out)
{
	out->log = "";
	out->loglen = 0;
	out->stream = LOGLINE_OTHER;
	out->time_ns = LOGLINE_NO_TIME;
	out->has_time = 0;
	out->time_off = 0;
	out->details = "";
	out->detailslen = 0;
}

#define LOGLINE_KEY(p, end, lit)					\
	((size_t)((end) - (p)) >= sizeof (lit) - 1 &&			\
	    memcmp((p), (lit), sizeof (lit) - 1) == 0)

/*
 * The fast path: exactly {"log":"..","stream":"..","attrs":{..},"time":".."}
 * as dockerd writes it, each key optional, nothing else. Returns 0 decoded,
 * -1 skip (bad time), 1 not recognised (let jansson decide).
 */
static int
logline_fast(struct logline_decoder *dec, const unsigned char *p,
    const unsigned char *end, struct logline *out)
{
	const unsigned char	*s;
	ssize_t			 n;
	size_t			 plain;
	int			 more = 0;

	if (p == end || *p++ != '{')
		return (1);
	if (LOGLINE_KEY(p, end, "\"log\":\"")) {
		p += 7;
		s = p;
		p = logline_skip_plain(p, end);
		if (p < end && *p == '"') {
			out->log = (const char *)s;	/* no escapes: borrow */
			out->loglen = (size_t)(p - s);
			p++;
		} else {
			/*
			 * Nearly every line ends in "\n": copy the plain run
			 * already scanned and unescape from the first escape
			 * on, rather than scanning the text twice.
			 */
			logline_grow(&dec->buf, &dec->bufcap,
			    LOGLINE_UNESCAPE_MAX(end - s));
			plain = (size_t)(p - s);
			memcpy(dec->buf, s, plain);
			if ((n = logline_unescape(&p, end,
			    dec->buf + plain)) < 0)
				return (1);
			out->log = dec->buf;
			out->loglen = plain + (size_t)n;
		}
		more = 1;
	}
	if (more && (p == end || *p++ != ','))
		return (1);
	if (LOGLINE_KEY(p, end, "\"stream\":\"")) {
		p += 10;
		s = p;
		if ((n = logline_plain(&p, end)) < 0)
			return (1);
		out->stream = logline_stream_parse((const char *)s, (size_t)n);
		if (p == end || *p++ != ',')
			return (1);
	}
	if (LOGLINE_KEY(p, end, "\"attrs\":")) {
		p += 8;
		if (logline_fast_attrs(dec, &p, end) != 0)
			return (1);
		if (dec->detailslen != 0) {
			out->details = dec->details;
			out->detailslen = dec->detailslen;
		}
		if (p == end || *p++ != ',')
			return (1);
	}
	if (!LOGLINE_KEY(p, end, "\"time\":\""))
		return (1);
	p += 8;
	s = p;
	if ((n = logline_plain(&p, end)) < 0)
		return (1);
	if (end - p != 1 || *p != '}')
		return (1);
	if (logline_time_parse(dec, (const char *)s, (size_t)n, out) != 0)
		return (-1);
	return (0);
}

int
logline_decode(struct logline_decoder *dec, const char *line, size_t len,
    struct logline *out)
{
	int	rc;

	if (!logline_tables_ready)
		logline_tables();
	logline_reset(out);
	rc = logline_fast(dec, (const unsigned char *)line,
	    (const unsigned char *)line + len, out);
	if (rc <= 0) {
		dec->fast++;
		return (rc);
	}
	dec->slow++;
	return (logline_decode_jansson(dec, line, len, out));
}

/*
 * Finds the value for a struct field as Go's encoding/json does: an exact
 * key first, else a case-insensitive one.
 */
static json_t *
logline_field(json_t *obj, const char *name)
{
	const char	*key;
	json_t		*v, *fold = NULL;

	if ((v = json_object_get(obj, name)) != NULL)
		return (v);
	json_object_foreach(obj, key, v) {
		if (strcasecmp(key, name) == 0 && fold == NULL)
			fold = v;
	}
	return (fold);
}

int
logline_decode_jansson(struct logline_decoder *dec, const char *line,
    size_t len, struct logline *out)
{
	json_t		*root, *v, *val;
	json_error_t	 jerr;
	const char	*key;
	size_t		 npairs = 0, used = 0, klen, vlen, *pr;
	int		 rc = -1;

	logline_reset(out);
	root = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		log_debug("broken line: %s", jerr.text);
		return (-1);
	}
	if (!json_is_object(root))
		goto out;
	if ((v = logline_field(root, "log")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			goto out;
		/* +1: never a NULL buffer, even for "" (memcpy's contract). */
		logline_grow(&dec->buf, &dec->bufcap,
		    json_string_length(v) + 1);
		memcpy(dec->buf, json_string_value(v), json_string_length(v));
		out->log = dec->buf;
		out->loglen = json_string_length(v);
	}
	if ((v = logline_field(root, "stream")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			goto out;
		out->stream = logline_stream_parse(json_string_value(v),
		    json_string_length(v));
	}
	if ((v = logline_field(root, "time")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || logline_time_parse(dec,
		    json_string_value(v), json_string_length(v), out) != 0)
			goto out;
	}
	if ((v = logline_field(root, "attrs")) != NULL && !json_is_null(v)) {
		if (!json_is_object(v))
			goto out;
		json_object_foreach(v, key, val) {
			if (!json_is_string(val) && !json_is_null(val))
				goto out;
			klen = strlen(key);
			vlen = json_is_null(val) ? 0 : json_string_length(val);
			logline_grow(&dec->kv, &dec->kvcap,
			    used + klen + vlen + 1);
			pr = logline_pair_add(dec, npairs);
			pr[0] = used;
			pr[1] = klen;
			memcpy(dec->kv + used, key, klen);
			used += klen;
			pr[2] = used;
			pr[3] = vlen;
			if (vlen != 0)
				memcpy(dec->kv + used, json_string_value(val),
				    vlen);
			used += vlen;
			npairs++;
		}
		/* The cache belongs to the fast path's raw text: drop it. */
		dec->rawattrslen = 0;
		if (npairs > 0) {
			if (logline_details_build(dec, npairs) != 0)
				goto out;
			out->details = dec->details;
			out->detailslen = dec->detailslen;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		log_debug("skipped line: wrong field types or time");
	json_decref(root);
	return (rc);
}

size_t
logline_escape_go(char *dst, const char *s, size_t n)
{
	if (!logline_tables_ready)
		logline_tables();
	return ((size_t)(logline_escape(dst, (const unsigned char *)s, n, 1) -
	    dst));
}
