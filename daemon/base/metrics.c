/* SPDX-License-Identifier: MIT */
/*
 * Histograms and the Prometheus text format (exposition format 0.0.4):
 * "# HELP name text", "# TYPE name type", then "name{l="v"} value" lines,
 * one family after the other, as client_golang writes them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/base/metrics.h"

void
metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof *h);
	if (n > METRICS_HIST_MAX)
		n = METRICS_HIST_MAX;
	h->bounds = bounds;
	h->nbounds = n;
}

void
metrics_hist_observe(struct metrics_hist *h, double v)
{
	size_t	i = 0;

	/* le: a value equal to a bound belongs to that bound's bucket. */
	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum += v;
}

void
metrics_hist_set_init(struct metrics_hist_set *s, const char *label,
    const double *bounds, size_t n)
{
	memset(s, 0, sizeof *s);
	s->label = label;
	s->bounds = bounds;
	s->nbounds = n;
}

struct metrics_hist *
metrics_hist_set_get(struct metrics_hist_set *s, const char *value)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (s->values[i] == value || strcmp(s->values[i], value) == 0)
			return (&s->hists[i]);
	}
	if (s->n == METRICS_SET_MAX - 1) {
		/* Full: the last slot is everyone else's. */
		if (s->values[s->n] == NULL) {
			s->values[s->n] = "other";
			metrics_hist_init(&s->hists[s->n], s->bounds,
			    s->nbounds);
		}
		return (&s->hists[s->n]);
	}
	s->values[s->n] = value;
	metrics_hist_init(&s->hists[s->n], s->bounds, s->nbounds);
	return (&s->hists[s->n++]);
}

void
metrics_format_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v == 0 ? 0.0 : v);
		return;
	}
	/* The shortest text that reads back as the same double. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Escapes as the format asks: \\ and \n always, \" in label values. */
static void
metrics_escape(struct evbuffer *out, const char *s, int quote)
{
	const char	*run = s;

	for (; *s != '\0'; s++) {
		const char	*rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (rep == NULL)
			continue;
		evbuffer_add(out, run, (size_t)(s - run));
		evbuffer_add(out, rep, strlen(rep));
		run = s + 1;
	}
	evbuffer_add(out, run, (size_t)(s - run));
}

void
metrics_family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	metrics_escape(out, help, 0);
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* name{a="x",b="y"} with an optional extra label (le) last. */
static void
metrics_head(struct evbuffer *out, const char *name, const char *suffix,
    const struct metrics_label *l, size_t n, const char *le)
{
	evbuffer_add_printf(out, "%s%s", name, suffix);
	if (n == 0 && le == NULL)
		return;
	evbuffer_add(out, "{", 1);
	for (size_t i = 0; i < n; i++) {
		evbuffer_add_printf(out, "%s%s=\"", i > 0 ? "," : "",
		    l[i].name);
		metrics_escape(out, l[i].value, 1);
		evbuffer_add(out, "\"", 1);
	}
	if (le != NULL)
		evbuffer_add_printf(out, "%sle=\"%s\"", n > 0 ? "," : "", le);
	evbuffer_add(out, "}", 1);
}

void
metrics_sample(struct evbuffer *out, const char *name,
    const struct metrics_label *l, size_t n, double v)
{
	char	num[32];

	metrics_format_double(num, sizeof num, v);
	metrics_head(out, name, "", l, n, NULL);
	evbuffer_add_printf(out, " %s\n", num);
}

void
metrics_sample_u64(struct evbuffer *out, const char *name,
    const struct metrics_label *l, size_t n, uint64_t v)
{
	metrics_head(out, name, "", l, n, NULL);
	evbuffer_add_printf(out, " %llu\n", (unsigned long long)v);
}

void
metrics_hist_write(struct evbuffer *out, const char *name,
    const struct metrics_label *l, size_t n, const struct metrics_hist *h)
{
	char		le[32], num[32];
	uint64_t	cum = 0;

	for (size_t i = 0; i <= h->nbounds; i++) {
		cum += h->buckets[i];
		if (i < h->nbounds)
			metrics_format_double(le, sizeof le, h->bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		metrics_head(out, name, "_bucket", l, n, le);
		evbuffer_add_printf(out, " %llu\n", (unsigned long long)cum);
	}
	metrics_format_double(num, sizeof num, h->sum);
	metrics_head(out, name, "_sum", l, n, NULL);
	evbuffer_add_printf(out, " %s\n", num);
	metrics_head(out, name, "_count", l, n, NULL);
	evbuffer_add_printf(out, " %llu\n", (unsigned long long)h->count);
}

void
metrics_hist_set_write(struct evbuffer *out, const char *name,
    const struct metrics_hist_set *s)
{
	size_t	total = s->n + (s->n < METRICS_SET_MAX &&
		    s->values[s->n] != NULL ? 1 : 0);

	for (size_t i = 0; i < total; i++) {
		struct metrics_label	l = { s->label, s->values[i] };

		metrics_hist_write(out, name, &l, 1, &s->hists[i]);
	}
}
