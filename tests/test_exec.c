/* SPDX-License-Identifier: MIT */
/*
 * Exec instances: create (only in a running container), start detached and
 * attached, the environment, exit codes, stop with grace, stdin, the
 * bounded list, and every way a container's end reaches its execs (stop,
 * forced removal, shutdown), each test back to baseline: tasks, contexts,
 * events, fds, children and memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/base/cancel.h"
#include "daemon/base/reap.h"
#include "daemon/container.h"
#include "daemon/exec.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

/* What an attached start's exit callback saw. */
struct seen {
	int	calls;
	int	code;
};

/* A running container: sh -c script, with env (a JSON array or NULL). */
static struct container *
running(struct lp_store *x, const char *name, const char *script, json_t *env)
{
	struct container	*c;
	struct err		 err;

	c = lp_store_create(x, name, script, env, "none", &err);
	assert_non_null(c);
	assert_int_equal(container_start(c, &err), 0);
	return (c);
}

static struct exec *
mkexec(struct lp_store *x, struct container *c, const char *script,
    const char *const *env, const char *workdir)
{
	const char	*argv[] = { "sh", "-c", script, NULL };
	struct exec_spec spec = {
		.argv = argv, .env = env, .workdir = workdir,
		.attach_stdout = 1, .attach_stderr = 1,
	};
	struct err	 err;
	struct exec	*e;

	e = exec_create(x->f->base, c, &spec, &err);
	assert_non_null(e);
	return (e);
}

static int
exited(void *arg)
{
	return (exec_state(arg) == EXEC_EXITED);
}

static void
exit_cb(struct exec *e, int code, void *arg)
{
	struct seen	*s = arg;

	assert_int_equal(exec_state(e), EXEC_EXITED);
	s->calls++;
	s->code = code;
}

/* Reads fd (non-blocking) to EOF while running the loop; test-owned. */
static char *
read_all(struct lp_store *x, int fd)
{
	char	*buf = test_calloc(1, 4096);
	size_t	 len = 0;
	ssize_t	 n;

	for (int i = 0; i < 300; i++) {
		n = read(fd, buf + len, 4095 - len);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0 || (n == -1 && errno != EAGAIN))
			break;
		run_loop_for(x->f->base, 10);
	}
	close(fd);
	return (buf);
}

static void
test_exec_create_needs_a_running_container(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct err		 err;
	const char		*argv[] = { "true", NULL };
	struct exec_spec	 spec = { .argv = argv };
	json_t			*config, *hc;
	char			 want[256];

	lp_store_open(&x, *state);
	config = json_pack("{s:s, s:[s], s:n, s:[], s:s, s:b, s:{}}",
	    "Image", "busybox", "Cmd", "true", "Entrypoint", "Env",
	    "WorkingDir", "", "Tty", 0, "Labels");
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type", "none",
	    "Config", "AutoRemove", 0);
	c = container_store_create(x.st, "made", config, hc, &err);
	assert_non_null(c);
	assert_null(exec_create(x.f->base, c, &spec, &err));
	assert_int_equal(err.code, ERR_CONFLICT);
	snprintf(want, sizeof want, "Container %s is not running",
	    container_id(c));
	assert_string_equal(err.msg, want);
	assert_int_equal(exec_count(c), 0);

	c = running(&x, "up", "exec sleep 100", NULL);
	spec.argv = NULL;
	assert_null(exec_create(x.f->base, c, &spec, &err));
	assert_string_equal(err.msg, "No exec command specified");
	assert_int_equal(container_stop(c, 0, 0, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

static void
test_exec_detached_runs_until_its_container_stops(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e, *pending;
	struct err		 err;
	json_t			*j;
	char			 want[256];

	lp_store_open(&x, *state);
	c = running(&x, "box", "exec sleep 100", NULL);
	e = mkexec(&x, c, "exec sleep 100", NULL, NULL);
	pending = mkexec(&x, c, "true", NULL, NULL);
	assert_ptr_equal(exec_lookup(x.st, exec_id(e), &err), e);
	assert_null(exec_lookup(x.st, "nosuch", &err));
	assert_string_equal(err.msg, "No such exec instance: nosuch");
	assert_int_equal(exec_exit_code(e), -1);

	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), 0);
	assert_int_equal(exec_state(e), EXEC_RUNNING);
	assert_true(exec_pid(e) > 0);
	assert_int_equal(task_count_kind("daemon.exec"), 1);
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	snprintf(want, sizeof want, "Error: Exec command %s is already running",
	    exec_id(e));
	assert_string_equal(err.msg, want);
	j = exec_inspect_json(e);
	assert_true(json_is_true(json_object_get(j, "Running")));
	assert_true(json_is_null(json_object_get(j, "ExitCode")));
	json_decref(j);

	/* Running alone: nothing ends it but its container. */
	run_loop_for(x.f->base, 200);
	assert_int_equal(exec_state(e), EXEC_RUNNING);
	assert_int_equal(container_stop(c, 0, 10, &err), 0);
	assert_true(run_loop_until(x.f->base, exited, e, 3000));
	assert_int_equal(exec_exit_code(e), 137);
	assert_int_equal(task_count_kind("daemon.exec"), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	j = exec_inspect_json(e);
	assert_false(json_is_true(json_object_get(j, "Running")));
	assert_int_equal(json_integer_value(json_object_get(j, "ExitCode")),
	    137);
	json_decref(j);

	/* Stopped container: 409 for the one never started, and for e. */
	assert_int_equal(exec_start(pending, NULL, NULL, NULL, &err), -1);
	snprintf(want, sizeof want, "Container %s is not running",
	    container_id(c));
	assert_string_equal(err.msg, want);
	assert_int_equal(container_start(c, &err), 0);
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), -1);
	snprintf(want, sizeof want, "Error: Exec command %s has already run",
	    exec_id(e));
	assert_string_equal(err.msg, want);
	/* The list watches the next run too. */
	assert_int_equal(exec_start(pending, NULL, NULL, NULL, &err), 0);
	assert_true(run_loop_until(x.f->base, exited, pending, 3000));
	e = mkexec(&x, c, "exec sleep 100", NULL, NULL);
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), 0);
	assert_int_equal(container_kill(c, SIGKILL, &err), 0);
	assert_true(run_loop_until(x.f->base, exited, e, 3000));
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	assert_int_equal(exec_count(c), 3);
	lp_store_close(&x);
}

/* ProcessConfig.user is Go's omitempty: absent unless the exec set one. */
static void
test_exec_inspect_shows_user_only_when_set(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*plain, *as;
	struct err		 err;
	const char		*argv[] = { "true", NULL };
	struct exec_spec	 spec = { .argv = argv, .user = "daemon" };
	json_t			*j, *pc;

	lp_store_open(&x, *state);
	c = running(&x, "userbox", "exec sleep 100", NULL);
	plain = mkexec(&x, c, "true", NULL, NULL);
	assert_non_null(as = exec_create(x.f->base, c, &spec, &err));
	j = exec_inspect_json(plain);
	pc = json_object_get(j, "ProcessConfig");
	assert_null(json_object_get(pc, "user"));
	assert_non_null(json_object_get(pc, "privileged"));
	json_decref(j);
	j = exec_inspect_json(as);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "ProcessConfig"), "user")), "daemon");
	json_decref(j);
	assert_int_equal(container_stop(c, 0, 10, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

static void
test_exec_attached_gets_output_env_and_exit_code(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e;
	struct exec_io		 io;
	struct err		 err;
	struct seen		 seen = { 0, 0 };
	const char		*env[] = { "FOO=bar", "GONE", "KEEP=new",
				    NULL };
	char			*out, *errs;

	lp_store_open(&x, *state);
	c = running(&x, "envbox", "exec sleep 100", json_pack("[s,s,s]",
	    "GONE=1", "KEEP=old", "PATH=/usr/bin:/bin"));
	e = mkexec(&x, c, "echo \"$FOO ${GONE-unset} $KEEP $HOSTNAME $HOME "
	    "$PWD ${TERM-noterm}\"; echo oops >&2; exit 3", env, "/tmp");
	assert_int_equal(exec_start(e, &io, exit_cb, &seen, &err), 0);
	assert_int_equal(io.in, -1);
	assert_true(io.out >= 0 && io.err >= 0);
	out = read_all(&x, io.out);
	errs = read_all(&x, io.err);
	assert_true(run_loop_until(x.f->base, exited, e, 3000));
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.code, 3);
	assert_int_equal(exec_exit_code(e), 3);
	{
		char	want[128];

		snprintf(want, sizeof want, "bar unset new %.12s /root /tmp "
		    "noterm\n", container_id(c));
		assert_string_equal(out, want);
	}
	assert_string_equal(errs, "oops\n");
	test_free(out);
	test_free(errs);
	assert_int_equal(container_stop(c, 0, 0, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

static void
test_exec_stdin_reaches_the_process(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e;
	struct exec_io		 io;
	struct err		 err;
	struct seen		 seen = { 0, 0 };
	const char		*argv[] = { "cat", NULL };
	struct exec_spec	 spec = { .argv = argv, .attach_stdin = 1,
				    .attach_stdout = 1 };
	char			*out;

	lp_store_open(&x, *state);
	c = running(&x, "catbox", "exec sleep 100", NULL);
	e = exec_create(x.f->base, c, &spec, &err);
	assert_non_null(e);
	assert_int_equal(exec_start(e, &io, exit_cb, &seen, &err), 0);
	assert_true(io.in >= 0);
	assert_int_equal(write(io.in, "hello\n", 6), 6);
	close(io.in);			/* the client's half-close */
	close(io.err);
	out = read_all(&x, io.out);
	assert_string_equal(out, "hello\n");
	test_free(out);
	assert_true(run_loop_until(x.f->base, exited, e, 3000));
	assert_int_equal(seen.code, 0);
	assert_int_equal(container_stop(c, 0, 0, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

static void
test_exec_stop_sends_sigterm_then_sigkill(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e, *stubborn;
	struct exec_io		 io, io2;
	struct err		 err;
	struct seen		 seen = { 0, 0 }, seen2 = { 0, 0 };

	lp_store_open(&x, *state);
	c = running(&x, "stopbox", "exec sleep 100", NULL);
	e = mkexec(&x, c, "exec sleep 100", NULL, NULL);
	stubborn = mkexec(&x, c, "trap '' TERM; exec sleep 100", NULL, NULL);
	assert_int_equal(exec_start(e, &io, exit_cb, &seen, &err), 0);
	assert_int_equal(exec_start(stubborn, &io2, exit_cb, &seen2, &err), 0);
	run_loop_for(x.f->base, 100);	/* let the trap be set */
	exec_stop(e, 2000);
	exec_stop(stubborn, 300);
	assert_true(run_loop_until(x.f->base, exited, e, 1000));
	assert_int_equal(exec_exit_code(e), 143);
	assert_int_equal(exec_state(stubborn), EXEC_RUNNING);
	assert_true(run_loop_until(x.f->base, exited, stubborn, 2000));
	assert_int_equal(exec_exit_code(stubborn), 137);
	assert_int_equal(seen.calls + seen2.calls, 2);
	close(io.out);
	close(io.err);
	close(io2.out);
	close(io2.err);
	assert_int_equal(container_stop(c, 0, 0, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

static void
test_exec_failure_records_127_like_dockerd(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e;
	struct err		 err;
	const char		*argv[] = { "nosuch-command", NULL };
	struct exec_spec	 spec = { .argv = argv };

	lp_store_open(&x, *state);
	c = running(&x, "failbox", "exec sleep 100", NULL);
	e = exec_create(x.f->base, c, &spec, &err);
	assert_non_null(e);
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "OCI runtime exec failed: exec failed: "
	    "unable to start container process: exec: \"nosuch-command\": "
	    "executable file not found in $PATH: unknown");
	assert_int_equal(exec_state(e), EXEC_EXITED);
	assert_int_equal(exec_exit_code(e), 127);
	assert_int_equal(task_count_kind("daemon.exec"), 0);
	assert_int_equal(container_stop(c, 0, 0, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

struct all_exited {
	struct exec	**e;
	int		  n;
};

static int
all_exited(void *arg)
{
	struct all_exited	*a = arg;

	for (int i = 0; i < a->n; i++) {
		if (exec_state(a->e[i]) != EXEC_EXITED)
			return (0);
	}
	return (1);
}

static void
test_exec_keeps_the_last_64_finished(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e[EXEC_MAX_FINISHED + 6];
	struct all_exited	 a = { e, 0 };
	struct err		 err;
	char			 first[EXEC_ID_LEN + 1], last[EXEC_ID_LEN + 1];

	lp_store_open(&x, *state);
	c = running(&x, "many", "exec sleep 100", NULL);
	/* In batches: a lookup after an exit may find one dropped. */
	for (int i = 0; i < EXEC_MAX_FINISHED + 6; i++) {
		e[i] = mkexec(&x, c, "true", NULL, NULL);
		exec_ref(e[i], "test");
		assert_int_equal(exec_start(e[i], NULL, NULL, NULL, &err), 0);
		a.n = i + 1;
		assert_true(run_loop_until(x.f->base, exited, e[i], 3000));
	}
	assert_true(run_loop_until(x.f->base, all_exited, &a, 3000));
	assert_int_equal(exec_count(c), EXEC_MAX_FINISHED);
	snprintf(first, sizeof first, "%s", exec_id(e[0]));
	snprintf(last, sizeof last, "%s", exec_id(e[a.n - 1]));
	assert_null(exec_lookup(x.st, first, &err));
	assert_ptr_equal(exec_lookup(x.st, last, &err), e[a.n - 1]);
	for (int i = 0; i < a.n; i++)
		exec_unref(e[i], "test");
	assert_int_equal(container_stop(c, 0, 0, &err), 0);
	assert_true(run_loop_until(x.f->base, lp_container_exited, c, 3000));
	lp_store_close(&x);
}

static int
removed_and_reaped(void *arg)
{
	return (task_count_kind("daemon.exec") == 0 &&
	    task_count_kind("daemon.container_monitor") == 0 && arg != NULL);
}

static void
test_exec_forced_removal_kills_and_frees_execs(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e, *attached;
	struct exec_io		 io;
	struct err		 err;
	struct seen		 seen = { 0, 0 };
	char			 id[EXEC_ID_LEN + 1];
	uint64_t		 pending;

	lp_store_open(&x, *state);
	c = running(&x, "gone", "exec sleep 100", NULL);
	e = mkexec(&x, c, "exec sleep 100", NULL, NULL);
	attached = mkexec(&x, c, "exec sleep 100", NULL, NULL);
	snprintf(id, sizeof id, "%s", exec_id(e));
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), 0);
	/* A stream's reference keeps it past its container. */
	exec_ref(attached, "test");
	assert_int_equal(exec_start(attached, &io, exit_cb, &seen, &err), 0);
	assert_int_equal(container_remove(c, 1, &err), 1);
	assert_true(run_loop_until(x.f->base, removed_and_reaped, &x, 3000));
	run_loop_for(x.f->base, 20);	/* the deferred container free */
	assert_null(exec_lookup(x.st, id, &err));
	assert_int_equal(seen.calls, 1);
	assert_int_equal(exec_exit_code(attached), 137);
	assert_int_equal(exec_state(attached), EXEC_EXITED);
	/* The last reference frees later: e is still readable until then. */
	pending = reap_pending();
	exec_unref(attached, "test");
	assert_int_equal(reap_pending(), pending + 1);
	assert_int_equal(exec_exit_code(attached), 137);
	run_loop_for(x.f->base, 5);
	assert_int_equal(reap_pending(), 0);
	close(io.out);
	close(io.err);
	lp_store_close(&x);
}

static int
store_done(void *arg)
{
	return (*(int *)arg);
}

static void
shutdown_done(void *arg)
{
	*(int *)arg = 1;
}

static void
test_exec_shutdown_kills_execs_with_the_root(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e;
	struct err		 err;
	int			 done = 0;

	lp_store_open(&x, *state);
	c = running(&x, "down", "exec sleep 100", NULL);
	e = mkexec(&x, c, "trap '' TERM; exec sleep 100", NULL, NULL);
	exec_ref(e, "test");
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), 0);
	cancel_fire(x.root, CANCEL_SHUTDOWN);
	container_store_shutdown(x.st, 10, shutdown_done, &done);
	assert_true(run_loop_until(x.f->base, exited, e, 2000));
	assert_int_equal(exec_exit_code(e), 137);
	assert_true(run_loop_until(x.f->base, store_done, &done, 3000));
	exec_unref(e, "test");
	lp_store_close(&x);
}

static void
test_exec_store_teardown_reaps_a_live_exec(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	struct exec		*e;
	struct err		 err;

	lp_store_open(&x, *state);
	c = running(&x, "torn", "exec sleep 100", NULL);
	e = mkexec(&x, c, "exec sleep 100", NULL, NULL);
	assert_int_equal(exec_start(e, NULL, NULL, NULL, &err), 0);
	assert_int_equal(exec_state(e), EXEC_RUNNING);
	/*
	 * As after a shutdown that timed out: the store goes with a live
	 * container and exec, and nothing may be left behind.
	 */
	assert_true(container_running(c));
	lp_store_close(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_exec_create_needs_a_running_container,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_detached_runs_until_its_container_stops,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_inspect_shows_user_only_when_set,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_attached_gets_output_env_and_exit_code,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_stdin_reaches_the_process,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_stop_sends_sigterm_then_sigkill,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_failure_records_127_like_dockerd,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_keeps_the_last_64_finished,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_forced_removal_kills_and_frees_execs,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_shutdown_kills_execs_with_the_root,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_store_teardown_reaps_a_live_exec,
		    lp_setup, lp_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
