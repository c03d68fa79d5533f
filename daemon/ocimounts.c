/* SPDX-License-Identifier: MIT */
/*
 * Container mounts as dockerd's spec has them: the default kernel
 * filesystems, binds (sources made when missing, as dockerd's legacy
 * Binds), typed Mounts (bind, tmpfs) and Tmpfs with dockerd's default
 * options.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/ocimounts.h"

json_t *
ocimounts_one(const char *dst, const char *type, const char *src,
    const char *opts)
{
	json_t	*o = json_array();
	char	*copy = xstrdup(opts), *s, *save;

	for (s = strtok_r(copy, ",", &save); s != NULL;
	    s = strtok_r(NULL, ",", &save))
		json_array_append_new(o, json_string(s));
	xfree(copy);
	return (json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type",
	    type, "source", src, "options", o));
}

/* oci/defaults.go's mounts; /sys read-write only when privileged. */
json_t *
ocimounts_defaults(int privileged)
{
	json_t	*m = json_array();

	json_array_append_new(m, ocimounts_one("/proc", "proc", "proc",
	    "nosuid,noexec,nodev"));
	json_array_append_new(m, ocimounts_one("/dev", "tmpfs", "tmpfs",
	    "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(m, ocimounts_one("/dev/pts", "devpts", "devpts",
	    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	json_array_append_new(m, ocimounts_one("/sys", "sysfs", "sysfs",
	    privileged ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro"));
	json_array_append_new(m, ocimounts_one("/sys/fs/cgroup", "cgroup",
	    "cgroup", privileged ? "nosuid,noexec,nodev,relatime,rw" :
	    "nosuid,noexec,nodev,relatime,ro"));
	json_array_append_new(m, ocimounts_one("/dev/mqueue", "mqueue",
	    "mqueue", "nosuid,noexec,nodev"));
	return (m);
}

void
ocimounts_shm(json_t *mounts, int no_shm, const char *bind_src,
    int64_t size)
{
	char	opts[128];

	if (no_shm)
		return;
	if (bind_src != NULL) {
		json_array_append_new(mounts, ocimounts_one("/dev/shm", "bind",
		    bind_src, "rbind,rprivate"));
		return;
	}
	snprintf(opts, sizeof opts, "nosuid,noexec,nodev,mode=1777,size=%lld",
	    (long long)(size > 0 ? size : 64 * 1024 * 1024));
	json_array_append_new(mounts, ocimounts_one("/dev/shm", "tmpfs", "shm",
	    opts));
}

/* "src:dst[:ro|rw...]" from Binds; sources made when missing, as dockerd. */
int
ocimounts_binds(json_t *mounts, json_t *binds, struct err *err)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(binds, i, v) {
		const char	*b = json_string_value(v);
		char		*copy, *dst, *mode, *opts;

		if (b == NULL)
			continue;
		copy = xstrdup(b);
		if ((dst = strchr(copy, ':')) == NULL) {
			xfree(copy);
			return (err_set(err, ERR_INVALID, "invalid volume "
			    "specification: '%s'", b));
		}
		*dst++ = '\0';
		if ((mode = strchr(dst, ':')) != NULL)
			*mode++ = '\0';
		if (copy[0] != '/' || dst[0] != '/') {
			err_set(err, ERR_INVALID, copy[0] != '/' ? "named "
			    "volumes are not supported (%s): bind an absolute "
			    "host path" : "invalid mount config: destination "
			    "must be an absolute path (%s)", b);
			xfree(copy);
			return (-1);
		}
		if (access(copy, F_OK) != 0)
			mkdir(copy, 0755);
		opts = xasprintf("rbind,rprivate%s", mode != NULL &&
		    strstr(mode, "ro") != NULL ? ",ro" : "");
		json_array_append_new(mounts, ocimounts_one(dst, "bind", copy,
		    opts));
		xfree(opts);
		xfree(copy);
	}
	return (0);
}

/* HostConfig.Mounts: bind and tmpfs; volumes need a volume store. */
int
ocimounts_mounts(json_t *mounts, json_t *list, struct err *err)
{
	size_t	 i;
	json_t	*m, *to;

	json_array_foreach(list, i, m) {
		const char	*type = json_string_value(json_object_get(m,
				    "Type"));
		const char	*src = json_string_value(json_object_get(m,
				    "Source"));
		const char	*dst = json_string_value(json_object_get(m,
				    "Target"));
		int		 ro = json_is_true(json_object_get(m,
				    "ReadOnly"));
		char		*opts;

		if (type == NULL || dst == NULL || dst[0] != '/')
			return (err_set(err, ERR_INVALID, "invalid mount "
			    "config: Target must be an absolute path"));
		if (strcmp(type, "bind") == 0) {
			if (src == NULL || src[0] != '/')
				return (err_set(err, ERR_INVALID, "invalid "
				    "mount config for type \"bind\": invalid "
				    "mount path: '%s' mount path must be "
				    "absolute", src != NULL ? src : ""));
			if (access(src, F_OK) != 0)
				return (err_set(err, ERR_INVALID, "invalid "
				    "mount config for type \"bind\": bind "
				    "source path does not exist: %s", src));
			json_array_append_new(mounts, ocimounts_one(dst, "bind",
			    src, ro ? "rbind,rprivate,ro" : "rbind,rprivate"));
		} else if (strcmp(type, "tmpfs") == 0) {
			to = json_object_get(m, "TmpfsOptions");
			opts = xasprintf("nosuid,nodev,noexec%s,size=%lld,"
			    "mode=%llo", ro ? ",ro" : "", (long long)
			    json_integer_value(json_object_get(to,
			    "SizeBytes")), (unsigned long long)(json_object_get(
			    to, "Mode") != NULL ? json_integer_value(
			    json_object_get(to, "Mode")) : 01777));
			/* size=0 means no bound to the kernel too. */
			json_array_append_new(mounts, ocimounts_one(dst,
			    "tmpfs", "tmpfs", opts));
			xfree(opts);
		} else
			return (err_set(err, ERR_INVALID, "mount type %s is "
			    "not supported yet (bind and tmpfs are)", type));
	}
	return (0);
}

void
ocimounts_tmpfs(json_t *mounts, json_t *tmpfs)
{
	const char	*dst;
	json_t		*v;
	char		*opts;

	json_object_foreach(tmpfs, dst, v) {
		const char *o = json_string_value(v);

		opts = xasprintf("noexec,nosuid,nodev%s%s", o != NULL &&
		    *o != '\0' ? "," : "", o != NULL ? o : "");
		json_array_append_new(mounts, ocimounts_one(dst, "tmpfs",
		    "tmpfs", opts));
		xfree(opts);
	}
}
