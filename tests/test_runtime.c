/* SPDX-License-Identifier: MIT */
/*
 * Process runtime: exit statuses, signals to the process group, exec
 * failures reported synchronously, the pty, signal names, the identity a
 * restarted daemon checks before it kills an orphan.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/procident.h"
#include "daemon/runtime.h"
#include "tests/helpers.h"

struct exit_seen {
	int	done;
	int	status;
};

static void
exit_cb(int status, void *arg)
{
	struct exit_seen	*e = arg;

	e->done = 1;
	e->status = status;
}

static int
exited(void *arg)
{
	return (((struct exit_seen *)arg)->done);
}

static const char *env[] = { "PATH=/usr/bin:/bin", NULL };

/* Reads fd (non-blocking) until EOF, running the loop between tries. */
static size_t
slurp(struct event_base *base, int fd, char *buf, size_t cap)
{
	size_t	len = 0;
	ssize_t	n;

	for (int i = 0; i < 500; i++) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0 || (n == -1 && errno == EIO))
			break;
		run_loop_for(base, 10);
	}
	buf[len] = '\0';
	return (len);
}

static struct runtime_proc *
start(struct lp_fixture *f, const char **argv, int tty, const char *cwd,
    int *out, int *err, struct exit_seen *e, struct err *er)
{
	struct runtime_spec	spec = { .argv = argv, .envp = env, .cwd = cwd,
	    .tty = tty };

	return (runtime_start(f->base, &spec, out, err, exit_cb, e, er));
}

static void
test_runtime_reports_exit_status_and_output(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*argv[] = { "sh", "-c",
				    "echo out; echo err >&2; exit 7", NULL };
	struct exit_seen	 e = { 0, 0 };
	struct err		 er;
	char			 buf[256];
	int			 out, err;
	struct runtime_proc	*p = start(f, argv, 0, NULL, &out, &err, &e,
				    &er);

	assert_non_null(p);
	assert_true(runtime_pid(p) > 0);
	assert_true(run_loop_until(f->base, exited, &e, 5000));
	assert_int_equal(e.status, 7);
	assert_true(runtime_exited(p));
	slurp(f->base, out, buf, sizeof buf);
	assert_string_equal(buf, "out\n");
	slurp(f->base, err, buf, sizeof buf);
	assert_string_equal(buf, "err\n");
	close(out);
	close(err);
	runtime_free(p);
}

static void
test_runtime_signal_reaches_the_group_and_gives_128_plus_n(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*argv[] = { "sh", "-c",
				    "trap '' TERM; sleep 30 & wait", NULL };
	struct exit_seen	 e = { 0, 0 };
	struct err		 er;
	int			 out, err;
	struct runtime_proc	*p = start(f, argv, 0, NULL, &out, &err, &e,
				    &er);

	assert_non_null(p);
	run_loop_for(f->base, 100);
	/* The shell ignores TERM; its sleep child does not. */
	assert_int_equal(runtime_signal(p, SIGTERM), 0);
	run_loop_for(f->base, 300);
	assert_false(e.done);
	assert_int_equal(runtime_signal(p, SIGKILL), 0);
	assert_true(run_loop_until(f->base, exited, &e, 5000));
	assert_int_equal(e.status, 137);
	close(out);
	close(err);
	runtime_free(p);
}

static void
test_runtime_exec_failure_is_synchronous(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*missing[] = { "nosuch-lp-cmd", NULL };
	const char		*abs[] = { "/nonexistent/lp-cmd", NULL };
	const char		*notexec[] = { "/etc/passwd", NULL };
	const char		*ok[] = { "true", NULL };
	struct exit_seen	 e = { 0, 0 };
	struct err		 er;
	int			 out = -1, err = -1;

	assert_null(start(f, missing, 0, NULL, &out, &err, &e, &er));
	assert_int_equal(er.code, ERR_INVALID);
	assert_string_equal(er.msg, "exec: \"nosuch-lp-cmd\": executable "
	    "file not found in $PATH");
	assert_null(start(f, abs, 0, NULL, &out, &err, &e, &er));
	assert_string_equal(er.msg, "exec: \"/nonexistent/lp-cmd\": stat "
	    "/nonexistent/lp-cmd: no such file or directory");
	assert_null(start(f, notexec, 0, NULL, &out, &err, &e, &er));
	assert_string_equal(er.msg, "exec: \"/etc/passwd\": permission denied");
	assert_null(start(f, ok, 0, "/nonexistent-dir", &out, &err, &e, &er));
	assert_int_equal(er.code, ERR_INVALID);
	assert_string_equal(er.msg, "chdir to cwd (\"/nonexistent-dir\") set "
	    "in config.json failed: no such file or directory");
	assert_int_equal(out, -1);
	assert_int_equal(err, -1);
	assert_int_equal(count_children(), f->children);
}

static void
test_runtime_tty_gives_one_stream_with_crlf(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*argv[] = { "sh", "-c", "echo a; echo b >&2",
				    NULL };
	struct exit_seen	 e = { 0, 0 };
	struct err		 er;
	char			 buf[256];
	int			 out, err;
	struct runtime_proc	*p = start(f, argv, 1, "/tmp", &out, &err, &e,
				    &er);

	assert_non_null(p);
	assert_int_equal(err, -1);
	slurp(f->base, out, buf, sizeof buf);
	assert_string_equal(buf, "a\r\nb\r\n");
	assert_true(run_loop_until(f->base, exited, &e, 5000));
	assert_int_equal(e.status, 0);
	close(out);
	runtime_free(p);
}

/* HostConfig.ConsoleSize: the program's first look at the tty sees it. */
static void
test_runtime_tty_starts_at_the_given_size(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*argv[] = { "sh", "-c", "stty size <&1", NULL };
	struct runtime_spec	 spec = { .argv = argv, .envp = env,
				    .cwd = "/tmp", .tty = 1, .rows = 33,
				    .cols = 101 };
	struct exit_seen	 e = { 0, 0 };
	struct err		 er;
	char			 buf[256];
	int			 out, err;
	struct runtime_proc	*p = runtime_start(f->base, &spec, &out, &err,
				    exit_cb, &e, &er);

	assert_non_null(p);
	slurp(f->base, out, buf, sizeof buf);
	assert_string_equal(buf, "33 101\r\n");
	assert_true(run_loop_until(f->base, exited, &e, 5000));
	assert_int_equal(e.status, 0);
	close(out);
	runtime_free(p);
}

static void
test_runtime_free_kills_a_live_process(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*argv[] = { "sleep", "30", NULL };
	struct exit_seen	 e = { 0, 0 };
	struct err		 er;
	int			 out, err;
	struct runtime_proc	*p = start(f, argv, 0, NULL, &out, &err, &e,
				    &er);

	assert_non_null(p);
	runtime_free(p);
	close(out);
	close(err);
	assert_false(e.done);
}

static void
test_runtime_parses_signal_names_and_numbers(void **state)
{
	(void)state;
	assert_int_equal(runtime_parse_signal("KILL"), SIGKILL);
	assert_int_equal(runtime_parse_signal("SIGKILL"), SIGKILL);
	assert_int_equal(runtime_parse_signal("sigterm"), SIGTERM);
	assert_int_equal(runtime_parse_signal("HUP"), SIGHUP);
	assert_int_equal(runtime_parse_signal("USR1"), SIGUSR1);
	assert_int_equal(runtime_parse_signal("9"), 9);
	assert_int_equal(runtime_parse_signal("0"), -1);
	assert_int_equal(runtime_parse_signal("999"), -1);
	assert_int_equal(runtime_parse_signal("bogus"), -1);
	assert_int_equal(runtime_parse_signal(""), -1);
}

/* A name with ") (" and spaces, as /proc/<pid>/stat shows it in comm. */
static void
test_runtime_ident_survives_a_hostile_process_name(void **state)
{
	struct lp_fixture	*f = *state;
	char			 exe[PATH_MAX + 32];
	const char		*argv[] = { exe, "30", NULL };
	struct exit_seen	 e = { 0, 0 };
	struct procident	 now;
	const struct procident *id;
	struct err		 er;
	struct runtime_proc	*p;
	int			 out, err;
	char			 st = 0;

	snprintf(exe, sizeof exe, "%s/x) (y 1 2", f->dir);
	assert_int_equal(symlink("/bin/sleep", exe), 0);
	p = start(f, argv, 0, NULL, &out, &err, &e, &er);
	assert_non_null(p);
	id = runtime_ident(p);
	assert_int_equal(id->pid, runtime_pid(p));
	assert_int_equal(id->pgid, runtime_pid(p));	/* setsid */
	assert_true(id->start_time > 0);
	assert_int_equal(procident_read(runtime_pid(p), &now, &st), 0);
	assert_int_equal(now.pgid, id->pgid);
	assert_true(now.start_time == id->start_time);
	assert_true(st == 'S' || st == 'R');
	/* A different start time is a stranger: left alone. */
	now.start_time++;
	assert_int_equal(procident_kill_orphan(&now, 100),
	    PROCIDENT_ORPHAN_STRANGER);
	run_loop_for(f->base, 50);
	assert_false(e.done);
	close(out);
	close(err);
	runtime_free(p);
	/* Above pid_max (2^22): never a process. */
	assert_int_equal(procident_read(999999999, &now, NULL), -1);
	assert_int_equal(errno, ESRCH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_runtime_reports_exit_status_and_output,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_signal_reaches_the_group_and_gives_128_plus_n,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_exec_failure_is_synchronous,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_tty_gives_one_stream_with_crlf,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_tty_starts_at_the_given_size,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_free_kills_a_live_process,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_ident_survives_a_hostile_process_name,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_runtime_parses_signal_names_and_numbers,
		    lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
