/* SPDX-License-Identifier: MIT */
/*
 * A create's references to other containers: Links and IpcMode
 * container:<donor>, resolved in the store.
 */
#ifndef LP_API_CONTAINERS_REFS_H
#define LP_API_CONTAINERS_REFS_H

#include <jansson.h>

#include "daemon/base/err.h"

struct container_store;

/*
 * Links made "/<name>:<alias>" (ERR_INVALID "could not get container for
 * x: ...", ERR_INTERNAL "bad format for links: x", dockerd's words), and a
 * donor kept as container:<its id> (404 when it does not exist), in hc.
 */
int	containers_refs_resolve(struct container_store *, json_t *hc,
	    struct err *);

#endif
