/* SPDX-License-Identifier: MIT */
/*
 * Log details: the "details" prefix of a record with attrs (a container's
 * labels or env), built the way dockerd prints it for details=1: the
 * pairs sorted by key, k=v URL-query-escaped, joined by ",".
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/base/xalloc.h"
#include "logdriver/logdecode.h"
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
logdetails_put(struct logdecode *dec, const char *s, size_t n)
{
	char		*o;

	xgrow(&dec->details, &dec->detailscap,
	    dec->detailslen + 3 * n + 2);
	o = dec->details + dec->detailslen;
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
	dec->detailslen = (size_t)(o - dec->details);
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
 * Builds the details prefix from the npairs pairs in dec->kv: sorted by key
 * (byte order, like Go's sort.Strings), k=v escaped, joined by ",". Returns
 * -1 on a duplicate key (the fast path then hands the line to jansson).
 */
int
logdetails_build(struct logdecode *dec, size_t npairs)
{
	size_t	*pr = dec->pairs;

	dec->detailslen = 0;
	if (npairs == 0)
		return (0);
	logdetails_sort_kv = dec->kv;
	qsort(pr, npairs, 4 * sizeof *pr, logdetails_pair_cmp);
	logdetails_sort_kv = NULL;
	dec->detailslen = 0;
	for (size_t i = 0; i < npairs; i++) {
		if (i > 0 && pr[4 * i + 1] == pr[4 * i - 3] &&
		    memcmp(dec->kv + pr[4 * i], dec->kv + pr[4 * i - 4],
		    pr[4 * i + 1]) == 0)
			return (-1);
		if (i > 0) {
			xgrow(&dec->details, &dec->detailscap,
			    dec->detailslen + 1);
			dec->details[dec->detailslen++] = ',';
		}
		logdetails_put(dec, dec->kv + pr[4 * i], pr[4 * i + 1]);
		xgrow(&dec->details, &dec->detailscap,
		    dec->detailslen + 1);
		dec->details[dec->detailslen++] = '=';
		logdetails_put(dec, dec->kv + pr[4 * i + 2],
		    pr[4 * i + 3]);
	}
	return (0);
}

/* Adds a key/value pair slot; returns its index. */
size_t *
logdetails_pair_add(struct logdecode *dec, size_t npairs)
{
	if ((npairs + 1) * 4 > dec->pairscap) {
		dec->pairscap = dec->pairscap == 0 ? 64 : dec->pairscap * 2;
		dec->pairs = xreallocarray(dec->pairs, dec->pairscap,
		    sizeof *dec->pairs);
	}
	return (dec->pairs + 4 * npairs);
}
