/* SPDX-License-Identifier: MIT */
/*
 * Cancellation tree. Firing must survive anything a hook does, including
 * freeing the context being fired: a context freed while it is firing is
 * only marked, and the outermost fire frees it on the way out.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"

TAILQ_HEAD(cancel_hooks, cancel_hook);
TAILQ_HEAD(cancel_list, cancel);

struct cancel {
	uint64_t		 id;
	const char		*name;		/* static string */
	struct cancel		*parent;	/* borrowed; NULL for roots */
	struct cancel_list	 children;	/* borrowed */
	TAILQ_ENTRY(cancel)	 sibling;
	struct cancel_hooks	 hooks;		/* borrowed */
	struct event_base	*base;		/* borrowed */
	struct event		*deadline;	/* owned */
	enum cancel_reason	 reason;
	int			 firing;	/* depth of cancel_fire on us */
	int			 freed;		/* cancel_free called mid-fire */
};

static uint64_t	cancel_next_id = 1;
static uint64_t	cancel_count;

static const char *cancel_reasons[] = {
	"none", "client closed", "timeout", "shutdown", "container exited",
	"removed", "write error", "released",
};

const char *
cancel_reason_name(enum cancel_reason why)
{
	if ((size_t)why >= sizeof cancel_reasons / sizeof cancel_reasons[0])
		return ("unknown");
	return (cancel_reasons[why]);
}

static struct cancel *
cancel_alloc(const char *name)
{
	struct cancel	*c = xcalloc(1, sizeof *c);

	c->id = cancel_next_id++;
	c->name = name;
	TAILQ_INIT(&c->children);
	TAILQ_INIT(&c->hooks);
	cancel_count++;
	return (c);
}

struct cancel *
cancel_new_root(struct event_base *base, const char *name)
{
	struct cancel	*c = cancel_alloc(name);

	c->base = base;
	return (c);
}

struct cancel *
cancel_new(struct cancel *parent, const char *name)
{
	struct cancel	*c = cancel_alloc(name);

	c->parent = parent;
	c->base = parent->base;
	TAILQ_INSERT_TAIL(&parent->children, c, sibling);
	if (parent->reason != CANCEL_NONE)
		c->reason = parent->reason;
	return (c);
}

static void
cancel_release(struct cancel *c)
{
	if (c->deadline != NULL)
		event_free(c->deadline);
	c->freed = 0;
	cancel_count--;
	xfree(c);
}

void
cancel_fire(struct cancel *c, enum cancel_reason why)
{
	struct cancel		*child;
	struct cancel_hook	*hook;

	if (c == NULL || c->reason != CANCEL_NONE)
		return;
	c->reason = why;
	c->firing++;
	/* Keep live siblings ahead of cancelled ones (see the loop below). */
	if (c->parent != NULL) {
		TAILQ_REMOVE(&c->parent->children, c, sibling);
		TAILQ_INSERT_TAIL(&c->parent->children, c, sibling);
	}
	if (c->deadline != NULL)
		event_del(c->deadline);

	/*
	 * Children first, so producers stop before their consumer reacts.
	 * A child moves to its parent's tail when it is cancelled, so the head
	 * is always the next live child, however hooks reshape the list.
	 */
	while ((child = TAILQ_FIRST(&c->children)) != NULL &&
	    child->reason == CANCEL_NONE && !c->freed)
		cancel_fire(child, why);

	/* Hooks newest first; each is unlinked before it runs. */
	while (!c->freed && (hook = TAILQ_FIRST(&c->hooks)) != NULL) {
		TAILQ_REMOVE(&c->hooks, hook, entry);
		hook->ctx = NULL;
		hook->cb(c, why, hook->arg);
	}

	if (--c->firing == 0 && c->freed)
		cancel_release(c);
}

void
cancel_free(struct cancel *c)
{
	struct cancel		*child;
	struct cancel_hook	*hook;

	if (c == NULL || c->freed)
		return;
	cancel_fire(c, CANCEL_RELEASED);

	while ((child = TAILQ_FIRST(&c->children)) != NULL) {
		TAILQ_REMOVE(&c->children, child, sibling);
		child->parent = NULL;
	}
	while ((hook = TAILQ_FIRST(&c->hooks)) != NULL) {
		TAILQ_REMOVE(&c->hooks, hook, entry);
		hook->ctx = NULL;
	}
	if (c->parent != NULL) {
		TAILQ_REMOVE(&c->parent->children, c, sibling);
		c->parent = NULL;
	}
	/* Freed from inside our own fire: the outermost fire releases us. */
	if (c->firing > 0) {
		c->freed = 1;
		return;
	}
	cancel_release(c);
}

static void
cancel_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cancel	*c = arg;

	(void)fd;
	(void)events;
	log_debug("context %llu (%s) timed out", (unsigned long long)c->id,
	    c->name);
	cancel_fire(c, CANCEL_TIMEOUT);
}

int
cancel_set_deadline(struct cancel *c, const struct timeval *tv)
{
	if (c->base == NULL || c->reason != CANCEL_NONE)
		return (-1);
	if (c->deadline == NULL)
		c->deadline = evtimer_new(c->base, cancel_deadline_cb, c);
	return (evtimer_add(c->deadline, tv));
}

int
cancel_is_cancelled(const struct cancel *c)
{
	return (c->reason != CANCEL_NONE);
}

enum cancel_reason
cancel_reason(const struct cancel *c)
{
	return (c->reason);
}

const char *
cancel_name(const struct cancel *c)
{
	return (c->name);
}

uint64_t
cancel_id(const struct cancel *c)
{
	return (c->id);
}

int
cancel_hook_add(struct cancel *c, struct cancel_hook *hook, cancel_cb cb,
    void *arg)
{
	cancel_hook_del(hook);
	if (c->reason != CANCEL_NONE)
		return (-1);
	hook->cb = cb;
	hook->arg = arg;
	hook->ctx = c;
	TAILQ_INSERT_HEAD(&c->hooks, hook, entry);
	return (0);
}

void
cancel_hook_del(struct cancel_hook *hook)
{
	if (hook->ctx == NULL)
		return;
	TAILQ_REMOVE(&hook->ctx->hooks, hook, entry);
	hook->ctx = NULL;
}

uint64_t
cancel_live(void)
{
	return (cancel_count);
}
