/* SPDX-License-Identifier: MIT */
/*
 * Log details: the "details" prefix of a record with attrs (a container's
 * labels or env), built the way dockerd prints it for details=1: the
 * pairs sorted by key, k=v URL-query-escaped, joined by ",".
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/base/xalloc.h"
#include "logdriver/logdetails.h"

static int
logdetails_url_safe(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~');
}

/* Appends s as Go's url.QueryEscape would to the details buffer. */
static void
logdetails_put(struct logdetails *d, const char *s, size_t n)
{
	char		*o;

	xgrow(&d->text, &d->cap, d->len + 3 * n + 2);
	o = d->text + d->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (logdetails_url_safe(c))
			*o++ = (char)c;
		else if (c == ' ')
			*o++ = '+';
		else {
			*o++ = '%';
			*o++ = "0123456789ABCDEF"[c >> 4];
			*o++ = "0123456789ABCDEF"[c & 0xf];
		}
	}
	d->len = (size_t)(o - d->text);
}

static const char *logdetails_sort_kv;

static int
logdetails_pair_cmp(const void *a, const void *b)
{
	const size_t	*x = a, *y = b;
	size_t		 n = x[1] < y[1] ? x[1] : y[1];
	int		 c;

	c = memcmp(logdetails_sort_kv + x[0], logdetails_sort_kv + y[0], n);
	if (c != 0)
		return (c);
	return (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/*
 * Builds the details prefix from the npairs pairs in kv: sorted by key
 * (byte order, like Go's sort.Strings), k=v escaped, joined by ",". Returns
 * -1 on a duplicate key (the fast path then hands the line to jansson).
 */
int
logdetails_build(struct logdetails *d, const char *kv, size_t npairs)
{
	size_t	*pr = d->pairs;

	d->len = 0;
	if (npairs == 0)
		return (0);
	logdetails_sort_kv = kv;
	qsort(pr, npairs, 4 * sizeof *pr, logdetails_pair_cmp);
	logdetails_sort_kv = NULL;
	for (size_t i = 0; i < npairs; i++) {
		if (i > 0 && pr[4 * i + 1] == pr[4 * i - 3] &&
		    memcmp(kv + pr[4 * i], kv + pr[4 * i - 4],
		    pr[4 * i + 1]) == 0)
			return (-1);
		if (i > 0) {
			xgrow(&d->text, &d->cap, d->len + 1);
			d->text[d->len++] = ',';
		}
		logdetails_put(d, kv + pr[4 * i], pr[4 * i + 1]);
		xgrow(&d->text, &d->cap, d->len + 1);
		d->text[d->len++] = '=';
		logdetails_put(d, kv + pr[4 * i + 2], pr[4 * i + 3]);
	}
	return (0);
}

/* Adds a key/value pair slot; returns its index. */
size_t *
logdetails_pair_add(struct logdetails *d, size_t npairs)
{
	if ((npairs + 1) * 4 > d->pairscap) {
		d->pairscap = d->pairscap == 0 ? 64 : d->pairscap * 2;
		d->pairs = xreallocarray(d->pairs, d->pairscap,
		    sizeof *d->pairs);
	}
	return (d->pairs + 4 * npairs);
}

void
logdetails_clear(struct logdetails *d)
{
	xfree(d->text);
	xfree(d->pairs);
	memset(d, 0, sizeof *d);
}
