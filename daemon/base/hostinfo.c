/* SPDX-License-Identifier: MIT */
/*
 * Read on every call: these are a few small files, asked for by /info only,
 * and a cached answer would go stale across a distribution upgrade or a
 * cgroup remount.
 */
#include <sys/vfs.h>

#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/hostinfo.h"

#define HOSTINFO_CGROUP	"/sys/fs/cgroup"

/* An os-release value: the text after key=, its quotes taken off. */
static int
hostinfo_value(const char *line, const char *key, char *buf, size_t len)
{
	size_t	klen = strlen(key), vlen;

	if (strncmp(line, key, klen) != 0 || line[klen] != '=')
		return (0);
	line += klen + 1;
	vlen = strcspn(line, "\n");
	if (vlen >= 2 && (line[0] == '"' || line[0] == '\'') &&
	    line[vlen - 1] == line[0]) {
		line++;
		vlen -= 2;
	}
	snprintf(buf, len, "%.*s", (int)vlen, line);
	return (1);
}

void
hostinfo_os(char *name, size_t namelen, char *version, size_t versionlen)
{
	FILE	*f = fopen("/etc/os-release", "re");
	char	 line[512];

	snprintf(name, namelen, "<unknown>");
	snprintf(version, versionlen, "%s", "");
	if (f == NULL && (f = fopen("/usr/lib/os-release", "re")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (!hostinfo_value(line, "PRETTY_NAME", name, namelen))
			hostinfo_value(line, "VERSION_ID", version,
			    versionlen);
	}
	fclose(f);
}

int
hostinfo_cgroup_version(void)
{
	struct statfs	sf;

	if (statfs(HOSTINFO_CGROUP, &sf) == 0 &&
	    sf.f_type == CGROUP2_SUPER_MAGIC)
		return (2);
	return (1);
}

static int
hostinfo_exists(const char *rel)
{
	char	path[256];

	snprintf(path, sizeof path, "%s/%s", HOSTINFO_CGROUP, rel);
	return (access(path, F_OK) == 0);
}

/* v2: a controller the root hierarchy has. */
static int
hostinfo_v2_has(const char *controllers, const char *name)
{
	size_t	len = strlen(name);

	for (const char *p = controllers; (p = strstr(p, name)) != NULL;
	    p += len)
		if ((p == controllers || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			return (1);
	return (0);
}

void
hostinfo_cgroup_features(struct hostinfo_cgroup *f)
{
	char	 ctl[512] = "";
	FILE	*fp;

	memset(f, 0, sizeof *f);
	if (hostinfo_cgroup_version() == 2) {
		if ((fp = fopen(HOSTINFO_CGROUP "/cgroup.controllers",
		    "re")) != NULL) {
			if (fgets(ctl, sizeof ctl, fp) == NULL)
				ctl[0] = '\0';
			fclose(fp);
		}
		f->memory = hostinfo_v2_has(ctl, "memory");
		f->swap = f->memory;
		f->pids = hostinfo_v2_has(ctl, "pids");
		f->cpu_shares = f->cfs_quota = f->cfs_period =
		    hostinfo_v2_has(ctl, "cpu");
		f->cpuset = hostinfo_v2_has(ctl, "cpuset");
		return;
	}
	f->memory = hostinfo_exists("memory/memory.limit_in_bytes");
	f->swap = hostinfo_exists("memory/memory.memsw.limit_in_bytes");
	f->pids = hostinfo_exists("pids");
	f->cpu_shares = hostinfo_exists("cpu/cpu.shares");
	f->cfs_quota = hostinfo_exists("cpu/cpu.cfs_quota_us");
	f->cfs_period = hostinfo_exists("cpu/cpu.cfs_period_us");
	f->cpuset = hostinfo_exists("cpuset");
}
