/* SPDX-License-Identifier: MIT */
/*
 * An attached exec: the process's output, framed, into the client's duplex;
 * the client's bytes into the process's stdin. The attachment owns the
 * duplex, the process's fds and a reference to the exec. It ends once, in
 * execio_finish(), from the duplex's end (all sent, client gone, shutdown)
 * and frees later through its reap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/duplex.h"
#include "api/execio.h"
#include "api/frame.h"
#include "api/hijack.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "daemon/exec.h"

/* Output held for a slow client before the process's pipes wait. */
#define EXECIO_HIGH_WATER	(256 * 1024)
/* Client bytes held for a process that does not read its stdin. */
#define EXECIO_STDIN_HIGH	(64 * 1024)
/* Bytes per read(2) of the process's output. */
#define EXECIO_READ_MAX		(32 * 1024)
/* How long output may keep flowing after the process exited. */
#define EXECIO_DRAIN_MS		1000

enum execio_state {
	EXECIO_RUNNING,
	EXECIO_CLOSING,		/* process done; last output going out */
	EXECIO_DONE,		/* finished; waiting for the reap */
};

struct execio {
	struct event_base	*base;		/* borrowed */
	struct exec		*e;		/* one reference */
	struct duplex		*d;		/* owned */
	struct reap		 reap;
	uint64_t		 id;		/* the duplex's */
	int			 out_fd;	/* owned: stdout or pty; -1 */
	int			 err_fd;	/* owned: stderr; -1 */
	int			 in_fd;		/* owned: stdin; -1 */
	struct event		*out_ev;	/* owned */
	struct event		*err_ev;	/* owned */
	struct event		*in_ev;		/* owned: stdin writable */
	struct event		*drain_ev;	/* owned: bound after exit */
	int			 want_out;
	int			 want_err;
	int			 paused;	/* output above high water */
	int			 client_eof;	/* the client half-closed */
	int			 exited;
	enum execio_state	 state;
	enum cancel_reason	 end;
};

static void	execio_finish(struct execio *, enum cancel_reason);
static void	execio_stdin_flush(struct execio *);
static void	execio_stdin_close(struct execio *);
static void	execio_start_failed(struct execio *, const char *why);

static void
execio_reap_cb(void *arg)
{
	struct execio	*x = arg;

	log_debug("exec stream %llu: freed (%s)", (unsigned long long)x->id,
	    cancel_reason_name(x->end));
	exec_unref(x->e, "stream");
	xfree(x);
}

static void
execio_event_free(struct event **ev)
{
	if (*ev != NULL)
		event_free(*ev);
	*ev = NULL;
}

static void
execio_fd_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static void
execio_wait(struct execio *x, const char *what)
{
	if (duplex_task(x->d) != NULL)
		task_wait(duplex_task(x->d), what);
}

/* The process is done and its output read: the last output, then close. */
static void
execio_closing(struct execio *x)
{
	if (x->state != EXECIO_RUNNING)
		return;
	x->state = EXECIO_CLOSING;
	execio_event_free(&x->drain_ev);
	duplex_end(x->d);	/* finishes from the loop: execio_end_cb */
}

static void
execio_maybe_close(struct execio *x)
{
	if (x->exited && x->out_fd == -1 && x->err_fd == -1)
		execio_closing(x);
}

/* One read of the process's output, for the client if it asked for it. */
static void
execio_emit(struct execio *x, int stream, const char *buf, size_t n)
{
	if ((stream == FRAME_STDOUT && !x->want_out) ||
	    (stream == FRAME_STDERR && !x->want_err))
		return;
	if (duplex_frame(x->d, stream, buf, n) != 1 || x->paused)
		return;
	/*
	 * Above the mark: the process's pipes wait (and so, soon, does the
	 * process) until the client has taken everything; memory stays
	 * bounded by the mark, whatever the process writes.
	 */
	x->paused = 1;
	if (x->out_ev != NULL)
		event_del(x->out_ev);
	if (x->err_ev != NULL)
		event_del(x->err_ev);
}

static void
execio_output_eof(struct execio *x, int stream)
{
	if (stream == FRAME_STDOUT) {
		execio_event_free(&x->out_ev);
		execio_fd_close(&x->out_fd);
	} else {
		execio_event_free(&x->err_ev);
		execio_fd_close(&x->err_fd);
	}
	execio_maybe_close(x);
}

/*
 * Reads up to max times from one output, stopping at the high water unless
 * draining (the pipes then hold all that is left); 1 when it reached EOF.
 */
static int
execio_read(struct execio *x, int stream, int max, int drain)
{
	char	 buf[EXECIO_READ_MAX];
	int	 fd = stream == FRAME_STDOUT ? x->out_fd : x->err_fd;
	ssize_t	 n;

	while (fd != -1 && max-- > 0 && (drain || !x->paused)) {
		n = read(fd, buf, sizeof buf);
		if (n > 0) {
			execio_emit(x, stream, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (0);
		/* 0, or EIO: a pty whose last slave is closed. */
		return (1);
	}
	return (0);
}

static void
execio_output_cb(evutil_socket_t fd, short what, void *arg)
{
	struct execio	*x = arg;
	int		 stream = fd == x->out_fd ? FRAME_STDOUT : FRAME_STDERR;

	(void)what;
	if (x->state != EXECIO_RUNNING)
		return;
	/* A few reads per wake-up keep other clients fair. */
	if (execio_read(x, stream, 4, 0))
		execio_output_eof(x, stream);
}

/* The drain bound: what is readable now goes out, then we close. */
static void
execio_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct execio	*x = arg;

	(void)fd;
	(void)what;
	log_debug("exec stream %llu: output still open %d ms after the exit",
	    (unsigned long long)x->id, EXECIO_DRAIN_MS);
	execio_read(x, FRAME_STDOUT, 64, 1);
	execio_read(x, FRAME_STDERR, 64, 1);
	execio_event_free(&x->out_ev);
	execio_event_free(&x->err_ev);
	execio_fd_close(&x->out_fd);
	execio_fd_close(&x->err_fd);
	execio_maybe_close(x);
}

/* From daemon/exec.c: the process exited and was reaped. */
static void
execio_exit_cb(struct exec *e, int code, void *arg)
{
	struct execio	*x = arg;
	struct timeval	 tv = { EXECIO_DRAIN_MS / 1000,
			    (EXECIO_DRAIN_MS % 1000) * 1000 };

	log_debug("exec stream %llu: process exited with %d",
	    (unsigned long long)x->id, code);
	x->exited = 1;
	if (x->state != EXECIO_RUNNING)
		return;
	if (exec_start_error(e) != NULL)
		execio_start_failed(x, exec_start_error(e));
	/* Nobody reads our stdin any more. */
	execio_stdin_close(x);
	if (x->out_fd == -1 && x->err_fd == -1) {
		execio_closing(x);
		return;
	}
	execio_wait(x, "output drain");
	x->drain_ev = evtimer_new(x->base, execio_drain_cb, x);
	evtimer_add(x->drain_ev, &tv);
}

/* dockerd writes why through its stdout writer: a frame. */
static void
execio_start_failed(struct execio *x, const char *why)
{
	char	*msg = xasprintf("%s\r\n", why);

	duplex_frame(x->d, FRAME_STDOUT, msg, strlen(msg));
	xfree(msg);
}

static void
execio_stdin_close(struct execio *x)
{
	struct evbuffer	*in = duplex_input(x->d);

	execio_event_free(&x->in_ev);
	execio_fd_close(&x->in_fd);
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
execio_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	execio_stdin_flush(arg);
}

/*
 * Client bytes into the process's stdin, without blocking: what the pipe
 * does not take now waits in the duplex's input, and above
 * EXECIO_STDIN_HIGH the client is not read until the process catches up.
 */
static void
execio_stdin_flush(struct execio *x)
{
	struct evbuffer	*in = duplex_input(x->d);
	int		 n;

	if (x->state == EXECIO_DONE)
		return;
	while (x->in_fd != -1 && evbuffer_get_length(in) > 0) {
		n = evbuffer_write(in, x->in_fd);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (x->in_ev == NULL)
				x->in_ev = event_new(x->base, x->in_fd,
				    EV_WRITE, execio_stdin_cb, x);
			event_add(x->in_ev, NULL);
			break;
		}
		/* EPIPE: the process closed its stdin; the rest is dropped. */
		execio_stdin_close(x);
	}
	if (x->in_fd == -1)
		evbuffer_drain(in, evbuffer_get_length(in));
	/* The client's half-close is the process's EOF, once all is in. */
	if (x->client_eof && x->in_fd != -1 && evbuffer_get_length(in) == 0)
		execio_stdin_close(x);
	if (x->client_eof || x->state != EXECIO_RUNNING)
		return;
	if (evbuffer_get_length(in) >= EXECIO_STDIN_HIGH)
		duplex_input_pause(x->d);
	else
		duplex_input_resume(x->d);
}

static void
execio_input_cb(struct duplex *d, struct evbuffer *in, void *arg)
{
	(void)d;
	(void)in;
	execio_stdin_flush(arg);
}

static void
execio_eof_cb(struct duplex *d, void *arg)
{
	struct execio	*x = arg;

	(void)d;
	x->client_eof = 1;
	execio_stdin_flush(x);
}

static void
execio_drained_cb(struct duplex *d, void *arg)
{
	struct execio	*x = arg;

	(void)d;
	if (x->state != EXECIO_RUNNING || !x->paused)
		return;
	x->paused = 0;
	execio_wait(x, "process output or client input");
	if (x->out_ev != NULL)
		event_add(x->out_ev, NULL);
	if (x->err_ev != NULL)
		event_add(x->err_ev, NULL);
}

static void
execio_end_cb(struct duplex *d, enum cancel_reason why, void *arg)
{
	(void)d;
	execio_finish(arg, why);
}

/*
 * The one way an attachment ends, called from the duplex's end: all sent
 * after the process's end (CANCEL_NONE), the client gone, shutdown. Stops
 * the process unless it is done and lets go of every fd and event now; the
 * memory and the exec reference go in execio_reap_cb.
 */
static void
execio_finish(struct execio *x, enum cancel_reason why)
{
	if (x->state == EXECIO_DONE)
		return;		/* another trigger got here first */
	x->state = EXECIO_DONE;
	x->end = why;
	exec_unwatch(x->e);
	/* The stream belonged to the client; so does the process. */
	if (why != CANCEL_NONE)
		exec_stop(x->e, why == CANCEL_SHUTDOWN ? 0 : EXEC_API_GRACE_MS);
	execio_event_free(&x->drain_ev);
	execio_event_free(&x->in_ev);
	execio_event_free(&x->out_ev);
	execio_event_free(&x->err_ev);
	execio_fd_close(&x->in_fd);
	execio_fd_close(&x->out_fd);
	execio_fd_close(&x->err_fd);
	log_info("exec %.12s: stream %llu ended (%s)", exec_id(x->e),
	    (unsigned long long)x->id, why == CANCEL_NONE ? "process done" :
	    cancel_reason_name(why));
	duplex_free(x->d);
	reap_later(&x->reap);
}

static void
execio_watch(struct execio *x, int fd, struct event **ev)
{
	if (fd == -1)
		return;
	*ev = event_new(x->base, fd, EV_READ | EV_PERSIST, execio_output_cb,
	    x);
	event_add(*ev, NULL);
}

void
execio_attach(struct api_req *r, struct exec *e, int tty)
{
	struct execio		*x = xcalloc(1, sizeof *x);
	struct exec_io		 io = { -1, -1, -1 };
	struct duplex_opts	 o = {
		.kind = "api.exec_start",
		.tty = tty,
		.high_water = EXECIO_HIGH_WATER,
		.full = DUPLEX_FULL_PAUSE,
		.input = execio_input_cb,
		.eof = execio_eof_cb,
		.drained = execio_drained_cb,
		.end = execio_end_cb,
		.arg = x,
	};
	struct err		 err;

	x->base = api_req_base(r);
	x->e = e;
	exec_ref(e, "stream");
	reap_init(&x->reap, x->base, execio_reap_cb, x);
	x->out_fd = x->err_fd = x->in_fd = -1;
	x->want_out = exec_attach_stdout(e);
	x->want_err = exec_attach_stderr(e);
	if ((x->d = hijack_duplex(r, &o)) == NULL) {	/* r is gone */
		log_info("exec %.12s: client gone before the stream started",
		    exec_id(e));
		x->state = EXECIO_DONE;
		reap_later(&x->reap);
		return;
	}
	x->id = duplex_id(x->d);
	task_label(duplex_task(x->d), "stream=%llu exec=%.12s "
	    "container=%.12s", (unsigned long long)x->id, exec_id(e),
	    exec_container_id(e));
	/* Shutdown under way: the duplex ends from the loop, nothing runs. */
	if (cancel_is_cancelled(duplex_ctx(x->d))) {
		duplex_start(x->d);
		return;
	}
	if (exec_start(e, &io, execio_exit_cb, x, &err) != 0) {
		x->exited = 1;
		execio_start_failed(x, err.msg);
		execio_closing(x);
		return;
	}
	x->out_fd = io.out;
	x->err_fd = io.err;
	x->in_fd = io.in;
	execio_watch(x, x->out_fd, &x->out_ev);
	execio_watch(x, x->err_fd, &x->err_ev);
	duplex_start(x->d);
	execio_wait(x, "process output or client input");
	log_debug("exec stream %llu: attached to exec %.12s over %s",
	    (unsigned long long)x->id, exec_id(e),
	    duplex_is_unix(x->d) ? "unix" : "tcp");
}
