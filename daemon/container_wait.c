/* SPDX-License-Identifier: MIT */
/*
 * A container's waiters (wait, stop, restart, rm -f replies, and their
 * engine-side users): armed with the exits seen so far, fired by the next
 * exit or by removal, and dropped unfired when the container is finished
 * at teardown. A fired waiter is off the list before its callback runs,
 * so the callback may re-arm it, restart the container or remove it.
 */
#include <sys/queue.h>

#include "daemon/container.h"
#include "daemon/container_int.h"

void
container_wait_add(struct container *c, struct container_waiter *w,
    enum container_wait cond, container_wait_cb cb, void *arg)
{
	container_wait_del(w);
	if (c->finished)
		return;		/* removed in this callback: it never fires */
	w->c = c;
	w->cond = cond;
	w->seq = c->exit_seq;
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&c->waiters, w, entry);
}

void
container_wait_del(struct container_waiter *w)
{
	if (w->c == NULL)
		return;
	TAILQ_REMOVE(&w->c->waiters, w, entry);
	w->c = NULL;
}

/*
 * c stopped (or, restarting, will not come back by itself): the waiters
 * armed before this stop fire. They may restart or remove c: take one at
 * a time from the head and look again.
 */
void
container_wait_wake(struct container *c, int code)
{
	struct container_waiter	*w;

again:
	TAILQ_FOREACH(w, &c->waiters, entry) {
		if (w->cond == CONTAINER_WAIT_REMOVED || w->seq >= c->exit_seq)
			continue;
		TAILQ_REMOVE(&c->waiters, w, entry);
		w->c = NULL;
		w->cb(w, c, code, 0, w->arg);
		if (c->removed)
			return;
		goto again;
	}
}

void
container_wait_removed(struct container *c)
{
	struct container_waiter	*w;

	while ((w = TAILQ_FIRST(&c->waiters)) != NULL) {
		TAILQ_REMOVE(&c->waiters, w, entry);
		w->c = NULL;
		w->cb(w, c, c->exit_code, 1, w->arg);
	}
}

void
container_wait_drop(struct container *c)
{
	struct container_waiter	*w;

	while ((w = TAILQ_FIRST(&c->waiters)) != NULL) {
		TAILQ_REMOVE(&c->waiters, w, entry);
		w->c = NULL;
	}
}
