/* SPDX-License-Identifier: MIT */
/*
 * Logs stream: reader -> frames -> client. One idempotent stream_finish()
 * serves every trigger, and the stream is freed on a clean stack (a
 * deferred event), never inside the reader's or libevent's callback that
 * led to the finish.
 */
#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/apimetrics.h"
#include "api/frame.h"
#include "api/server.h"
#include "api/stream.h"
#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logline.h"
#include "logdriver/logreader.h"
#include "logdriver/logshare.h"

/* Bytes gathered before they are handed to the connection as one chunk. */
#define STREAM_CHUNK	(32 * 1024)

enum stream_state {
	STREAM_RUNNING,
	STREAM_FINISHED,	/* reply ended; waiting for the reap event */
};

struct stream {
	uint64_t		 id;
	struct api_req		*r;		/* owned until finish */
	struct event_base	*base;		/* borrowed */
	struct logreader	*reader;	/* owned */
	struct cancel_hook	 req_hook;	/* on the request's context */
	struct cancel_hook	 ctr_hook;	/* on the container's ctx */
	struct evbuffer		*out;		/* owned: frames not yet sent */
	struct event		*flush_ev;	/* owned */
	struct reap		 reap;		/* stream_reap_cb */
	struct stream_opts	 opts;
	enum stream_state	 state;
	int			 flush_pending;
	int			 paused;	/* reader waits for a drain */
	int			 to_exit;	/* follows until the writer
						   closes: the container's exit */
	enum cancel_reason	 end;
	uint64_t		 frames;
};

static uint64_t	stream_next_id = 1;

static void	stream_finish(struct stream *, enum cancel_reason);
static void	stream_drained_cb(void *);

/* The reap: runs from the loop after stream_finish, on a clean stack. */
static void
stream_reap_cb(void *arg)
{
	struct stream	*s = arg;

	log_debug("stream %llu: freed after %llu frames (%s)",
	    (unsigned long long)s->id, (unsigned long long)s->frames,
	    cancel_reason_name(s->end));
	logreader_free(s->reader);
	event_free(s->flush_ev);
	evbuffer_free(s->out);
	xfree(s);
}

/* Hands what is gathered to the connection; a failed write ends us. */
static void
stream_flush(struct stream *s)
{
	if (s->state != STREAM_RUNNING || evbuffer_get_length(s->out) == 0)
		return;
	if (api_stream_write(s->r, s->out, stream_drained_cb, s) != 0)
		stream_finish(s, CANCEL_WRITE_ERROR);
}

/* Every write passes this, so the last one tells us when all went out. */
static void
stream_drained_cb(void *arg)
{
	struct stream	*s = arg;

	if (s->state != STREAM_RUNNING || !s->paused)
		return;
	s->paused = 0;
	task_wait(api_req_task(s->r), "log producer");
	logreader_resume(s->reader);
}

static void
stream_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream	*s = arg;

	(void)fd;
	(void)what;
	s->flush_pending = 0;
	stream_flush(s);
}

static void
stream_schedule_flush(struct stream *s)
{
	if (s->flush_pending)
		return;
	s->flush_pending = 1;
	event_active(s->flush_ev, EV_TIMEOUT, 0);
}

/* Appends one record as dockerd frames it: [header][time ][details ]log. */
static void
stream_frame(struct evbuffer *out, const struct stream_opts *o, int fd,
    const char *prefix, size_t plen, const char *details, size_t dlen,
    const char *log, size_t loglen)
{
	frame_add_header(out, fd, o->tty, (uint32_t)(plen + loglen +
	    (o->details ? dlen + 1 : 0)));
	if (plen > 0)
		evbuffer_add(out, prefix, plen);
	if (o->details) {
		evbuffer_add(out, details, dlen);
		evbuffer_add(out, " ", 1);
	}
	evbuffer_add(out, log, loglen);
}

/* One entry as o asks for it: 1 when framed, 0 when filtered out. */
static int
stream_frame_entry(struct evbuffer *out, const struct stream_opts *o,
    const struct logline *l)
{
	char	ts[LOGLINE_TIMEBUF];
	size_t	tslen = 0;

	if ((l->stream == LOGLINE_STDOUT && !o->want_stdout) ||
	    (l->stream == LOGLINE_STDERR && !o->want_stderr) ||
	    l->stream == LOGLINE_OTHER)
		return (0);
	if (o->timestamps)
		tslen = logline_format_time(l, ts);
	stream_frame(out, o, l->stream, ts, tslen, l->details, l->detailslen,
	    l->log, l->loglen);
	return (1);
}

static void
stream_entry_cb(void *arg, const struct logline *l)
{
	struct stream	*s = arg;

	if (s->state != STREAM_RUNNING || !stream_frame_entry(s->out,
	    &s->opts, l))
		return;
	s->frames++;
	apimetrics_frames(APIMETRICS_LOGS, 1);
	if (evbuffer_get_length(s->out) >= STREAM_CHUNK)
		stream_flush(s);
	else
		stream_schedule_flush(s);
}

/* A share's frames for one set of options, made by the first stream. */
struct stream_memo {
	struct evbuffer	*frames;	/* owned; never changed once made */
	uint64_t	 count;
};

static void
stream_memo_free(void *arg)
{
	struct stream_memo	*m = arg;

	if (m == NULL)
		return;
	evbuffer_free(m->frames);
	xfree(m);
}

/* What decides the frames' bytes: streams, tty, timestamps, details. */
static uint32_t
stream_memo_key(const struct stream_opts *o)
{
	return ((o->want_stdout ? 1u : 0) | (o->want_stderr ? 2u : 0) |
	    (o->tty ? 4u : 0) | (o->timestamps ? 8u : 0) |
	    (o->details ? 16u : 0));
}

/*
 * A whole append at the head: the frames are made once per set of options
 * and taken by reference (no copy) by every stream with the same ones,
 * then sent at once, with no flush event per follower.
 */
static void
stream_shared_cb(void *arg, struct logshare *sh)
{
	struct stream		*s = arg;
	struct stream_memo	*m, *own = NULL;
	const struct logline	*e;
	uint32_t		 key = stream_memo_key(&s->opts);
	uint64_t		 count;
	size_t			 n;

	if (s->state != STREAM_RUNNING)
		return;
	if ((m = logshare_memo(sh, key)) == NULL) {
		m = xcalloc(1, sizeof *m);
		m->frames = evbuffer_new();
		e = logshare_entries(sh, &n);
		for (size_t i = 0; i < n; i++)
			m->count += (uint64_t)stream_frame_entry(m->frames,
			    &s->opts, &e[i]);
		if (logshare_memo_put(sh, key, m, stream_memo_free) != 0)
			own = m;
	}
	count = m->count;
	if (count > 0)
		evbuffer_add_buffer_reference(s->out, m->frames);
	stream_memo_free(own);	/* what s->out references stays */
	if (count == 0)
		return;
	s->frames += count;
	apimetrics_frames(APIMETRICS_LOGS, count);
	stream_flush(s);
}

static int
stream_ready_cb(void *arg)
{
	struct stream	*s = arg;

	if (s->state != STREAM_RUNNING)
		return (0);
	if (api_stream_pending(s->r) + evbuffer_get_length(s->out) <
	    STREAM_HIGH_WATER)
		return (1);
	/*
	 * Above the mark: hand over what we hold and let the reader wait
	 * for the connection to drain, so a stalled client costs at most
	 * the mark in memory, never the log's size.
	 */
	stream_flush(s);
	if (s->state != STREAM_RUNNING)
		return (0);
	/* The socket took it all (conn_write_now): no drain will come. */
	if (api_stream_pending(s->r) < STREAM_HIGH_WATER)
		return (1);
	s->paused = 1;
	task_wait(api_req_task(s->r), "client writable");
	return (0);
}

static void
stream_done_cb(void *arg, const char *error)
{
	struct stream	*s = arg;
	char		 msg[512];
	int		 n;

	if (s->state != STREAM_RUNNING)
		return;
	if (error != NULL) {
		/* After the 200 an error can only go in-band (stream 3). */
		n = snprintf(msg, sizeof msg, "Error grabbing logs: %s\n",
		    error);
		if (n >= (int)sizeof msg)
			n = (int)sizeof msg - 1;
		frame_add(s->out, FRAME_SYSTEM, s->opts.tty, msg, (size_t)n);
	}
	/* A follow without until ends when the writer closes. */
	stream_finish(s, error == NULL && s->to_exit ?
	    CANCEL_CONTAINER_EXITED : CANCEL_NONE);
}

/*
 * The reader skipped entries behind rotation: say so where the client
 * reads, as stream 3 (dockerd's in-band error stream; the docker CLI
 * prints it and stops) or, on a TTY stream that has no streams, as a
 * line of its own.
 */
static void
stream_notice_cb(void *arg, const char *text)
{
	struct stream	*s = arg;

	if (s->state != STREAM_RUNNING)
		return;
	stream_frame(s->out, &s->opts, 3, NULL, 0, "", 0, text, strlen(text));
	s->frames++;
	apimetrics_frames(APIMETRICS_LOGS, 1);
	stream_schedule_flush(s);
}

static void
stream_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	struct stream	*s = arg;

	(void)ctx;
	log_debug("stream %llu: %s", (unsigned long long)s->id,
	    cancel_reason_name(why));
	stream_finish(s, why);
}

/*
 * The one way a stream ends. Safe from any trigger, including inside the
 * reader's callbacks and the connection's close callback: it only stops
 * and detaches here; memory goes in stream_reap_cb. The stream owns
 * itself, so its finish is also its free.
 */
static void
stream_finish(struct stream *s, enum cancel_reason why)
{
	struct api_req	*r = s->r;

	if (s->state != STREAM_RUNNING)
		return;		/* the other trigger got here first */
	s->state = STREAM_FINISHED;
	s->end = why;
	logreader_finish(s->reader);	/* no sink calls after this */
	cancel_hook_del(&s->req_hook);
	cancel_hook_del(&s->ctr_hook);
	event_del(s->flush_ev);
	s->flush_pending = 0;
	/* Whatever is gathered still goes out, unless the client is gone. */
	if (evbuffer_get_length(s->out) > 0)
		api_stream_write(r, s->out, NULL, NULL);
	s->r = NULL;
	api_req_set_end(r, why);
	api_stream_end(r);		/* frees r and its context */
	reap_later(&s->reap);		/* stream_reap_cb */
}

struct stream *
stream_new(struct api_req *r, const struct stream_opts *so)
{
	struct stream	*s = xcalloc(1, sizeof *s);

	s->id = stream_next_id++;
	s->r = r;
	s->base = api_req_base(r);
	s->opts = *so;
	s->out = evbuffer_new();
	s->flush_ev = event_new(s->base, -1, 0, stream_flush_cb, s);
	reap_init(&s->reap, s->base, stream_reap_cb, s);
	return (s);
}

void
stream_start(struct stream *s, struct container *c,
    const struct logreader_opts *ro)
{
	struct api_req		*r = s->r;
	struct logreader_sink	 sink = {
		.entry = stream_entry_cb,
		.ready = stream_ready_cb,
		.done = stream_done_cb,
		.notice = stream_notice_cb,
		.shared = stream_shared_cb,
		.arg = s,
	};
	struct err		 err = { 0 };

	s->to_exit = ro->follow && !ro->has_until;
	task_push(api_req_task(r));
	task_label(api_req_task(r), "req=%llu, container=%.12s, follow=%d",
	    (unsigned long long)api_req_id(r), container_id(c), ro->follow);

	api_stream_start(r, 200, api_stream_media_type(api_req_version(r),
	    s->opts.tty));
	/*
	 * libevent writes at most 16 KiB to a socket per loop pass; a
	 * follower must be able to send per pass more than the copier takes
	 * in (COPIER_PASS_BYTES of JSON), or no client could keep up.
	 */
	api_stream_set_max_write(r, STREAM_HIGH_WATER);
	s->reader = logreader_new(s->base, api_req_ctx(r), container_log_open(c),
	    ro->follow ? container_log_writer(c) : NULL, ro, &sink, &err);
	if (s->reader == NULL) {
		stream_done_cb(s, err.msg);
		return;
	}
	task_label(logreader_task(s->reader), "for=api.logs_container, "
	    "req=%llu, container=%.12s", (unsigned long long)api_req_id(r),
	    container_id(c));
	/* A removed container ends its followers at once. */
	if (cancel_hook_add(api_req_ctx(r), &s->req_hook, stream_cancel_cb, s) != 0 ||
	    cancel_hook_add(container_ctx(c), &s->ctr_hook, stream_cancel_cb,
	    s) != 0) {
		stream_finish(s, cancel_reason(api_req_ctx(r)));
		return;
	}
	task_wait(api_req_task(r), ro->follow ? "log producer" : "log backlog");
	logreader_start(s->reader);
}
