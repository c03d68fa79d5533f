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
#include "daemon/base/gojson.h"
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
		xfree(gojson_unquote(pp));
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
		name = gojson_unquote(&p);
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
					filters_value_add(k, gojson_unquote(&p),
					    1);
				else {
					filters_type_err(err, &failed, *p,
					    "string");
					filters_skip(&p);
				}
				continue;
			}
			name = gojson_unquote(&p);
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
	struct err		 legacy_err;

	if (text == NULL || *text == '\0')
		return (f);
	if (gojson_check(text, err) != 0)
		goto fail;
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

int
filters_invalid_value(const struct filters *f, const char *key,
    struct err *err)
{
	char	buf[512];
	size_t	len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < filters_count(f, key) && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    i > 0 ? " " : "", filters_value(f, key, i));
	return (err_set(err, ERR_INVALID, "Invalid filter '%s=[%s]'", key,
	    buf));
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
