/* SPDX-License-Identifier: MIT */
/*
 * Healthcheck rules as a user of dockerd sees them: what create accepts
 * and says, what an image's HEALTHCHECK gives a container, which command
 * runs, and how results move Status, FailingStreak and the Log.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/base/err.h"
#include "daemon/base/xalloc.h"
#include "daemon/healthstate.h"
#include "tests/helpers.h"

#define MS	1000000LL
#define S	1000000000LL

static json_t *
parse_ok(const char *text)
{
	json_t		*in = json_loads(text, JSON_DECODE_ANY, NULL), *out = NULL;
	struct err	 err = { 0, "" };

	assert_non_null(in);
	assert_int_equal(healthstate_config_parse(in, &out, &err), 0);
	json_decref(in);
	return (out);
}

static void
assert_parse_fails(const char *text, const char *msg)
{
	json_t		*in = json_loads(text, JSON_DECODE_ANY, NULL), *out;
	struct err	 err = { 0, "" };

	assert_non_null(in);
	assert_int_equal(healthstate_config_parse(in, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, msg);
	json_decref(in);
}

static void
test_create_keeps_what_is_set_and_refuses_dockerds_way(void **state)
{
	json_t	*hc;
	char	*s;

	(void)state;
	hc = parse_ok("{\"Test\": [\"CMD-SHELL\", \"true\"], \"Interval\": "
	    "200000000, \"Timeout\": 0, \"Retries\": 0, \"StartPeriod\": null}");
	s = json_dumps(hc, JSON_COMPACT);
	/* Go's omitempty: zero fields are not shown by inspect. */
	assert_string_equal(s, "{\"Test\":[\"CMD-SHELL\",\"true\"],"
	    "\"Interval\":200000000}");
	xfree(s);
	json_decref(hc);
	assert_null(parse_ok("null"));
	assert_parse_fails("{\"Interval\": 999999}",
	    "Interval in Healthcheck cannot be less than 1ms");
	assert_parse_fails("{\"Timeout\": -5}",
	    "Timeout in Healthcheck cannot be less than 1ms");
	assert_parse_fails("{\"Retries\": -1}",
	    "Retries in Healthcheck cannot be negative");
	assert_parse_fails("{\"StartPeriod\": 1}",
	    "StartPeriod in Healthcheck cannot be less than 1ms");
	assert_parse_fails("{\"StartInterval\": 1}",
	    "StartInterval in Healthcheck cannot be less than 1ms");
	assert_parse_fails("{\"Test\": \"true\"}", "json: cannot unmarshal "
	    "value into Go struct field HealthConfig.Healthcheck.Test of type "
	    "[]string");
	assert_parse_fails("{\"Test\": [\"CMD\", 1]}", "json: cannot "
	    "unmarshal value into Go struct field HealthConfig.Healthcheck."
	    "Test of type string");
	assert_parse_fails("{\"Interval\": \"1s\"}", "json: cannot unmarshal "
	    "value into Go struct field HealthConfig.Healthcheck.Interval of "
	    "type time.Duration");
	assert_parse_fails("\"x\"", "json: cannot unmarshal value into Go "
	    "struct field Config.Healthcheck of type container.HealthConfig");
}

static void
test_image_healthcheck_fills_what_the_container_left_empty(void **state)
{
	json_t	*image = json_loads("{\"Healthcheck\": {\"Test\": [\"CMD\", "
		    "\"probe\"], \"Interval\": 5000000000, \"Retries\": 7}}", 0,
		    NULL);
	json_t	*none = json_object(), *some;
	char	*s;

	(void)state;
	healthstate_config_merge(none, image);
	s = json_dumps(json_object_get(none, "Healthcheck"), JSON_COMPACT);
	assert_string_equal(s, "{\"Test\":[\"CMD\",\"probe\"],\"Interval\":"
	    "5000000000,\"Retries\":7}");
	xfree(s);
	some = json_loads("{\"Healthcheck\": {\"Retries\": 2}}", 0, NULL);
	healthstate_config_merge(some, image);
	s = json_dumps(json_object_get(some, "Healthcheck"), JSON_COMPACT);
	assert_string_equal(s, "{\"Retries\":2,\"Test\":[\"CMD\",\"probe\"],"
	    "\"Interval\":5000000000}");
	xfree(s);
	json_decref(image);
	json_decref(none);
	json_decref(some);
}

static void
assert_probe(const char *config, const char *want)
{
	json_t				*c = json_loads(config, 0, NULL);
	struct healthstate_timing	 t;
	char				**argv = healthstate_probe(c, &t);
	char				 got[256] = "";

	if (want == NULL)
		assert_null(argv);
	else {
		assert_non_null(argv);
		for (size_t i = 0; argv[i] != NULL; i++) {
			strcat(got, i > 0 ? "|" : "");
			strcat(got, argv[i]);
		}
		assert_string_equal(got, want);
	}
	healthstate_argv_free(argv);
	json_decref(c);
}

static void
test_probe_runs_what_the_test_names(void **state)
{
	json_t				*c;
	struct healthstate_timing	 t;
	char				**argv;

	(void)state;
	assert_probe("{\"Healthcheck\": {\"Test\": [\"CMD\", \"a\", \"b\"]}}",
	    "a|b");
	assert_probe("{\"Healthcheck\": {\"Test\": [\"CMD-SHELL\", \"x y\"]}}",
	    "/bin/sh|-c|x y");
	assert_probe("{\"Shell\": [\"/bin/ash\", \"-ec\"], \"Healthcheck\": "
	    "{\"Test\": [\"CMD-SHELL\", \"x\"]}}", "/bin/ash|-ec|x");
	assert_probe("{\"Healthcheck\": {\"Test\": [\"NONE\"]}}", NULL);
	assert_probe("{\"Healthcheck\": {\"Test\": [\"BOGUS\", \"x\"]}}", NULL);
	assert_probe("{\"Healthcheck\": {\"Interval\": 1000000}}", NULL);
	assert_probe("{}", NULL);
	/* dockerd's defaults where the config says nothing. */
	c = json_loads("{\"Healthcheck\": {\"Test\": [\"CMD\", \"a\"]}}", 0,
	    NULL);
	argv = healthstate_probe(c, &t);
	assert_true(t.interval_ns == 30 * S && t.timeout_ns == 30 * S);
	assert_true(t.start_period_ns == 0 && t.retries == 3);
	assert_true(t.start_interval_ns == 0);
	healthstate_argv_free(argv);
	json_decref(c);
}

static int
fold(json_t *state, int code, const char *out, int64_t start_ns,
    const struct healthstate_timing *t)
{
	struct healthstate_result	r = { start_ns, start_ns + MS, code,
					    out, strlen(out), 0 };

	return (healthstate_fold(state, &r, t, 0));
}

static void
test_results_move_status_as_dockerd(void **state)
{
	struct healthstate_timing	 t = { .interval_ns = S,
	    .timeout_ns = S, .start_period_ns = 10 * S, .retries = 2 };
	json_t				*h = healthstate_start(NULL);

	(void)state;
	assert_string_equal(healthstate_status(h), "starting");
	/* Failures inside the start period do not count while starting. */
	assert_int_equal(fold(h, 1, "no", 5 * S, &t), 0);
	assert_int_equal(json_integer_value(json_object_get(h,
	    "FailingStreak")), 0);
	assert_int_equal(fold(h, 1, "no", 11 * S, &t), 0);
	assert_int_equal(fold(h, 1, "no", 12 * S, &t), 1);
	assert_string_equal(healthstate_status(h), "unhealthy");
	assert_int_equal(fold(h, 0, "ok", 13 * S, &t), 1);
	assert_string_equal(healthstate_status(h), "healthy");
	assert_int_equal(json_integer_value(json_object_get(h,
	    "FailingStreak")), 0);
	/* Once healthy, a failure counts even within the start period. */
	t.start_period_ns = 100 * S;
	assert_int_equal(fold(h, 1, "no", 14 * S, &t), 0);
	assert_int_equal(fold(h, -1, "timeout", 15 * S, &t), 1);
	/* The last five results, oldest first. */
	assert_int_equal(json_array_size(json_object_get(h, "Log")), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(h, "Log"), 4), "Output")), "timeout");
	/* A stop says unhealthy; the next start keeps the log. */
	healthstate_halt(h);
	assert_string_equal(healthstate_status(h), "unhealthy");
	h = healthstate_start(h);
	assert_string_equal(healthstate_status(h), "starting");
	assert_int_equal(json_array_size(json_object_get(h, "Log")), 5);
	json_decref(h);
	assert_null(healthstate_status(NULL));
}

static void
test_output_is_cut_and_made_valid_utf8(void **state)
{
	struct healthstate_timing	 t = { .interval_ns = S,
	    .timeout_ns = S, .retries = 3 };
	struct healthstate_result	 r = { 0, MS, 0, "ok\xff\xe2\x82", 5, 1 };
	json_t				*h = healthstate_start(NULL), *e;

	(void)state;
	healthstate_fold(h, &r, &t, 0);
	e = json_array_get(json_object_get(h, "Log"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "Output")),
	    "ok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd...");
	assert_int_equal(json_integer_value(json_object_get(e, "ExitCode")),
	    0);
	assert_non_null(json_string_value(json_object_get(e, "Start")));
	json_decref(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_create_keeps_what_is_set_and_refuses_dockerds_way,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_image_healthcheck_fills_what_the_container_left_empty,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_probe_runs_what_the_test_names, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_results_move_status_as_dockerd, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_output_is_cut_and_made_valid_utf8, lp_setup,
		    lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
