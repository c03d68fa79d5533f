/* SPDX-License-Identifier: MIT */
/*
 * Facts about the machine that `docker info` shows: the distribution (from
 * os-release, as dockerd's operatingsystem package reads it) and what the
 * cgroup hierarchy can limit.
 */
#ifndef LP_HOSTINFO_H
#define LP_HOSTINFO_H

#include <stddef.h>

/*
 * PRETTY_NAME and VERSION_ID of /etc/os-release (else
 * /usr/lib/os-release); "<unknown>" and "" when neither says.
 */
void	hostinfo_os(char *name, size_t namelen, char *version,
	    size_t versionlen);
/* 2 on a unified (v2) hierarchy at /sys/fs/cgroup, else 1. */
int	hostinfo_cgroup_version(void);

/* What the hierarchy can enforce, as dockerd's sysinfo reports it. */
struct hostinfo_cgroup {
	int	memory, swap, pids, cpu_shares, cfs_quota, cfs_period, cpuset;
};
void	hostinfo_cgroup_features(struct hostinfo_cgroup *);

#endif
