/* SPDX-License-Identifier: MIT */
/*
 * GET /containers/{id}/stats: dockerd's StatsJSON, one object per second
 * while streaming (a task with a one-second timer, ended by the client's
 * close, the container's removal or shutdown), or one answer built from
 * two samples (stream=0) or one (one-shot=1).
 */
#ifndef LP_API_STATS_H
#define LP_API_STATS_H

#include "api/http.h"

void	stats_container(struct api_req *);

#endif
