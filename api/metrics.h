/* SPDX-License-Identifier: MIT */
/*
 * GET /metrics: every figure of the daemon in Prometheus' text format,
 * served on the --metrics-addr listener only (docs/debugging.md). Reads
 * the counters where their owners keep them; changes nothing.
 */
#ifndef LP_API_METRICS_H
#define LP_API_METRICS_H

#include "api/http.h"

struct evbuffer;
struct server;

void	metrics_api_get(struct api_req *);
/* The whole exposition for srv (the API server) into out. */
void	metrics_api_write(struct evbuffer *out, struct server *srv);

#endif
