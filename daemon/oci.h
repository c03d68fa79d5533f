/* SPDX-License-Identifier: MIT */
/*
 * The OCI bundle of a container: config.json built from its Config and
 * HostConfig as dockerd's default spec (moby v20.10.24 oci/defaults.go and
 * daemon/oci_linux.go) builds it, and the hosts, hostname and resolv.conf
 * files dockerd writes per container and bind-mounts. No runtime calls.
 */
#ifndef LP_OCI_H
#define LP_OCI_H

#include <stdint.h>

#include <jansson.h>

#include "daemon/base/err.h"

/*
 * Writes <dir>/hosts, hostname, resolv.conf and <dir>/bundle/config.json
 * for container id whose root is rootfs (already prepared), with the IPC
 * the caller resolved; data_root is the daemon's (binds of it default to
 * rslave). *bundle gets
 * the bundle directory (caller frees). ERR_INVALID / ERR_INTERNAL with
 * dockerd's words for what the spec cannot express (an unknown user, a
 * bind whose source is not absolute...).
 */
/*
 * What HostConfig.IpcMode comes to, resolved by the caller (a donor
 * container is the store's to find): the namespace and /dev/shm.
 */
struct oci_ipc {
	int		 host;		/* the host's namespace */
	const char	*join;		/* or this one (/proc/PID/ns/ipc) */
	int		 no_shm;	/* "none": no /dev/shm at all */
	const char	*shm_bind;	/* bind this tmpfs (shareable, a
					   donor's, the host's /dev/shm) */
	int64_t		 shm_size;	/* a private tmpfs's, bytes */
};

int		 oci_bundle_write(const char *dir, const char *id,
		     json_t *config, json_t *hostconfig, const char *rootfs,
		     const struct oci_ipc *, const char *data_root,
		     char **bundle, struct err *);
/*
 * Writes path, the process.json of an exec (argv, envp NULL-terminated)
 * into the container whose bundle is bundle: its own process with the
 * exec's args, env, cwd (NULL: the container's) and terminal; user ("" or
 * NULL: the container's) resolved in its root as for the container;
 * privileged: every capability this daemon holds. ERR_INTERNAL with
 * dockerd's words for an unknown user.
 */
int		 oci_exec_process_write(const char *bundle, const char *path,
		     const char *const *argv, const char *const *envp,
		     const char *cwd, int tty, const char *user,
		     int privileged, struct err *err);
/* The cgroupsPath of container id ("/logpouch/<id>"); caller frees. */
char		*oci_cgroup_path(const char *id);
/* "none" or "host": the network a HostConfig.NetworkMode gives. */
const char	*oci_network_mode(json_t *hostconfig);
/*
 * HostConfig.ConsoleSize as rows (*h) and columns (*w): 0, or -1 when it
 * is absent, [0, 0] or out of a tty's range.
 */
int		 oci_console_dims(json_t *hostconfig, json_int_t *h,
		     json_int_t *w);
/*
 * The paths a container that is not privileged gets masked and read-only
 * (dockerd's defaults, HostConfig.MaskedPaths/ReadonlyPaths): new arrays.
 */
/*
 * The LinuxResources of hostconfig for `runc update --resources`: what
 * the create's spec would hold, less the device rules. A new object.
 */
json_t		*oci_update_resources(json_t *hostconfig);
json_t		*oci_masked_paths(void);
json_t		*oci_readonly_paths(void);

#endif
