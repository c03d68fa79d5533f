/* SPDX-License-Identifier: MIT */
/*
 * dockerd's filters.Args (api/types/filters): the ?filters= parameter of
 * /events and /containers/json, parsed as filters.FromJSON does it (the
 * map form {"k":{"v":true}} first, then the legacy {"k":["v"]}), with Go's
 * own error texts, and the same matchers (exact, prefix, regexp, key=value).
 */
#ifndef LP_FILTERS_H
#define LP_FILTERS_H

#include <stddef.h>

#include "daemon/base/err.h"

struct filters;

/*
 * Parses text (NULL or "" = no filters). On error returns NULL with
 * ERR_INTERNAL and Go's message ("invalid character 'x' looking for
 * beginning of value", "json: cannot unmarshal string into Go value of type
 * map[string]bool"): dockerd answers these with 500. Free with
 * filters_free().
 */
struct filters	*filters_parse(const char *text, struct err *);
void		 filters_free(struct filters *);

/* Args.Validate: ERR_INVALID "Invalid filter 'name'" for an unknown key. */
int		 filters_validate(const struct filters *,
		     const char *const *accepted, struct err *);
/*
 * dockerd's invalidFilter{key, values} for a value it cannot use:
 * ERR_INVALID "Invalid filter 'key=[v1 v2]'" (Go prints the []string).
 */
int		 filters_invalid_value(const struct filters *, const char *key,
		     struct err *);
/* Args.Len: the number of keys. */
size_t		 filters_len(const struct filters *);
/* Args.Contains: the key is present (even with no values). */
int		 filters_contains(const struct filters *, const char *key);
/* Args.Get: the number of values and the i-th one. */
size_t		 filters_count(const struct filters *, const char *key);
const char	*filters_value(const struct filters *, const char *key,
		     size_t i);
/* Args.ExactMatch: no values, or src is one whose flag is true. */
int		 filters_exact(const struct filters *, const char *key,
		     const char *src);
/* Args.FuzzyMatch: exact, or some value is a prefix of src. */
int		 filters_fuzzy(const struct filters *, const char *key,
		     const char *src);
/* Args.Match: exact, or some value is a regular expression matching src. */
int		 filters_match(const struct filters *, const char *key,
		     const char *src);
/*
 * Args.MatchKVList: every value "k" or "k=v" is found by get(arg, k) (and
 * equals v); true when the key has no values, false when has_any is 0.
 */
int		 filters_match_kv(const struct filters *, const char *key,
		     const char *(*get)(void *, const char *), void *arg,
		     int has_any);

/*
 * reference.FamiliarName(ParseNormalizedNamed(s)), dockerd's stripTag: the
 * tag and digest go, docker.io/ and library/ too ("docker.io/library/
 * busybox:1" -> "busybox"); s as given when it is no valid reference.
 */
void		 filters_image_name(const char *s, char *buf, size_t len);

#endif
