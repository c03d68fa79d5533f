/* SPDX-License-Identifier: MIT */
/*
 * Container endpoints: create, start, stop, kill, restart, wait, remove,
 * list and inspect, answered as dockerd 20.10 answers them.
 */
#ifndef LP_API_CONTAINERS_H
#define LP_API_CONTAINERS_H

#include "api/http.h"

void	containers_list(struct api_req *);
void	containers_create(struct api_req *);
void	containers_inspect(struct api_req *);
void	containers_start(struct api_req *);
void	containers_stop(struct api_req *);
void	containers_kill(struct api_req *);
void	containers_restart(struct api_req *);
void	containers_wait(struct api_req *);
void	containers_remove(struct api_req *);

#endif
