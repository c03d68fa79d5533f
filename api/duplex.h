/* SPDX-License-Identifier: MIT */
/*
 * A hijacked connection (exec start, attach) as one object. It owns the
 * socket api_hijack() handed over, queues output up to a high-water mark,
 * hands the client's bytes to its owner with backpressure, tells the
 * client's half-close (its EOF: stdin ends) from a close or a reset (the
 * client is gone, noticed at once even while nothing is written), and ends
 * once through duplex_finish(), whatever the trigger. Knows nothing of
 * processes or containers; the owner ties it to those.
 *
 * Lifetime (docs/lifetimes.md): duplex_new() makes it, duplex_start() arms
 * it, duplex_finish() detaches it (idempotent; the first trigger wins),
 * duplex_free() finishes it and frees it later through its reap. The
 * owner's callbacks run from the loop, never from inside a duplex_*() call
 * the owner made, except that duplex_finish()/duplex_free() run end_cb
 * before they return. Any callback may call duplex_finish()/duplex_free().
 */
#ifndef LP_API_DUPLEX_H
#define LP_API_DUPLEX_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/base/cancel.h"

struct api_req;
struct event_base;
struct evbuffer;
struct duplex;
struct task;

/* Output queued for the client before the owner hears "full". */
#define DUPLEX_HIGH_WATER	(256 * 1024)

/* What a full queue (at or past the high-water mark) does. */
enum duplex_full {
	DUPLEX_FULL_PAUSE,	/* writes answer 1: pause until drained_cb */
	DUPLEX_FULL_DROP,	/* the client is dropped: counted, logged */
};

/* in holds what the client sent and the owner has not taken; drain it. */
typedef void	(*duplex_input_cb)(struct duplex *, struct evbuffer *in,
		    void *arg);
/* eof_cb: the client half-closed. drained_cb: the queue emptied after 1. */
typedef void	(*duplex_notify_cb)(struct duplex *, void *arg);
/*
 * Runs once, from the finish, after the duplex let go of its socket: why
 * is CANCEL_NONE after duplex_end() sent everything, else the trigger
 * (CANCEL_CLIENT_GONE, CANCEL_WRITE_ERROR, the context's reason, or the
 * owner's own duplex_finish() reason). It should end the owner's side and
 * duplex_free() the duplex.
 */
typedef void	(*duplex_end_cb)(struct duplex *, enum cancel_reason why,
		    void *arg);

struct duplex_opts {
	const char	*kind;		/* task kind: "api.exec_start" */
	int		 tty;		/* raw stream: unframed, no probes */
	size_t		 high_water;	/* 0: DUPLEX_HIGH_WATER */
	enum duplex_full full;
	int		 write_timeout;	/* s with output pending; 0: none */
	duplex_input_cb	 input;		/* NULL: input is discarded */
	duplex_notify_cb	 eof;		/* may be NULL */
	duplex_notify_cb	 drained;	/* may be NULL */
	duplex_end_cb	 end;		/* may be NULL */
	void		*arg;
};

/*
 * A duplex on fd (owned from now on, also on failure), in a cancel context
 * that is a child of parent (the root for a hijack: the request's own
 * context went with it). pending_out is sent first, early_in is the first
 * input; both are emptied, not taken. Arms nothing. Never NULL.
 */
struct duplex	*duplex_new(struct event_base *, struct cancel *parent,
		     int fd, struct evbuffer *pending_out,
		     struct evbuffer *early_in, const struct duplex_opts *);
/*
 * Sends the reply head (emptied) alone, before any other byte, and holds
 * the output from duplex_start() on until the client has read it (a second
 * at most). docker-py reads the head through a buffered 8 KiB read, then
 * reads the raw socket: output that came with the head is lost to it
 * (docker-py#2466, #3332). Call it before duplex_start().
 */
void		 duplex_send_head(struct duplex *, struct evbuffer *head);
/*
 * Arms the socket, the cancel hook and the write timeout. A context
 * cancelled already, or early input, reach the owner from the loop.
 */
void		 duplex_start(struct duplex *);

/*
 * Queue bytes for the client (copied), as they are or as a stdcopy frame
 * on stream (raw with tty). 0: go on; 1: the queue is at the high-water
 * mark, pause until drained_cb; -1: finished, ending or being dropped,
 * the bytes are discarded.
 */
int		 duplex_write(struct duplex *, const void *, size_t);
int		 duplex_frame(struct duplex *, int stream, const void *,
		     size_t);
/* Changes what a full queue does from now on (a replay pauses, live drops). */
void		 duplex_set_full(struct duplex *, enum duplex_full);
/* Bytes queued and not yet taken by the kernel. */
size_t		 duplex_queued(const struct duplex *);

/* Client bytes received and not yet taken; valid until the free. */
struct evbuffer	*duplex_input(struct duplex *);
/* Stops reading the client (its close is still noticed); idempotent. */
void		 duplex_input_pause(struct duplex *);
/* Reads again; what is still in duplex_input() is offered again. */
void		 duplex_input_resume(struct duplex *);

/*
 * The owner has nothing more to send: what is queued goes out, then FIN,
 * then the duplex finishes with CANCEL_NONE. Input is discarded meanwhile.
 */
void		 duplex_end(struct duplex *);
/*
 * Detaches now, idempotent: drops the queue, closes the socket (FIN after
 * the last byte for CANCEL_NONE), frees the task, removes the hook, runs
 * end_cb. The memory stays until duplex_free().
 */
void		 duplex_finish(struct duplex *, enum cancel_reason why);
/*
 * What the natural end (duplex_end()) counts as in /metrics: an attach
 * whose container's run ended says CANCEL_CONTAINER_EXITED. Default:
 * CANCEL_NONE, a completion.
 */
void		 duplex_set_done_reason(struct duplex *, enum cancel_reason);
/* Finishes (CANCEL_RELEASED if still live) and frees later; NULL is ok. */
void		 duplex_free(struct duplex *);

uint64_t	 duplex_id(const struct duplex *);
/* Borrowed; owner hooks on it go before the owner's memory does. */
struct cancel	*duplex_ctx(struct duplex *);
/* Borrowed, NULL once finished: label it, tell what it waits for. */
struct task	*duplex_task(struct duplex *);
int		 duplex_finished(const struct duplex *);
/* The socket is a unix one (a close shows as a hang-up, no probe). */
int		 duplex_is_unix(const struct duplex *);

/* Totals since start, for /debug and tests. */
struct duplex_totals {
	uint64_t	live;
	uint64_t	dropped;	/* slow readers dropped */
	uint64_t	bytes_out;
	uint64_t	bytes_in;
};
void		 duplex_totals(struct duplex_totals *);

#endif
