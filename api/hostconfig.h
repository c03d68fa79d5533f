/* SPDX-License-Identifier: MIT */
/*
 * The HostConfig fields the OCI runtime uses (Runtime, NetworkMode, Binds,
 * Mounts, Tmpfs, ReadonlyRootfs, Privileged, SecurityOpt, Memory,
 * MemorySwap, PidsLimit, CpuShares, NanoCpus), type-checked with Go's
 * unmarshal words and validated as dockerd validates them, copied into the
 * normalised HostConfig the store keeps.
 */
#ifndef LP_API_HOSTCONFIG_H
#define LP_API_HOSTCONFIG_H

#include <jansson.h>

#include "daemon/base/err.h"

/* 0, or -1 with ERR_INVALID (400) / ERR_NOT_FOUND (unknown network). */
int	hostconfig_copy(json_t *in, json_t *out, struct err *);
/*
 * inspect's HostConfig: every field dockerd 20.10 shows, in its order, as
 * stored or with the value dockerd stores when a create leaves it out.
 * Returns a new object; hc is not changed (config.v2.json keeps only
 * what was given).
 */
json_t	*hostconfig_inspect(json_t *hc);

#endif
