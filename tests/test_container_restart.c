/* SPDX-License-Identifier: MIT */
/*
 * Restart policies as dockerd 20.10 applies them: the validation messages,
 * on-failure's count, a stop or a removal during the backoff, and which
 * containers come back when the daemon starts. Each test ends at the
 * baseline: no backoff timer or restart task is left behind.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/base/cancel.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "tests/helpers.h"

static struct container *
create_with_policy(struct lp_store *x, const char *name, const char *script,
    const char *policy, int max)
{
	json_t		*config, *hc;
	struct err	 err;

	config = json_pack("{s:s, s:[s,s,s], s:n, s:[], s:s, s:b, s:{}}",
	    "Image", "busybox", "Cmd", "sh", "-c", script, "Entrypoint", "Env",
	    "WorkingDir", "/", "Tty", 0, "Labels");
	hc = json_pack("{s:{s:s, s:{}}, s:b, s:{s:s, s:i}}", "LogConfig",
	    "Type", "json-file", "Config", "AutoRemove", 0, "RestartPolicy",
	    "Name", policy, "MaximumRetryCount", max);
	return (container_store_create(x->st, name, config, hc, &err));
}

static int
settled(void *arg)
{
	struct container	*c = arg;

	return (!container_running(c) && !container_restarting(c));
}

static int
restarting(void *arg)
{
	return (container_restarting(arg));
}

static int
count_lines(const char *path, const char *needle)
{
	char	*log = read_file(path, NULL), *p = log;
	int	 n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p++;
	}
	test_free(log);
	return (n);
}

static void
check(const char *hostconfig, int ok, const char *msg)
{
	json_t		*hc = json_loads(hostconfig, 0, NULL);
	struct err	 err;

	assert_non_null(hc);
	assert_int_equal(container_restart_check(hc, &err), ok ? 0 : -1);
	if (!ok) {
		assert_int_equal(err.code, ERR_INVALID);
		assert_string_equal(err.msg, msg);
	}
	json_decref(hc);
}

static void
test_restart_policy_is_validated_with_dockerds_words(void **state)
{
	(void)state;
	check("{}", 1, NULL);
	check("{\"RestartPolicy\":{\"Name\":\"\"}}", 1, NULL);
	check("{\"RestartPolicy\":{\"Name\":\"no\"},\"AutoRemove\":true}", 1,
	    NULL);
	check("{\"RestartPolicy\":{\"Name\":\"on-failure\","
	    "\"MaximumRetryCount\":5}}", 1, NULL);
	check("{\"RestartPolicy\":{\"Name\":\"foo\"}}", 0,
	    "invalid restart policy 'foo'");
	check("{\"RestartPolicy\":{\"Name\":\"always\","
	    "\"MaximumRetryCount\":2}}", 0,
	    "maximum retry count cannot be used with restart policy 'always'");
	check("{\"RestartPolicy\":{\"Name\":\"on-failure\","
	    "\"MaximumRetryCount\":-1}}", 0,
	    "maximum retry count cannot be negative");
	/* AutoRemove is looked at first, even with a policy that is bad. */
	check("{\"RestartPolicy\":{\"Name\":\"foo\"},\"AutoRemove\":true}", 0,
	    "can't create 'AutoRemove' container with restart policy");
}

static void
test_on_failure_restarts_until_its_count_then_stays_down(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	json_t			*j;

	lp_store_open(&x, f);
	c = create_with_policy(&x, "flaky", "echo again; exit 3", "on-failure",
	    2);
	assert_non_null(c);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until(f->base, restarting, c, 5000));
	j = container_view_inspect(c);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "State"), "Status")), "restarting");
	assert_true(json_is_true(json_object_get(json_object_get(j, "State"),
	    "Running")));
	json_decref(j);
	/* dockerd's answers while it waits out the backoff. */
	assert_int_equal(container_start(c, &err), -1);
	assert_int_equal(err.code, ERR_NOT_MODIFIED);
	assert_int_equal(container_remove(c, 0, &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	assert_int_equal(container_pause(c, 1, &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);

	/* 100 ms, then 200 ms of backoff: three runs in all. */
	assert_true(run_loop_until(f->base, settled, c, 5000));
	run_loop_for(f->base, 500);
	assert_true(settled(c));
	assert_int_equal(container_restart_count(c), 2);
	assert_int_equal(container_exit_code(c), 3);
	assert_int_equal(count_lines(container_log_path(c), "again"), 3);

	/* A client's start begins the count anew. */
	assert_int_equal(container_start(c, &err), 0);
	assert_int_equal(container_restart_count(c), 0);
	assert_true(run_loop_until(f->base, restarting, c, 5000));
	assert_int_equal(container_stop(c, 0, 1, &err), 1);
	lp_store_close(&x);
}

static void
test_a_stop_or_kill_during_the_backoff_keeps_it_down(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*a, *b;

	lp_store_open(&x, f);
	a = create_with_policy(&x, "stopped", "exit 1", "always", 0);
	b = create_with_policy(&x, "killed", "exit 1", "always", 0);
	assert_int_equal(container_start(a, &err), 0);
	assert_int_equal(container_start(b, &err), 0);
	assert_true(run_loop_until(f->base, restarting, a, 5000));
	assert_true(run_loop_until(f->base, restarting, b, 5000));
	assert_int_equal(container_stop(a, 0, 10, &err), 1);
	assert_int_equal(container_kill(b, SIGKILL, &err), 1);
	assert_false(container_restarting(a));
	assert_false(container_restarting(b));
	run_loop_for(f->base, 400);
	assert_true(settled(a));
	assert_true(settled(b));
	assert_int_equal(container_restart_count(a), 1);
	assert_int_equal(container_restart_count(b), 1);
	lp_store_close(&x);
}

static void
test_a_removal_during_the_backoff_leaves_nothing(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;

	lp_store_open(&x, f);
	c = create_with_policy(&x, "doomed", "exit 1", "always", 0);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until(f->base, restarting, c, 5000));
	assert_int_equal(container_remove(c, 1, &err), 0);
	assert_null(container_store_lookup(x.st, "doomed", &err));
	run_loop_for(f->base, 300);
	lp_store_close(&x);
}

static void
test_the_policy_decides_what_comes_back_at_boot(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	const char		*names[] = { "always", "unless-stopped",
				    "no", "on-failure" };
	struct container	*c[4];

	lp_store_open(&x, f);
	for (int i = 0; i < 4; i++) {
		c[i] = create_with_policy(&x, names[i], "exec sleep 30",
		    names[i], 0);
		assert_int_equal(container_start(c[i], &err), 0);
	}
	/* A client stops each one; on-failure's exit code is 137. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(container_stop(c[i], 0, 0, &err), 0);
		assert_true(run_loop_until(f->base, settled, c[i], 5000));
	}
	lp_store_close(&x);

	lp_store_open(&x, f);
	container_store_autostart(x.st);
	for (int i = 0; i < 4; i++)
		c[i] = container_store_lookup(x.st, names[i], &err);
	assert_true(container_running(c[0]));	/* always */
	assert_false(container_running(c[1]));	/* stopped by a client */
	assert_false(container_running(c[2]));
	assert_true(container_running(c[3]));	/* it failed: 137 */
	assert_int_equal(container_stop(c[0], 0, 0, &err), 0);
	assert_int_equal(container_stop(c[3], 0, 0, &err), 0);
	assert_true(run_loop_until(f->base, settled, c[0], 5000));
	assert_true(run_loop_until(f->base, settled, c[3], 5000));
	lp_store_close(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_restart_policy_is_validated_with_dockerds_words),
		T(test_on_failure_restarts_until_its_count_then_stays_down),
		T(test_a_stop_or_kill_during_the_backoff_keeps_it_down),
		T(test_a_removal_during_the_backoff_leaves_nothing),
		T(test_the_policy_decides_what_comes_back_at_boot),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
