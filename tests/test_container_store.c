/* SPDX-License-Identifier: MIT */
/*
 * The container store and what it keeps: name and id resolution, names,
 * metadata surviving a reload and a crash, a create that cannot save, and
 * the views (inspect, durations), which read and never write.
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
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/base/cancel.h"
#include "daemon/base/timeutil.h"
#include "daemon/container.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

/* A container running sh -c script (NULL: "true"), logging to json-file. */
#define create(x, name, script, err) \
	lp_store_create(x, name, script, NULL, "json-file", err)

static void
test_container_lookup_by_id_name_and_prefix(void **state)
{
	struct lp_store		 x;
	struct err		 err;
	struct container	*a, *c, *byname, *all[40];
	char			 ref[65], want[128];
	int			 n = 0, i, j, found = 0;

	lp_store_open(&x, *state);
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
	lp_store_close(&x);
}

static void
test_container_create_rejects_bad_and_taken_names(void **state)
{
	struct lp_store		 x;
	struct err		 err;
	struct container	*a;
	char			 want[512];

	lp_store_open(&x, *state);
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
	lp_store_close(&x);
}

static void
test_container_metadata_survives_a_reload(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*c;
	json_t			*before, *after;
	char			 id[65], path[4400];
	struct stat		 st;

	lp_store_open(&x, f);
	c = create(&x, "keeper", "echo kept; exit 5", &err);
	assert_int_equal(container_start(c, &err), 0);
	assert_true(run_loop_until(f->base, lp_container_exited, c, 5000));
	snprintf(id, sizeof id, "%s", container_id(c));
	before = container_view_inspect(c);
	snprintf(path, sizeof path, "%s/data/containers/%s/config.v2.json",
	    x.f->dir, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	lp_store_close(&x);

	lp_store_open(&x, f);
	c = container_store_lookup(x.st, "keeper", &err);
	assert_non_null(c);
	assert_string_equal(container_id(c), id);
	assert_int_equal(container_exit_code(c), 5);
	after = container_view_inspect(c);
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
	lp_store_close(&x);
}

/*
 * Creates container name, then rewrites its saved state as if the daemon
 * died while it ran pid (0: no process facts saved, as an older daemon
 * wrote it), and reopens the store: returns the reloaded container.
 */
static struct container *
crash_and_reload(struct lp_store *x, struct lp_fixture *f, const char *name,
    pid_t pid, uint64_t start)
{
	struct container	*c;
	struct err		 err;
	json_t			*j, *st;
	char			 id[65], path[4400];

	lp_store_open(x, f);
	assert_non_null(c = create(x, name, NULL, &err));
	snprintf(id, sizeof id, "%s", container_id(c));
	lp_store_close(x);
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
	lp_store_open(x, f);
	assert_non_null(c = container_store_lookup(x->st, id, &err));
	return (c);
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
	struct lp_store		 x;
	struct container	*c;

	c = crash_and_reload(&x, *state, "crashed", 0, 0);
	assert_false(container_running(c));
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	/* containerd's code for an exit status nobody saw; no Error. */
	assert_int_equal(container_exit_code(c), 255);
	assert_string_equal(container_error(c), "");
	lp_store_close(&x);
}

static void
test_container_running_at_crash_has_its_process_group_killed(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	pid_t			 pid;
	int			 status;

	pid = spawn_quiet();
	c = crash_and_reload(&x, *state, "orphaned", pid, proc_start_time(pid));
	/* Killed and dead by the time the store is open (a zombie of ours). */
	assert_int_equal(waitpid(pid, &status, WNOHANG), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	assert_int_equal(container_exit_code(c), 137);
	assert_string_equal(container_error(c), "");
	lp_store_close(&x);
}

static void
test_container_running_at_crash_never_kills_a_reused_pid(void **state)
{
	struct lp_store		 x;
	struct container	*c;
	pid_t			 pid;
	int			 status;

	/* The saved pid now names a stranger that started at another time. */
	pid = spawn_quiet();
	c = crash_and_reload(&x, *state, "recycled", pid,
	    proc_start_time(pid) - 1);
	assert_int_equal(container_state(c), CONTAINER_EXITED);
	assert_int_equal(container_exit_code(c), 255);
	usleep(20000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);	/* alive */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	lp_store_close(&x);
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
	struct lp_store		 x;
	struct err		 err = { 0 };
	struct rlimit		 old, tiny = { 16, 16 };
	struct container	*c;
	struct dirent		*de;
	char			 dir[4400];
	void			(*oldsig)(int);
	DIR			*d;
	int			 entries = 0;

	lp_store_open(&x, f);
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
	lp_store_close(&x);
	lp_store_open(&x, f);
	assert_non_null(container_store_lookup(x.st, "unsaved", &err));
	lp_store_close(&x);
}

/*
 * The crash of issue 12: a start error holding a long non-ASCII command
 * was cut inside a character, and inspect's JSON could not be built.
 */
static void
test_container_long_non_ascii_start_error_still_inspects(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err = { 0 };
	struct container	*c;
	json_t			*config, *hc, *j;
	char			 cmd[402], *text;

	cmd[0] = 'x';
	for (size_t i = 1; i + 1 < sizeof cmd; i += 2)
		memcpy(cmd + i, "\xc3\xa9", 2);
	cmd[sizeof cmd - 1] = '\0';
	lp_store_open(&x, f);
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
	lp_store_close(&x);
}

/*
 * What dockerode and other clients read of inspect: dockerd 20.10's keys
 * in its order, Driver and GraphDriver naming how roots are made, and
 * Config.Env as the create gave it (null for none), without the default
 * PATH, which only the process gets; the same after a reload.
 */
static void
test_container_inspect_has_dockerds_keys_and_env_as_given(void **state)
{
	static const char *keys[] = { "Id", "Created", "Path", "Args",
	    "State", "Image", "ResolvConfPath", "HostnamePath", "HostsPath",
	    "LogPath", "Name", "RestartCount", "Driver", "Platform",
	    "MountLabel", "ProcessLabel", "AppArmorProfile", "ExecIDs",
	    "HostConfig", "GraphDriver", "Mounts", "Config",
	    "NetworkSettings" };
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*none, *one;
	json_t			*j, *v;
	const char		*k, *driver;
	size_t			 i = 0;

	lp_store_open(&x, f);
	assert_non_null(none = create(&x, "noenv", NULL, &err));
	assert_non_null(one = lp_store_create(&x, "oneenv", NULL,
	    json_pack("[s]", "A=1"), "json-file", &err));
	j = container_view_inspect(none);
	json_object_foreach(j, k, v) {
		assert_true(i < sizeof keys / sizeof keys[0]);
		assert_string_equal(k, keys[i++]);
	}
	assert_int_equal(i, sizeof keys / sizeof keys[0]);
	driver = json_string_value(json_object_get(j, "Driver"));
	assert_true(strcmp(driver, "vfs") == 0 ||
	    strcmp(driver, "overlay2") == 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "GraphDriver"), "Name")), driver);
	assert_true(json_is_null(json_object_get(json_object_get(j,
	    "GraphDriver"), "Data")));
	assert_string_equal(json_string_value(json_object_get(j,
	    "AppArmorProfile")), "");
	assert_true(json_is_null(json_object_get(json_object_get(j, "Config"),
	    "Env")));
	json_decref(j);
	j = container_view_inspect(one);
	v = json_object_get(json_object_get(j, "Config"), "Env");
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "A=1");
	json_decref(j);
	lp_store_close(&x);

	lp_store_open(&x, f);
	assert_non_null(none = container_store_lookup(x.st, "noenv", &err));
	j = container_view_inspect(none);
	assert_true(json_is_null(json_object_get(json_object_get(j, "Config"),
	    "Env")));
	json_decref(j);
	lp_store_close(&x);
}

/* Sets path's mtime to 2001 and returns its inode. */
static ino_t
age(const char *path)
{
	struct timespec	ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct stat	st;

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(stat(path, &st), 0);
	return (st.st_ino);
}

/* Neither touched nor replaced (a save renames a new file over it). */
static void
assert_untouched(const char *path, ino_t ino)
{
	struct stat	st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
}

/* Every question a GET asks of a container; none may write. */
static void
ask(struct lp_store *x, struct container *c)
{
	struct err	err;
	json_t		*j;
	int		 r, p, s;

	j = container_view_inspect(c);
	assert_non_null(j);
	json_decref(j);
	j = container_view_summary(c, timeutil_now_ns());
	assert_non_null(j);
	json_decref(j);
	assert_non_null(container_log_path(c));
	assert_int_equal(container_log_check(c, &err), 0);
	assert_int_equal(container_log_max_file(c), 1);
	assert_ptr_equal(container_store_lookup(x->st, container_id(c), &err),
	    c);
	container_store_counts(x->st, &r, &p, &s);
}

/*
 * Asking for the log path created the log file and rewrote and fsynced
 * config.v2.json, on the loop thread, from a GET. The path is fixed at
 * create; the empty log exists from create on, so a log request before
 * the first start reads an empty log; LogPath shows once the log is
 * started or read, as dockerd (measured: "" after create, the path after
 * GET /logs of the created container).
 */
static void
test_container_get_writes_nothing_to_disk(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*fresh, *ran;
	char			 cfg[2][4400], log[4400], *text;
	ino_t			 ino[2];
	json_t			*j;
	struct stat		 st;

	lp_store_open(&x, f);
	assert_non_null(fresh = create(&x, "fresh", NULL, &err));
	assert_non_null(ran = create(&x, "ran", "echo once", &err));
	assert_int_equal(container_start(ran, &err), 0);
	assert_true(run_loop_until(f->base, lp_container_exited, ran, 5000));
	snprintf(cfg[0], sizeof cfg[0], "%s/data/containers/%s/config.v2.json",
	    f->dir, container_id(fresh));
	snprintf(cfg[1], sizeof cfg[1], "%s/data/containers/%s/config.v2.json",
	    f->dir, container_id(ran));
	ino[0] = age(cfg[0]);
	ino[1] = age(cfg[1]);

	ask(&x, fresh);
	ask(&x, ran);
	ask(&x, fresh);
	assert_untouched(cfg[0], ino[0]);
	assert_untouched(cfg[1], ino[1]);

	/* As dockerd: no LogPath before the logger first started. */
	j = container_view_inspect(fresh);
	assert_string_equal(json_string_value(json_object_get(j, "LogPath")),
	    "");
	json_decref(j);
	snprintf(log, sizeof log, "%s/data/containers/%s/%s-json.log", f->dir,
	    container_id(fresh), container_id(fresh));
	assert_string_equal(container_log_path(fresh), log);
	assert_int_equal(stat(log, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* A log reader opens it: LogPath shows, as dockerd, still no write. */
	assert_string_equal(container_log_open(fresh), log);
	j = container_view_inspect(fresh);
	assert_string_equal(json_string_value(json_object_get(j, "LogPath")),
	    log);
	json_decref(j);
	assert_untouched(cfg[0], ino[0]);
	j = container_view_inspect(ran);
	assert_string_equal(json_string_value(json_object_get(j, "LogPath")),
	    container_log_path(ran));
	json_decref(j);
	text = read_file(cfg[1], NULL);
	assert_non_null(strstr(text, "-json.log\""));
	test_free(text);
	lp_store_close(&x);
}

static void
test_container_rename_checks_as_dockerd_and_survives_a_reload(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct err		 err;
	struct container	*a, *b;
	char			 want[400];

	lp_store_open(&x, f);
	a = create(&x, "first", NULL, &err);
	b = create(&x, "second", NULL, &err);
	assert_int_equal(container_store_rename(x.st, a, "", &err), -1);
	assert_string_equal(err.msg, "Neither old nor new names may be empty");
	assert_int_equal(container_store_rename(x.st, a, "first", &err), -1);
	assert_string_equal(err.msg,
	    "Renaming a container with the same name as its current name");
	assert_int_equal(container_store_rename(x.st, a, "b@d", &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "Error when allocating new name: Invalid "
	    "container name (/b@d), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
	    "allowed");
	assert_int_equal(container_store_rename(x.st, a, "/second", &err), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	snprintf(want, sizeof want, "Error when allocating new name: "
	    "Conflict. The container name \"/second\" is already in use by "
	    "container \"%s\". You have to remove (or rename) that container "
	    "to be able to reuse that name.", container_id(b));
	assert_string_equal(err.msg, want);
	assert_string_equal(container_name(a), "/first");

	assert_int_equal(container_store_rename(x.st, a, "renamed", &err), 0);
	assert_string_equal(container_name(a), "/renamed");
	assert_null(container_store_lookup(x.st, "first", &err));
	lp_store_close(&x);

	lp_store_open(&x, f);
	assert_non_null(container_store_lookup(x.st, "renamed", &err));
	assert_null(container_store_lookup(x.st, "first", &err));
	lp_store_close(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_container_create_fails_when_config_cannot_be_written),
		T(test_container_long_non_ascii_start_error_still_inspects),
		T(test_container_lookup_by_id_name_and_prefix),
		T(test_container_create_rejects_bad_and_taken_names),
		T(test_container_metadata_survives_a_reload),
		T(test_container_inspect_has_dockerds_keys_and_env_as_given),
		T(test_container_rename_checks_as_dockerd_and_survives_a_reload),
		T(test_container_running_at_crash_comes_back_exited_255),
		T(test_container_running_at_crash_has_its_process_group_killed),
		T(test_container_running_at_crash_never_kills_a_reused_pid),
		T(test_container_view_human_duration_matches_go_units),
		T(test_container_get_writes_nothing_to_disk),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
