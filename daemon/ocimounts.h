/* SPDX-License-Identifier: MIT */
/*
 * The mounts of a container's OCI spec: dockerd's defaults (moby v20.10.24
 * oci/defaults.go) and what HostConfig.Binds, Mounts and Tmpfs add.
 */
#ifndef LP_OCIMOUNTS_H
#define LP_OCIMOUNTS_H

#include <jansson.h>

#include <stdint.h>

#include "daemon/base/err.h"

/* One OCI mount; opts comma-separated. A new object. */
json_t	*ocimounts_one(const char *dst, const char *type, const char *src,
	     const char *opts);
/* /proc /dev /dev/pts /sys /sys/fs/cgroup /dev/mqueue: new. */
json_t	*ocimounts_defaults(int privileged);
/*
 * Appends /dev/shm: none (no_shm), a bind of bind_src, or a tmpfs of
 * size bytes (64 MiB when 0).
 */
void	 ocimounts_shm(json_t *mounts, int no_shm, const char *bind_src,
	     int64_t size);
/*
 * The root's propagation the mounts need, as dockerd sets it: "rshared"
 * when one is shared, "rslave" when one is a slave, else NULL (the
 * runtime's default).
 */
const char *ocimounts_rootfs_propagation(json_t *mounts);
/*
 * Appends Binds ("src:dst[:ro]"); ERR_INVALID with dockerd's words. A
 * bind's propagation is the one asked for, else rslave for a source in
 * the daemon's root, rprivate elsewhere.
 */
int	 ocimounts_binds(json_t *mounts, json_t *binds, const char *root,
	     struct err *);
/* Appends Mounts of type bind and tmpfs; others are ERR_INVALID. */
int	 ocimounts_mounts(json_t *mounts, json_t *list, const char *root,
	     struct err *);
/*
 * dockerd's rule for binds of its own root (or below): only rslave or
 * rshared, else ERR_INVALID with its words. For create.
 */
int	 ocimounts_check_root(json_t *hostconfig, const char *root,
	     struct err *);
/* Inspect's Mounts for hostconfig's Mounts and Binds: a new array. */
json_t	*ocimounts_inspect(json_t *hostconfig, const char *root);
/* Appends Tmpfs ({"/dst": "opts"}). */
void	 ocimounts_tmpfs(json_t *mounts, json_t *tmpfs);

#endif
