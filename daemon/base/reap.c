/* SPDX-License-Identifier: MIT */
/*
 * Deferred free through one event per loop, the base's reaper: a
 * scheduled reap joins its list and the reaper's activation costs
 * nothing and cannot fail; its callback runs after the callback that
 * asked for the free has returned. One shared event rather than one per
 * object: a struct event is 128 bytes, and every idle follower carries
 * two reaps (its reader and its stream).
 */
#include <stdlib.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "daemon/base/reap.h"

struct reaper {
	struct event_base	*base;
	struct event		 ev;
	struct reap		*head;	/* scheduled, in order */
	struct reap		**tail;
	struct reaper		*next;
};

static struct reaper	*reapers;	/* one per event base */
static uint64_t		 reap_count;	/* scheduled, not yet run */
static uint64_t		 reap_ran;

static void
reaper_fire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reaper	*rp = arg;
	struct reap	*r, *next;

	(void)fd;
	(void)what;
	/*
	 * Detach the list first: a free that schedules another free lands
	 * on the new list and activates the reaper again, which libevent
	 * runs in the same pass.
	 */
	r = rp->head;
	rp->head = NULL;
	rp->tail = &rp->head;
	for (; r != NULL; r = next) {
		next = r->next;
		r->scheduled = 0;
		reap_count--;
		reap_ran++;
		/* Last touch of r: the callback frees the memory r lives in. */
		r->cb(r->arg);
	}
}

static struct reaper *
reaper_of(struct event_base *base)
{
	struct reaper	*rp;

	for (rp = reapers; rp != NULL; rp = rp->next) {
		if (rp->base == base)
			return (rp);
	}
	/*
	 * Not xcalloc: the reaper lives as long as its base, across a unit
	 * test's setup, body and teardown, and cmocka's per-test accounting
	 * of xalloc would free it after the body.
	 */
	if ((rp = calloc(1, sizeof *rp)) == NULL)
		abort();
	rp->base = base;
	event_assign(&rp->ev, base, -1, 0, reaper_fire_cb, rp);
	rp->tail = &rp->head;
	rp->next = reapers;
	reapers = rp;
	return (rp);
}

void
reap_init(struct reap *r, struct event_base *base, reap_cb cb, void *arg)
{
	r->next = NULL;
	r->reaper = reaper_of(base);
	r->cb = cb;
	r->arg = arg;
	r->scheduled = 0;
}

void
reap_later(struct reap *r)
{
	struct reaper	*rp = r->reaper;

	if (r->scheduled)
		return;
	r->scheduled = 1;
	reap_count++;
	r->next = NULL;
	*rp->tail = r;
	rp->tail = &r->next;
	event_active(&rp->ev, EV_TIMEOUT, 0);
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

void
reap_base_free(struct event_base *base)
{
	struct reaper	**p, *rp;

	reap_drain(base);
	for (p = &reapers; (rp = *p) != NULL; p = &rp->next) {
		if (rp->base == base) {
			event_del(&rp->ev);
			*p = rp->next;
			free(rp);
			return;
		}
	}
}
