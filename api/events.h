/* SPDX-License-Identifier: MIT */
/*
 * GET /events as dockerd 20.10 serves it: since/until replay from the
 * engine's ring, then live events until `until`, the client's close or
 * shutdown; filters type, event, container, image, label (and the other
 * dockerd keys). Each request is a subscriber of the bus with a bounded
 * output: a client that stops reading is dropped, never waited for.
 */
#ifndef LP_API_EVENTS_H
#define LP_API_EVENTS_H

#include <stdint.h>

#include "api/http.h"

struct events_msg;
struct filters;

/* Output a subscriber may hold before it is dropped (the high-water mark). */
#define EVENTS_API_HIGH_WATER	(256 * 1024)

void		 events_api_get(struct api_req *);
/* dockerd's events Filter.Include: whether f lets m through. */
int		 events_api_include(const struct filters *,
		     const struct events_msg *);
/* Subscribers dropped for not reading, since start. */
uint64_t	 events_api_dropped(void);

#endif
