/* SPDX-License-Identifier: MIT */
/*
 * Metrics: histograms as plain structs the owners embed or keep static
 * (counters and gauges are plain integers), and the writer of Prometheus'
 * text exposition format (version 0.0.4). Observing never allocates;
 * only the scrape formats.
 *
 * Ownership: everything here is the caller's; strings given to a
 * histogram set (its label values) and bucket arrays must be static.
 */
#ifndef LP_METRICS_H
#define LP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* Upper bounds a histogram may have, besides +Inf. */
#define METRICS_HIST_MAX	16
/* Label values a histogram set keeps apart; more share "other". */
#define METRICS_SET_MAX		64

struct metrics_hist {
	const double	*bounds;	/* borrowed, static, ascending */
	size_t		 nbounds;
	uint64_t	 buckets[METRICS_HIST_MAX + 1];	/* not cumulative;
						   the last is +Inf */
	uint64_t	 count;
	double		 sum;
};

/* One histogram per value of one label (a route, a kind). */
struct metrics_hist_set {
	const char		*label;		/* "route" */
	const char		*values[METRICS_SET_MAX];	/* borrowed */
	struct metrics_hist	 hists[METRICS_SET_MAX];
	size_t			 n;
	const double		*bounds;
	size_t			 nbounds;
};

struct metrics_label {
	const char	*name;
	const char	*value;		/* escaped when written */
};

/* Sets the buckets (n <= METRICS_HIST_MAX) and zeroes the counts. */
void	 metrics_hist_init(struct metrics_hist *, const double *bounds,
	     size_t n);
void	 metrics_hist_observe(struct metrics_hist *, double v);

void	 metrics_hist_set_init(struct metrics_hist_set *, const char *label,
	     const double *bounds, size_t n);
/*
 * The histogram for value (compared by pointer, then by text); the first
 * METRICS_SET_MAX - 1 values get their own, later ones share "other".
 */
struct metrics_hist *metrics_hist_set_get(struct metrics_hist_set *,
	     const char *value);

/*
 * Writing, one family at a time: its HELP and TYPE ("counter", "gauge",
 * "histogram") first, then its samples. help is escaped as the format
 * asks (backslash, newline), label values too (and double quotes).
 */
void	 metrics_family(struct evbuffer *, const char *name, const char *type,
	     const char *help);
void	 metrics_sample(struct evbuffer *, const char *name,
	     const struct metrics_label *, size_t nlabels, double v);
/* An integer sample, exact beyond 2^53. */
void	 metrics_sample_u64(struct evbuffer *, const char *name,
	     const struct metrics_label *, size_t nlabels, uint64_t v);
/* name_bucket{...,le="..."} (cumulative, +Inf last), name_sum, name_count. */
void	 metrics_hist_write(struct evbuffer *, const char *name,
	     const struct metrics_label *, size_t nlabels,
	     const struct metrics_hist *);
/* Every histogram of the set, labelled with its value. */
void	 metrics_hist_set_write(struct evbuffer *, const char *name,
	     const struct metrics_hist_set *);
/* Go's shortest float text ("0.005", "1e-06", "+Inf", "NaN"). */
void	 metrics_format_double(char *buf, size_t len, double v);

#endif
