/* SPDX-License-Identifier: MIT */
/*
 * Container roots: an overlay of the image's unpacked root with the
 * container's own upper and work directories, or a full copy (dockerd's
 * vfs) where overlayfs cannot be mounted; the probe that decides, once;
 * and what a container's own layer weighs, for prune.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "daemon/images.h"
#include "daemon/images_int.h"
#include "daemon/imgarchive.h"

/* Mounts one overlay in a scratch directory: the kernel's answer, once. */
int
images_rootfs_probe(const char *dir)
{
	const char	*sub[] = { "l", "u", "w", "m" };
	char		*base = xasprintf("%s/tmp/overlay-probe", dir), *p;
	char		*opts;
	int		 ok;

	imgarchive_remove_tree(base);
	mkdir(base, 0700);
	for (size_t i = 0; i < 4; i++) {
		p = xasprintf("%s/%s", base, sub[i]);
		mkdir(p, 0700);
		xfree(p);
	}
	opts = xasprintf("lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", base, base,
	    base);
	p = xasprintf("%s/m", base);
	ok = mount("overlay", p, "overlay", 0, opts) == 0;
	if (ok)
		umount2(p, MNT_DETACH);
	else
		log_info("%s: no overlayfs (%s): container roots are copies",
		    __func__, strerror(errno));
	xfree(p);
	xfree(opts);
	imgarchive_remove_tree(base);
	xfree(base);
	return (ok);
}

int
images_rootfs_prepare(struct images *st, const struct images_image *img,
    const char *cid, char **path, struct err *err)
{
	char		*base, *lower, *p, *opts;
	struct stat	 sb;
	int		 rc = 0;

	*path = NULL;
	if (strchr(cid, '/') != NULL || cid[0] == '.')
		return (err_set(err, ERR_INVALID, "invalid container id"));
	base = xasprintf("%s/containers/%s", st->dir, cid);
	if (mkdir(base, 0700) != 0 && errno != EEXIST) {
		err_errno(err, "mkdir %s", base);
		xfree(base);
		return (-1);
	}
	lower = xasprintf("%s/rootfs/%s", st->dir, img->id + 7);
	if (!st->overlay) {
		p = xasprintf("%s/rootfs", base);
		if (lstat(p, &sb) != 0)
			rc = imgarchive_copy_tree(lower, p, err);
		goto out;
	}
	p = xasprintf("%s/merged", base);
	opts = xasprintf("%s/upper", base);
	mkdir(opts, 0755);
	xfree(opts);
	opts = xasprintf("%s/work", base);
	mkdir(opts, 0700);
	xfree(opts);
	mkdir(p, 0755);
	opts = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower,
	    base, base);
	/* Already mounted (prepared twice): EBUSY is not an error. */
	if (mount("overlay", p, "overlay", 0, opts) != 0 && errno != EBUSY)
		rc = err_errno(err, "mount overlay on %s", p);
	xfree(opts);
out:
	xfree(lower);
	xfree(base);
	if (rc != 0) {
		xfree(p);
		images_rootfs_remove(st, cid, NULL);
		return (-1);
	}
	*path = p;
	return (0);
}

int
images_rootfs_remove(struct images *st, const char *cid, struct err *err)
{
	char		*base, *p;
	struct stat	 sb;
	int		 rc = 0;

	if (strchr(cid, '/') != NULL || cid[0] == '.')
		return (err_set(err, ERR_INVALID, "invalid container id"));
	base = xasprintf("%s/containers/%s", st->dir, cid);
	if (lstat(base, &sb) != 0) {
		xfree(base);
		return (0);
	}
	p = xasprintf("%s/merged", base);
	if (umount2(p, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
		rc = err_errno(err, "unmount %s", p);
	xfree(p);
	if (rc == 0 && imgarchive_remove_tree(base) != 0)
		rc = err_errno(err, "remove %s", base);
	xfree(base);
	return (rc);
}

/* Hard links seen, by inode: a file linked twice is counted once. */
struct images_rootfs_walk {
	dev_t	*dev;
	ino_t	*ino;
	size_t	 n, cap;
	int64_t	 bytes;
};

static void
images_rootfs_walk(int dirfd, struct images_rootfs_walk *w)
{
	DIR		*d = fdopendir(dirfd);
	struct dirent	*de;
	struct stat	 sb;
	size_t		 i;
	int		 fd;

	if (d == NULL) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			if ((fd = openat(dirfd, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1)
				images_rootfs_walk(fd, w);
			continue;
		}
		if (sb.st_nlink > 1) {
			for (i = 0; i < w->n; i++)
				if (w->ino[i] == sb.st_ino &&
				    w->dev[i] == sb.st_dev)
					break;
			if (i < w->n)
				continue;
			if (w->n == w->cap) {
				w->cap = w->cap * 2 + 16;
				w->ino = xreallocarray(w->ino, w->cap,
				    sizeof *w->ino);
				w->dev = xreallocarray(w->dev, w->cap,
				    sizeof *w->dev);
			}
			w->ino[w->n] = sb.st_ino;
			w->dev[w->n++] = sb.st_dev;
		}
		w->bytes += (int64_t)sb.st_size;
	}
	closedir(d);
}

int64_t
images_rootfs_size(struct images *st, const char *cid)
{
	struct images_rootfs_walk	 w = { NULL, NULL, 0, 0, 0 };
	char				*p;
	int				 fd;

	if (strchr(cid, '/') != NULL || cid[0] == '.')
		return (0);
	p = xasprintf("%s/containers/%s/%s", st->dir, cid, st->overlay ?
	    "upper" : "rootfs");
	if ((fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		images_rootfs_walk(fd, &w);
	xfree(p);
	xfree(w.ino);
	xfree(w.dev);
	return (w.bytes);
}
