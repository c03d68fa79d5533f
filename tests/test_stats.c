/* SPDX-License-Identifier: MIT */
/*
 * Container stats: a session of real processes summed from /proc, and
 * cgroup v1 and v2 trees laid out as the kernel does (in the fixture's
 * temp dir), read as containerd reads them for dockerd.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/stats.h"
#include "tests/helpers.h"

/* A session leader with one child, both sleeping; returns the leader. */
static pid_t
spawn_session(void)
{
	pid_t	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setsid();
		execl("/bin/sh", "sh", "-c", "sleep 30 & sleep 30; wait",
		    (char *)NULL);
		_exit(127);
	}
	return (pid);
}

static void
reap_session(pid_t pid)
{
	kill(-pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1)
		;
}

static int
npids(pid_t sid)
{
	struct stats_source	 src = { .sid = sid };
	pid_t			 pids[16];
	struct err		 err;

	return (stats_pids(&src, pids, 16, &err));
}

static void
test_stats_session_is_summed_from_proc(void **state)
{
	struct stats_source	 src = { 0 };
	struct stats_sample	*s = test_malloc(sizeof *s);
	pid_t			 pids[16];
	struct err		 err;
	uint64_t		 sys;
	int			 n = 0;

	(void)state;
	src.sid = spawn_session();
	for (int i = 0; i < 200 && (n = npids(src.sid)) < 3; i++)
		usleep(10000);
	assert_int_equal(n, 3);		/* sh and its two sleeps */
	assert_int_equal(stats_pids(&src, pids, 16, &err), 3);
	assert_int_equal(pids[0], src.sid);	/* sorted, leader first */
	assert_true(pids[1] > pids[0] && pids[2] > pids[1]);

	assert_int_equal(stats_sample(&src, s, &err), 0);
	assert_int_equal(s->kind, STATS_PROCS);
	assert_int_equal(s->pids_current, 3);
	assert_true(s->mem_usage > 0);		/* the three VmRSS */
	assert_true(s->mem_limit > 0);		/* the machine's memory */
	assert_int_equal(s->npercpu, 0);	/* unknown without a cgroup */
	assert_int_equal(s->cpu_total, s->cpu_user + s->cpu_kernel);
	assert_int_equal(s->nmemstat, 0);
	assert_true(s->online_cpus >= 1);
	assert_int_equal(stats_system_cpu(&sys, &err), 0);
	assert_true(sys >= s->system_cpu && s->system_cpu > 0);
	assert_true(s->read_ns > 0);

	reap_session(src.sid);
	/* the orphaned sleeps stay zombies until init reaps them */
	for (int i = 0; i < 200 && npids(src.sid) > 0; i++)
		usleep(10000);
	assert_int_equal(stats_sample(&src, s, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	test_free(s);
}

static void
put(const char *dir, const char *file, const char *text)
{
	char	path[4096];
	int	n = snprintf(path, sizeof path, "%s/%s", dir, file);

	assert_true(n > 0 && (size_t)n < sizeof path);
	write_file(path, text, strlen(text));
}

static void
mkdirs(const char *root, const char *sub)
{
	char	path[4096];

	snprintf(path, sizeof path, "%s/%s", root, sub);
	for (char *p = path + strlen(root) + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	assert_int_equal(mkdir(path, 0755), 0);
}

static uint64_t
memstat(const struct stats_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nmemstat; i++) {
		if (strcmp(s->memstat[i].name, name) == 0)
			return (s->memstat[i].value);
	}
	return (UINT64_MAX);
}

static void
test_stats_cgroup_v1_reads_the_controllers(void **state)
{
	struct lp_fixture	*fx = *state;
	struct stats_source	 src = { .cgroup_root = fx->dir,
				    .cgroup = "docker/c1" };
	struct stats_sample	*s = test_malloc(sizeof *s);
	char			 d[PATH_MAX + 64];
	pid_t			 pids[8];
	struct err		 err;

	mkdirs(fx->dir, "cpuacct/docker/c1");
	mkdirs(fx->dir, "cpu/docker/c1");
	mkdirs(fx->dir, "memory/docker/c1");
	mkdirs(fx->dir, "pids/docker/c1");
	snprintf(d, sizeof d, "%s/cpuacct/docker/c1", fx->dir);
	put(d, "cpuacct.usage", "30742299\n");
	put(d, "cpuacct.usage_percpu", "9835967 20906332 \n");
	put(d, "cpuacct.stat", "user 2\nsystem 1\n");
	snprintf(d, sizeof d, "%s/cpu/docker/c1", fx->dir);
	put(d, "cpu.stat", "nr_periods 7\nnr_throttled 2\nthrottled_time 99\n");
	snprintf(d, sizeof d, "%s/memory/docker/c1", fx->dir);
	put(d, "memory.usage_in_bytes", "565248\n");
	put(d, "memory.max_usage_in_bytes", "3555328\n");
	put(d, "memory.limit_in_bytes", "9223372036854771712\n");
	put(d, "memory.failcnt", "0\n");
	put(d, "memory.stat", "cache 0\nrss 114688\nshmem 0\n"
	    "hierarchical_memory_limit 9223372036854771712\n"
	    "total_rss 114688\npgfault 1145\n");
	snprintf(d, sizeof d, "%s/pids/docker/c1", fx->dir);
	put(d, "pids.current", "2\n");
	put(d, "pids.max", "max\n");
	put(d, "cgroup.procs", "41\n7\n");

	assert_int_equal(stats_sample(&src, s, &err), 0);
	assert_int_equal(s->kind, STATS_CGROUP_V1);
	assert_int_equal(s->cpu_total, 30742299);
	assert_int_equal(s->npercpu, 2);
	assert_int_equal(s->percpu[1], 20906332);
	assert_int_equal(s->cpu_user, 20000000);	/* ticks of 10 ms */
	assert_int_equal(s->cpu_kernel, 10000000);
	assert_int_equal(s->periods, 7);
	assert_int_equal(s->throttled_periods, 2);
	assert_int_equal(s->throttled_time, 99);
	assert_int_equal(s->mem_usage, 565248);
	assert_int_equal(s->mem_max_usage, 3555328);
	assert_true(s->mem_limit < 9223372036854771712ULL);	/* machine */
	assert_int_equal(s->pids_current, 2);
	assert_int_equal(s->pids_limit, 0);		/* "max" */
	assert_int_equal(s->nmemstat, 32);		/* dockerd's keys */
	assert_int_equal(memstat(s, "rss"), 114688);
	assert_int_equal(memstat(s, "pgfault"), 1145);
	assert_int_equal(memstat(s, "writeback"), 0);	/* absent: 0 */
	assert_true(memstat(s, "shmem") == UINT64_MAX);	/* not dockerd's */
	for (size_t i = 1; i < s->nmemstat; i++)	/* Go's map order */
		assert_true(strcmp(s->memstat[i - 1].name,
		    s->memstat[i].name) < 0);
	assert_int_equal(stats_pids(&src, pids, 8, &err), 2);
	assert_int_equal(pids[0], 7);
	assert_int_equal(pids[1], 41);
	test_free(s);
}

static void
test_stats_cgroup_v2_reads_the_unified_files(void **state)
{
	struct lp_fixture	*fx = *state;
	struct stats_source	 src = { .cgroup_root = fx->dir,
				    .cgroup = "system.slice/c2" };
	struct stats_sample	*s = test_malloc(sizeof *s);
	char			 d[PATH_MAX + 64];
	struct err		 err;

	mkdirs(fx->dir, "system.slice/c2");
	snprintf(d, sizeof d, "%s/system.slice/c2", fx->dir);
	put(d, "cgroup.controllers", "cpu memory pids\n");
	put(d, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
	    "nr_periods 3\nnr_throttled 1\nthrottled_usec 40\n");
	put(d, "memory.current", "8192\n");
	put(d, "memory.max", "1048576\n");
	put(d, "memory.stat", "anon 4096\nfile 4096\nsock 0\n");
	put(d, "memory.events", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n");
	put(d, "pids.current", "1\n");
	put(d, "pids.max", "100\n");

	assert_int_equal(stats_sample(&src, s, &err), 0);
	assert_int_equal(s->kind, STATS_CGROUP_V2);
	assert_int_equal(s->cpu_total, 1500000);
	assert_int_equal(s->cpu_user, 1000000);
	assert_int_equal(s->cpu_kernel, 500000);
	assert_int_equal(s->npercpu, 0);		/* v2 has none */
	assert_int_equal(s->throttled_time, 40000);
	assert_int_equal(s->mem_usage, 8192);
	assert_int_equal(s->mem_limit, 1048576);
	assert_int_equal(s->mem_failcnt, 1);		/* memory.events oom */
	assert_int_equal(s->mem_max_usage, 0);
	assert_int_equal(memstat(s, "anon"), 4096);
	assert_int_equal(s->nmemstat, 31);
	assert_int_equal(s->pids_current, 1);
	assert_int_equal(s->pids_limit, 100);
	test_free(s);
}

static void
test_stats_missing_cgroup_is_an_error(void **state)
{
	struct lp_fixture	*fx = *state;
	struct stats_source	 src = { .cgroup_root = fx->dir,
				    .cgroup = "nope" };
	struct stats_sample	*s = test_malloc(sizeof *s);
	struct err		 err;

	assert_int_equal(stats_sample(&src, s, &err), -1);
	assert_int_equal(err.code, ENOENT);
	test_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_stats_session_is_summed_from_proc, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_stats_cgroup_v1_reads_the_controllers, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_stats_cgroup_v2_reads_the_unified_files, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_stats_missing_cgroup_is_an_error, lp_setup,
		    lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
