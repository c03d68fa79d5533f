/* SPDX-License-Identifier: MIT */
/*
 * GET /containers/{id}/logs: parameters and validation as dockerd has
 * them, then a stream (api/stream.c) that carries the lines.
 */
#ifndef LP_API_LOGS_H
#define LP_API_LOGS_H

#include <stdint.h>

#include "api/http.h"
#include "daemon/base/err.h"

void	logs_container(struct api_req *);

/*
 * dockerd's since/until grammar, SECONDS[.FRACTION] (both signed 64-bit),
 * into nanoseconds. Returns 0, or -1 with err set.
 */
int	logs_parse_time(const char *name, const char *s, int64_t *ns,
	    struct err *);
/* dockerd's tail: strconv.Atoi; anything unparsable or negative is -1. */
int64_t	logs_parse_tail(const char *);

#endif
