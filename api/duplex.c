/* SPDX-License-Identifier: MIT */
/*
 * The hijacked connection: a bufferevent on the socket, a bounded output
 * queue, input handed to the owner, the close/half-close distinction, one
 * idempotent finish and a deferred free through the embedded reap.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "api/apimetrics.h"
#include "api/duplex.h"
#include "api/frame.h"
#include "api/readwait.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"

/* After the client's EOF: is it a half-close or has it gone? */
#define DUPLEX_PROBE_FIRST_MS	10
#define DUPLEX_PROBE_MS		250
/* Unread input taken before the FIN, so the close is not a reset. */
#define DUPLEX_LINGER_READS	16
/* The longest the output waits for the client to read the reply head. */
#define DUPLEX_HEAD_WAIT_MS	1000

enum duplex_state {
	DUPLEX_NEW,
	DUPLEX_RUNNING,
	DUPLEX_ENDING,		/* duplex_end(): the queue goes out, then FIN */
	DUPLEX_DONE,		/* finished; waiting for duplex_free */
};

struct duplex {
	uint64_t		 id;
	struct event_base	*base;		/* borrowed */
	struct duplex_opts	 o;
	struct cancel		*ctx;		/* owned */
	struct cancel_hook	 hook;		/* on ctx */
	struct task		*task;		/* owned until the finish */
	int			 fd;		/* owned: the socket */
	int			 is_unix;
	struct bufferevent	*bev;		/* owned until the finish */
	struct evbuffer		*in;		/* owned: input not taken */
	struct event		 probe_ev;	/* close probe while not read */
	struct event		 kick_ev;	/* owner calls from the loop */
	struct readwait		 head_wait;	/* output held until it is read */
	int			 head_unread;
	struct reap		 reap;
	enum duplex_state	 state;
	enum cancel_reason	 end;
	enum cancel_reason	 kick_why;
	int			 kick_finish;	/* finish kick_why from the loop */
	int			 kick_input;	/* offer d->in from the loop */
	int			 full;		/* a write answered 1 */
	int			 dropped;
	int			 input_paused;
	int			 client_eof;
	uint64_t		 bytes_out;
	uint64_t		 bytes_in;
	int			 endpoint;	/* enum apimetrics_endpoint */
	enum cancel_reason	 done_reason;	/* a natural end, for /metrics */
};

static uint64_t			duplex_next_id = 1;
static struct duplex_totals	duplex_sum;

static const char *duplex_states[] = { "new", "running", "ending", "done" };

static void
duplex_kick(struct duplex *d)
{
	event_active(&d->kick_ev, EV_TIMEOUT, 0);
}

/* A finish that must not run inside the owner's call: the loop does it. */
static void
duplex_finish_later(struct duplex *d, enum cancel_reason why)
{
	if (d->kick_finish)
		return;
	d->kick_finish = 1;
	d->kick_why = why;
	duplex_kick(d);
}

static void
duplex_reap_cb(void *arg)
{
	struct duplex	*d = arg;

	log_debug("duplex %llu: freed (%s), %llu bytes out, %llu in",
	    (unsigned long long)d->id, cancel_reason_name(d->end),
	    (unsigned long long)d->bytes_out, (unsigned long long)d->bytes_in);
	cancel_free(d->ctx);
	evbuffer_free(d->in);
	duplex_sum.live--;
	xfree(d);
}

/*
 * A unix socket whose peer closed shows POLLHUP; a TCP one POLLERR|POLLHUP
 * once a reset came back (see duplex_probe).
 */
static int
duplex_peer_closed(struct duplex *d)
{
	struct pollfd	p = { .fd = d->fd, .events = 0 };

	if (poll(&p, 1, 0) != 1)
		return (0);
	return ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0);
}

/*
 * Over TCP a close and a half-close look alike until data meets the closed
 * socket, which answers with a reset. So while the client is not read, an
 * empty stdout frame goes out now and then: harmless to every stdcopy
 * reader, fatal to a dead connection. A raw tty stream has no empty unit,
 * so it learns of a TCP close only from output; a unix socket needs none.
 */
static void
duplex_probe(struct duplex *d)
{
	struct evbuffer	*out = bufferevent_get_output(d->bev);

	if (!d->is_unix && !d->o.tty && evbuffer_get_length(out) == 0)
		frame_add(out, FRAME_STDOUT, 0, NULL, 0);
}

static void
duplex_probe_arm(struct duplex *d, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(&d->probe_ev, &tv);
}

static void
duplex_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct duplex	*d = arg;

	(void)fd;
	(void)what;
	if (d->state == DUPLEX_DONE)
		return;
	if (duplex_peer_closed(d)) {
		log_debug("duplex %llu: client closed while not read",
		    (unsigned long long)d->id);
		duplex_finish(d, CANCEL_CLIENT_GONE);
		return;
	}
	duplex_probe(d);
	duplex_probe_arm(d, DUPLEX_PROBE_MS);
}

static void
duplex_head_read_cb(void *arg)
{
	struct duplex	*d = arg;

	d->head_unread = 0;
	if (d->state == DUPLEX_RUNNING || d->state == DUPLEX_ENDING)
		bufferevent_enable(d->bev, EV_WRITE);
}

static void
duplex_offer(struct duplex *d)
{
	if (d->state != DUPLEX_RUNNING || d->input_paused || d->dropped)
		return;
	if (d->o.input == NULL) {
		evbuffer_drain(d->in, evbuffer_get_length(d->in));
		return;
	}
	if (evbuffer_get_length(d->in) > 0)
		d->o.input(d, d->in, d->o.arg);	/* may finish or free d */
}

static void
duplex_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct duplex	*d = arg;

	(void)fd;
	(void)what;
	if (d->state == DUPLEX_DONE)
		return;
	if (d->kick_finish) {
		d->kick_finish = 0;
		duplex_finish(d, d->kick_why);
		return;
	}
	if (d->kick_input) {
		d->kick_input = 0;
		duplex_offer(d);
	}
}

static void
duplex_read_cb(struct bufferevent *bev, void *arg)
{
	struct duplex	*d = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	d->bytes_in += evbuffer_get_length(in);
	duplex_sum.bytes_in += evbuffer_get_length(in);
	evbuffer_add_buffer(d->in, in);
	if (d->state != DUPLEX_RUNNING)
		evbuffer_drain(d->in, evbuffer_get_length(d->in));
	else
		duplex_offer(d);
}

static void
duplex_write_cb(struct bufferevent *bev, void *arg)
{
	struct duplex	*d = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (d->state == DUPLEX_ENDING) {
		duplex_finish(d, CANCEL_NONE);
		return;
	}
	if (d->state != DUPLEX_RUNNING || !d->full)
		return;
	d->full = 0;
	if (d->o.drained != NULL)
		d->o.drained(d, d->o.arg);
}

static void
duplex_bev_cb(struct bufferevent *bev, short what, void *arg)
{
	struct duplex	*d = arg;

	(void)bev;
	if (what == (BEV_EVENT_READING | BEV_EVENT_EOF)) {
		d->client_eof = 1;
		if (duplex_peer_closed(d)) {
			log_debug("duplex %llu: client closed",
			    (unsigned long long)d->id);
			duplex_finish(d, CANCEL_CLIENT_GONE);
			return;
		}
		/*
		 * A half-close (docker exec sends one at once when it has no
		 * stdin to forward): input ends, output goes on.
		 */
		log_debug("duplex %llu: client half-closed",
		    (unsigned long long)d->id);
		duplex_probe(d);
		duplex_probe_arm(d, DUPLEX_PROBE_FIRST_MS);
		if (d->state == DUPLEX_RUNNING && d->o.eof != NULL)
			d->o.eof(d, d->o.arg);
		return;
	}
	/* A reset, a write error, or a client that stopped reading. */
	log_debug("duplex %llu: client gone (%s%s%s%s)",
	    (unsigned long long)d->id,
	    (what & BEV_EVENT_READING) ? "reading " : "writing ",
	    (what & BEV_EVENT_ERROR) ? "error" : "",
	    (what & BEV_EVENT_TIMEOUT) ? "timeout" : "",
	    (what & BEV_EVENT_EOF) ? "eof" : "");
	duplex_finish(d, (what & BEV_EVENT_TIMEOUT) ? CANCEL_TIMEOUT :
	    (what & BEV_EVENT_WRITING) ? CANCEL_WRITE_ERROR :
	    CANCEL_CLIENT_GONE);
}

/* Shutdown or the parent's end: the hook only asks for the finish. */
static void
duplex_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	(void)ctx;
	duplex_finish(arg, why);
}

static int
duplex_sock_is_unix(int fd)
{
	int		domain = 0;
	socklen_t	len = sizeof domain;

	return (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    domain == AF_UNIX);
}

struct duplex *
duplex_new(struct event_base *base, struct cancel *parent, int fd,
    struct evbuffer *pending_out, struct evbuffer *early_in,
    const struct duplex_opts *o)
{
	struct duplex	*d = xcalloc(1, sizeof *d);

	d->id = duplex_next_id++;
	d->base = base;
	d->o = *o;
	if (d->o.high_water == 0)
		d->o.high_water = DUPLEX_HIGH_WATER;
	d->fd = fd;
	d->is_unix = duplex_sock_is_unix(fd);
	d->ctx = cancel_new(parent, "duplex");
	d->task = task_new(o->kind != NULL ? o->kind : "api.duplex");
	d->in = evbuffer_new();
	evtimer_assign(&d->probe_ev, base, duplex_probe_cb, d);
	event_assign(&d->kick_ev, base, -1, 0, duplex_kick_cb, d);
	readwait_init(&d->head_wait, base, fd, DUPLEX_HEAD_WAIT_MS,
	    duplex_head_read_cb, d);
	reap_init(&d->reap, base, duplex_reap_cb, d);
	d->bev = bufferevent_socket_new(base, fd, 0);
	/* A new bufferevent writes at once; nothing is armed before start. */
	bufferevent_disable(d->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(d->bev, duplex_read_cb, duplex_write_cb,
	    duplex_bev_cb, d);
	if (pending_out != NULL)
		evbuffer_add_buffer(bufferevent_get_output(d->bev),
		    pending_out);
	if (early_in != NULL) {
		d->bytes_in += evbuffer_get_length(early_in);
		evbuffer_add_buffer(d->in, early_in);
	}
	task_wait(d->task, "start");
	duplex_sum.live++;
	d->endpoint = apimetrics_endpoint_of(task_kind(d->task));
	apimetrics_stream_opened(d->endpoint);
	return (d);
}

void
duplex_send_head(struct duplex *d, struct evbuffer *head)
{
	struct evbuffer	*out = bufferevent_get_output(d->bev);
	size_t		 len = evbuffer_get_length(head);
	ssize_t		 n;

	if (d->state == DUPLEX_NEW && evbuffer_get_length(out) == 0 &&
	    len > 0) {
		n = send(d->fd, evbuffer_pullup(head, -1), len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			evbuffer_drain(head, n);
		d->head_unread = n > 0 && (size_t)n == len;
	}
	/* A head not sent whole, or after other bytes, goes the usual way. */
	evbuffer_add_buffer(out, head);
}

void
duplex_start(struct duplex *d)
{
	struct timeval	wtv = { d->o.write_timeout, 0 };

	if (d->state != DUPLEX_NEW)
		return;
	d->state = DUPLEX_RUNNING;
	task_wait(d->task, NULL);
	/* Only while output is pending: a quiet stream may last for days. */
	bufferevent_set_timeouts(d->bev, NULL,
	    d->o.write_timeout > 0 ? &wtv : NULL);
	bufferevent_enable(d->bev, (d->head_unread ? 0 : EV_WRITE) |
	    (d->input_paused ? 0 : EV_READ));
	if (d->head_unread)
		readwait_start(&d->head_wait);
	if (d->input_paused)
		duplex_probe_arm(d, DUPLEX_PROBE_MS);
	if (cancel_hook_add(d->ctx, &d->hook, duplex_cancel_cb, d) != 0) {
		duplex_finish_later(d, cancel_reason(d->ctx));
		return;
	}
	if (evbuffer_get_length(d->in) > 0) {
		d->kick_input = 1;
		duplex_kick(d);
	}
}

/* Queues what was added to the output; the high-water rule. */
static int
duplex_check(struct duplex *d, size_t n)
{
	struct evbuffer	*out = bufferevent_get_output(d->bev);
	size_t		 q = evbuffer_get_length(out);

	d->bytes_out += n;
	duplex_sum.bytes_out += n;
	apimetrics_bytes(n);
	if (q < d->o.high_water)
		return (0);
	if (d->o.full == DUPLEX_FULL_DROP) {
		/*
		 * A client that stops reading must cost the others nothing:
		 * its queue goes now, the duplex from the loop.
		 */
		log_warn("duplex %llu: client not reading, %zu bytes queued: "
		    "dropped", (unsigned long long)d->id, q);
		d->dropped = 1;
		duplex_sum.dropped++;
		/* bufferevent keeps its output's start frozen between writes. */
		evbuffer_unfreeze(out, 1);
		evbuffer_drain(out, q);
		evbuffer_freeze(out, 1);
		duplex_finish_later(d, CANCEL_WRITE_ERROR);
		return (-1);
	}
	if (!d->full) {
		d->full = 1;
		task_wait(d->task, "client writable");
	}
	return (1);
}

void
duplex_set_full(struct duplex *d, enum duplex_full full)
{
	d->o.full = full;
}

static int
duplex_writable(const struct duplex *d)
{
	return ((d->state == DUPLEX_NEW || d->state == DUPLEX_RUNNING) &&
	    !d->dropped);
}

int
duplex_write(struct duplex *d, const void *buf, size_t n)
{
	if (!duplex_writable(d))
		return (-1);
	evbuffer_add(bufferevent_get_output(d->bev), buf, n);
	return (duplex_check(d, n));
}

int
duplex_frame(struct duplex *d, int stream, const void *buf, size_t n)
{
	if (!duplex_writable(d))
		return (-1);
	frame_add(bufferevent_get_output(d->bev), stream, d->o.tty, buf, n);
	apimetrics_frames(d->endpoint, 1);
	return (duplex_check(d, n));
}

size_t
duplex_queued(const struct duplex *d)
{
	if (d->bev == NULL)
		return (0);
	return (evbuffer_get_length(bufferevent_get_output(d->bev)));
}

struct evbuffer *
duplex_input(struct duplex *d)
{
	return (d->in);
}

void
duplex_input_pause(struct duplex *d)
{
	if (d->input_paused || d->state == DUPLEX_DONE)
		return;
	d->input_paused = 1;
	if (d->state == DUPLEX_NEW)
		return;
	bufferevent_disable(d->bev, EV_READ);
	/* Not read, its close would go unnoticed: look now and then. */
	if (!d->client_eof)
		duplex_probe_arm(d, DUPLEX_PROBE_MS);
}

void
duplex_input_resume(struct duplex *d)
{
	if (!d->input_paused || d->state == DUPLEX_DONE)
		return;
	d->input_paused = 0;
	if (d->state == DUPLEX_NEW || d->client_eof)
		return;
	event_del(&d->probe_ev);
	bufferevent_enable(d->bev, EV_READ);
	/* Bytes already here raise no read event: offer them again. */
	if (evbuffer_get_length(d->in) > 0) {
		d->kick_input = 1;
		duplex_kick(d);
	}
}

void
duplex_end(struct duplex *d)
{
	if (d->state != DUPLEX_NEW && d->state != DUPLEX_RUNNING)
		return;
	if (d->state == DUPLEX_NEW)
		duplex_start(d);
	if (d->state != DUPLEX_RUNNING)
		return;
	d->state = DUPLEX_ENDING;
	evbuffer_drain(d->in, evbuffer_get_length(d->in));
	if (d->task != NULL)
		task_wait(d->task, "client reading the last output");
	if (duplex_queued(d) == 0)
		duplex_finish_later(d, CANCEL_NONE);
}

/*
 * The one way a duplex ends, from any trigger: the queue sent after
 * duplex_end() (CANCEL_NONE), the client's close or reset, a write error or
 * timeout, a drop, the context, the owner. Lets go of the socket, events,
 * hook and task now and tells the owner last; the memory goes in
 * duplex_reap_cb once the owner called duplex_free().
 */
void
duplex_finish(struct duplex *d, enum cancel_reason why)
{
	char	buf[4096];
	int	budget = DUPLEX_LINGER_READS;
	int64_t	closed_ns = 0;

	if (d->state == DUPLEX_DONE)
		return;		/* another trigger got here first */
	if (why == CANCEL_CLIENT_GONE)
		closed_ns = apimetrics_client_closed();
	log_debug("duplex %llu: %s -> done (%s)", (unsigned long long)d->id,
	    duplex_states[d->state], why == CANCEL_NONE ? "all sent" :
	    cancel_reason_name(why));
	d->state = DUPLEX_DONE;
	d->end = why;
	cancel_hook_del(&d->hook);
	event_del(&d->probe_ev);
	event_del(&d->kick_ev);
	readwait_stop(&d->head_wait);
	d->kick_finish = d->kick_input = d->head_unread = 0;
	/* Safe inside its own callbacks: libevent holds it until they end. */
	bufferevent_disable(d->bev, EV_READ | EV_WRITE);
	bufferevent_free(d->bev);
	d->bev = NULL;
	if (why == CANCEL_NONE) {
		/*
		 * Unread input would turn the close into a reset that may
		 * overtake our last output: take it, then send FIN.
		 */
		while (budget-- > 0 && read(d->fd, buf, sizeof buf) > 0)
			;
		shutdown(d->fd, SHUT_WR);
	}
	close(d->fd);
	d->fd = -1;
	evbuffer_drain(d->in, evbuffer_get_length(d->in));
	task_free(d->task);
	d->task = NULL;
	apimetrics_stream_ended(d->endpoint, apimetrics_end_of(why ==
	    CANCEL_NONE ? d->done_reason : why));
	/* Socket, events, hook and task are gone; the owner lets go next. */
	if (closed_ns != 0)
		apimetrics_released(closed_ns);
	if (d->o.end != NULL)
		d->o.end(d, why, d->o.arg);	/* may call duplex_free */
}

void
duplex_set_done_reason(struct duplex *d, enum cancel_reason why)
{
	d->done_reason = why;
}

void
duplex_free(struct duplex *d)
{
	if (d == NULL)
		return;
	duplex_finish(d, CANCEL_RELEASED);
	reap_later(&d->reap);
}

uint64_t
duplex_id(const struct duplex *d)
{
	return (d->id);
}

struct cancel *
duplex_ctx(struct duplex *d)
{
	return (d->ctx);
}

struct task *
duplex_task(struct duplex *d)
{
	return (d->task);
}

int
duplex_finished(const struct duplex *d)
{
	return (d->state == DUPLEX_DONE);
}

int
duplex_is_unix(const struct duplex *d)
{
	return (d->is_unix);
}

void
duplex_totals(struct duplex_totals *t)
{
	*t = duplex_sum;
}
