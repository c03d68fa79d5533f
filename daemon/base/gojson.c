/* SPDX-License-Identifier: MIT */
/*
 * Go's encoding/json where dockerd's answers show it: checkValid's syntax
 * check with the scanner's exact error texts, and string unquoting with
 * its U+FFFD rules. No jansson: Go and jansson disagree on both.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/gojson.h"
#include "daemon/base/xalloc.h"

/* ---- Go's scanner, for its error texts ------------------------------- */

struct gojson_scan {
	const unsigned char	*p;
	const unsigned char	*end;
	struct err		*err;
};

/* Go's quoteChar: the byte as a rune, strconv.Quote'd, in single quotes. */
static void
gojson_quote(char *buf, size_t len, unsigned c)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char let[] = "abfnrtv";
	const char *e;

	if (c == '\'')
		snprintf(buf, len, "'\\''");
	else if (c == '"')
		snprintf(buf, len, "'\"'");
	else if (c == '\\')
		snprintf(buf, len, "'\\\\'");
	else if (c != 0 && (e = strchr(esc, (int)c)) != NULL)
		snprintf(buf, len, "'\\%c'", let[e - esc]);
	else if (c < 0x20 || c == 0x7f)
		snprintf(buf, len, "'\\x%02x'", c);
	else if (c >= 0x80 && c < 0xa0)
		snprintf(buf, len, "'\\u%04x'", c);
	else if (c == 0xa0 || c == 0xad)
		snprintf(buf, len, "'\\u%04x'", c);
	else if (c >= 0x80)
		snprintf(buf, len, "'%c%c'", 0xc0 | (c >> 6),
		    0x80 | (c & 0x3f));
	else
		snprintf(buf, len, "'%c'", c);
}

static int
gojson_bad(struct gojson_scan *sc, const char *context)
{
	char	q[16];

	/*
	 * Go's scanner ends the input with a space: inside a literal, a
	 * number or an escape that is the error; elsewhere it is skipped
	 * and the input ended too soon.
	 */
	if (sc->p >= sc->end && (strncmp(context, "in ", 3) == 0 ||
	    strncmp(context, "after decimal", 13) == 0))
		return (err_set(sc->err, ERR_INTERNAL, "invalid character ' ' "
		    "%s", context));
	if (sc->p >= sc->end)
		return (err_set(sc->err, ERR_INTERNAL,
		    "unexpected end of JSON input"));
	gojson_quote(q, sizeof q, *sc->p);
	return (err_set(sc->err, ERR_INTERNAL, "invalid character %s %s", q,
	    context));
}

static void
gojson_space(struct gojson_scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
	    *sc->p == '\r' || *sc->p == '\n'))
		sc->p++;
}

static int
gojson_digit(struct gojson_scan *sc)
{
	return (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9');
}

static int	gojson_scan_value(struct gojson_scan *);

static int
gojson_scan_string(struct gojson_scan *sc)
{
	sc->p++;		/* the opening quote */
	for (;;) {
		if (sc->p >= sc->end)
			return (gojson_bad(sc, ""));
		if (*sc->p == '"') {
			sc->p++;
			return (0);
		}
		if (*sc->p < 0x20)
			return (gojson_bad(sc, "in string literal"));
		if (*sc->p++ != '\\')
			continue;
		if (sc->p >= sc->end)
			return (gojson_bad(sc, "in string escape code"));
		if (strchr("bfnrt\\/\"", *sc->p) != NULL && *sc->p != '\0') {
			sc->p++;
			continue;
		}
		if (*sc->p != 'u')
			return (gojson_bad(sc, "in string escape code"));
		sc->p++;
		for (int i = 0; i < 4; i++, sc->p++) {
			if (sc->p >= sc->end || strchr("0123456789abcdefABCDEF",
			    *sc->p) == NULL || *sc->p == '\0')
				return (gojson_bad(sc, "in \\u hexadecimal "
				    "character escape"));
		}
	}
}

static int
gojson_scan_number(struct gojson_scan *sc)
{
	if (*sc->p == '-') {
		sc->p++;
		if (!gojson_digit(sc))
			return (gojson_bad(sc, "in numeric literal"));
	}
	if (*sc->p == '0')
		sc->p++;
	else
		while (gojson_digit(sc))
			sc->p++;
	if (sc->p < sc->end && *sc->p == '.') {
		sc->p++;
		if (!gojson_digit(sc))
			return (gojson_bad(sc, "after decimal point in numeric "
			    "literal"));
		while (gojson_digit(sc))
			sc->p++;
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (!gojson_digit(sc))
			return (gojson_bad(sc, "in exponent of numeric "
			    "literal"));
		while (gojson_digit(sc))
			sc->p++;
	}
	return (0);
}

static int
gojson_scan_literal(struct gojson_scan *sc, const char *word)
{
	char	ctx[48];

	sc->p++;
	for (const char *w = word + 1; *w != '\0'; w++, sc->p++) {
		if (sc->p >= sc->end || *sc->p != (unsigned char)*w) {
			snprintf(ctx, sizeof ctx, "in literal %s (expecting "
			    "'%c')", word, *w);
			return (gojson_bad(sc, ctx));
		}
	}
	return (0);
}

/* After a value inside a container: Go's stateEndValue words. */
static int
gojson_scan_object(struct gojson_scan *sc)
{
	sc->p++;
	gojson_space(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return (0);
	}
	for (;;) {
		gojson_space(sc);
		if (sc->p >= sc->end || *sc->p != '"')
			return (gojson_bad(sc, "looking for beginning of "
			    "object key string"));
		if (gojson_scan_string(sc) != 0)
			return (-1);
		gojson_space(sc);
		if (sc->p >= sc->end || *sc->p != ':')
			return (gojson_bad(sc, "after object key"));
		sc->p++;
		if (gojson_scan_value(sc) != 0)
			return (-1);
		gojson_space(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == '}') {
			sc->p++;
			return (0);
		}
		return (gojson_bad(sc, "after object key:value pair"));
	}
}

static int
gojson_scan_array(struct gojson_scan *sc)
{
	sc->p++;
	gojson_space(sc);
	if (sc->p < sc->end && *sc->p == ']') {
		sc->p++;
		return (0);
	}
	for (;;) {
		if (gojson_scan_value(sc) != 0)
			return (-1);
		gojson_space(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == ']') {
			sc->p++;
			return (0);
		}
		return (gojson_bad(sc, "after array element"));
	}
}

static int
gojson_scan_value(struct gojson_scan *sc)
{
	gojson_space(sc);
	if (sc->p >= sc->end)
		return (gojson_bad(sc, ""));
	switch (*sc->p) {
	case '{':
		return (gojson_scan_object(sc));
	case '[':
		return (gojson_scan_array(sc));
	case '"':
		return (gojson_scan_string(sc));
	case 't':
		return (gojson_scan_literal(sc, "true"));
	case 'f':
		return (gojson_scan_literal(sc, "false"));
	case 'n':
		return (gojson_scan_literal(sc, "null"));
	default:
		if (*sc->p == '-' || gojson_digit(sc))
			return (gojson_scan_number(sc));
		return (gojson_bad(sc, "looking for beginning of value"));
	}
}

/* ---- strings --------------------------------------------------------- */

/* Appends the rune r as UTF-8. */
static size_t
gojson_put_rune(char *p, uint32_t r)
{
	if (r < 0x80) {
		p[0] = (char)r;
		return (1);
	}
	if (r < 0x800) {
		p[0] = (char)(0xc0 | (r >> 6));
		p[1] = (char)(0x80 | (r & 0x3f));
		return (2);
	}
	if (r < 0x10000) {
		p[0] = (char)(0xe0 | (r >> 12));
		p[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		p[2] = (char)(0x80 | (r & 0x3f));
		return (3);
	}
	p[0] = (char)(0xf0 | (r >> 18));
	p[1] = (char)(0x80 | ((r >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((r >> 6) & 0x3f));
	p[3] = (char)(0x80 | (r & 0x3f));
	return (4);
}

static uint32_t
gojson_hex4(const unsigned char *p)
{
	uint32_t	v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = p[i];

		v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return (v);
}

/* Length of a valid UTF-8 sequence at p, or 0 (Go then writes U+FFFD). */
static size_t
gojson_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char	c = p[0], lo = 0x80, hi = 0xbf;
	size_t		need;

	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return (0);
	if ((size_t)(end - p) < need + 1 || p[1] < lo || p[1] > hi)
		return (0);
	for (size_t i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (need + 1);
}

char *
gojson_unquote(const unsigned char **pp)
{
	const unsigned char	*p = *pp + 1;
	const unsigned char	*e = p;
	char			*out, *o;
	uint32_t		 r, r2;
	size_t			 n;

	while (*e != '"')
		e += *e == '\\' ? 2 : 1;
	o = out = xmalloc((size_t)(e - p) * 3 + 1);
	while (p < e) {
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'b': *o++ = '\b'; p++; continue;
			case 'f': *o++ = '\f'; p++; continue;
			case 'n': *o++ = '\n'; p++; continue;
			case 'r': *o++ = '\r'; p++; continue;
			case 't': *o++ = '\t'; p++; continue;
			case 'u': break;
			default: *o++ = (char)*p++; continue;
			}
			r = gojson_hex4(p + 1);
			p += 5;
			if (r >= 0xd800 && r < 0xdc00) {
				if (p + 6 <= e && p[0] == '\\' && p[1] == 'u' &&
				    (r2 = gojson_hex4(p + 2)) >= 0xdc00 &&
				    r2 < 0xe000) {
					r = 0x10000 + ((r - 0xd800) << 10) +
					    (r2 - 0xdc00);
					p += 6;
				} else
					r = 0xfffd;
			} else if (r >= 0xdc00 && r < 0xe000)
				r = 0xfffd;
			o += gojson_put_rune(o, r);
			continue;
		}
		if (*p < 0x80) {
			*o++ = (char)*p++;
			continue;
		}
		if ((n = gojson_utf8_len(p, e)) == 0) {
			o += gojson_put_rune(o, 0xfffd);
			p++;
			continue;
		}
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	*pp = e + 1;
	return (out);
}

int
gojson_check(const char *text, struct err *err)
{
	struct gojson_scan	sc;

	sc.p = (const unsigned char *)text;
	sc.end = sc.p + strlen(text);
	sc.err = err;
	if (gojson_scan_value(&sc) != 0)
		return (-1);
	gojson_space(&sc);
	if (sc.p < sc.end)
		return (gojson_bad(&sc, "after top-level value"));
	return (0);
}
