/* SPDX-License-Identifier: MIT */
/*
 * Container endpoints: start, stop, kill, restart, pause, remove, list
 * (api/containers_list.c) and inspect, answered as dockerd 20.10 answers
 * them; create and wait have modules of their own, included here so the
 * router (and the fuzzers) see the whole family.
 */
#ifndef LP_API_CONTAINERS_H
#define LP_API_CONTAINERS_H

#include <jansson.h>

#include "api/containers_create.h"
#include "api/containers_wait.h"
#include "api/http.h"

void	containers_list(struct api_req *);
struct container;
/*
 * A list row (taken) with size=1's SizeRw and SizeRootFs: the writable
 * layer and that plus the image, as dockerd reports them. A new row.
 */
json_t	*containers_list_sized(struct api_req *, struct container *,
	    json_t *sum);
void	containers_inspect(struct api_req *);
void	containers_start(struct api_req *);
void	containers_stop(struct api_req *);
void	containers_kill(struct api_req *);
void	containers_restart(struct api_req *);
/* POST /containers/{id}/pause and /unpause: the runtime's freezer. */
void	containers_pause(struct api_req *);
void	containers_unpause(struct api_req *);
void	containers_remove(struct api_req *);
void	containers_rename(struct api_req *);
void	containers_export(struct api_req *);
/* docker diff: what the container changed in its root, null for nothing. */
void	containers_changes(struct api_req *);
/* POST /containers/{id}/update: docker update's resources and policy. */
void	containers_update(struct api_req *);

#endif
