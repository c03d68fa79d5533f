/* SPDX-License-Identifier: MIT */
/*
 * A container's lifecycle: create, start, exit, the environment, stop with
 * grace, exec failure, waiters, removal and shutdown, all back to baseline
 * after each test. The store, persistence and views: test_container_store.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

/* A container running sh -c script (NULL: "true"), logging to json-file. */
#define create(x, name, script, err) \
	lp_store_create(x, name, script, NULL, "json-file", err)



static void
test_container_runs_exits_and_keeps_its_code(void **state)
{
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	char			*log;

	lp_store_open(&x, *state);
	c = create(&x, "runner", "echo hello; exit 3", &err);
	assert_non_null(c);
	assert_int_equal(container_state(c), CONTAINER_CREATED);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(container_running(c));
	assert_non_null(container_log_writer(c));
	assert_int_equal(container_start(c, &err), -1);
	assert_int_equal(err.code, ERR_NOT_MODIFIED);
	assert_true(run_loop_until((*(struct lp_fixture **)state)->base,
	    lp_container_exited, c, 5000));
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	assert_int_equal(container_exit_code(c), 3);
	assert_null(container_log_writer(c));
	log = read_file(container_log_path(c), NULL);
	assert_non_null(strstr(log, "\"log\":\"hello\\n\",\"stream\":"
	    "\"stdout\""));
	test_free(log);
	assert_int_equal(container_stop(c, 0, 1, &err), -1);
	assert_int_equal(err.code, ERR_NOT_MODIFIED);
	assert_int_equal(container_kill(c, SIGKILL, &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	lp_store_close(&x);
}

struct waited {
	int	calls;
	int	code;
	int	removed;
};

static void
waited_cb(struct container_waiter *w, struct container *c, int code,
    int removed, void *arg)
{
	struct waited	*wd = arg;

	(void)w;
	(void)c;
	wd->calls++;
	wd->code = code;
	wd->removed = removed;
}

static int
waited_once(void *arg)
{
	return (((struct waited *)arg)->calls > 0);
}

static void
test_container_stop_escalates_to_sigkill_after_grace(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	struct container_waiter	 w;
	struct waited		 wd = { 0, 0, 0 };

	memset(&w, 0, sizeof w);
	lp_store_open(&x, f);
	c = create(&x, "stubborn", "trap '' TERM; echo up; "
	    "while :; do sleep 0.05; done", &err);
	assert_int_equal(container_start(c, &err), 0);
	run_loop_for(f->base, 100);
	container_wait_add(c, &w, CONTAINER_WAIT_NOT_RUNNING, waited_cb, &wd);
	assert_int_equal(container_stop(c, 0, 1, &err), 0);
	run_loop_for(f->base, 700);
	assert_true(container_running(c));	/* TERM ignored */
	assert_true(run_loop_until(f->base, waited_once, &wd, 3000));
	assert_int_equal(wd.calls, 1);
	assert_int_equal(wd.code, 137);
	assert_int_equal(wd.removed, 0);
	assert_int_equal(container_exit_code(c), 137);
	assert_null(w.c);
	container_wait_del(&w);		/* fired: a no-op */
	lp_store_close(&x);
}

static void
test_container_exec_failure_is_answered_synchronously(void **state)
{
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	json_t			*config, *hc;

	lp_store_open(&x, *state);
	config = json_pack("{s:s, s:[s], s:n, s:[], s:s, s:b, s:{}}", "Image",
	    "busybox", "Cmd", "nosuch-lp-exe", "Entrypoint", "Env",
	    "WorkingDir", "", "Tty", 0, "Labels");
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	c = container_store_create(x.st, "broken", config, hc, &err);
	assert_non_null(c);
	assert_int_equal(container_start(c, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "failed to create shim task: OCI runtime "
	    "create failed: runc create failed: unable to start container "
	    "process: exec: \"nosuch-lp-exe\": executable file not found in "
	    "$PATH: unknown");
	assert_false(container_running(c));
	assert_int_equal(container_state(c), CONTAINER_CREATED);
	assert_int_equal(container_exit_code(c), 127);
	assert_string_equal(container_error(c), err.msg);
	lp_store_close(&x);
}








/* A json-file container running sh -c script with these log options. */
static struct container *
create_logging(struct lp_store *x, const char *name, const char *script,
    json_t *opts, struct err *err)
{
	json_t	*config, *hc;

	config = json_pack("{s:s, s:[s, s, s], s:n, s:[], s:s, s:b, s:{}}",
	    "Image", "busybox", "Cmd", "sh", "-c", script, "Entrypoint",
	    "Env", "WorkingDir", "", "Tty", 0, "Labels");
	hc = json_pack("{s:{s:s, s:o}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", opts, "AutoRemove", 0);
	return (container_store_create(x->st, name, config, hc, err));
}

/* Lines "k\n" of the log in increasing order, checked; returns how many. */
static int
count_ordered_lines(const char *path)
{
	static const char	 key[] = "{\"log\":\"";
	char			*log = read_file(path, NULL), *p, *end;
	int			 n = 0;
	long			 prev = 0, k;

	for (p = log; (p = strstr(p, key)) != NULL; n++) {
		p += sizeof key - 1;
		k = strtol(p, &end, 10);
		assert_true(strncmp(end, "\\n\",", 4) == 0);
		assert_true(k > prev);
		prev = k;
	}
	test_free(log);
	return (n);
}

/*
 * mode=non-blocking with max-buffer-size=0 holds one entry at a time:
 * a fast writer loses lines, the stored ones are whole and in order, and
 * the ring is freed with the run (the teardown checks memory).
 */
static void
test_container_nonblocking_drops_when_its_buffer_is_full(void **state)
{
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	int			 n;

	lp_store_open(&x, *state);
	c = create_logging(&x, "lossy", "seq 1 100000", json_pack("{s:s, s:s}",
	    "mode", "non-blocking", "max-buffer-size", "0"), &err);
	assert_non_null(c);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until((*(struct lp_fixture **)state)->base,
	    lp_container_exited, c, 20000));
	n = count_ordered_lines(container_log_path(c));
	assert_true(n > 0 && n < 100000);
	lp_store_close(&x);
}

/*
 * A burst that fits the default buffer is all in the log by the time the
 * exit is reported: the ring is emptied at EOF first.
 */
static void
test_container_nonblocking_keeps_a_burst_that_fits(void **state)
{
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;

	lp_store_open(&x, *state);
	c = create_logging(&x, "burst", "seq 1 20000", json_pack("{s:s}",
	    "mode", "non-blocking"), &err);
	assert_non_null(c);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until((*(struct lp_fixture **)state)->base,
	    lp_container_exited, c, 20000));
	assert_int_equal(count_ordered_lines(container_log_path(c)), 20000);
	lp_store_close(&x);
}

struct ctx_seen {
	struct cancel_hook	hook;
	enum cancel_reason	why;
};

static void
ctx_seen_cb(struct cancel *c, enum cancel_reason why, void *arg)
{
	(void)c;
	((struct ctx_seen *)arg)->why = why;
}

static void
test_container_force_remove_kills_then_cancels_ctx(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	struct container_waiter	 w;
	struct waited		 wd = { 0, 0, 0 };
	struct ctx_seen		 seen;
	char			 id[65];

	memset(&w, 0, sizeof w);
	memset(&seen, 0, sizeof seen);
	lp_store_open(&x, f);
	c = create(&x, "doomed", "exec sleep 30", &err);
	assert_int_equal(container_start(c, &err), 0);
	snprintf(id, sizeof id, "%s", container_id(c));
	assert_int_equal(container_remove(c, 0, &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	assert_int_equal(cancel_hook_add(container_ctx(c), &seen.hook,
	    ctx_seen_cb, &seen), 0);
	assert_int_equal(container_remove(c, 1, &err), 1);
	container_wait_add(c, &w, CONTAINER_WAIT_REMOVED, waited_cb, &wd);
	assert_true(run_loop_until(f->base, waited_once, &wd, 3000));
	assert_int_equal(wd.removed, 1);
	assert_int_equal(wd.code, 137);
	assert_int_equal(seen.why, CANCEL_REMOVED);
	assert_null(container_store_lookup(x.st, id, &err));
	run_loop_for(f->base, 20);	/* the deferred free */
	lp_store_close(&x);
}

static void
stopped_cb(void *arg)
{
	(*(int *)arg)++;
}

static int
int_set(void *arg)
{
	return (*(int *)arg != 0);
}

static void
test_container_shutdown_stops_everything_then_calls_done(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*a, *b;
	int			 done = 0;

	lp_store_open(&x, f);
	a = create(&x, "one", "exec sleep 30", &err);
	b = create(&x, "two", "trap '' TERM; while :; do sleep 0.05; done",
	    &err);
	assert_int_equal(container_start(a, &err), 0);
	assert_int_equal(container_start(b, &err), 0);
	run_loop_for(f->base, 100);
	container_store_shutdown(x.st, 1, stopped_cb, &done);
	assert_int_equal(done, 0);	/* never synchronously */
	assert_true(run_loop_until(f->base, int_set, &done, 5000));
	assert_int_equal(done, 1);
	assert_int_equal(container_exit_code(a), 143);
	assert_int_equal(container_exit_code(b), 137);
	lp_store_close(&x);
}

static void
test_container_shutdown_with_nothing_running_is_async(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	int			 done = 0;

	lp_store_open(&x, f);
	container_store_shutdown(x.st, 1, stopped_cb, &done);
	assert_int_equal(done, 0);
	assert_true(run_loop_until(f->base, int_set, &done, 1000));
	lp_store_close(&x);
}

/*
 * dockerd builds the process's environment with CreateDaemonEnvironment:
 * PATH, HOSTNAME, TERM with a tty, then Env, a repeated key replacing the
 * earlier one in place. The container used to get both values, PATH last.
 */
static void
test_container_env_merges_repeated_keys_as_dockerd(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	char			*log, want[64];
	json_t			*config, *hc;

	lp_store_open(&x, f);
	/* env itself, not sh: a shell would merge the keys on its own. */
	config = json_pack("{s:s, s:[s], s:n, s:[s,s,s], s:s, s:b, s:{}}",
	    "Image", "busybox", "Cmd", "env", "Entrypoint", "Env", "A=first",
	    "B=b", "A=second", "WorkingDir", "/", "Tty", 0, "Labels");
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	assert_non_null(c = container_store_create(x.st, "envy", config, hc,
	    &err));
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until(f->base, lp_container_exited, c, 5000));
	log = read_file(container_log_path(c), NULL);
	assert_int_equal(strncmp(log, "{\"log\":\"PATH=/usr/local/sbin:",
	    29), 0);
	assert_non_null(strstr(log, "\"log\":\"A=second\\n\""));
	assert_null(strstr(log, "A=first"));
	assert_non_null(strstr(log, "\"log\":\"B=b\\n\""));
	snprintf(want, sizeof want, "\"log\":\"HOSTNAME=%.12s\\n\"",
	    container_id(c));
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, "\"log\":\"HOME=/root\\n\""));
	assert_null(strstr(log, "TERM="));
	test_free(log);
	lp_store_close(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_container_runs_exits_and_keeps_its_code),
		T(test_container_env_merges_repeated_keys_as_dockerd),
		T(test_container_stop_escalates_to_sigkill_after_grace),
		T(test_container_exec_failure_is_answered_synchronously),
		T(test_container_nonblocking_drops_when_its_buffer_is_full),
		T(test_container_nonblocking_keeps_a_burst_that_fits),
		T(test_container_force_remove_kills_then_cancels_ctx),
		T(test_container_shutdown_stops_everything_then_calls_done),
		T(test_container_shutdown_with_nothing_running_is_async),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
