/* SPDX-License-Identifier: MIT */
/*
 * An attached client: the container's live output, framed unless Tty, into
 * the client's duplex. A client that reads slower than the container
 * writes holds the container's output in its pipes, as in dockerd, so it
 * loses nothing (`| less` included); one that reads nothing at all for
 * --stream-write-timeout while output waits is dropped by its duplex, so
 * the log and the other attaches wait that long at most. The client's
 * bytes, after the detach-key scan, go into the container's stdin with
 * backpressure. With logs=1 the
 * log is replayed first (the client paces it), then the live output
 * follows from the same loop pass the replay reached the log's end in.
 * Ends once in attach_api_finish(), frees later through its reap.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/attach.h"
#include "api/detachkeys.h"
#include "api/duplex.h"
#include "api/frame.h"
#include "api/hijack.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/attach.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/strconv.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "logdriver/logline.h"
#include "logdriver/logreader.h"

/* Output queued for one attached client before it holds the container. */
#define ATTACH_API_HIGH_WATER	(1024 * 1024)

enum attach_api_state {
	ATTACH_API_RUNNING,
	ATTACH_API_CLOSING,	/* run ended or detached; last bytes going */
	ATTACH_API_DONE,	/* finished; waiting for the reap */
};

struct attach_api {
	struct duplex		*d;		/* owned */
	struct attach_sub	*sub;		/* owned; NULL once off */
	struct logreader	*replay;	/* owned: logs=1, until done */
	struct cancel_hook	 hook;		/* on the container's ctx */
	struct container	*c;		/* borrowed: while hook armed */
	struct reap		 reap;
	struct evbuffer		*in;		/* owned: for the stdin */
	uint64_t		 id;		/* the duplex's */
	char			 cid[13];
	int			 use_stdin;
	int			 once;		/* StdinOnce, not Tty */
	int			 client_eof;
	int			 stream, want_out, want_err;
	int			 follow;	/* logs=1 of a running one */
	int			 run_ended;	/* during the replay */
	int64_t			 started_ns;	/* a run begun in the replay */
	struct evbuffer		*held;		/* owned: its output meanwhile */
	int			 holding;	/* attach_sub_hold() asked */
	struct detachkeys	 dk;
	enum attach_api_state	 state;
	enum cancel_reason	 end;
};

static void	attach_api_finish(struct attach_api *, enum cancel_reason);
static void	attach_api_drained_cb(struct duplex *, void *);
static void	attach_api_stdin(struct attach_api *);

static void
attach_api_reap_cb(void *arg)
{
	struct attach_api	*a = arg;

	log_debug("attach stream %llu: freed (%s)", (unsigned long long)a->id,
	    cancel_reason_name(a->end));
	evbuffer_free(a->in);
	evbuffer_free(a->held);
	xfree(a);
}

/*
 * Full: the container's output waits for this client until its queue
 * drained (or its duplex's write timeout drops it).
 */
static void
attach_api_hold(struct attach_api *a)
{
	if (a->holding || a->sub == NULL)
		return;
	a->holding = 1;
	attach_sub_hold(a->sub, 1);
	task_wait(duplex_task(a->d), "client to read (container held)");
}

static void
attach_api_release(struct attach_api *a)
{
	if (!a->holding)
		return;
	a->holding = 0;
	attach_sub_hold(a->sub, 0);	/* NULL-safe: gone with its sub */
	/* A finished duplex has no task left to label. */
	if (a->state != ATTACH_API_DONE)
		task_wait(duplex_task(a->d), "container output or client "
		    "input");
}

/* Lets go of the container: no more output, no more stdin. */
static void
attach_api_unsubscribe(struct attach_api *a)
{
	attach_api_release(a);
	logreader_free(a->replay);
	a->replay = NULL;
	cancel_hook_del(&a->hook);
	attach_sub_free(a->sub);
	a->sub = NULL;
}

/* Nothing more will come: what is queued goes out, then FIN. */
static void
attach_api_closing(struct attach_api *a, const char *why)
{
	if (a->state != ATTACH_API_RUNNING)
		return;
	a->state = ATTACH_API_CLOSING;
	log_debug("attach stream %llu: %s", (unsigned long long)a->id, why);
	attach_api_unsubscribe(a);
	duplex_end(a->d);	/* finishes from the loop: attach_api_end_cb */
}

static void
attach_api_output_cb(struct attach_sub *s, int stream, const void *buf,
    size_t n, void *arg)
{
	struct attach_api	*a = arg;

	unsigned char		 hdr[5];
	uint32_t		 len;

	(void)s;
	if (a->replay != NULL) {
		/* During the replay: held, in order, bounded like live. */
		if (a->started_ns == 0)
			a->started_ns = container_started_ns(a->c);
		for (size_t off = 0; off < n; off += len) {
			len = (uint32_t)(n - off < 16384 ? n - off : 16384);
			hdr[0] = (unsigned char)stream;
			memcpy(hdr + 1, &len, sizeof len);
			evbuffer_add(a->held, hdr, sizeof hdr);
			evbuffer_add(a->held, (const char *)buf + off, len);
		}
		if (evbuffer_get_length(a->held) >= ATTACH_API_HIGH_WATER)
			attach_api_hold(a);
		return;
	}
	if (duplex_frame(a->d, stream, buf, n) == 1)
		attach_api_hold(a);
}

static void
attach_api_run_end_cb(struct attach_sub *s, void *arg)
{
	struct attach_api	*a = arg;

	(void)s;
	/* A replay still being sent ends the attach itself, once sent. */
	if (a->replay != NULL) {
		a->run_ended = 1;
		return;
	}
	if (a->state == ATTACH_API_RUNNING)
		duplex_set_done_reason(a->d, CANCEL_CONTAINER_EXITED);
	attach_api_closing(a, "the container's run ended");
}

static void
attach_api_stdin_ready_cb(struct attach_sub *s, void *arg)
{
	(void)s;
	attach_api_stdin(arg);
}

/*
 * dockerd writes a failed attach's reason into the stream it already
 * upgraded ("Error attaching: ..."), then ends it.
 */
static void
attach_api_error(struct attach_api *a, const char *why)
{
	char	*text = xasprintf("Error attaching: %s\n", why);

	duplex_frame(a->d, 1, text, strlen(text));
	xfree(text);
	attach_api_closing(a, "the log cannot be read");
}

/* The container went away (removal) or the daemon is stopping. */
static void
attach_api_ctx_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	struct attach_api	*a = arg;

	(void)ctx;
	logreader_free(a->replay);
	a->replay = NULL;
	attach_api_release(a);
	attach_sub_free(a->sub);
	a->sub = NULL;
	duplex_finish(a->d, why);
}

static void
attach_api_detach(struct attach_api *a)
{
	log_info("container %s: attach stream %llu detached", a->cid,
	    (unsigned long long)a->id);
	/* The hook keeps c valid: removal would have fired it first. */
	if (a->hook.ctx != NULL)
		container_event(a->c, "detach", NULL);
	evbuffer_drain(a->in, evbuffer_get_length(a->in));
	if (a->sub != NULL && a->once)
		attach_stdin_eof(a->sub);
	attach_api_closing(a, "detached");
}

/* Client bytes into the container's stdin, bounded. */
static void
attach_api_stdin(struct attach_api *a)
{
	struct evbuffer	*src = duplex_input(a->d);
	int		 r;

	if (a->state != ATTACH_API_RUNNING || a->sub == NULL)
		return;
	if (!a->use_stdin) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return;
	}
	if (detachkeys_scan(&a->dk, src, a->in)) {
		attach_api_detach(a);
		return;
	}
	r = attach_stdin_write(a->sub, a->in);
	if (r == 0 && a->client_eof) {
		/* dockerd: StdinOnce closes the container's stdin; else the
		 * end of the client's stdin ends the attach. */
		if (a->once)
			attach_stdin_eof(a->sub);
		else
			attach_api_closing(a, "the client's stdin ended");
		return;
	}
	if (a->client_eof)
		return;
	if (evbuffer_get_length(a->in) >= ATTACH_STDIN_HIGH)
		duplex_input_pause(a->d);
	else
		duplex_input_resume(a->d);
}

static void
attach_api_input_cb(struct duplex *d, struct evbuffer *in, void *arg)
{
	(void)d;
	(void)in;
	attach_api_stdin(arg);
}

static void
attach_api_eof_cb(struct duplex *d, void *arg)
{
	struct attach_api	*a = arg;

	(void)d;
	if (!a->use_stdin)
		return;	/* no stdin attached: the output goes on */
	a->client_eof = 1;
	attach_api_stdin(a);
}

static void
attach_api_end_cb(struct duplex *d, enum cancel_reason why, void *arg)
{
	(void)d;
	attach_api_finish(arg, why);
}

/* The one way an attach ends: the run's end sent, detach, client gone. */
static void
attach_api_finish(struct attach_api *a, enum cancel_reason why)
{
	if (a->state == ATTACH_API_DONE)
		return;
	a->state = ATTACH_API_DONE;
	a->end = why;
	/* A StdinOnce client that vanished ends the container's stdin too. */
	if (a->sub != NULL && a->use_stdin && a->once)
		attach_stdin_eof(a->sub);
	attach_api_unsubscribe(a);
	log_info("container %s: attach stream %llu ended (%s)", a->cid,
	    (unsigned long long)a->id, why == CANCEL_NONE ? "done" :
	    cancel_reason_name(why));
	duplex_free(a->d);
	reap_later(&a->reap);
}

/* Live output from now on; a client that falls behind holds it. */
static void
attach_api_go_live(struct attach_api *a)
{
	task_wait(duplex_task(a->d), "container output or client input");
	log_debug("attach stream %llu: attached to %s over %s",
	    (unsigned long long)a->id, a->cid,
	    duplex_is_unix(a->d) ? "unix" : "tcp");
	attach_api_stdin(a);	/* what the client sent during a replay */
}

/* The subscription: output (unless a follow replay gives it) and stdin. */
static void
attach_api_subscribe(struct attach_api *a, int output)
{
	struct attach_sub_opts	so;

	memset(&so, 0, sizeof so);
	so.want_out = output && a->want_out;
	so.want_err = output && a->want_err;
	so.output = attach_api_output_cb;
	so.end = attach_api_run_end_cb;
	so.stdin_ready = attach_api_stdin_ready_cb;
	so.arg = a;
	a->sub = attach_sub_new(container_attach(a->c), &so);
}

/* Without logs=1: dockerd's "attach" event, then live (or an empty end). */
static void
attach_api_live(struct attach_api *a)
{
	container_event(a->c, "attach", NULL);
	if (!a->stream) {
		attach_api_closing(a, "nothing to stream");
		return;
	}
	attach_api_subscribe(a, 1);
	attach_api_go_live(a);
}

static void
attach_api_replay_entry_cb(void *arg, const struct logline *l)
{
	struct attach_api	*a = arg;

	/* A run started during the replay: its output is in held. */
	if (a->started_ns != 0 && l->has_time && l->time_ns >= a->started_ns)
		return;
	if ((l->stream == LOGLINE_STDOUT && a->want_out) ||
	    (l->stream == LOGLINE_STDERR && a->want_err))
		duplex_frame(a->d, (int)l->stream, l->log, l->loglen);
}

/* The replay is paced by the client: the reader waits while it is full. */
static int
attach_api_replay_ready_cb(void *arg)
{
	struct attach_api	*a = arg;

	return (duplex_queued(a->d) < ATTACH_API_HIGH_WATER);
}

static void
attach_api_drained_cb(struct duplex *d, void *arg)
{
	struct attach_api	*a = arg;

	(void)d;
	if (a->replay != NULL)
		logreader_resume(a->replay);
	/* During a replay the run's output held here must be sent first. */
	if (a->replay == NULL ||
	    evbuffer_get_length(a->held) < ATTACH_API_HIGH_WATER)
		attach_api_release(a);
}

/* Live output that came while the log was replayed, in order. */
static void
attach_api_flush_held(struct attach_api *a)
{
	unsigned char	hdr[5], buf[16384];
	uint32_t	n;

	while (evbuffer_remove(a->held, hdr, sizeof hdr) == sizeof hdr) {
		memcpy(&n, hdr + 1, sizeof n);
		evbuffer_remove(a->held, buf, n);
		duplex_frame(a->d, hdr[0], buf, n);
	}
}

static void
attach_api_replay_done_cb(void *arg, const char *error)
{
	struct attach_api	*a = arg;

	logreader_free(a->replay);
	a->replay = NULL;
	if (error != NULL) {
		attach_api_error(a, error);
		return;
	}
	if (a->follow || (a->stream && a->run_ended)) {
		if (!a->follow) {	/* its event came at the start */
			attach_api_flush_held(a);
			container_event(a->c, "attach", NULL);
		}
		duplex_set_done_reason(a->d, CANCEL_CONTAINER_EXITED);
		attach_api_closing(a, "the container's run ended");
		return;
	}
	attach_api_flush_held(a);
	container_event(a->c, "attach", NULL);
	if (!a->stream)
		attach_api_closing(a, "nothing to stream");
	else
		attach_api_go_live(a);
}

/*
 * logs=1: the log, then live, each byte once. A running container's run
 * is followed through its log writer, which hands the backlog over to
 * live entries without a gap; its stdin still comes through the
 * subscription. A stopped one's log cannot grow until a start, whose
 * output the subscription made now holds until the replay is sent (and
 * the replay skips that run's entries). The reader runs in the duplex's
 * context: the client's close stops it like any producer.
 */
static void
attach_api_replay(struct attach_api *a, struct event_base *base)
{
	struct logreader_sink	sink = {
		.entry = attach_api_replay_entry_cb,
		.ready = attach_api_replay_ready_cb,
		.done = attach_api_replay_done_cb,
		.arg = a,
	};
	struct logreader_opts	ro = { .tail = -1 };
	struct err		err;

	/* dockerd 20.10's own words for "none", which it cannot read. */
	if (strcmp(container_log_driver(a->c), "none") == 0) {
		attach_api_error(a, "failed to get logging factory: logger: "
		    "no log driver named 'none' is registered: error looking "
		    "up logging plugin none: plugin \"none\" not found");
		return;
	}
	if (container_log_check(a->c, &err) != 0) {
		attach_api_error(a, err.msg);
		return;
	}
	ro.max_file = container_log_max_file(a->c);
	a->follow = a->stream && attach_running(container_attach(a->c)) &&
	    container_log_writer(a->c) != NULL;
	ro.follow = a->follow;
	log_debug("attach stream %llu: replaying the log%s", (unsigned long
	    long)a->id, a->follow ? ", then following its run" : "");
	if (a->follow) {
		container_event(a->c, "attach", NULL);
		attach_api_subscribe(a, 0);
	} else if (a->stream)
		attach_api_subscribe(a, 1);
	duplex_set_full(a->d, DUPLEX_FULL_PAUSE);
	a->replay = logreader_new(base, duplex_ctx(a->d),
	    container_log_open(a->c), a->follow ? container_log_writer(a->c) :
	    NULL, &ro, &sink, &err);
	if (a->replay == NULL) {
		attach_api_error(a, err.msg);
		return;
	}
	task_label(logreader_task(a->replay), "for=api.attach_container, "
	    "stream=%llu, container=%s", (unsigned long long)a->id, a->cid);
	task_wait(duplex_task(a->d), "log replay");
	logreader_start(a->replay);
}

void
attach_api_attach(struct api_req *r)
{
	struct attach_api	*a;
	struct container	*c;
	struct err		 err;
	struct duplex_opts	 o;
	const char		*keys = api_query(r, "detachKeys");
	struct detachkeys	 dk;
	struct event_base	*base = api_req_base(r);	/* r goes */
	int			 tty, logs;

	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (detachkeys_parse(&dk, keys) != 0) {
		api_reply_error(r, 400, "Invalid detach keys (%s) provided",
		    keys);
		return;
	}
	logs = api_query_bool(r, "logs");
	tty = container_tty(c);
	a = xcalloc(1, sizeof *a);
	a->stream = api_query_bool(r, "stream");
	a->want_out = api_query_bool(r, "stdout");
	a->want_err = api_query_bool(r, "stderr");
	snprintf(a->cid, sizeof a->cid, "%.12s", container_id(c));
	a->in = evbuffer_new();
	a->held = evbuffer_new();
	a->dk = dk;
	a->use_stdin = api_query_bool(r, "stdin") &&
	    json_is_true(json_object_get(container_config(c), "OpenStdin"));
	a->once = !tty && json_is_true(json_object_get(container_config(c),
	    "StdinOnce"));
	reap_init(&a->reap, base, attach_api_reap_cb, a);
	memset(&o, 0, sizeof o);
	o.kind = "api.attach_container";
	o.tty = tty;
	o.high_water = ATTACH_API_HIGH_WATER;
	o.full = DUPLEX_FULL_PAUSE;
	o.input = attach_api_input_cb;
	o.eof = attach_api_eof_cb;
	o.drained = attach_api_drained_cb;
	o.end = attach_api_end_cb;
	o.arg = a;
	if ((a->d = hijack_duplex(r, &o)) == NULL) {	/* r is gone */
		a->state = ATTACH_API_DONE;
		reap_later(&a->reap);
		return;
	}
	a->id = duplex_id(a->d);
	task_label(duplex_task(a->d), "stream=%llu container=%s stdin=%d",
	    (unsigned long long)a->id, a->cid, a->use_stdin);
	duplex_start(a->d);
	if (cancel_is_cancelled(duplex_ctx(a->d)))
		return;		/* its end comes from the loop */
	if (cancel_hook_add(container_ctx(c), &a->hook, attach_api_ctx_cb,
	    a) != 0) {
		duplex_finish(a->d, cancel_reason(container_ctx(c)));
		return;
	}
	a->c = c;
	if (logs)
		attach_api_replay(a, base);
	else
		attach_api_live(a);
}

void
attach_api_resize(struct api_req *r)
{
	struct container	*c;
	struct winsize		 ws;
	struct err		 err;
	int			 h, w, fd;

	if (strconv_atoi(api_query(r, "h"), &h, &err) != 0 ||
	    strconv_atoi(api_query(r, "w"), &w, &err) != 0 ||
	    (c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (!container_running(c)) {
		api_reply_error(r, 409, "Container %s is not running",
		    container_id(c));
		return;
	}
	fd = attach_pty_fd(container_attach(c));
	if (fd != -1) {
		memset(&ws, 0, sizeof ws);
		ws.ws_row = (unsigned short)h;
		ws.ws_col = (unsigned short)w;
		if (ioctl(fd, TIOCSWINSZ, &ws) != 0)
			log_warn("container %.12s: resize: %s",
			    container_id(c), strerror(errno));
	}
	{
		char	hs[16], ws_[16];

		snprintf(hs, sizeof hs, "%d", h);
		snprintf(ws_, sizeof ws_, "%d", w);
		container_event(c, "resize", "height", hs, "width", ws_,
		    NULL);
	}
	api_reply_empty(r, 200);
}
