/* SPDX-License-Identifier: MIT */
/*
 * GET /containers/{id}/top: runs ps (ps_args, default -ef) without
 * blocking the loop and keeps the lines of the container's processes, in
 * dockerd's Titles/Processes shape. Parsing is exported for the tests.
 */
#ifndef LP_API_TOP_H
#define LP_API_TOP_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "api/http.h"

void	top_container(struct api_req *);

/*
 * dockerd's parsePSOutput: ps's text (len bytes) filtered to pids (sorted
 * ascending). Returns {"Processes":[...]|null,"Titles":[...]}, or NULL with
 * err set ("Couldn't find PID field in ps output", "Unexpected pid ...").
 */
json_t	*top_parse(const char *text, size_t len, const pid_t *pids,
	    size_t npids, struct err *);

#endif
