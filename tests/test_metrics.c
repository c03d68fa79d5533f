/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus text format as daemon/base/metrics.c writes it, byte for
 * byte: families, escaping, numbers as Go prints them, cumulative buckets
 * with le on the boundary, and the histogram set's "other" slot.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/base/metrics.h"
#include "tests/helpers.h"

/* The buffer's text, NUL-terminated; freed with the buffer. */
static const char *
text(struct evbuffer *b)
{
	evbuffer_add(b, "", 1);
	return ((const char *)evbuffer_pullup(b, -1));
}

static void
test_metrics_numbers_read_as_go_writes_them(void **state)
{
	char	buf[32];

	(void)state;
	metrics_format_double(buf, sizeof buf, 0);
	assert_string_equal(buf, "0");
	metrics_format_double(buf, sizeof buf, -0.0);
	assert_string_equal(buf, "0");
	metrics_format_double(buf, sizeof buf, 42);
	assert_string_equal(buf, "42");
	metrics_format_double(buf, sizeof buf, 0.005);
	assert_string_equal(buf, "0.005");
	metrics_format_double(buf, sizeof buf, 0.1 + 0.2);
	assert_string_equal(buf, "0.30000000000000004");
	metrics_format_double(buf, sizeof buf, 1e-06);
	assert_string_equal(buf, "1e-06");
	metrics_format_double(buf, sizeof buf, INFINITY);
	assert_string_equal(buf, "+Inf");
	metrics_format_double(buf, sizeof buf, -INFINITY);
	assert_string_equal(buf, "-Inf");
	metrics_format_double(buf, sizeof buf, NAN);
	assert_string_equal(buf, "NaN");
	metrics_format_double(buf, sizeof buf, 1e20);
	assert_string_equal(buf, "1e+20");
}

static void
test_metrics_family_and_samples_are_exact(void **state)
{
	struct evbuffer		*b = evbuffer_new();
	struct metrics_label	 l[2] = {
		{ "route", "api.logs_container" },
		{ "note", "a \"quoted\" \\ back\nslash" },
	};

	(void)state;
	metrics_family(b, "lp_things_total", "counter",
	    "Things, with a \\ and a\nnewline \"kept\".");
	metrics_sample_u64(b, "lp_things_total", NULL, 0,
	    18446744073709551615ULL);
	metrics_sample_u64(b, "lp_things_total", l, 1, 3);
	metrics_sample(b, "lp_things_total", l, 2, 2.5);
	assert_string_equal(text(b),
	    "# HELP lp_things_total Things, with a \\\\ and a\\nnewline "
	    "\"kept\".\n"
	    "# TYPE lp_things_total counter\n"
	    "lp_things_total 18446744073709551615\n"
	    "lp_things_total{route=\"api.logs_container\"} 3\n"
	    "lp_things_total{route=\"api.logs_container\",note=\"a "
	    "\\\"quoted\\\" \\\\ back\\nslash\"} 2.5\n");
	evbuffer_free(b);
}

static void
test_metrics_histogram_buckets_are_cumulative_le(void **state)
{
	static const double	 bounds[] = { 0.001, 0.01, 1 };
	struct metrics_hist	 h;
	struct metrics_label	 l = { "route", "api.ping" };
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	metrics_hist_init(&h, bounds, 3);
	metrics_hist_observe(&h, 0.001);	/* on the bound: its bucket */
	metrics_hist_observe(&h, 0.0005);
	metrics_hist_observe(&h, 0.5);
	metrics_hist_observe(&h, 7);		/* only +Inf */
	metrics_hist_write(b, "lp_seconds", &l, 1, &h);
	assert_string_equal(text(b),
	    "lp_seconds_bucket{route=\"api.ping\",le=\"0.001\"} 2\n"
	    "lp_seconds_bucket{route=\"api.ping\",le=\"0.01\"} 2\n"
	    "lp_seconds_bucket{route=\"api.ping\",le=\"1\"} 3\n"
	    "lp_seconds_bucket{route=\"api.ping\",le=\"+Inf\"} 4\n"
	    "lp_seconds_sum{route=\"api.ping\"} 7.5015\n"
	    "lp_seconds_count{route=\"api.ping\"} 4\n");
	evbuffer_free(b);
}

static void
test_metrics_empty_histogram_without_labels(void **state)
{
	static const double	 bounds[] = { 0.5 };
	struct metrics_hist	 h;
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	metrics_hist_init(&h, bounds, 1);
	metrics_hist_write(b, "lp_release_seconds", NULL, 0, &h);
	assert_string_equal(text(b),
	    "lp_release_seconds_bucket{le=\"0.5\"} 0\n"
	    "lp_release_seconds_bucket{le=\"+Inf\"} 0\n"
	    "lp_release_seconds_sum 0\n"
	    "lp_release_seconds_count 0\n");
	evbuffer_free(b);
}

/* Past METRICS_SET_MAX - 1 values, everyone else shares "other". */
static void
test_metrics_set_keeps_values_apart_then_shares_other(void **state)
{
	static const double	 bounds[] = { 1 };
	static char		 names[METRICS_SET_MAX + 4][16];
	struct metrics_hist_set	*s = malloc(sizeof *s);
	struct metrics_hist	*first, *other;
	struct evbuffer		*b = evbuffer_new();
	const char		*t;

	(void)state;
	metrics_hist_set_init(s, "route", bounds, 1);
	first = metrics_hist_set_get(s, "api.ping");
	assert_ptr_equal(metrics_hist_set_get(s, "api.ping"), first);
	/* Compared by text as well as by pointer. */
	strcpy(names[0], "api.ping");
	assert_ptr_equal(metrics_hist_set_get(s, names[0]), first);
	metrics_hist_observe(first, 0.5);
	for (int i = 1; i < METRICS_SET_MAX + 4; i++) {
		snprintf(names[i], sizeof names[i], "r%d", i);
		metrics_hist_observe(metrics_hist_set_get(s, names[i]), 2);
	}
	other = metrics_hist_set_get(s, "yet.another");
	assert_ptr_equal(other, &s->hists[METRICS_SET_MAX - 1]);
	/* r63 .. r67: the five past the last own slot, and none since. */
	assert_int_equal(other->count, 5);
	metrics_hist_set_write(b, "lp_d_seconds", s);
	t = text(b);
	assert_non_null(strstr(t, "lp_d_seconds_count{route=\"api.ping\"} 1\n"));
	assert_non_null(strstr(t, "lp_d_seconds_count{route=\"r62\"} 1\n"));
	assert_null(strstr(t, "route=\"r63\""));
	assert_non_null(strstr(t, "lp_d_seconds_count{route=\"other\"} 5\n"));
	assert_non_null(strstr(t,
	    "lp_d_seconds_bucket{route=\"other\",le=\"+Inf\"} 5\n"));
	evbuffer_free(b);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_metrics_numbers_read_as_go_writes_them),
		T(test_metrics_family_and_samples_are_exact),
		T(test_metrics_histogram_buckets_are_cumulative_le),
		T(test_metrics_empty_histogram_without_labels),
		T(test_metrics_set_keeps_values_apart_then_shares_other),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
