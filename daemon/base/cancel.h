/* SPDX-License-Identifier: MIT */
/*
 * Cancellation contexts, the C counterpart of Go's context.Context: a tree in
 * which cancelling a node cancels its whole subtree exactly once, records a
 * reason and runs the hooks registered on each node. Single-threaded, loop
 * thread only.
 *
 * Hooks start zeroed (embedded in a calloc'ed owner).
 *
 * Ownership: each context has one owner, who calls cancel_free(); a parent
 * never frees its children. Freeing a parent cancels its subtree and detaches
 * the children, which their owners still free. Hooks are embedded in their
 * owner (no allocation) and must be removed with cancel_hook_del() before
 * that memory goes, unless they have fired (a fired hook is already off).
 */
#ifndef LP_CANCEL_H
#define LP_CANCEL_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/time.h>

struct event_base;
struct cancel;

enum cancel_reason {
	CANCEL_NONE,
	CANCEL_CLIENT_GONE,
	CANCEL_TIMEOUT,
	CANCEL_SHUTDOWN,
	CANCEL_CONTAINER_EXITED,
	CANCEL_REMOVED,
	CANCEL_WRITE_ERROR,
	CANCEL_RELEASED,	/* the owner freed the context */
};

/*
 * Runs once when the hook's context is cancelled. It may add and remove
 * hooks, cancel or free other contexts, and free the context it is on; it
 * must not free the object that embeds a hook still armed elsewhere.
 */
typedef void (*cancel_cb)(struct cancel *, enum cancel_reason, void *);

struct cancel_hook {
	TAILQ_ENTRY(cancel_hook) entry;
	struct cancel		*ctx;	/* borrowed; NULL when not armed */
	cancel_cb		 cb;
	void			*arg;
};

/* A root context; base is used for deadlines and may be NULL. */
struct cancel	*cancel_new_root(struct event_base *, const char *name);
/* A child of parent. A child of a cancelled parent is born cancelled. */
struct cancel	*cancel_new(struct cancel *parent, const char *name);
/* Cancels the subtree (CANCEL_RELEASED) if still live, detaches, frees. */
void		 cancel_free(struct cancel *);

/* Cancels c and its subtree; a second call does nothing. */
void		 cancel_fire(struct cancel *, enum cancel_reason);
/* Cancels c with CANCEL_TIMEOUT after tv unless cancelled before. */
int		 cancel_set_deadline(struct cancel *, const struct timeval *);

int		 cancel_is_cancelled(const struct cancel *);
enum cancel_reason cancel_reason(const struct cancel *);
const char	*cancel_reason_name(enum cancel_reason);
const char	*cancel_name(const struct cancel *);
uint64_t	 cancel_id(const struct cancel *);

/*
 * Arms hook on c. Returns 0, or -1 without arming when c is already
 * cancelled: the caller then acts on the cancellation itself.
 */
int		 cancel_hook_add(struct cancel *, struct cancel_hook *,
		     cancel_cb, void *);
/* Disarms hook; safe when never armed, already fired or already removed. */
void		 cancel_hook_del(struct cancel_hook *);

/* Number of live contexts, for leak checks. */
uint64_t	 cancel_live(void);

#endif
