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

/* mount.Propagation's values; NULL when p is none of them. */
static const char *
ocimounts_propagation(const char *p)
{
	static const char	*modes[] = { "private", "rprivate", "shared",
				    "rshared", "slave", "rslave" };

	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(p, modes[i]) == 0)
			return (modes[i]);
	return (NULL);
}

static int	ocimounts_root_error(const char *, const char *, const char *,
		    struct err *);

/* Whether src is the daemon's root or below it. */
static int
ocimounts_in_root(const char *src, const char *root)
{
	size_t	n = root != NULL ? strlen(root) : 0;

	return (n > 0 && strncmp(src, root, n) == 0 && (src[n] == '\0' ||
	    src[n] == '/'));
}

/*
 * The propagation a bind gets: the one named (in a Binds mode such as
 * "ro,rslave", or BindOptions), else rslave for a source in the daemon's
 * root (so that its later mounts reach the container, as dockerd does),
 * rprivate elsewhere. "" when the name is not a propagation at all.
 */
static const char *
ocimounts_bind_propagation(const char *src, const char *mode, int binds,
    const char *root)
{
	char		*copy, *f, *rest;
	const char	*p = NULL, *q;

	if (binds) {
		copy = xstrdup(mode != NULL ? mode : "");
		for (rest = copy; (f = strsep(&rest, ",")) != NULL;)
			if ((q = ocimounts_propagation(f)) != NULL)
				p = q;
		xfree(copy);
	} else if (mode != NULL && *mode != '\0' &&
	    (p = ocimounts_propagation(mode)) == NULL)
		return ("");
	if (p == NULL)
		p = ocimounts_in_root(src, root) ? "rslave" : "rprivate";
	return (p);
}

int
ocimounts_check_root(json_t *hc, const char *root, struct err *err)
{
	json_t		*v, *bo;
	const char	*src, *p;
	char		*copy, *mode;
	size_t		 i;
	int		 rc = 0;

	json_array_foreach(json_object_get(hc, "Mounts"), i, v) {
		src = json_string_value(json_object_get(v, "Source"));
		bo = json_object_get(v, "BindOptions");
		if (src == NULL || !ocimounts_in_root(src, root))
			continue;
		p = ocimounts_bind_propagation(src, json_string_value(
		    json_object_get(bo, "Propagation")), 0, root);
		if (*p != '\0' && strcmp(p, "rslave") != 0 &&
		    strcmp(p, "rshared") != 0)
			return (ocimounts_root_error(root, src, p, err));
	}
	json_array_foreach(json_object_get(hc, "Binds"), i, v) {
		if (json_string_value(v) == NULL)
			continue;
		copy = xstrdup(json_string_value(v));
		if ((mode = strchr(copy, ':')) != NULL &&
		    (mode = strchr(mode + 1, ':')) != NULL)
			*mode++ = '\0';
		if ((src = strchr(copy, ':')) != NULL)
			*(char *)src = '\0';
		if (ocimounts_in_root(copy, root)) {
			p = ocimounts_bind_propagation(copy, mode, 1, root);
			if (strcmp(p, "rslave") != 0 && strcmp(p, "rshared") != 0)
				rc = ocimounts_root_error(root, copy, p, err);
		}
		xfree(copy);
		if (rc != 0)
			return (rc);
	}
	return (0);
}

/* dockerd's words for a private or shared bind of its own root. */
static int
ocimounts_root_error(const char *root, const char *src, const char *p,
    struct err *err)
{
	return (err_set(err, ERR_INVALID, "invalid mount config: must use "
	    "either propagation mode \"rslave\" or \"rshared\" when mount "
	    "source is within the daemon root, daemon root: \"%s\", bind "
	    "mount source: \"%s\", propagation: \"%s\"", root, src, p));
}

const char *
ocimounts_rootfs_propagation(json_t *mounts)
{
	const char	*out = NULL;
	size_t		 i;
	json_t		*m, *o;
	size_t		 j;

	/* dockerd's WithMounts: shared wins over slave. */
	json_array_foreach(mounts, i, m) {
		json_array_foreach(json_object_get(m, "options"), j, o) {
			const char *s = json_string_value(o);

			if (strcmp(s, "shared") == 0 || strcmp(s, "rshared") == 0)
				return ("rshared");
			if (strcmp(s, "slave") == 0 || strcmp(s, "rslave") == 0)
				out = "rslave";
		}
	}
	return (out);
}

/* "src:dst[:ro|rw...]" from Binds; sources made when missing, as dockerd. */
int
ocimounts_binds(json_t *mounts, json_t *binds, const char *root,
    struct err *err)
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
		opts = xasprintf("rbind,%s%s", ocimounts_bind_propagation(copy,
		    mode, 1, root), mode != NULL && strstr(mode, "ro") != NULL ?
		    ",ro" : "");
		json_array_append_new(mounts, ocimounts_one(dst, "bind", copy,
		    opts));
		xfree(opts);
		xfree(copy);
	}
	return (0);
}

/* HostConfig.Mounts: bind and tmpfs; volumes need a volume store. */
int
ocimounts_mounts(json_t *mounts, json_t *list, const char *root,
    struct err *err)
{
	size_t		 i;
	json_t		*m, *to, *bo;
	const char	*prop;

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
			bo = json_object_get(m, "BindOptions");
			prop = ocimounts_bind_propagation(src,
			    json_string_value(json_object_get(bo,
			    "Propagation")), 0, root);
			if (*prop == '\0')
				return (err_set(err, ERR_INVALID, "invalid "
				    "mount config for type \"bind\": invalid "
				    "propagation mode: %s", json_string_value(
				    json_object_get(bo, "Propagation"))));
			/* NonRecursive (1.40): the mounts below stay out. */
			opts = xasprintf("%s,%s%s", json_is_true(
			    json_object_get(bo, "NonRecursive")) ? "bind" :
			    "rbind", prop, ro ? ",ro" : "");
			json_array_append_new(mounts, ocimounts_one(dst, "bind",
			    src, opts));
			xfree(opts);
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

json_t *
ocimounts_inspect(json_t *hc, const char *root)
{
	json_t		*out = json_array(), *v, *bo;
	const char	*type, *src;
	char		*copy, *dst, *mode;
	size_t		 i;

	/* Mounts first, then Binds, as the reference dockerd listed them. */
	json_array_foreach(json_object_get(hc, "Mounts"), i, v) {
		type = json_string_value(json_object_get(v, "Type"));
		src = json_string_value(json_object_get(v, "Source"));
		bo = json_object_get(v, "BindOptions");
		if (type == NULL || (strcmp(type, "bind") != 0 &&
		    strcmp(type, "tmpfs") != 0))
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:O, s:s, "
		    "s:b, s:s}", "Type", type, "Source", strcmp(type, "bind") ==
		    0 && src != NULL ? src : "", "Destination",
		    json_object_get(v, "Target"), "Mode", "", "RW",
		    !json_is_true(json_object_get(v, "ReadOnly")),
		    "Propagation", strcmp(type, "bind") == 0 && src != NULL ?
		    ocimounts_bind_propagation(src, json_string_value(
		    json_object_get(bo, "Propagation")), 0, root) : ""));
	}
	json_array_foreach(json_object_get(hc, "Binds"), i, v) {
		if (json_string_value(v) == NULL ||
		    (dst = strchr(json_string_value(v), ':')) == NULL)
			continue;
		copy = xstrdup(json_string_value(v));
		dst = copy + (dst - json_string_value(v));
		*dst++ = '\0';
		if ((mode = strchr(dst, ':')) != NULL)
			*mode++ = '\0';
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:b, s:s}", "Type", "bind", "Source", copy, "Destination",
		    dst, "Mode", mode != NULL ? mode : "", "RW", mode == NULL ||
		    strstr(mode, "ro") == NULL, "Propagation",
		    ocimounts_bind_propagation(copy, mode, 1, root)));
		xfree(copy);
	}
	return (out);
}
