/* SPDX-License-Identifier: MIT */
/*
 * Container stats: one sample from a cgroup (v2 or v1, the files containerd
 * reads for dockerd) or, for the process runtime, summed over the /proc
 * entries of the container's session. Small files, read whole.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/timeutil.h"
#include "daemon/container.h"
#include "daemon/oci.h"
#include "daemon/runtime.h"
#include "daemon/base/xalloc.h"
#include "daemon/stats.h"

/* Linux's USER_HZ is 100 on every architecture (dockerd hard-codes it). */
#define STATS_TICK_NS	10000000ULL

/* The memory.stat keys dockerd copies (daemon_unix.go statsV1, statsV2). */
static const char *stats_v1_keys[] = {
	"cache", "rss", "rss_huge", "mapped_file", "dirty", "writeback",
	"pgpgin", "pgpgout", "pgfault", "pgmajfault", "inactive_anon",
	"active_anon", "inactive_file", "active_file", "unevictable",
	"hierarchical_memory_limit", "hierarchical_memsw_limit",
	"total_cache", "total_rss", "total_rss_huge", "total_mapped_file",
	"total_dirty", "total_writeback", "total_pgpgin", "total_pgpgout",
	"total_pgfault", "total_pgmajfault", "total_inactive_anon",
	"total_active_anon", "total_inactive_file", "total_active_file",
	"total_unevictable",
};
static const char *stats_v2_keys[] = {
	"anon", "file", "kernel_stack", "slab", "sock", "shmem",
	"file_mapped", "file_dirty", "file_writeback", "anon_thp",
	"inactive_anon", "active_anon", "inactive_file", "active_file",
	"unevictable", "slab_reclaimable", "slab_unreclaimable", "pgfault",
	"pgmajfault", "workingset_refault", "workingset_activate",
	"workingset_nodereclaim", "pgrefill", "pgscan", "pgsteal",
	"pgactivate", "pgdeactivate", "pglazyfree", "pglazyfreed",
	"thp_fault_alloc", "thp_collapse_alloc",
};

/* Reads a small file into buf (NUL-terminated); -1 if it cannot. */
static ssize_t
stats_read(const char *path, char *buf, size_t len)
{
	ssize_t	n, got = 0;
	int	fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return (-1);
	while ((size_t)got < len - 1 &&
	    (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return (got);
}

/* A file holding one number; "max" (no limit) reads as 0. */
static int
stats_read_u64(const char *dir, const char *file, uint64_t *v)
{
	char	path[4096], buf[64];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (stats_read(path, buf, sizeof buf) < 0)
		return (-1);
	*v = strncmp(buf, "max", 3) == 0 ? 0 : strtoull(buf, NULL, 10);
	return (0);
}

/* "key value" lines: the value of key, 0 when absent. */
static uint64_t
stats_kv(const char *text, const char *key)
{
	size_t		 klen = strlen(key);
	const char	*p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return (strtoull(p + klen + 1, NULL, 10));
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (0);
}

static uint64_t
stats_machine_memory(void)
{
	char	buf[4096];
	char	*p;

	if (stats_read("/proc/meminfo", buf, sizeof buf) < 0 ||
	    (p = strstr(buf, "MemTotal:")) == NULL)
		return (0);
	return (strtoull(p + 9, NULL, 10) * 1024);
}

int
stats_system_cpu(uint64_t *ns, struct err *err)
{
	char		 buf[512], *p, *end;
	uint64_t	 ticks = 0;

	if (stats_read("/proc/stat", buf, sizeof buf) < 0)
		return (err_errno(err, "open /proc/stat"));
	if (strncmp(buf, "cpu ", 4) != 0)
		return (err_set(err, ERR_INTERNAL, "invalid stat format. Error "
		    "trying to parse the '/proc/stat' file"));
	p = buf + 4;
	for (int i = 0; i < 7; i++) {
		errno = 0;
		ticks += strtoull(p, &end, 10);
		if (end == p || errno != 0)
			return (err_set(err, ERR_INTERNAL, "invalid number of "
			    "cpu fields"));
		p = end;
	}
	*ns = ticks * STATS_TICK_NS;
	return (0);
}

static int
stats_memstat_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct stats_memstat *)a)->name,
	    ((const struct stats_memstat *)b)->name));
}

/*
 * Copies the memory.stat keys dockerd reports, sorted by name as Go
 * encodes a map.
 */
static void
stats_memstat(struct stats_sample *out, const char *text,
    const char *const *keys, size_t nkeys)
{
	for (size_t i = 0; i < nkeys && out->nmemstat < STATS_MAX_MEMSTAT;
	    i++) {
		struct stats_memstat	*m = &out->memstat[out->nmemstat++];

		snprintf(m->name, sizeof m->name, "%s", keys[i]);
		m->value = stats_kv(text, keys[i]);
	}
	qsort(out->memstat, out->nmemstat, sizeof out->memstat[0],
	    stats_memstat_cmp);
}

static int
stats_cgroup_v2(const char *dir, struct stats_sample *out, struct err *err)
{
	char	path[4096], buf[8192];

	out->kind = STATS_CGROUP_V2;
	snprintf(path, sizeof path, "%s/cpu.stat", dir);
	if (stats_read(path, buf, sizeof buf) < 0)
		return (err_errno(err, "open %s", path));
	out->cpu_total = stats_kv(buf, "usage_usec") * 1000;
	out->cpu_user = stats_kv(buf, "user_usec") * 1000;
	out->cpu_kernel = stats_kv(buf, "system_usec") * 1000;
	out->periods = stats_kv(buf, "nr_periods");
	out->throttled_periods = stats_kv(buf, "nr_throttled");
	out->throttled_time = stats_kv(buf, "throttled_usec") * 1000;
	if (stats_read_u64(dir, "memory.current", &out->mem_usage) == 0) {
		stats_read_u64(dir, "memory.max", &out->mem_limit);
		snprintf(path, sizeof path, "%s/memory.stat", dir);
		if (stats_read(path, buf, sizeof buf) >= 0)
			stats_memstat(out, buf, stats_v2_keys,
			    sizeof stats_v2_keys / sizeof stats_v2_keys[0]);
		snprintf(path, sizeof path, "%s/memory.events", dir);
		if (stats_read(path, buf, sizeof buf) >= 0)
			out->mem_failcnt = stats_kv(buf, "oom");
	}
	stats_read_u64(dir, "pids.current", &out->pids_current);
	stats_read_u64(dir, "pids.max", &out->pids_limit);
	return (0);
}

static int
stats_cgroup_v1(const char *root, const char *cg, struct stats_sample *out,
    struct err *err)
{
	char		 dir[3072], path[4096], buf[8192], *p, *end;

	out->kind = STATS_CGROUP_V1;
	snprintf(dir, sizeof dir, "%s/cpuacct/%s", root, cg);
	if (stats_read_u64(dir, "cpuacct.usage", &out->cpu_total) != 0)
		return (err_errno(err, "open %s/cpuacct.usage", dir));
	snprintf(path, sizeof path, "%s/cpuacct.usage_percpu", dir);
	if (stats_read(path, buf, sizeof buf) >= 0) {
		for (p = buf; out->npercpu < STATS_MAX_CPUS; p = end) {
			uint64_t v = strtoull(p, &end, 10);

			if (end == p)
				break;
			out->percpu[out->npercpu++] = v;
		}
	}
	snprintf(path, sizeof path, "%s/cpuacct.stat", dir);
	if (stats_read(path, buf, sizeof buf) >= 0) {
		out->cpu_user = stats_kv(buf, "user") * STATS_TICK_NS;
		out->cpu_kernel = stats_kv(buf, "system") * STATS_TICK_NS;
	}
	snprintf(path, sizeof path, "%s/cpu/%s/cpu.stat", root, cg);
	if (stats_read(path, buf, sizeof buf) >= 0) {
		out->periods = stats_kv(buf, "nr_periods");
		out->throttled_periods = stats_kv(buf, "nr_throttled");
		out->throttled_time = stats_kv(buf, "throttled_time");
	}
	snprintf(dir, sizeof dir, "%s/memory/%s", root, cg);
	if (stats_read_u64(dir, "memory.usage_in_bytes", &out->mem_usage) ==
	    0) {
		stats_read_u64(dir, "memory.max_usage_in_bytes",
		    &out->mem_max_usage);
		stats_read_u64(dir, "memory.limit_in_bytes", &out->mem_limit);
		stats_read_u64(dir, "memory.failcnt", &out->mem_failcnt);
		snprintf(path, sizeof path, "%s/memory.stat", dir);
		if (stats_read(path, buf, sizeof buf) >= 0)
			stats_memstat(out, buf, stats_v1_keys,
			    sizeof stats_v1_keys / sizeof stats_v1_keys[0]);
	}
	snprintf(dir, sizeof dir, "%s/pids/%s", root, cg);
	stats_read_u64(dir, "pids.current", &out->pids_current);
	stats_read_u64(dir, "pids.max", &out->pids_limit);
	return (0);
}

/*
 * /proc/<pid>/stat past the command (which may hold spaces and parens):
 * the session, and the process's and its reaped children's cpu ticks.
 */
static int
stats_proc_stat(pid_t pid, pid_t *sid, uint64_t *ticks)
{
	char		 path[64], buf[1024], *p;
	long long	 session;
	unsigned long long ut, st, cut, cst;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (stats_read(path, buf, sizeof buf) < 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return (-1);
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	   cmajflt utime stime cutime cstime */
	if (sscanf(p + 2, "%*c %*d %*d %lld %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %llu %llu", &session, &ut, &st, &cut, &cst) != 5)
		return (-1);
	*sid = (pid_t)session;
	if (ticks != NULL) {
		ticks[0] = ut + cut;
		ticks[1] = st + cst;
	}
	return (0);
}

static uint64_t
stats_proc_rss(pid_t pid)
{
	char	path[64], buf[4096], *p;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (stats_read(path, buf, sizeof buf) < 0 ||
	    (p = strstr(buf, "\nVmRSS:")) == NULL)
		return (0);	/* a zombie has no memory */
	return (strtoull(p + 7, NULL, 10) * 1024);
}

static int
stats_pid_cmp(const void *a, const void *b)
{
	pid_t	x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x < y ? -1 : x > y);
}

int
stats_pids(const struct stats_source *src, pid_t *pids, size_t max,
    struct err *err)
{
	char		 path[4096], *buf, *p, *end;
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;
	pid_t		 pid, sid;

	if (src->cgroup != NULL) {
		/* v2 first; v1 lists the same processes in every hierarchy */
		buf = xmalloc(65536);
		snprintf(path, sizeof path, "%s/%s/cgroup.procs",
		    src->cgroup_root, src->cgroup);
		if (stats_read(path, buf, 65536) < 0) {
			snprintf(path, sizeof path, "%s/pids/%s/cgroup.procs",
			    src->cgroup_root, src->cgroup);
			if (stats_read(path, buf, 65536) < 0) {
				xfree(buf);
				return (err_errno(err, "open %s", path));
			}
		}
		for (p = buf; n < max; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			pids[n++] = (pid_t)v;
		}
		xfree(buf);
		goto out;
	}
	if ((d = opendir("/proc")) == NULL)
		return (err_errno(err, "open /proc"));
	while ((de = readdir(d)) != NULL && n < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (stats_proc_stat(pid, &sid, NULL) == 0 && sid == src->sid)
			pids[n++] = pid;
	}
	closedir(d);
out:
	qsort(pids, n, sizeof *pids, stats_pid_cmp);
	return ((int)n);
}

/* The process runtime: no cgroup, so sum what /proc tells of each. */
static int
stats_procs(const struct stats_source *src, struct stats_sample *out,
    struct err *err)
{
	static pid_t	 pids[STATS_MAX_PIDS];
	uint64_t	 ticks[2];
	pid_t		 sid;
	int		 n;

	out->kind = STATS_PROCS;
	if ((n = stats_pids(src, pids, STATS_MAX_PIDS, err)) < 0)
		return (-1);
	if (n == 0)
		return (err_set(err, ERR_NOT_FOUND, "session %d has no "
		    "process", (int)src->sid));
	for (int i = 0; i < n; i++) {
		/* It may have gone between the scan and now: skip it. */
		if (stats_proc_stat(pids[i], &sid, ticks) != 0 ||
		    sid != src->sid)
			continue;
		out->cpu_user += ticks[0] * STATS_TICK_NS;
		out->cpu_kernel += ticks[1] * STATS_TICK_NS;
		out->mem_usage += stats_proc_rss(pids[i]);
		out->pids_current++;
	}
	out->cpu_total = out->cpu_user + out->cpu_kernel;
	return (0);
}

char *
stats_source_of(const struct container *c, struct stats_source *src)
{
	struct runtime_proc	*p = container_proc(c);
	char			*cg;

	memset(src, 0, sizeof *src);
	src->sid = (pid_t)container_pid(c);
	if (p == NULL || runtime_oci(p) == NULL)
		return (NULL);
	cg = oci_cgroup_path(runtime_oci_id(p));
	src->cgroup = cg + 1;		/* below the root: no leading '/' */
	src->cgroup_root = "/sys/fs/cgroup";
	return (cg);
}

int
stats_sample(const struct stats_source *src, struct stats_sample *out,
    struct err *err)
{
	struct stats_source	 s = *src;
	cpu_set_t		 set;
	uint64_t		 machine;
	char			 dir[4096];
	int			 rc;

	memset(out, 0, sizeof *out);
	if (s.cgroup_root == NULL)
		s.cgroup_root = "/sys/fs/cgroup";
	out->read_ns = timeutil_now_ns();
	if (s.cgroup == NULL)
		rc = stats_procs(&s, out, err);
	else {
		snprintf(dir, sizeof dir, "%s/%s", s.cgroup_root, s.cgroup);
		snprintf(dir + strlen(dir), sizeof dir - strlen(dir),
		    "/cgroup.controllers");
		if (access(dir, F_OK) == 0) {
			snprintf(dir, sizeof dir, "%s/%s", s.cgroup_root,
			    s.cgroup);
			rc = stats_cgroup_v2(dir, out, err);
		} else
			rc = stats_cgroup_v1(s.cgroup_root, s.cgroup, out,
			    err);
	}
	if (rc != 0)
		return (-1);
	/* dockerd: no limit (or one above the machine) is the machine's. */
	machine = stats_machine_memory();
	if (machine > 0 && (out->mem_limit == 0 || out->mem_limit > machine))
		out->mem_limit = machine;
	if (stats_system_cpu(&out->system_cpu, err) != 0)
		return (-1);
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		out->online_cpus = (uint32_t)CPU_COUNT(&set);
	return (0);
}
