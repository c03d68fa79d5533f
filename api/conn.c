/* SPDX-License-Identifier: MIT */
/*
 * The connection owner (see conn.h). evhttp has one close-callback slot
 * per connection and no hook for "a new request started"; this module
 * takes both for the connection's whole life so that no request, stream
 * or deadline has to hand them to another.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/conn.h"
#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"

#define CONN_BUCKETS	1024	/* bufferevent -> conn hash */
#define CONN_SWEEP_MS	250	/* deadline granularity */

/*
 * evhttp_set_timeout() is an idle timeout, re-armed by every byte, so a
 * client sending one header byte a second would hold its fd forever; the
 * deadline is the real bound: from accept (or the end of the previous
 * reply) to dispatch, header_timeout seconds.
 *
 * Lifetime: we create the connection's bufferevent in conn_bev_cb with
 * BEV_OPT_CLOSE_ON_FREE, so the fd lives exactly as long as the
 * bufferevent, and take one reference (bufferevent_incref). evhttp frees
 * the connection whenever it likes (EOF, error, 400, evhttp_free); its
 * bufferevent_free() clears the callbacks and drops evhttp's reference,
 * but ours keeps the struct and the fd valid, so the sweep may still look
 * at the callbacks and shut the fd down without touching freed memory or
 * an fd number the kernel already gave to someone else. We drop our
 * reference in exactly one place, conn_release(): from the close callback,
 * when the sweep sees evhttp has let go (no event callback left), at a
 * hijack, or in conn_table_free(). The last unref closes the fd.
 *
 * evhttp creates the connection only after conn_bev_cb returns, so
 * conn_adopt_cb (one event_active later, before the loop polls again and
 * thus before evhttp can read a byte) finds it as the bufferevent's
 * callback argument (evhttp has passed its evhttp_connection there since
 * 1.4) and sets the close callback. The close callback is what keeps fds
 * from lingering: a client that connects and leaves must not pin its fd
 * for a sweep period. Paths where evhttp frees without calling it (a
 * connection that never reached a connected state) are left to the
 * sweep, which bounds them by CONN_SWEEP_MS while a deadline is armed.
 */
struct conn {
	struct conn_table		*t;	/* borrowed */
	struct bufferevent		*bev;	/* one reference held */
	struct evhttp_connection	*evcon;	/* borrowed; NULL unadopted */
	conn_closed_cb			 closed_cb;	/* the request's */
	void				*closed_arg;
	int64_t				 deadline_ns;	/* mono, if armed */
	int				 armed;	/* in t->pending */
	int				 fresh;	/* in t->fresh */
	int				 streamed; /* timeouts changed */
	int				 dropped; /* shut down at deadline */
	TAILQ_ENTRY(conn)		 entry;	/* pending */
	TAILQ_ENTRY(conn)		 fentry; /* fresh */
	LIST_ENTRY(conn)		 hentry; /* hash[] */
};

TAILQ_HEAD(conn_q, conn);

struct conn_table {
	struct event_base	*base;		/* borrowed */
	struct conn_config	 cfg;
	struct conn_q		 pending;	/* deadline armed */
	struct conn_q		 fresh;		/* waiting for conn_adopt_cb */
	LIST_HEAD(, conn)	 hash[CONN_BUCKETS];
	size_t			 npending;
	struct event		*sweep_ev;	/* owned */
	struct event		*adopt_ev;	/* owned */
	uint64_t		 drops;
	uint64_t		 live;		/* struct conns */
	uint64_t		 accepted;
	int			 closing;
};

static size_t
conn_bucket(const struct bufferevent *bev)
{
	uintptr_t	h = (uintptr_t)bev;

	h ^= h >> 17;
	return ((h >> 4) % CONN_BUCKETS);
}

static void
conn_arm(struct conn *c)
{
	struct conn_table	*t = c->t;
	struct timeval		 tv = { 0, CONN_SWEEP_MS * 1000 };

	if (t->cfg.header_timeout <= 0 || t->closing || c->armed)
		return;
	c->armed = 1;
	c->deadline_ns = timeutil_mono_ns() +
	    (int64_t)t->cfg.header_timeout * 1000000000;
	TAILQ_INSERT_TAIL(&t->pending, c, entry);
	if (t->npending++ == 0)
		evtimer_add(t->sweep_ev, &tv);
}

static void
conn_disarm(struct conn *c)
{
	if (!c->armed)
		return;
	TAILQ_REMOVE(&c->t->pending, c, entry);
	c->armed = 0;
	c->t->npending--;
}

/* Forgets the connection and drops our bufferevent reference. */
static void
conn_release(struct conn *c)
{
	conn_disarm(c);
	if (c->fresh)
		TAILQ_REMOVE(&c->t->fresh, c, fentry);
	LIST_REMOVE(c, hentry);
	c->t->live--;
	/* evhttp still holds the connection (we are called before its free). */
	if (c->evcon != NULL)
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	/* The last reference: the bufferevent is finalized, the fd closed. */
	bufferevent_decref(c->bev);
	xfree(c);
}

/* Tells the request (if any) that its client is gone, then lets go. */
static void
conn_gone(struct conn *c, int timed_out)
{
	conn_closed_cb	 cb = c->closed_cb;
	void		*arg = c->closed_arg;

	c->closed_cb = NULL;
	conn_release(c);
	if (cb != NULL)
		cb(arg, timed_out);
}

/*
 * Did evhttp drop a stream for its write timeout? Then the output is
 * still pending and writing was turned off (libevent does that on a
 * write timeout or error), but the peer is still there: no error on the
 * socket, and a peek finds no EOF. A client that closed or reset shows
 * one or the other. Our bufferevent reference keeps the fd open here.
 */
static int
conn_timed_out(struct conn *c)
{
	evutil_socket_t	fd = bufferevent_getfd(c->bev);
	int		err = 0;
	socklen_t	len = sizeof err;
	char		b;

	if (!c->streamed || c->t->cfg.write_timeout <= 0 || fd < 0 ||
	    conn_pending(c) == 0 ||
	    (bufferevent_get_enabled(c->bev) & EV_WRITE) != 0)
		return (0);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
		return (0);
	return (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK));
}

/*
 * evhttp is freeing the connection (EOF, error, reply to a bad request,
 * evhttp_free): its bufferevent reference is still there, so dropping ours
 * here frees nothing under evhttp's feet.
 */
static void
conn_closed_evcb(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;

	(void)evcon;
	c->evcon = NULL;		/* do not touch its close callback */
	conn_gone(c, conn_timed_out(c));
}

static void
conn_adopt(struct conn *c, struct evhttp_connection *evcon)
{
	c->evcon = evcon;
	evhttp_connection_set_closecb(evcon, conn_closed_evcb, c);
}

/* Runs right after the accepts that created the bufferevents. */
static void
conn_adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_table	*t = arg;
	struct conn		*c;
	bufferevent_event_cb	 eventcb;
	void			*cbarg;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&t->fresh)) != NULL) {
		TAILQ_REMOVE(&t->fresh, c, fentry);
		c->fresh = 0;
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &cbarg);
		if (eventcb == NULL || cbarg == NULL) {
			/* evhttp gave up on it during the accept. */
			conn_release(c);
			continue;
		}
		if (evhttp_connection_get_bufferevent(cbarg) != c->bev)
			continue;	/* not evhttp's layout: sweep copes */
		conn_adopt(c, cbarg);
	}
}

static void
conn_set_idle_timeouts(struct conn *c)
{
	struct timeval	tv = { c->t->cfg.header_timeout, 0 };

	c->streamed = 0;
	bufferevent_set_timeouts(c->bev, c->t->cfg.header_timeout > 0 ?
	    &tv : NULL, c->t->cfg.header_timeout > 0 ? &tv : NULL);
}

/*
 * Every CONN_SWEEP_MS while deadlines are armed: lets go of connections
 * evhttp already freed, and cuts those past their deadline. shutdown()
 * rather than close(): evhttp still owns the connection, sees EOF on its
 * next read and frees it through its usual path (close callbacks and all).
 */
static void
conn_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_table	*t = arg;
	struct conn		*c, *next;
	struct timeval		 tv = { 0, CONN_SWEEP_MS * 1000 };
	bufferevent_event_cb	 eventcb;
	int64_t			 now = timeutil_mono_ns();
	evutil_socket_t		 cfd;

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&t->pending); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* evhttp sets an event callback on every live connection. */
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
		if (eventcb == NULL) {
			c->evcon = NULL;	/* freed without a close cb */
			conn_gone(c, 0);
			continue;
		}
		if (c->dropped)
			continue;	/* evhttp will see the EOF */
		/*
		 * The previous reply may still be going out to a slow
		 * reader: the clock for the next request starts when it is
		 * out, and only then does the idle timeout come back.
		 */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
			c->deadline_ns = now +
			    (int64_t)t->cfg.header_timeout * 1000000000;
			continue;
		}
		if (c->streamed)
			conn_set_idle_timeouts(c);
		if (now < c->deadline_ns)
			continue;
		cfd = bufferevent_getfd(c->bev);
		log_debug("connection fd %d: no request within %d s, dropped",
		    (int)cfd, t->cfg.header_timeout);
		if (cfd >= 0)
			shutdown(cfd, SHUT_RDWR);
		t->drops++;
		c->dropped = 1;
	}
	if (t->npending > 0)
		evtimer_add(t->sweep_ev, &tv);
}

static struct conn *
conn_new(struct conn_table *t, struct bufferevent *bev)
{
	struct conn	*c = xcalloc(1, sizeof *c);

	c->t = t;
	c->bev = bev;
	bufferevent_incref(bev);
	LIST_INSERT_HEAD(&t->hash[conn_bucket(bev)], c, hentry);
	t->live++;
	t->accepted++;
	return (c);
}

/*
 * evhttp's bufferevent factory, called for each accepted connection
 * before the fd is attached: the connection is ours from here on.
 */
static struct bufferevent *
conn_bev_cb(struct event_base *base, void *arg)
{
	struct conn_table	*t = arg;
	struct bufferevent	*bev;
	struct conn		*c;

	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		return (NULL);	/* evhttp makes its own: adopted at dispatch */
	c = conn_new(t, bev);
	c->fresh = 1;
	TAILQ_INSERT_TAIL(&t->fresh, c, fentry);
	conn_arm(c);
	event_active(t->adopt_ev, EV_TIMEOUT, 0);	/* conn_adopt_cb */
	return (bev);
}

static struct conn *
conn_find(struct conn_table *t, struct bufferevent *bev)
{
	struct conn	*c;

	LIST_FOREACH(c, &t->hash[conn_bucket(bev)], hentry) {
		if (c->bev == bev)
			return (c);
	}
	return (NULL);
}

struct conn *
conn_request_begin(struct conn_table *t, struct evhttp_request *req,
    conn_closed_cb closed_cb, void *arg)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct conn			*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return (NULL);
	if ((c = conn_find(t, bev)) == NULL)
		c = conn_new(t, bev);
	if (c->evcon == NULL)
		conn_adopt(c, evcon);
	conn_disarm(c);
	c->closed_cb = closed_cb;
	c->closed_arg = arg;
	return (c);
}

void
conn_request_end(struct conn *c)
{
	struct timeval	wtv = { c->t->cfg.write_timeout, 0 };

	c->closed_cb = NULL;
	c->closed_arg = NULL;
	/*
	 * The rest of a stream goes out under the stream's write timeout,
	 * with no read timeout: evhttp reads only to see a close, and a
	 * reader busy reading sends nothing. The sweep restores the idle
	 * timeouts once the output has gone.
	 */
	if (c->streamed) {
		bufferevent_set_timeouts(c->bev, NULL,
		    c->t->cfg.write_timeout > 0 ? &wtv : NULL);
		if (c->t->cfg.header_timeout <= 0 || c->t->closing)
			conn_set_idle_timeouts(c);
	}
	conn_arm(c);
}

void
conn_stream_begin(struct conn *c)
{
	struct timeval	wtv = { c->t->cfg.write_timeout, 0 };

	/*
	 * A quiet stream must stay open for hours, so no read timeout; a
	 * reader that stops reading is dropped after write_timeout, which
	 * only runs while output is pending.
	 */
	c->streamed = 1;
	bufferevent_set_timeouts(c->bev, NULL, c->t->cfg.write_timeout > 0 ?
	    &wtv : NULL);
}

void
conn_set_max_write(struct conn *c, size_t n)
{
	bufferevent_set_max_single_write(c->bev, n);
}

size_t
conn_pending(struct conn *c)
{
	return (evbuffer_get_length(bufferevent_get_output(c->bev)));
}

/* More pieces than this: not worth a system call's setup, queue it. */
#define CONN_WRITE_IOV	32

int
conn_write_now(struct conn *c, struct evbuffer *buf, int chunked)
{
	struct iovec		 iov[CONN_WRITE_IOV + 2];
	struct msghdr		 msg = { 0 };
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	evutil_socket_t		 fd = bufferevent_getfd(c->bev);
	static const char	 hex[] = "0123456789abcdef";
	char			 head[2 * sizeof(size_t) + 2], *h;
	size_t			 len = evbuffer_get_length(buf), hlen, sent;
	size_t			 total;
	ssize_t			 n;
	int			 nv;

	if (fd < 0 || len == 0 || evbuffer_get_length(out) > 0 ||
	    (bufferevent_get_enabled(c->bev) & EV_WRITE) == 0)
		return (-1);	/* keep the order; a dropped peer: evhttp's */
	nv = evbuffer_peek(buf, -1, NULL, NULL, 0);
	if (nv > CONN_WRITE_IOV)
		return (-1);
	/* The chunk header, "%zx\r\n" without printf. */
	h = head + sizeof head;
	*--h = '\n';
	*--h = '\r';
	for (size_t v = len; v != 0; v >>= 4)
		*--h = hex[v & 0xf];
	hlen = chunked ? (size_t)(head + sizeof head - h) : 0;
	iov[0].iov_base = h;
	iov[0].iov_len = hlen;
	evbuffer_peek(buf, -1, NULL, (struct evbuffer_iovec *)&iov[1], nv);
	iov[nv + 1].iov_base = (void *)"\r\n";
	iov[nv + 1].iov_len = chunked ? 2 : 0;
	total = hlen + len + (chunked ? 2 : 0);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)nv + 2;
	n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n <= 0)
		return (-1);	/* full, or an error evhttp will see */
	sent = (size_t)n;
	if (sent == total) {
		evbuffer_drain(buf, len);
		return (0);
	}
	/* Partly taken: the rest, in order, to the output. */
	if (sent < hlen) {
		evbuffer_add(out, h + sent, hlen - sent);
		sent = 0;
	} else
		sent -= hlen;
	if (sent < len) {
		evbuffer_drain(buf, sent);
		evbuffer_add_buffer(out, buf);
		sent = 0;
	} else {
		evbuffer_drain(buf, len);
		sent -= len;
	}
	if (chunked)
		evbuffer_add(out, &"\r\n"[sent], 2 - sent);
	return (0);
}

struct evhttp_connection *
conn_evcon(struct conn *c)
{
	return (c->evcon);
}

/*
 * evhttp has no hijack, so the connection is taken apart by hand
 * (libevent 2.1.12 http.c read for every step):
 *
 * - evhttp_connection_free() shutdown()s its fd (SHUT_WR) before the
 *   bufferevent closes it. On a dup of the socket that would end the
 *   caller's stream too, so the connection's fd number is pointed at
 *   /dev/null first (dup3): evhttp shuts down and closes a harmless file,
 *   and the socket is the caller's alone.
 * - The bufferevent's events are deleted while the fd number still names
 *   the socket; a registration left in epoll would outlive the dup3.
 * - The close callback is reset first (conn_release), so freeing the
 *   connection calls nobody; the free also frees the request.
 * - Safe inside a handler: once it returns, evhttp_handle_request(),
 *   evhttp_connection_done() and evhttp_read_*() touch neither the request
 *   nor the connection again, and the bufferevent is kept alive by its own
 *   read callback's reference until that returns.
 */
int
conn_hijack(struct conn *c, struct evbuffer *pending_out,
    struct evbuffer *early_in)
{
	struct evhttp_connection	*evcon = c->evcon;
	struct bufferevent		*bev = c->bev;
	int				 fd = -1, orig, null_fd;

	orig = bufferevent_getfd(bev);
	bufferevent_disable(bev, EV_READ | EV_WRITE);
	if (pending_out != NULL)
		evbuffer_add_buffer(pending_out, bufferevent_get_output(bev));
	if (early_in != NULL)
		evbuffer_add_buffer(early_in, bufferevent_get_input(bev));
	if (orig >= 0 && (fd = fcntl(orig, F_DUPFD_CLOEXEC, 0)) != -1) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd == -1 || dup3(null_fd, orig, O_CLOEXEC) == -1) {
			log_warn("hijack: %s", strerror(errno));
			close(fd);
			fd = -1;
		}
		if (null_fd != -1)
			close(null_fd);
	}
	if (fd != -1)
		evutil_make_socket_nonblocking(fd);
	c->closed_cb = NULL;
	conn_release(c);	/* resets the close callback */
	if (evcon != NULL)
		evhttp_connection_free(evcon);
	return (fd);
}

struct conn_table *
conn_table_new(struct event_base *base, const struct conn_config *cfg)
{
	struct conn_table	*t = xcalloc(1, sizeof *t);

	t->base = base;
	t->cfg = *cfg;
	TAILQ_INIT(&t->pending);
	TAILQ_INIT(&t->fresh);
	for (size_t i = 0; i < CONN_BUCKETS; i++)
		LIST_INIT(&t->hash[i]);
	t->sweep_ev = evtimer_new(base, conn_sweep_cb, t);
	t->adopt_ev = event_new(base, -1, 0, conn_adopt_cb, t);
	return (t);
}

void
conn_table_attach(struct conn_table *t, struct evhttp *http)
{
	evhttp_set_bevcb(http, conn_bev_cb, t);
}

void
conn_table_closing(struct conn_table *t)
{
	t->closing = 1;
}

uint64_t
conn_table_drops(const struct conn_table *t)
{
	return (t->drops);
}

uint64_t
conn_table_live(const struct conn_table *t)
{
	return (t->live);
}

uint64_t
conn_table_accepted(const struct conn_table *t)
{
	return (t->accepted);
}

/* After evhttp_free: evhttp let go of every connection (close callbacks
 * ran for the connected ones); drop the references left. */
void
conn_table_free(struct conn_table *t)
{
	struct conn	*c;

	if (t == NULL)
		return;
	for (size_t i = 0; i < CONN_BUCKETS; i++) {
		while ((c = LIST_FIRST(&t->hash[i])) != NULL) {
			c->evcon = NULL;	/* freed by evhttp_free */
			conn_gone(c, 0);
		}
	}
	event_free(t->sweep_ev);
	event_free(t->adopt_ev);
	xfree(t);
}
