/* SPDX-License-Identifier: MIT */
/*
 * Deferred free: the one way an object that crosses an async boundary is
 * freed (docs/lifetimes.md). The object embeds a struct reap, set up when
 * it is created; its _free() detaches it (the idempotent _finish()) and
 * calls reap_later(); the free callback then runs from the loop on a clean
 * stack, after every caller up the stack that still holds the pointer has
 * returned. Scheduling allocates nothing, so it cannot fail: the reap
 * joins a list of its base's reaper, one event per event base, set up by
 * the base's first reap_init() and let go by reap_base_free().
 */
#ifndef LP_REAP_H
#define LP_REAP_H

#include <stdint.h>

struct event_base;
struct reaper;

typedef void (*reap_cb)(void *arg);

/* Embedded in its owner; set up with reap_init(), never copied. */
struct reap {
	struct reap	*next;		/* the reaper's list, when scheduled */
	struct reaper	*reaper;
	reap_cb		 cb;
	void		*arg;
	int		 scheduled;
};

/* Arms nothing yet: cb(arg) will free the owner once reap_later() ran. */
void		 reap_init(struct reap *, struct event_base *, reap_cb,
		     void *arg);
/*
 * Schedules cb(arg) for the next loop pass; a second call does nothing.
 * The owner must be fully detached by then: no timer, hook or callback
 * may still reach it.
 */
void		 reap_later(struct reap *);
int		 reap_scheduled(const struct reap *);
/* Frees scheduled but not yet run, for leak checks and the task dump. */
uint64_t	 reap_pending(void);
/*
 * Runs every scheduled free now, for shutdown after the loop has stopped
 * and for tests; returns how many ran.
 */
int		 reap_drain(struct event_base *);
/*
 * Runs what is scheduled on base and lets its reaper go; call it before
 * event_base_free(base). A later reap_init() on the base starts anew.
 */
void		 reap_base_free(struct event_base *);

#endif
