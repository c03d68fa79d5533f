/* SPDX-License-Identifier: MIT */
/*
 * The networks a container can join while logpouch has no bridge: dockerd's
 * predefined "none" (own network namespace, only lo) and "host", with ids
 * and creation times made at the first start and kept under the data root,
 * so `docker network ls` shows the same ids across restarts, as dockerd's.
 */
#ifndef LP_NETWORKS_H
#define LP_NETWORKS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/base/err.h"

struct networks;
struct network;

/* Loads (or makes, first time) data_root/networks.json. */
struct networks		*networks_new(const char *data_root, struct err *);
void			 networks_free(struct networks *);

size_t			 networks_count(const struct networks *);
const struct network	*networks_at(const struct networks *, size_t i);
/*
 * Resolves ref as dockerd's FindNetwork: full id, full name, then unique id
 * prefix. ERR_NOT_FOUND "network <ref> not found"; ERR_AMBIGUOUS for a
 * prefix of more than one.
 */
const struct network	*networks_lookup(const struct networks *,
			     const char *ref, struct err *);

const char		*network_name(const struct network *);
const char		*network_id(const struct network *);
const char		*network_driver(const struct network *);
/*
 * The network's resource as GET /networks answers it, with an empty
 * "Containers" object the caller fills for inspect.
 */
json_t			*network_view(const struct network *);

#endif
