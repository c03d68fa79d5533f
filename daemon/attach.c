/* SPDX-License-Identifier: MIT */
/*
 * A container's attach point: fans the output of the current run out to
 * its subscribers and holds the run's stdin (dockerd keeps both in the
 * container's stream config: daemon/attach.go, container/stream). The
 * point never waits for a subscriber: one that is full asks for a hold,
 * and the container's output waits in its pipe until no subscriber holds
 * (each owner bounds how long it holds, then lets go or is dropped).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/attach.h"
#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"

struct attach_sub {
	TAILQ_ENTRY(attach_sub)	 entry;
	struct attach		*a;		/* borrowed */
	struct attach_sub_opts	 o;
	int			 dead;		/* freed during a dispatch */
	int			 want_stdin;	/* waits for stdin_ready */
	int			 held;		/* attach_sub_hold() */
};

TAILQ_HEAD(attach_subs, attach_sub);

struct attach {
	struct event_base	*base;		/* borrowed */
	struct attach_subs	 subs;
	int			 depth;		/* dispatches under way */
	int			 ndead;
	int			 running;
	uint64_t		 runs;		/* runs started */
	int			 fd;		/* owned: stdin or pty; -1 */
	int			 writable;	/* OpenStdin */
	int			 once;		/* StdinOnce */
	int			 tty;		/* fd is the pty: keep it */
	int			 eof_early;	/* once: EOF before the run */
	struct event		*stdin_ev;	/* owned: fd writable */
	int			 nheld;		/* subscribers holding */
	attach_hold_cb		 hold;		/* the container's copiers */
	void			*hold_arg;
};

static uint64_t	attach_live;

uint64_t
attach_subs_live(void)
{
	return (attach_live);
}

struct attach *
attach_new(struct event_base *base)
{
	struct attach	*a = xcalloc(1, sizeof *a);

	a->base = base;
	a->fd = -1;
	TAILQ_INIT(&a->subs);
	return (a);
}

static void
attach_stdin_stop(struct attach *a)
{
	if (a->stdin_ev != NULL)
		event_free(a->stdin_ev);
	a->stdin_ev = NULL;
	if (a->fd != -1)
		close(a->fd);
	a->fd = -1;
	a->writable = 0;
}

void
attach_free(struct attach *a)
{
	struct attach_sub	*s;

	if (a == NULL)
		return;
	while ((s = TAILQ_FIRST(&a->subs)) != NULL) {
		/* An owner that forgot: a bug, but never a dangling pointer. */
		log_warn("attach: subscriber still there at free");
		TAILQ_REMOVE(&a->subs, s, entry);
		s->a = NULL;
	}
	attach_stdin_stop(a);
	xfree(a);
}

/* Frees what was freed during the dispatch that just ended. */
static void
attach_sweep(struct attach *a)
{
	struct attach_sub	*s, *next;

	if (a->depth > 0 || a->ndead == 0)
		return;
	for (s = TAILQ_FIRST(&a->subs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!s->dead)
			continue;
		TAILQ_REMOVE(&a->subs, s, entry);
		xfree(s);
	}
	a->ndead = 0;
}

static void
attach_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct attach		*a = arg;
	struct attach_sub	*s;

	(void)fd;
	(void)what;
	a->depth++;
	TAILQ_FOREACH(s, &a->subs, entry) {
		if (s->dead || !s->want_stdin)
			continue;
		s->want_stdin = 0;
		if (s->o.stdin_ready != NULL)
			s->o.stdin_ready(s, s->o.arg);
	}
	a->depth--;
	attach_sweep(a);
}

void
attach_run_start(struct attach *a, int fd, int writable, int once)
{
	attach_stdin_stop(a);
	a->running = 1;
	a->runs++;
	a->fd = fd;
	a->writable = fd != -1 && writable;
	a->once = once;
	a->tty = 0;
	if (fd != -1)
		a->stdin_ev = event_new(a->base, fd, EV_WRITE, attach_stdin_cb,
		    a);
	/* A StdinOnce client that ended before the start: EOF at once. */
	if (a->eof_early && a->once && a->writable) {
		a->eof_early = 0;
		a->writable = 0;
		if (!isatty(fd))
			attach_stdin_stop(a);
	}
	/* Clients whose stdin waited for the run write now. */
	if (a->stdin_ev != NULL)
		event_active(a->stdin_ev, EV_WRITE, 0);
}

int
attach_running(const struct attach *a)
{
	return (a->running);
}

uint64_t
attach_runs(const struct attach *a)
{
	return (a->runs);
}

int
attach_pty_fd(const struct attach *a)
{
	if (a->fd == -1 || !isatty(a->fd))
		return (-1);
	return (a->fd);
}

void
attach_output(void *point, int stream, const void *buf, size_t n)
{
	struct attach		*a = point;
	struct attach_sub	*s;

	a->depth++;
	TAILQ_FOREACH(s, &a->subs, entry) {
		if (s->dead)
			continue;
		if ((stream == 1 && !s->o.want_out) ||
		    (stream == 2 && !s->o.want_err))
			continue;
		s->o.output(s, stream, buf, n, s->o.arg);
	}
	a->depth--;
	attach_sweep(a);
}

void
attach_run_end(struct attach *a)
{
	struct attach_sub	*s;

	a->running = 0;
	a->eof_early = 0;
	attach_stdin_stop(a);
	/* Subscribers that come now wait for the next run, as in dockerd. */
	a->depth++;
	TAILQ_FOREACH(s, &a->subs, entry) {
		if (s->dead)
			continue;
		s->o.end(s, s->o.arg);
	}
	a->depth--;
	attach_sweep(a);
}

struct attach_sub *
attach_sub_new(struct attach *a, const struct attach_sub_opts *o)
{
	struct attach_sub	*s = xcalloc(1, sizeof *s);

	s->a = a;
	s->o = *o;
	TAILQ_INSERT_TAIL(&a->subs, s, entry);
	attach_live++;
	return (s);
}

void
attach_set_hold(struct attach *a, attach_hold_cb cb, void *arg)
{
	a->hold = cb;
	a->hold_arg = arg;
}

int
attach_held(const struct attach *a)
{
	return (a->nheld > 0);
}

void
attach_sub_hold(struct attach_sub *s, int hold)
{
	struct attach	*a;

	if (s == NULL || (a = s->a) == NULL || s->dead ||
	    s->held == (hold != 0))
		return;
	s->held = hold != 0;
	a->nheld += s->held ? 1 : -1;
	/* The first hold stops the output, the last release starts it. */
	if (a->hold != NULL && a->nheld == (s->held ? 1 : 0))
		a->hold(a->hold_arg, s->held);
}

void
attach_sub_free(struct attach_sub *s)
{
	struct attach	*a;

	if (s == NULL || s->dead)
		return;
	attach_sub_hold(s, 0);
	attach_live--;
	if ((a = s->a) == NULL) {
		xfree(s);
		return;
	}
	if (a->depth > 0) {
		/* The dispatch walking the list frees it when it is done. */
		s->dead = 1;
		a->ndead++;
		return;
	}
	TAILQ_REMOVE(&a->subs, s, entry);
	xfree(s);
}

int
attach_stdin_write(struct attach_sub *s, struct evbuffer *in)
{
	struct attach	*a = s->a;
	int		 n;

	if (a == NULL || (a->running && !a->writable)) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return (-1);
	}
	if (!a->running) {
		s->want_stdin = 1;	/* the run's start wakes us */
		return (1);
	}
	while (evbuffer_get_length(in) > 0) {
		n = evbuffer_write(in, a->fd);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			s->want_stdin = 1;
			event_add(a->stdin_ev, NULL);
			return (1);
		}
		/* EPIPE: the container closed its stdin; the rest is lost. */
		log_debug("attach: container stdin closed: %s",
		    n == -1 ? strerror(errno) : "EOF");
		a->writable = 0;
		evbuffer_drain(in, evbuffer_get_length(in));
		return (-1);
	}
	return (0);
}

void
attach_stdin_eof(struct attach_sub *s)
{
	struct attach	*a = s->a;

	if (a == NULL)
		return;
	if (!a->running) {
		a->eof_early = 1;	/* the start knows StdinOnce */
		return;
	}
	if (!a->once || !a->writable)
		return;
	a->writable = 0;
	/* A pty's master stays for resize; a pipe's close is the EOF. */
	if (!isatty(a->fd))
		attach_stdin_stop(a);
}
