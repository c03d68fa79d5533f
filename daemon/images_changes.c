/* SPDX-License-Identifier: MIT */
/*
 * What a container changed in its root, as `docker diff` (GET
 * /containers/{id}/changes) shows it: each path added (1), modified (0) or
 * deleted (2), parents before children, in directory order. On overlay
 * the container's upper directory is the change set (a whiteout is a
 * deletion); on a copied root (vfs) the root is compared with the image's,
 * as dockerd's vfs driver does. What the runtime itself creates (the
 * mount points dockerd keeps in its init layer) is left out.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/images.h"
#include "daemon/images_int.h"

enum images_change {
	IMAGES_CHANGE_MODIFY = 0,
	IMAGES_CHANGE_ADD = 1,
	IMAGES_CHANGE_DELETE = 2,
};

/* dockerd's init layer: mount points that are not the container's doing. */
static int
images_changes_runtime_path(const char *p)
{
	static const char	*files[] = { "/etc/hosts", "/etc/hostname",
				    "/etc/resolv.conf", "/etc/mtab",
				    "/.dockerenv", "/dev/console" };
	static const char	*trees[] = { "/proc", "/sys", "/dev/pts",
				    "/dev/shm", "/dev/mqueue" };
	size_t			 n;

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (strcmp(p, files[i]) == 0)
			return (1);
	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		n = strlen(trees[i]);
		if (strncmp(p, trees[i], n) == 0 && (p[n] == '\0' ||
		    p[n] == '/'))
			return (1);
	}
	return (0);
}

static void
images_changes_add(json_t *out, const char *path, enum images_change kind)
{
	json_array_append_new(out, json_pack("{s:s, s:i}", "Path", path,
	    "Kind", (int)kind));
}

/* Whether two entries differ as dockerd's vfs comparison sees it. */
static int
images_changes_differ(int dfd, const char *name, const struct stat *a,
    const struct stat *b, const char *lower)
{
	char	x[4096], y[4096];
	ssize_t	n, m;

	if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT) ||
	    a->st_mode != b->st_mode || a->st_uid != b->st_uid ||
	    a->st_gid != b->st_gid || a->st_rdev != b->st_rdev ||
	    a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
		return (1);
	if (S_ISREG(a->st_mode))
		return (a->st_size != b->st_size);
	if (S_ISLNK(a->st_mode)) {
		n = readlinkat(dfd, name, x, sizeof x);
		m = readlink(lower, y, sizeof y);
		return (n != m || (n > 0 && memcmp(x, y, (size_t)n) != 0));
	}
	return (0);
}

/* vfs: what the image has in lower and the root at dfd no longer has. */
static void
images_changes_deleted(int dfd, const char *rel, const char *lower,
    json_t *out)
{
	DIR		*d = opendir(lower);
	struct dirent	*de;
	struct stat	 sb;
	char		*path;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		path = xasprintf("%s/%s", rel, de->d_name);
		if (!images_changes_runtime_path(path))
			images_changes_add(out, path, IMAGES_CHANGE_DELETE);
		xfree(path);
	}
	closedir(d);
}

static void	images_changes_dir(int, const char *, const char *, int,
		    json_t *);

/*
 * One entry of a directory: its own change (a whiteout is a deletion;
 * on vfs a difference from the image), then, for a directory, what is
 * below it. As dockerd's ChangesDirs, a directory with changes below is
 * itself modified; one only touched by what was left out is not.
 */
static void
images_changes_entry(int dfd, const char *name, const char *rel,
    const char *lower, int overlay, json_t *out)
{
	struct stat		 sb, lb;
	char			*path, *lpath;
	size_t			 at = json_array_size(out), below;
	int			 in_lower, changed, child;
	enum images_change	 kind;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	path = xasprintf("%s/%s", rel, name);
	lpath = xasprintf("%s/%s", lower, name);
	if (images_changes_runtime_path(path))
		goto out;
	if (overlay && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0)) {
		images_changes_add(out, path, IMAGES_CHANGE_DELETE);
		goto out;
	}
	in_lower = lstat(lpath, &lb) == 0;
	kind = in_lower ? IMAGES_CHANGE_MODIFY : IMAGES_CHANGE_ADD;
	changed = overlay || !in_lower || images_changes_differ(dfd, name,
	    &sb, &lb, lpath);
	if (changed)
		images_changes_add(out, path, kind);
	if (!S_ISDIR(sb.st_mode) || (child = openat(dfd, name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto out;
	images_changes_dir(child, path, lpath, overlay, out);
	below = json_array_size(out) - at - (changed ? 1 : 0);
	if (below > 0 && !changed)
		json_array_insert_new(out, at, json_pack("{s:s, s:i}", "Path",
		    path, "Kind", (int)IMAGES_CHANGE_MODIFY));
	else if (below == 0 && changed && kind == IMAGES_CHANGE_MODIFY)
		json_array_remove(out, at);
out:
	xfree(path);
	xfree(lpath);
}

/* One directory of the changed tree (fd, at rel; lower: the image's). */
static void
images_changes_dir(int fd, const char *rel, const char *lower, int overlay,
    json_t *out)
{
	DIR		*d = fdopendir(fd);
	struct dirent	*de;

	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			images_changes_entry(dirfd(d), de->d_name, rel, lower,
			    overlay, out);
	if (!overlay)
		images_changes_deleted(dirfd(d), rel, lower, out);
	closedir(d);
}

json_t *
images_rootfs_changes(struct images *st, const struct images_image *img,
    const char *cid)
{
	json_t	*out = json_array();
	char	*top, *lower;
	int	 fd;

	if (strchr(cid, '/') != NULL || cid[0] == '.')
		return (out);
	top = xasprintf("%s/containers/%s/%s", st->dir, cid, st->overlay ?
	    "upper" : "rootfs");
	lower = xasprintf("%s/rootfs/%s", st->dir, img->id + 7);
	if ((fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		images_changes_dir(fd, "", lower, st->overlay, out);
	xfree(top);
	xfree(lower);
	return (out);
}
