/* SPDX-License-Identifier: MIT */
/*
 * Container resource figures, as dockerd's stats collector gathers them:
 * from the container's cgroup when it has one (v2 unified, or the v1
 * controllers), otherwise from /proc of its session (the process
 * runtime). One call samples one container; no HTTP, no JSON.
 */
#ifndef LP_STATS_H
#define LP_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/base/err.h"

#define STATS_MAX_CPUS		256
#define STATS_MAX_MEMSTAT	64
#define STATS_MAX_PIDS		4096

/* Where a container's figures come from. */
struct stats_source {
	const char	*cgroup_root;	/* NULL: /sys/fs/cgroup */
	const char	*cgroup;	/* path below the root; NULL: none */
	pid_t		 sid;		/* session (process group) leader */
};

enum stats_kind {
	STATS_PROCS,		/* summed over /proc/<pid> of the session */
	STATS_CGROUP_V1,
	STATS_CGROUP_V2,
};

struct stats_memstat {
	char		name[40];
	uint64_t	value;
};

/* One sample; a field the source cannot know stays 0 (dockerd omits it). */
struct stats_sample {
	enum stats_kind	kind;
	int64_t		read_ns;	/* realtime of the sample */
	uint64_t	cpu_total;	/* ns */
	uint64_t	cpu_user;	/* ns, clock-tick resolution */
	uint64_t	cpu_kernel;	/* ns, clock-tick resolution */
	uint64_t	percpu[STATS_MAX_CPUS];	/* cgroup v1 only */
	size_t		npercpu;
	uint64_t	periods, throttled_periods, throttled_time;
	uint64_t	system_cpu;	/* ns, /proc/stat as dockerd sums it */
	uint32_t	online_cpus;
	uint64_t	mem_usage;
	uint64_t	mem_max_usage;	/* cgroup v1 only */
	uint64_t	mem_limit;	/* capped at the machine's memory */
	uint64_t	mem_failcnt;
	struct stats_memstat memstat[STATS_MAX_MEMSTAT];	/* cgroup */
	size_t		nmemstat;
	uint64_t	pids_current;
	uint64_t	pids_limit;
};

/*
 * Samples src into *out (overwritten). -1 with err set when the source is
 * gone (ERR_NOT_FOUND: no process left) or unreadable.
 */
int	stats_sample(const struct stats_source *, struct stats_sample *,
	    struct err *);
/*
 * The container's processes, sorted ascending, at most max: the cgroup's
 * cgroup.procs, else every /proc entry whose session is src->sid. Returns
 * the count (0 when none is left), or -1 with err set.
 */
int	stats_pids(const struct stats_source *, pid_t *pids, size_t max,
	    struct err *);
struct container;
/*
 * Fills *src for running container c: its cgroup (the cgroupsPath its OCI
 * bundle names) under an OCI runtime, else its session. Returns the
 * cgroup string src borrows (caller frees; NULL for a session).
 */
char	*stats_source_of(const struct container *, struct stats_source *);
/* dockerd's getSystemCPUUsage: the "cpu" line's first 7 fields, in ns. */
int	stats_system_cpu(uint64_t *ns, struct err *);

#endif
