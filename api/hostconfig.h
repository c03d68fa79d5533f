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

#endif
