/* SPDX-License-Identifier: MIT */
/*
 * Deferred free through an event embedded in the object: activating it
 * costs nothing and cannot fail, and the callback runs after the callback
 * that asked for the free has returned.
 */
#include <event2/event.h>

#include "daemon/base/reap.h"

static uint64_t	 reap_count;	/* scheduled, not yet run */
static uint64_t	 reap_ran;

static void
reap_fire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reap	*r = arg;

	(void)fd;
	(void)what;
	r->scheduled = 0;
	reap_count--;
	reap_ran++;
	/* Last touch of r: the callback frees the memory r lives in. */
	r->cb(r->arg);
}

void
reap_init(struct reap *r, struct event_base *base, reap_cb cb, void *arg)
{
	event_assign(&r->ev, base, -1, 0, reap_fire_cb, r);
	r->cb = cb;
	r->arg = arg;
	r->scheduled = 0;
}

void
reap_later(struct reap *r)
{
	if (r->scheduled)
		return;
	r->scheduled = 1;
	reap_count++;
	event_active(&r->ev, EV_TIMEOUT, 0);
}

int
reap_scheduled(const struct reap *r)
{
	return (r->scheduled);
}

uint64_t
reap_pending(void)
{
	return (reap_count);
}

int
reap_drain(struct event_base *base)
{
	uint64_t	 before = reap_ran, last;

	/*
	 * Active events run in one non-blocking pass; a free that schedules
	 * another free is picked up by the next pass. A pass that runs none
	 * means the rest belong to another base.
	 */
	while (reap_count > 0) {
		last = reap_ran;
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (reap_ran == last)
			break;
	}
	return ((int)(reap_ran - before));
}
