/* SPDX-License-Identifier: MIT */
/*
 * Debug endpoints (with --debug only): the task dump in Go's pprof text
 * forms and as JSON, process counters, and libevent's event list.
 */
#ifndef LP_API_DEBUG_H
#define LP_API_DEBUG_H

#include "api/http.h"

void	debug_goroutine(struct api_req *);
void	debug_tasks(struct api_req *);
void	debug_vars(struct api_req *);
void	debug_events(struct api_req *);

#endif
