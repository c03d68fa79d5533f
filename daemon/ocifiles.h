/* SPDX-License-Identifier: MIT */
/*
 * What a container's bundle needs from files: the user resolved in the
 * image's /etc/passwd and /etc/group (as libcontainer's user package and
 * dockerd's getUser do), and the /etc/hosts, /etc/hostname and
 * /etc/resolv.conf dockerd writes per container.
 */
#ifndef LP_OCIFILES_H
#define LP_OCIFILES_H

#include <sys/types.h>

#include <jansson.h>

#include "daemon/base/err.h"

/*
 * Resolves user ("", "uid", "name", "uid:gid", "name:group") in the root's
 * /etc/passwd and /etc/group into an OCI process.user object (uid, gid,
 * additionalGids). ERR_INTERNAL with dockerd's "unable to find user x: no
 * matching entries in passwd file" (or "group ... group file").
 */
json_t	*ocifiles_user(const char *rootfs, const char *user, struct err *);
/*
 * Writes dir/hosts, dir/hostname and dir/resolv.conf for hostname; with
 * host networking copies of the host's files, else dockerd's localhost
 * hosts and the host's resolv.conf without local nameservers (8.8.8.8 and
 * 8.8.4.4 when none remain).
 */
int	 ocifiles_write_etc(const char *dir, const char *hostname, int host,
	     struct err *);

#endif
