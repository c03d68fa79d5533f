/* SPDX-License-Identifier: MIT */
/*
 * Log decode: reads a json-file record back. A hand-written fast path for
 * the exact line shape dockerd (and logline_encode) writes, which does not
 * allocate once warmed up; anything else goes to jansson, the reference.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logdecode.h"

/* Per byte inside a JSON string: 0 plain, 1 '"', 2 '\\', 3 control, 4 high. */
static unsigned char logdecode_class[256];
static int logdecode_class_ready;

static void
logdecode_tables(void)
{
	for (int c = 0; c < 256; c++) {
		if (c == '"')
			logdecode_class[c] = 1;
		else if (c == '\\')
			logdecode_class[c] = 2;
		else if (c < 0x20)
			logdecode_class[c] = 3;
		else if (c >= 0x80)
			logdecode_class[c] = 4;
	}
	logdecode_class_ready = 1;
}


void
logdecode_init(struct logdecode *dec)
{
	memset(dec, 0, sizeof *dec);
}

void
logdecode_clear(struct logdecode *dec)
{
	xfree(dec->buf);
	logdetails_clear(&dec->det);
	xfree(dec->rawattrs);
	xfree(dec->kv);
	memset(dec, 0, sizeof *dec);
}

static int
logdecode_hex4(const unsigned char *p, unsigned *v)
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
logdecode_put_utf8(char *p, uint32_t r)
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
logdecode_skip_plain(const unsigned char *p, const unsigned char *end)
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
	while (p < end && logdecode_class[*p] == 0)
		p++;
	return (p);
}

/*
 * Unescapes the JSON string starting after its opening quote at *pp into
 * out (at least LOGDECODE_UNESCAPE_MAX(end - *pp) bytes: an invalid byte
 * becomes the 3-byte U+FFFD, escapes only shrink), with Go's rules:
 * surrogate pairs combine, a lone surrogate or an invalid UTF-8 byte becomes
 * U+FFFD. Returns the length and leaves *pp after the closing quote, or -1
 * for anything that is not a valid string (raw control byte, bad escape).
 */
/* +1: never a NULL buffer, even for n = 0 (memcpy's contract). */
#define LOGDECODE_UNESCAPE_MAX(n)	(3 * (size_t)(n) + 1)

static ssize_t
logdecode_unescape(const unsigned char **pp, const unsigned char *end,
    char *out)
{
	const unsigned char	*p = *pp, *run;
	char			*o = out;
	unsigned		 u, u2;
	int32_t			 r;
	size_t			 n;

	for (;;) {
		run = p;
		p = logdecode_skip_plain(p, end);
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			return (-1);
		switch (logdecode_class[*p]) {
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
			if (end - p < 6 || logdecode_hex4(p + 2, &u) != 0)
				return (-1);
			p += 6;
			if (u >= 0xd800 && u < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    logdecode_hex4(p + 2, &u2) == 0 &&
			    u2 >= 0xdc00 && u2 < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (u2 - 0xdc00);
				p += 6;
			} else if (u >= 0xd800 && u < 0xe000)
				u = 0xfffd;
			o = logdecode_put_utf8(o, u);
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
logdecode_plain(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char	*p = *pp, *start = p;

	while (p < end && logdecode_class[*p] == 0)
		p++;
	if (p == end || *p != '"')
		return (-1);
	*pp = p + 1;
	return (p - start);
}

/*
 * Parses {"k":"v",...} at *pp (fast path: no whitespace) and sets the
 * details prefix. dockerd writes the same attrs on every line, so the text
 * is compared with the previous line's first and the details reused.
 */
static int
logdecode_fast_attrs(struct logdecode *dec, const unsigned char **pp,
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
	xgrow(&dec->kv, &dec->kvcap, LOGDECODE_UNESCAPE_MAX(end - p));
	while (p < end && *p != '}') {
		if (npairs > 0) {
			if (*p != ',')
				return (-1);
			p++;
		}
		if (p == end || *p != '"')
			return (-1);
		p++;
		pr = logdetails_pair_add(&dec->det, npairs);
		pr[0] = used;
		if ((n = logdecode_unescape(&p, end, dec->kv + used)) < 0)
			return (-1);
		pr[1] = (size_t)n;
		used += (size_t)n;
		if (end - p < 2 || p[0] != ':' || p[1] != '"')
			return (-1);
		p += 2;
		pr[2] = used;
		if ((n = logdecode_unescape(&p, end, dec->kv + used)) < 0)
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
	if (logdetails_build(&dec->det, dec->kv, npairs) != 0)
		return (-1);
	xgrow(&dec->rawattrs, &dec->rawattrscap, (size_t)(p - start));
	memcpy(dec->rawattrs, start, (size_t)(p - start));
	dec->rawattrslen = (size_t)(p - start);
	return (0);
}

static enum logline_stream
logdecode_stream_parse(const char *s, size_t n)
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
logdecode_time_frac(const char *s, size_t n)
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
logdecode_time_parse(struct logdecode *dec, const char *s, size_t n,
    struct logline *out)
{
	int64_t	frac;

	if (dec->tkeyok && n >= 22 && memcmp(s, dec->tkey, 20) == 0 &&
	    (frac = logdecode_time_frac(s, n)) >= 0) {
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
	    (frac = logdecode_time_frac(s, n)) >= 0) {
		memcpy(dec->tkey, s, 20);
		dec->tbase_ns = out->time_ns - frac;
		dec->tkeyok = 1;
	}
	return (0);
}

static void
logdecode_reset(struct logline *out)
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

#define LOGDECODE_KEY(p, end, lit)					\
	((size_t)((end) - (p)) >= sizeof (lit) - 1 &&			\
	    memcmp((p), (lit), sizeof (lit) - 1) == 0)

/*
 * The fast path: exactly {"log":"..","stream":"..","attrs":{..},"time":".."}
 * as dockerd writes it, each key optional, nothing else. Returns 0 decoded,
 * -1 skip (bad time), 1 not recognised (let jansson decide).
 */
static int
logdecode_fast(struct logdecode *dec, const unsigned char *p,
    const unsigned char *end, struct logline *out)
{
	const unsigned char	*s;
	ssize_t			 n;
	size_t			 plain;
	int			 more = 0;

	if (p == end || *p++ != '{')
		return (1);
	if (LOGDECODE_KEY(p, end, "\"log\":\"")) {
		p += 7;
		s = p;
		p = logdecode_skip_plain(p, end);
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
			xgrow(&dec->buf, &dec->bufcap,
			    LOGDECODE_UNESCAPE_MAX(end - s));
			plain = (size_t)(p - s);
			memcpy(dec->buf, s, plain);
			if ((n = logdecode_unescape(&p, end,
			    dec->buf + plain)) < 0)
				return (1);
			out->log = dec->buf;
			out->loglen = plain + (size_t)n;
		}
		more = 1;
	}
	if (more && (p == end || *p++ != ','))
		return (1);
	if (LOGDECODE_KEY(p, end, "\"stream\":\"")) {
		p += 10;
		s = p;
		if ((n = logdecode_plain(&p, end)) < 0)
			return (1);
		out->stream = logdecode_stream_parse((const char *)s,
		    (size_t)n);
		if (p == end || *p++ != ',')
			return (1);
	}
	if (LOGDECODE_KEY(p, end, "\"attrs\":")) {
		p += 8;
		if (logdecode_fast_attrs(dec, &p, end) != 0)
			return (1);
		if (dec->det.len != 0) {
			out->details = dec->det.text;
			out->detailslen = dec->det.len;
		}
		if (p == end || *p++ != ',')
			return (1);
	}
	if (!LOGDECODE_KEY(p, end, "\"time\":\""))
		return (1);
	p += 8;
	s = p;
	if ((n = logdecode_plain(&p, end)) < 0)
		return (1);
	if (end - p != 1 || *p != '}')
		return (1);
	if (logdecode_time_parse(dec, (const char *)s, (size_t)n, out) != 0)
		return (-1);
	return (0);
}

int
logdecode_line(struct logdecode *dec, const char *line, size_t len,
    struct logline *out)
{
	int	rc;

	if (!logdecode_class_ready)
		logdecode_tables();
	logdecode_reset(out);
	rc = logdecode_fast(dec, (const unsigned char *)line,
	    (const unsigned char *)line + len, out);
	if (rc <= 0) {
		dec->fast++;
		return (rc);
	}
	dec->slow++;
	return (logdecode_jansson(dec, line, len, out));
}

/*
 * Finds the value for a struct field as Go's encoding/json does: an exact
 * key first, else a case-insensitive one.
 */
static json_t *
logdecode_field(json_t *obj, const char *name)
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
logdecode_jansson(struct logdecode *dec, const char *line,
    size_t len, struct logline *out)
{
	json_t		*root, *v, *val;
	json_error_t	 jerr;
	const char	*key;
	size_t		 npairs = 0, used = 0, klen, vlen, *pr;
	int		 rc = -1;

	logdecode_reset(out);
	root = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		log_debug("broken line: %s", jerr.text);
		return (-1);
	}
	if (!json_is_object(root))
		goto out;
	if ((v = logdecode_field(root, "log")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			goto out;
		/* +1: never a NULL buffer, even for "" (memcpy's contract). */
		xgrow(&dec->buf, &dec->bufcap,
		    json_string_length(v) + 1);
		memcpy(dec->buf, json_string_value(v), json_string_length(v));
		out->log = dec->buf;
		out->loglen = json_string_length(v);
	}
	if ((v = logdecode_field(root, "stream")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			goto out;
		out->stream = logdecode_stream_parse(json_string_value(v),
		    json_string_length(v));
	}
	if ((v = logdecode_field(root, "time")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || logdecode_time_parse(dec,
		    json_string_value(v), json_string_length(v), out) != 0)
			goto out;
	}
	if ((v = logdecode_field(root, "attrs")) != NULL && !json_is_null(v)) {
		if (!json_is_object(v))
			goto out;
		json_object_foreach(v, key, val) {
			if (!json_is_string(val) && !json_is_null(val))
				goto out;
			klen = strlen(key);
			vlen = json_is_null(val) ? 0 : json_string_length(val);
			xgrow(&dec->kv, &dec->kvcap,
			    used + klen + vlen + 1);
			pr = logdetails_pair_add(&dec->det, npairs);
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
			if (logdetails_build(&dec->det, dec->kv, npairs) != 0)
				goto out;
			out->details = dec->det.text;
			out->detailslen = dec->det.len;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		log_debug("skipped line: wrong field types or time");
	json_decref(root);
	return (rc);
}
