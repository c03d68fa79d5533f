/* SPDX-License-Identifier: MIT */
/*
 * A container under an OCI runtime (runc, crun): the runtime it asks for
 * (HostConfig.Runtime, else the default), its root mounted from the image
 * and its bundle written before start, the mount let go after the exit;
 * and the export of that root.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/runtime.h"
#include "daemon/images.h"
#include "daemon/imgarchive.h"
#include "daemon/oci.h"
#include "daemon/ociruntime.h"

/* Where a shareable container's /dev/shm lives on the host. */
static char *
container_oci_shm_path(const struct container *c)
{
	return (xasprintf("%s/mounts/shm", c->dir));
}

static int
container_oci_ipc_mode_is(const struct container *c, const char *mode)
{
	const char	*m = container_json_str(c->hostconfig, "IpcMode");

	return (strcmp(m, mode) == 0);
}

/* IpcMode.Valid(): the modes runconfig knows, or a donor named. */
static int
container_oci_ipc_valid(const char *m)
{
	static const char	*modes[] = { "", "none", "private", "shareable",
				    "host" };

	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(m, modes[i]) == 0)
			return (1);
	return (strncmp(m, "container:", 10) == 0 && m[10] != '\0');
}

/* A fresh tmpfs for a shareable container, as dockerd's setupIpcDirs. */
static int
container_oci_mount_shm(struct container *c, int64_t size, struct err *err)
{
	char	*dir = xasprintf("%s/mounts", c->dir), *shm, opts[64];
	int	 rc = 0;

	mkdir(dir, 0700);
	shm = container_oci_shm_path(c);
	mkdir(shm, 0700);
	umount2(shm, MNT_DETACH);	/* one a crashed daemon left */
	snprintf(opts, sizeof opts, "mode=1777,size=%lld", (long long)(
	    size > 0 ? size : 64 * 1024 * 1024));
	if (mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    opts) != 0)
		rc = err_errno(err, "mount shm tmpfs %s", shm);
	xfree(shm);
	xfree(dir);
	return (rc);
}

/*
 * HostConfig.IpcMode as dockerd runs it: none, private (the default),
 * shareable, host, or container:<donor> (a running shareable or host
 * one). *join and *shm are the caller's to free.
 */
static int
container_oci_ipc(struct container *c, struct oci_ipc *ipc, char **join,
    char **shm, struct err *err)
{
	const char		*mode = container_json_str(c->hostconfig,
				    "IpcMode");
	struct container	*d;

	memset(ipc, 0, sizeof *ipc);
	*join = *shm = NULL;
	ipc->shm_size = json_integer_value(json_object_get(c->hostconfig,
	    "ShmSize"));
	if (!container_oci_ipc_valid(mode))
		return (err_set(err, ERR_INTERNAL, "Invalid IPC mode: %s",
		    mode));
	if (strcmp(mode, "none") == 0)
		ipc->no_shm = 1;
	else if (strcmp(mode, "host") == 0) {
		ipc->host = 1;
		ipc->shm_bind = "/dev/shm";
	} else if (strcmp(mode, "shareable") == 0) {
		if (container_oci_mount_shm(c, ipc->shm_size, err) != 0)
			return (-1);
		ipc->shm_bind = *shm = container_oci_shm_path(c);
	} else if (strncmp(mode, "container:", 10) == 0) {
		/* getIpcContainer's checks and words, all 500s. */
		if ((d = container_store_lookup(c->store, mode + 10, err)) ==
		    NULL) {
			err_wrap(err, "can't join IPC of container %s",
			    mode + 10);
			err->code = ERR_INTERNAL;
			return (-1);
		}
		if (!container_running(d) || container_pid(d) <= 0)
			return (err_set(err, ERR_INTERNAL, "can't join IPC of "
			    "container %s: container %s is not running",
			    mode + 10, container_id(d)));
		if (container_oci_ipc_mode_is(d, "host")) {
			ipc->host = 1;
			ipc->shm_bind = "/dev/shm";
			return (0);
		}
		if (!container_oci_ipc_mode_is(d, "shareable"))
			return (err_set(err, ERR_INTERNAL, "can't join IPC of "
			    "container %s: non-shareable IPC (hint: use "
			    "IpcMode:shareable for the donor container)",
			    mode + 10));
		ipc->join = *join = xasprintf("/proc/%d/ns/ipc",
		    container_pid(d));
		ipc->shm_bind = *shm = container_oci_shm_path(d);
	}
	return (0);
}

void
container_oci_unmount(struct container *c)
{
	char	*shm;

	if (container_oci_ipc_mode_is(c, "shareable")) {
		shm = container_oci_shm_path(c);
		if (umount2(shm, MNT_DETACH) != 0 && errno != EINVAL &&
		    errno != ENOENT)
			log_warn("container %.12s: unmount %s: %s", c->id, shm,
			    strerror(errno));
		xfree(shm);
	}
	if (c->rootfs == NULL)
		return;
	if (umount2(c->rootfs, MNT_DETACH) != 0 && errno != EINVAL &&
	    errno != ENOENT)
		log_warn("container %.12s: unmount %s: %s", c->id, c->rootfs,
		    strerror(errno));
	xfree(c->rootfs);
	c->rootfs = NULL;
}

int
container_oci_prepare(struct container *c, struct runtime_spec *spec,
    char **bundle, struct err *err)
{
	struct ociruntime	*rt = NULL;
	struct images_image	*img;
	struct images		*ims = c->store->images;
	struct oci_ipc		 ipc;
	char			*join = NULL, *shm = NULL;

	*bundle = NULL;
	if (c->store->runtimes == NULL)
		return (0);
	if (ociruntimes_lookup(c->store->runtimes, container_json_str(
	    c->hostconfig, "Runtime"), &rt, err) != 0)
		return (-1);
	if (rt == NULL)
		return (0);
	if ((img = images_lookup(ims, container_image_id(c), err)) == NULL)
		return (-1);
	xfree(c->rootfs);
	c->rootfs = NULL;
	if (container_oci_ipc(c, &ipc, &join, &shm, err) != 0 ||
	    images_rootfs_prepare(ims, img, c->id, &c->rootfs, err) != 0 ||
	    oci_bundle_write(c->dir, c->id, c->config, c->hostconfig,
	    c->rootfs, &ipc, c->store->data_root, bundle, err) != 0) {
		xfree(join);
		xfree(shm);
		container_oci_unmount(c);
		return (-1);
	}
	xfree(join);
	xfree(shm);
	spec->oci = rt;
	spec->bundle = *bundle;
	spec->id = c->id;
	return (0);
}

char *
container_oci_root_get(struct container *c, int *mounted, struct err *err)
{
	struct images		*ims = c->store->images;
	struct images_image	*img;
	char			*root = NULL;

	*mounted = 0;
	if (c->rootfs != NULL)		/* running: its mounted root */
		return (xstrdup(c->rootfs));
	/*
	 * Stopped or never started: its writable root over the image, as
	 * the next start would mount it (and remove with the container).
	 */
	if ((img = images_lookup(ims, container_image_id(c), err)) == NULL ||
	    images_rootfs_prepare(ims, img, c->id, &root, err) != 0)
		return (NULL);
	*mounted = images_overlay(ims);
	return (root);
}

void
container_oci_root_put(struct container *c, char *root, int mounted)
{
	if (mounted && umount2(root, MNT_DETACH) != 0 && errno != EINVAL)
		log_warn("container %.12s: unmount %s: %s", c->id, root,
		    strerror(errno));
	xfree(root);
}

int
container_export(struct container *c, int fd, struct err *err)
{
	char	*root;
	int	 mounted, rc;

	if ((root = container_oci_root_get(c, &mounted, err)) == NULL)
		return (-1);
	rc = imgarchive_tar_tree(root, fd, err);
	container_oci_root_put(c, root, mounted);
	return (rc);
}

json_t *
container_changes(struct container *c, struct err *err)
{
	struct images_image	*img;

	if (strcmp(container_json_str(c->hostconfig, "Runtime"),
	    OCIRUNTIME_PROCESS) == 0) {
		err_set(err, ERR_NOT_IMPLEMENTED, "container %.12s runs under "
		    "%s, which gives it no root of its own: there is nothing "
		    "to compare with its image", c->id, OCIRUNTIME_PROCESS);
		return (NULL);
	}
	if ((img = images_lookup(c->store->images, container_image_id(c),
	    err)) == NULL)
		return (NULL);
	return (images_rootfs_changes(c->store->images, img, c->id));
}
