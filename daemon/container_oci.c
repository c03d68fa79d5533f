/* SPDX-License-Identifier: MIT */
/*
 * A container under an OCI runtime (runc, crun): the runtime it asks for
 * (HostConfig.Runtime, else the default), its root mounted from the image
 * and its bundle written before start, the mount let go after the exit;
 * and the export of that root.
 */
#include <sys/mount.h>

#include <errno.h>
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

void
container_oci_unmount(struct container *c)
{
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
	if (images_rootfs_prepare(ims, img, c->id, &c->rootfs, err) != 0 ||
	    oci_bundle_write(c->dir, c->id, c->config, c->hostconfig,
	    c->rootfs, bundle, err) != 0) {
		container_oci_unmount(c);
		return (-1);
	}
	spec->oci = rt;
	spec->bundle = *bundle;
	spec->id = c->id;
	return (0);
}

int
container_export(struct container *c, int fd, struct err *err)
{
	struct images		*ims = c->store->images;
	struct images_image	*img;
	char			*root = NULL;
	int			 rc;

	if (c->rootfs != NULL)		/* running: its mounted root */
		return (imgarchive_tar_tree(c->rootfs, fd, err));
	/*
	 * Stopped or never started: its writable root over the image, as
	 * the next start would mount it (and remove with the container).
	 */
	if ((img = images_lookup(ims, container_image_id(c), err)) == NULL ||
	    images_rootfs_prepare(ims, img, c->id, &root, err) != 0)
		return (-1);
	rc = imgarchive_tar_tree(root, fd, err);
	if (images_overlay(ims) && umount2(root, MNT_DETACH) != 0 &&
	    errno != EINVAL)
		log_warn("container %.12s: unmount %s: %s", c->id, root,
		    strerror(errno));
	xfree(root);
	return (rc);
}
