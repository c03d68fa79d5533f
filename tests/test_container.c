/* SPDX-License-Identifier: MIT */
/*
 * Container store: name and id resolution, metadata surviving a reload,
 * the lifecycle (create, start, exit, stop with grace, exec failure),
 * waiters, removal and shutdown, all back to baseline after each test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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

struct ctx {
	struct lp_fixture	*f;
	struct cancel		*root;
	struct container_store	*st;
};

static void
open_store(struct ctx *x, struct lp_fixture *f)
{
	x->f = f;
	x->st = lp_store_new(f, &x->root);
}

static void
close_store(struct ctx *x)
{
	lp_store_free(x->st, x->root);
	x->st = NULL;
	x->root = NULL;
}

/* A container running sh -c script (NULL: "true"). */
static struct container *
create(struct ctx *x, const char *name, const char *script,
    struct err *err)
{
	json_t	*config, *hc;

	config = json_pack("{s:s, s:[s,s,s], s:n, s:[], s:s, s:b, s:{},"
	    " s:b, s:b}", "Image", "busybox", "Cmd", "sh", "-c",
	    script != NULL ? script : "true", "Entrypoint", "Env",
	    "WorkingDir", "", "Tty", 0, "Labels", "AttachStdout", 1,
	    "AttachStderr", 1);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	return (container_store_create(x->st, name, config, hc, err));
}

static int
not_running(void *arg)
{
	return (!container_running(arg));
}

static void
test_container_lookup_by_id_name_and_prefix(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*a, *c, *byname, *all[40];
	char			 ref[65], want[128];
	int			 n = 0, i, j, found = 0;

	open_store(&x, *state);
	a = create(&x, "alpha", NULL, &err);
	assert_non_null(a);
	assert_ptr_equal(container_store_lookup(x.st, container_id(a), &err),
	    a);
	assert_ptr_equal(container_store_lookup(x.st, "alpha", &err), a);
	assert_ptr_equal(container_store_lookup(x.st, "/alpha", &err), a);
	assert_string_equal(container_name(a), "/alpha");
	snprintf(ref, sizeof ref, "%.5s", container_id(a));
	assert_ptr_equal(container_store_lookup(x.st, ref, &err), a);

	assert_null(container_store_lookup(x.st, "ALPHA", &err));
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_string_equal(err.msg, "No such container: ALPHA");

	/* A name that is another container's id prefix wins over it. */
	snprintf(ref, sizeof ref, "%.6s", container_id(a));
	byname = create(&x, ref, NULL, &err);
	assert_non_null(byname);
	assert_ptr_equal(container_store_lookup(x.st, ref, &err), byname);

	/* 17+ ids: two must share a first hex digit. */
	all[n++] = a;
	all[n++] = byname;
	for (i = 0; i < 17; i++) {
		assert_non_null(c = create(&x, NULL, NULL, &err));
		all[n++] = c;
	}
	for (i = 0; i < n && !found; i++) {
		for (j = i + 1; j < n && !found; j++) {
			if (container_id(all[i])[0] ==
			    container_id(all[j])[0]) {
				snprintf(ref, sizeof ref, "%c",
				    container_id(all[i])[0]);
				found = 1;
			}
		}
	}
	assert_true(found);
	assert_null(container_store_lookup(x.st, ref, &err));
	assert_int_equal(err.code, ERR_AMBIGUOUS);
	snprintf(want, sizeof want, "Multiple IDs found with provided "
	    "prefix: %s", ref);
	assert_string_equal(err.msg, want);
	close_store(&x);
}

static void
test_container_create_rejects_bad_and_taken_names(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*a;
	char			 want[512];

	open_store(&x, *state);
	assert_null(create(&x, "bad name", NULL, &err));
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "Invalid container name (bad name), "
	    "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
	assert_null(create(&x, "a", NULL, &err));	/* two chars at least */
	assert_non_null(a = create(&x, "taken", NULL, &err));
	assert_null(create(&x, "/taken", NULL, &err));
	assert_int_equal(err.code, ERR_CONFLICT);
	snprintf(want, sizeof want, "Conflict. The container name \"/taken\" "
	    "is already in use by container \"%s\". You have to remove (or "
	    "rename) that container to be able to reuse that name.",
	    container_id(a));
	assert_string_equal(err.msg, want);
	close_store(&x);
}

static void
test_container_runs_exits_and_keeps_its_code(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	char			*log;

	open_store(&x, *state);
	c = create(&x, "runner", "echo hello; exit 3", &err);
	assert_non_null(c);
	assert_int_equal(container_state(c), CONTAINER_CREATED);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(container_running(c));
	assert_non_null(container_log_writer(c));
	assert_int_equal(container_start(c, &err), -1);
	assert_int_equal(err.code, ERR_NOT_MODIFIED);
	assert_true(run_loop_until((*(struct lp_fixture **)state)->base,
	    not_running, c, 5000));
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	assert_int_equal(container_exit_code(c), 3);
	assert_null(container_log_writer(c));
	log = read_file(container_log_path(c), NULL);
	assert_non_null(strstr(log, "\"log\":\"hello\\n\",\"stream\":"
	    "\"stdout\""));
	test_free(log);
	assert_int_equal(container_stop(c, 1, &err), -1);
	assert_int_equal(err.code, ERR_NOT_MODIFIED);
	assert_int_equal(container_kill(c, SIGKILL, &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	close_store(&x);
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
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	struct container_waiter	 w;
	struct waited		 wd = { 0, 0, 0 };

	memset(&w, 0, sizeof w);
	open_store(&x, f);
	c = create(&x, "stubborn", "trap '' TERM; echo up; "
	    "while :; do sleep 0.05; done", &err);
	assert_int_equal(container_start(c, &err), 0);
	run_loop_for(f->base, 100);
	container_wait_add(c, &w, CONTAINER_WAIT_NOT_RUNNING, waited_cb, &wd);
	assert_int_equal(container_stop(c, 1, &err), 0);
	run_loop_for(f->base, 700);
	assert_true(container_running(c));	/* TERM ignored */
	assert_true(run_loop_until(f->base, waited_once, &wd, 3000));
	assert_int_equal(wd.calls, 1);
	assert_int_equal(wd.code, 137);
	assert_int_equal(wd.removed, 0);
	assert_int_equal(container_exit_code(c), 137);
	assert_null(w.c);
	container_wait_del(&w);		/* fired: a no-op */
	close_store(&x);
}

static void
test_container_exec_failure_is_answered_synchronously(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	json_t			*config, *hc;

	open_store(&x, *state);
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
	close_store(&x);
}

static void
test_container_metadata_survives_a_reload(void **state)
{
	struct lp_fixture	*f = *state;
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	json_t			*before, *after;
	char			 id[65], path[4400];
	struct stat		 st;

	open_store(&x, f);
	c = create(&x, "keeper", "echo kept; exit 5", &err);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until(f->base, not_running, c, 5000));
	snprintf(id, sizeof id, "%s", container_id(c));
	before = container_view_inspect(c);
	snprintf(path, sizeof path, "%s/data/containers/%s/config.v2.json",
	    x.f->dir, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	close_store(&x);

	open_store(&x, f);
	c = container_store_lookup(x.st, "keeper", &err);
	assert_non_null(c);
	assert_string_equal(container_id(c), id);
	assert_int_equal(container_exit_code(c), 5);
	after = container_view_inspect(c);
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
	close_store(&x);
}

/*
 * Rewrites a saved container as if the daemon died while it ran pid (0:
 * no process facts saved, as an older daemon wrote it).
 */
static void
pretend_crashed(struct ctx *x, const char *id, pid_t pid, uint64_t start)
{
	json_t	*j, *st;
	char	 path[4400];

	snprintf(path, sizeof path, "%s/data/containers/%s/config.v2.json",
	    x->f->dir, id);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	st = json_object_get(j, "State");
	json_object_set_new(st, "Running", json_true());
	json_object_set_new(st, "Status", json_string("running"));
	json_object_set_new(st, "StartedAt",
	    json_string("2026-01-01T00:00:00Z"));
	if (pid != 0) {
		json_object_set_new(st, "Pid", json_integer(pid));
		json_object_set_new(j, "LogpouchProcess", json_pack("{s:i, s:i,"
		    " s:I}", "Pid", (int)pid, "Pgid", (int)pid, "StartTime",
		    (json_int_t)start));
	}
	assert_int_equal(json_dump_file(j, path, 0), 0);
	json_decref(j);
}

/* /proc/<pid>/stat field 22, parsed here independently of runtime.c. */
static uint64_t
proc_start_time(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 v = 0;
	FILE			*fp;
	int			 field = 2;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_non_null(p = strrchr(buf, ')'));
	for (p = strtok(p + 1, " "); p != NULL; p = strtok(NULL, " ")) {
		if (++field == 22) {
			v = strtoull(p, NULL, 10);
			break;
		}
	}
	assert_true(v > 0);
	return (v);
}

/* A quiet process in a session of its own that ignores SIGTERM. */
static pid_t
spawn_quiet(void)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		int	null = open("/dev/null", O_RDWR);

		/* Leaves ctest's pipes alone; gone in 60 s if a test fails. */
		dup2(null, 1);
		dup2(null, 2);
		setsid();
		signal(SIGTERM, SIG_IGN);
		alarm(60);
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	for (int i = 0; i < 2000 && getpgid(pid) != pid; i++)
		usleep(1000);
	assert_int_equal(getpgid(pid), pid);
	return (pid);
}

static void
test_container_running_at_crash_comes_back_exited_255(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	char			 id[65];

	open_store(&x, *state);
	c = create(&x, "crashed", NULL, &err);
	snprintf(id, sizeof id, "%s", container_id(c));
	close_store(&x);
	pretend_crashed(&x, id, 0, 0);

	open_store(&x, *state);
	c = container_store_lookup(x.st, id, &err);
	assert_non_null(c);
	assert_false(container_running(c));
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	/* containerd's code for an exit status nobody saw; no Error. */
	assert_int_equal(container_exit_code(c), 255);
	assert_string_equal(container_error(c), "");
	close_store(&x);
}

static void
test_container_running_at_crash_has_its_process_group_killed(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	char			 id[65];
	pid_t			 pid;
	int			 status;

	open_store(&x, *state);
	c = create(&x, "orphaned", NULL, &err);
	snprintf(id, sizeof id, "%s", container_id(c));
	close_store(&x);
	pid = spawn_quiet();
	pretend_crashed(&x, id, pid, proc_start_time(pid));

	open_store(&x, *state);
	/* Killed and dead by the time the store is open (a zombie of ours). */
	assert_int_equal(waitpid(pid, &status, WNOHANG), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	c = container_store_lookup(x.st, id, &err);
	assert_non_null(c);
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	assert_int_equal(container_exit_code(c), 137);
	assert_string_equal(container_error(c), "");
	close_store(&x);
}

static void
test_container_running_at_crash_never_kills_a_reused_pid(void **state)
{
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	char			 id[65];
	pid_t			 pid;
	int			 status;

	open_store(&x, *state);
	c = create(&x, "recycled", NULL, &err);
	snprintf(id, sizeof id, "%s", container_id(c));
	close_store(&x);
	/* The saved pid now names a stranger that started at another time. */
	pid = spawn_quiet();
	pretend_crashed(&x, id, pid, proc_start_time(pid) - 1);

	open_store(&x, *state);
	c = container_store_lookup(x.st, id, &err);
	assert_non_null(c);
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	assert_int_equal(container_exit_code(c), 255);
	usleep(20000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);	/* alive */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close_store(&x);
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
	struct ctx		 x;
	struct err		 err;
	struct container	*c;
	struct container_waiter	 w;
	struct waited		 wd = { 0, 0, 0 };
	struct ctx_seen		 seen;
	char			 id[65];

	memset(&w, 0, sizeof w);
	memset(&seen, 0, sizeof seen);
	open_store(&x, f);
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
	close_store(&x);
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
	struct ctx		 x;
	struct err		 err;
	struct container	*a, *b;
	int			 done = 0;

	open_store(&x, f);
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
	close_store(&x);
}

static void
test_container_shutdown_with_nothing_running_is_async(void **state)
{
	struct lp_fixture	*f = *state;
	struct ctx		 x;
	int			 done = 0;

	open_store(&x, f);
	container_store_shutdown(x.st, 1, stopped_cb, &done);
	assert_int_equal(done, 0);
	assert_true(run_loop_until(f->base, int_set, &done, 1000));
	close_store(&x);
}

static void
test_container_view_human_duration_matches_go_units(void **state)
{
	char	b[64];
	int64_t	s = 1000000000;

	(void)state;
	container_view_human_duration(b, sizeof b, s / 2);
	assert_string_equal(b, "Less than a second");
	container_view_human_duration(b, sizeof b, s);
	assert_string_equal(b, "1 second");
	container_view_human_duration(b, sizeof b, 59 * s);
	assert_string_equal(b, "59 seconds");
	container_view_human_duration(b, sizeof b, 90 * s);
	assert_string_equal(b, "About a minute");
	container_view_human_duration(b, sizeof b, 5 * 60 * s);
	assert_string_equal(b, "5 minutes");
	container_view_human_duration(b, sizeof b, 3600 * s);
	assert_string_equal(b, "About an hour");
	container_view_human_duration(b, sizeof b, 47 * 3600 * s);
	assert_string_equal(b, "47 hours");
	container_view_human_duration(b, sizeof b, 3 * 86400 * s);
	assert_string_equal(b, "3 days");
	container_view_human_duration(b, sizeof b, 21 * 86400 * s);
	assert_string_equal(b, "3 weeks");
	container_view_human_duration(b, sizeof b, 90 * 86400 * s);
	assert_string_equal(b, "3 months");
	container_view_human_duration(b, sizeof b, 3 * 365 * 86400 * s);
	assert_string_equal(b, "3 years");
}

/*
 * A container whose config.v2.json cannot be written would be gone at the
 * next start: the create fails instead, leaving no directory and no name
 * taken. RLIMIT_FSIZE makes the write fail (EFBIG) without root.
 */
static void
test_container_create_fails_when_config_cannot_be_written(void **state)
{
	struct lp_fixture	*f = *state;
	struct ctx		 x;
	struct err		 err = { 0 };
	struct rlimit		 old, tiny = { 16, 16 };
	struct container	*c;
	struct dirent		*de;
	char			 dir[4400];
	void			(*oldsig)(int);
	DIR			*d;
	int			 entries = 0;

	open_store(&x, f);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny.rlim_max = old.rlim_max;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	c = create(&x, "unsaved", NULL, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_null(c);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "config.v2.json"));
	assert_true(err.code < ERR_INVALID);	/* an errno: a 500 */

	snprintf(dir, sizeof dir, "%s/data/containers", f->dir);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		entries += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(entries, 0);
	assert_null(container_store_lookup(x.st, "unsaved", &err));
	assert_int_equal(err.code, ERR_NOT_FOUND);
	/* The name was not taken by a half-made container. */
	assert_non_null(c = create(&x, "unsaved", NULL, &err));
	close_store(&x);
	open_store(&x, f);
	assert_non_null(container_store_lookup(x.st, "unsaved", &err));
	close_store(&x);
}

/*
 * The crash of issue 12: a start error holding a long non-ASCII command
 * was cut inside a character, and inspect's JSON could not be built.
 */
static void
test_container_long_non_ascii_start_error_still_inspects(void **state)
{
	struct lp_fixture	*f = *state;
	struct ctx		 x;
	struct err		 err = { 0 };
	struct container	*c;
	json_t			*config, *hc, *j;
	char			 cmd[402], *text;

	cmd[0] = 'x';
	for (size_t i = 1; i + 1 < sizeof cmd; i += 2)
		memcpy(cmd + i, "\xc3\xa9", 2);
	cmd[sizeof cmd - 1] = '\0';
	open_store(&x, f);
	config = json_pack("{s:s, s:[s], s:n, s:[s], s:s, s:b, s:{},"
	    " s:b, s:b}", "Image", "x", "Cmd", cmd, "Entrypoint", "Env",
	    "PATH=/nonexistent", "WorkingDir", "", "Tty", 0, "Labels",
	    "AttachStdout", 1, "AttachStderr", 1);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type", "none",
	    "Config", "AutoRemove", 0);
	assert_non_null(c = container_store_create(x.st, "accents", config,
	    hc, &err));
	assert_int_equal(container_start(c, &err), -1);
	assert_non_null(j = container_view_inspect(c));
	assert_non_null(text = json_dumps(j, JSON_COMPACT));
	assert_non_null(strstr(text, "\"Error\":\"failed to create shim task"));
	xfree(text);
	json_decref(j);
	close_store(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_container_create_fails_when_config_cannot_be_written,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_long_non_ascii_start_error_still_inspects,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_lookup_by_id_name_and_prefix,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_create_rejects_bad_and_taken_names,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_runs_exits_and_keeps_its_code,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_stop_escalates_to_sigkill_after_grace,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_exec_failure_is_answered_synchronously,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_metadata_survives_a_reload,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_running_at_crash_comes_back_exited_255,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_running_at_crash_has_its_process_group_killed,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_running_at_crash_never_kills_a_reused_pid,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_force_remove_kills_then_cancels_ctx,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_shutdown_stops_everything_then_calls_done,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_shutdown_with_nothing_running_is_async,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_container_view_human_duration_matches_go_units,
		    lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
