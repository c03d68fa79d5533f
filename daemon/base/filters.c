/* SPDX-License-Identifier: MIT */
/*
 * filters.Args: a syntax check that words its errors as Go's encoding/json
 * scanner (checkValid runs over the whole text before any decoding), then a
 * decoder that keeps Go's first type error for each of the two shapes.
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/filters.h"
#include "daemon/base/xalloc.h"

struct filters_value {
	char	*s;		/* owned */
	int	 on;		/* the map form's bool */
};

struct filters_key {
	char			*name;		/* owned */
	struct filters_value	*v;		/* owned */
	size_t			 n;
};

struct filters {
	struct filters_key	*keys;		/* owned */
	size_t			 n;
};

/* ---- Go's scanner, for its error texts ------------------------------- */

struct filters_scan {
	const unsigned char	*p;
	const unsigned char	*end;
	struct err		*err;
};

/* Go's quoteChar: the byte as a rune, strconv.Quote'd, in single quotes. */
static void
filters_quote(char *buf, size_t len, unsigned c)
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
		snprintf(buf, len, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
	else
		snprintf(buf, len, "'%c'", c);
}

static int
filters_bad(struct filters_scan *sc, const char *context)
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
	filters_quote(q, sizeof q, *sc->p);
	return (err_set(sc->err, ERR_INTERNAL, "invalid character %s %s", q,
	    context));
}

static void
filters_space(struct filters_scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
	    *sc->p == '\r' || *sc->p == '\n'))
		sc->p++;
}

static int
filters_digit(struct filters_scan *sc)
{
	return (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9');
}

static int	filters_scan_value(struct filters_scan *);

static int
filters_scan_string(struct filters_scan *sc)
{
	sc->p++;		/* the opening quote */
	for (;;) {
		if (sc->p >= sc->end)
			return (filters_bad(sc, ""));
		if (*sc->p == '"') {
			sc->p++;
			return (0);
		}
		if (*sc->p < 0x20)
			return (filters_bad(sc, "in string literal"));
		if (*sc->p++ != '\\')
			continue;
		if (sc->p >= sc->end)
			return (filters_bad(sc, "in string escape code"));
		if (strchr("bfnrt\\/\"", *sc->p) != NULL && *sc->p != '\0') {
			sc->p++;
			continue;
		}
		if (*sc->p != 'u')
			return (filters_bad(sc, "in string escape code"));
		sc->p++;
		for (int i = 0; i < 4; i++, sc->p++) {
			if (sc->p >= sc->end || strchr("0123456789abcdefABCDEF",
			    *sc->p) == NULL || *sc->p == '\0')
				return (filters_bad(sc, "in \\u hexadecimal "
				    "character escape"));
		}
	}
}

static int
filters_scan_number(struct filters_scan *sc)
{
	if (*sc->p == '-') {
		sc->p++;
		if (!filters_digit(sc))
			return (filters_bad(sc, "in numeric literal"));
	}
	if (*sc->p == '0')
		sc->p++;
	else
		while (filters_digit(sc))
			sc->p++;
	if (sc->p < sc->end && *sc->p == '.') {
		sc->p++;
		if (!filters_digit(sc))
			return (filters_bad(sc, "after decimal point in numeric "
			    "literal"));
		while (filters_digit(sc))
			sc->p++;
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (!filters_digit(sc))
			return (filters_bad(sc, "in exponent of numeric "
			    "literal"));
		while (filters_digit(sc))
			sc->p++;
	}
	return (0);
}

static int
filters_scan_literal(struct filters_scan *sc, const char *word)
{
	char	ctx[48];

	sc->p++;
	for (const char *w = word + 1; *w != '\0'; w++, sc->p++) {
		if (sc->p >= sc->end || *sc->p != (unsigned char)*w) {
			snprintf(ctx, sizeof ctx, "in literal %s (expecting "
			    "'%c')", word, *w);
			return (filters_bad(sc, ctx));
		}
	}
	return (0);
}

/* After a value inside a container: Go's stateEndValue words. */
static int
filters_scan_object(struct filters_scan *sc)
{
	sc->p++;
	filters_space(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return (0);
	}
	for (;;) {
		filters_space(sc);
		if (sc->p >= sc->end || *sc->p != '"')
			return (filters_bad(sc, "looking for beginning of "
			    "object key string"));
		if (filters_scan_string(sc) != 0)
			return (-1);
		filters_space(sc);
		if (sc->p >= sc->end || *sc->p != ':')
			return (filters_bad(sc, "after object key"));
		sc->p++;
		if (filters_scan_value(sc) != 0)
			return (-1);
		filters_space(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == '}') {
			sc->p++;
			return (0);
		}
		return (filters_bad(sc, "after object key:value pair"));
	}
}

static int
filters_scan_array(struct filters_scan *sc)
{
	sc->p++;
	filters_space(sc);
	if (sc->p < sc->end && *sc->p == ']') {
		sc->p++;
		return (0);
	}
	for (;;) {
		if (filters_scan_value(sc) != 0)
			return (-1);
		filters_space(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == ']') {
			sc->p++;
			return (0);
		}
		return (filters_bad(sc, "after array element"));
	}
}

static int
filters_scan_value(struct filters_scan *sc)
{
	filters_space(sc);
	if (sc->p >= sc->end)
		return (filters_bad(sc, ""));
	switch (*sc->p) {
	case '{':
		return (filters_scan_object(sc));
	case '[':
		return (filters_scan_array(sc));
	case '"':
		return (filters_scan_string(sc));
	case 't':
		return (filters_scan_literal(sc, "true"));
	case 'f':
		return (filters_scan_literal(sc, "false"));
	case 'n':
		return (filters_scan_literal(sc, "null"));
	default:
		if (*sc->p == '-' || filters_digit(sc))
			return (filters_scan_number(sc));
		return (filters_bad(sc, "looking for beginning of value"));
	}
}

/* ---- decoding a text the scanner accepted ---------------------------- */

/* Appends the rune r as UTF-8. */
static size_t
filters_put_rune(char *p, uint32_t r)
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
filters_hex4(const unsigned char *p)
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
filters_utf8_len(const unsigned char *p, const unsigned char *end)
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

/* Decodes the string at *pp (a quote) as Go's unquote; xfree the result. */
static char *
filters_string(const unsigned char **pp)
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
			r = filters_hex4(p + 1);
			p += 5;
			if (r >= 0xd800 && r < 0xdc00) {
				if (p + 6 <= e && p[0] == '\\' && p[1] == 'u' &&
				    (r2 = filters_hex4(p + 2)) >= 0xdc00 &&
				    r2 < 0xe000) {
					r = 0x10000 + ((r - 0xd800) << 10) +
					    (r2 - 0xdc00);
					p += 6;
				} else
					r = 0xfffd;
			} else if (r >= 0xdc00 && r < 0xe000)
				r = 0xfffd;
			o += filters_put_rune(o, r);
			continue;
		}
		if (*p < 0x80) {
			*o++ = (char)*p++;
			continue;
		}
		if ((n = filters_utf8_len(p, e)) == 0) {
			o += filters_put_rune(o, 0xfffd);
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

static const char *
filters_kind(unsigned char c)
{
	switch (c) {
	case '{': return ("object");
	case '[': return ("array");
	case '"': return ("string");
	case 't': case 'f': return ("bool");
	default: return ("number");
	}
}

static void
filters_skip_space(const unsigned char **pp)
{
	while (**pp == ' ' || **pp == '\t' || **pp == '\r' || **pp == '\n')
		(*pp)++;
}

/* Skips one valid value (the scanner vouched for it). */
static void
filters_skip(const unsigned char **pp)
{
	filters_skip_space(pp);
	if (**pp == '"') {
		xfree(filters_string(pp));
		return;
	}
	if (**pp != '{' && **pp != '[') {
		while (**pp != '\0' && strchr(",]} \t\r\n", **pp) == NULL)
			(*pp)++;
		return;
	}
	(*pp)++;
	for (;;) {
		filters_skip_space(pp);
		if (**pp == '}' || **pp == ']') {
			(*pp)++;
			return;
		}
		if (**pp == ',' || **pp == ':')
			(*pp)++;
		else
			filters_skip(pp);
	}
}

static struct filters_key *
filters_key_add(struct filters *f, char *name)
{
	struct filters_key	*k;

	/* A key given twice: Go decodes a fresh element; the last wins. */
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->keys[i].name, name) != 0)
			continue;
		k = &f->keys[i];
		xfree(name);
		for (size_t j = 0; j < k->n; j++)
			xfree(k->v[j].s);
		xfree(k->v);
		k->v = NULL;
		k->n = 0;
		return (k);
	}
	f->keys = xreallocarray(f->keys, f->n + 1, sizeof *f->keys);
	k = &f->keys[f->n++];
	memset(k, 0, sizeof *k);
	k->name = name;
	return (k);
}

static void
filters_value_add(struct filters_key *k, char *s, int on)
{
	for (size_t i = 0; i < k->n; i++) {
		if (strcmp(k->v[i].s, s) == 0) {
			k->v[i].on = on;
			xfree(s);
			return;
		}
	}
	k->v = xreallocarray(k->v, k->n + 1, sizeof *k->v);
	k->v[k->n].s = s;
	k->v[k->n++].on = on;
}

static void
filters_type_err(struct err *err, int *failed, unsigned char c,
    const char *type)
{
	if (!*failed)
		err_set(err, ERR_INTERNAL, "json: cannot unmarshal %s into Go "
		    "value of type %s", filters_kind(c), type);
	*failed = 1;
}

/*
 * Decodes text into f in one shape: legacy 0 is map[string]map[string]bool,
 * 1 is map[string][]string. Returns 0, or -1 with Go's first type error
 * (decoding goes on after it, as Go's does, but f is then discarded).
 */
static int
filters_decode(struct filters *f, const unsigned char *p, int legacy,
    struct err *err)
{
	struct filters_key	*k;
	int			 failed = 0;
	char			*name;

	filters_skip_space(&p);
	if (*p == 'n')
		return (0);
	if (*p != '{') {
		filters_type_err(err, &failed, *p, legacy ?
		    "map[string][]string" : "map[string]map[string]bool");
		return (-1);
	}
	p++;
	for (;;) {
		filters_skip_space(&p);
		if (*p == '}')
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		name = filters_string(&p);
		filters_skip_space(&p);
		p++;				/* ':' */
		filters_skip_space(&p);
		if (*p == 'n') {
			filters_key_add(f, name);
			p += 4;
			continue;
		}
		if (*p != (legacy ? '[' : '{')) {
			filters_type_err(err, &failed, *p, legacy ? "[]string" :
			    "map[string]bool");
			xfree(name);
			filters_skip(&p);
			continue;
		}
		k = filters_key_add(f, name);
		p++;
		for (;;) {
			filters_skip_space(&p);
			if (*p == '}' || *p == ']') {
				p++;
				break;
			}
			if (*p == ',') {
				p++;
				continue;
			}
			if (legacy) {
				if (*p == 'n') {
					filters_value_add(k, xstrdup(""), 1);
					p += 4;
				} else if (*p == '"')
					filters_value_add(k, filters_string(&p),
					    1);
				else {
					filters_type_err(err, &failed, *p,
					    "string");
					filters_skip(&p);
				}
				continue;
			}
			name = filters_string(&p);
			filters_skip_space(&p);
			p++;			/* ':' */
			filters_skip_space(&p);
			if (*p == 't' || *p == 'f' || *p == 'n') {
				filters_value_add(k, name, *p == 't');
				p += *p == 'f' ? 5 : 4;
				continue;
			}
			filters_type_err(err, &failed, *p, "bool");
			xfree(name);
			filters_skip(&p);
		}
	}
	return (failed ? -1 : 0);
}

static void
filters_clear(struct filters *f)
{
	for (size_t i = 0; i < f->n; i++) {
		for (size_t j = 0; j < f->keys[i].n; j++)
			xfree(f->keys[i].v[j].s);
		xfree(f->keys[i].v);
		xfree(f->keys[i].name);
	}
	xfree(f->keys);
	f->keys = NULL;
	f->n = 0;
}

struct filters *
filters_parse(const char *text, struct err *err)
{
	struct filters		*f = xcalloc(1, sizeof *f);
	struct filters_scan	 sc;
	struct err		 legacy_err;

	if (text == NULL || *text == '\0')
		return (f);
	sc.p = (const unsigned char *)text;
	sc.end = sc.p + strlen(text);
	sc.err = err;
	if (filters_scan_value(&sc) != 0)
		goto fail;
	filters_space(&sc);
	if (sc.p < sc.end) {
		filters_bad(&sc, "after top-level value");
		goto fail;
	}
	if (filters_decode(f, (const unsigned char *)text, 0, err) == 0)
		return (f);
	/* The legacy form is tried only when the map form failed. */
	filters_clear(f);
	if (filters_decode(f, (const unsigned char *)text, 1, &legacy_err) ==
	    0)
		return (f);
fail:
	filters_free(f);
	return (NULL);
}

void
filters_free(struct filters *f)
{
	if (f == NULL)
		return;
	filters_clear(f);
	xfree(f);
}

/* ---- matching -------------------------------------------------------- */

static const struct filters_key *
filters_find(const struct filters *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i].name, key) == 0)
			return (&f->keys[i]);
	return (NULL);
}

int
filters_validate(const struct filters *f, const char *const *accepted,
    struct err *err)
{
	for (size_t i = 0; i < f->n; i++) {
		size_t j;

		for (j = 0; accepted[j] != NULL; j++)
			if (strcmp(accepted[j], f->keys[i].name) == 0)
				break;
		if (accepted[j] == NULL)
			return (err_set(err, ERR_INVALID, "Invalid filter '%s'",
			    f->keys[i].name));
	}
	return (0);
}

size_t
filters_len(const struct filters *f)
{
	return (f->n);
}

int
filters_contains(const struct filters *f, const char *key)
{
	return (filters_find(f, key) != NULL);
}

size_t
filters_count(const struct filters *f, const char *key)
{
	const struct filters_key	*k = filters_find(f, key);

	return (k != NULL ? k->n : 0);
}

const char *
filters_value(const struct filters *f, const char *key, size_t i)
{
	const struct filters_key	*k = filters_find(f, key);

	return (k != NULL && i < k->n ? k->v[i].s : NULL);
}

int
filters_exact(const struct filters *f, const char *key, const char *src)
{
	const struct filters_key	*k = filters_find(f, key);

	if (k == NULL || k->n == 0)
		return (1);
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->v[i].s, src) == 0)
			return (k->v[i].on);
	return (0);
}

int
filters_fuzzy(const struct filters *f, const char *key, const char *src)
{
	const struct filters_key	*k = filters_find(f, key);

	if (filters_exact(f, key, src))
		return (1);
	for (size_t i = 0; i < k->n; i++)
		if (strncmp(src, k->v[i].s, strlen(k->v[i].s)) == 0)
			return (1);
	return (0);
}

/*
 * Go's regexp is RE2; POSIX extended expressions agree on what filters
 * use (literals, ., *, +, ?, ^, $, [], |, groups). An invalid one is
 * skipped, as dockerd does.
 */
int
filters_match(const struct filters *f, const char *key, const char *src)
{
	const struct filters_key	*k = filters_find(f, key);
	regex_t				 re;
	int				 hit;

	if (filters_exact(f, key, src))
		return (1);
	for (size_t i = 0; i < k->n; i++) {
		if (regcomp(&re, k->v[i].s, REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		hit = regexec(&re, src, 0, NULL, 0) == 0;
		regfree(&re);
		if (hit)
			return (1);
	}
	return (0);
}

int
filters_match_kv(const struct filters *f, const char *key,
    const char *(*get)(void *, const char *), void *arg, int has_any)
{
	const struct filters_key	*k = filters_find(f, key);
	const char			*v, *eq;
	char				*name;
	int				 ok;

	if (k == NULL || k->n == 0)
		return (1);
	if (!has_any)
		return (0);
	for (size_t i = 0; i < k->n; i++) {
		eq = strchr(k->v[i].s, '=');
		name = eq != NULL ? xstrndup(k->v[i].s,
		    (size_t)(eq - k->v[i].s)) : xstrdup(k->v[i].s);
		v = get(arg, name);
		ok = v != NULL && (eq == NULL || strcmp(eq + 1, v) == 0);
		xfree(name);
		if (!ok)
			return (0);
	}
	return (1);
}

/* A path component of a reference: [a-z0-9]+ joined by . _ __ or -s. */
static int
filters_ref_path_ok(const char *s, size_t n)
{
	if (n == 0)
		return (0);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' || c == '/'))
			return (0);
	}
	return (1);
}

void
filters_image_name(const char *s, char *buf, size_t len)
{
	char		*ref = xstrdup(s), *at, *slash, *colon, *path;
	const char	*domain = "docker.io";
	size_t		 hex = 0;

	if ((at = strchr(ref, '@')) != NULL)
		*at = '\0';
	slash = strrchr(ref, '/');
	if ((colon = strchr(slash != NULL ? slash : ref, ':')) != NULL)
		*colon = '\0';
	path = ref;
	if ((slash = strchr(ref, '/')) != NULL) {
		size_t dl = (size_t)(slash - ref);

		if (memchr(ref, '.', dl) != NULL || memchr(ref, ':', dl) !=
		    NULL || (dl == 9 && strncmp(ref, "localhost", 9) == 0)) {
			*slash = '\0';
			domain = ref;
			path = slash + 1;
		}
	}
	while (path[hex] != '\0' && strchr("0123456789abcdef", path[hex]))
		hex++;
	/* Not a reference (upper case, a bare 64-hex id...): as given. */
	if (!filters_ref_path_ok(path, strlen(path)) ||
	    (hex == 64 && path[64] == '\0' && domain[0] == 'd')) {
		snprintf(buf, len, "%s", s);
		xfree(ref);
		return;
	}
	if (strcmp(domain, "index.docker.io") == 0)
		domain = "docker.io";
	if (strcmp(domain, "docker.io") == 0) {
		if (strncmp(path, "library/", 8) == 0 &&
		    strchr(path + 8, '/') == NULL)
			path += 8;
		snprintf(buf, len, "%s", path);
	} else
		snprintf(buf, len, "%s/%s", domain, path);
	xfree(ref);
}
