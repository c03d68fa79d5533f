/* SPDX-License-Identifier: MIT */
/*
 * The OCI bundle of a container: config.json built from its Config and
 * HostConfig as dockerd's default spec (moby v20.10.24 oci/defaults.go and
 * daemon/oci_linux.go) builds it, and the hosts, hostname and resolv.conf
 * files dockerd writes per container and bind-mounts. No runtime calls.
 */
#ifndef LP_OCI_H
#define LP_OCI_H

#include <jansson.h>

#include "daemon/base/err.h"

/*
 * Writes <dir>/hosts, hostname, resolv.conf and <dir>/bundle/config.json
 * for container id whose root is rootfs (already prepared). *bundle gets
 * the bundle directory (caller frees). ERR_INVALID / ERR_INTERNAL with
 * dockerd's words for what the spec cannot express (an unknown user, a
 * bind whose source is not absolute...).
 */
int		 oci_bundle_write(const char *dir, const char *id,
		     json_t *config, json_t *hostconfig, const char *rootfs,
		     char **bundle, struct err *);
/* "none" or "host": the network a HostConfig.NetworkMode gives. */
const char	*oci_network_mode(json_t *hostconfig);

#endif
