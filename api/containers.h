/* SPDX-License-Identifier: MIT */
/*
 * Container endpoints: create, start, stop, kill, restart, wait, remove,
 * list and inspect, answered as dockerd 20.10 answers them.
 */
#ifndef LP_API_CONTAINERS_H
#define LP_API_CONTAINERS_H

#include <stddef.h>

#include <jansson.h>

#include "api/http.h"
#include "daemon/base/err.h"

void	containers_list(struct api_req *);
void	containers_create(struct api_req *);
void	containers_inspect(struct api_req *);
void	containers_start(struct api_req *);
void	containers_stop(struct api_req *);
void	containers_kill(struct api_req *);
void	containers_restart(struct api_req *);
/* POST /containers/{id}/pause and /unpause: the runtime's freezer. */
void	containers_pause(struct api_req *);
void	containers_unpause(struct api_req *);
void	containers_wait(struct api_req *);
void	containers_remove(struct api_req *);

/*
 * The create body's validation alone (what containers_create answers), for
 * tests/fuzz/fuzz_create.c: 0 with Config and HostConfig (caller owns), or
 * -1 with err (ERR_INVALID 400, ERR_INTERNAL 500 "EOF").
 */
int	containers_create_parse(const char *text, size_t len,
	    json_t **config, json_t **hostconfig, struct err *);

#endif
