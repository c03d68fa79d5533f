/* SPDX-License-Identifier: MIT */
/*
 * Exec endpoints and the attached exec stream. The stream owns the
 * hijacked socket (api_hijack), the process's output and stdin fds, and a
 * reference to the exec; it watches the raw socket itself, since evhttp's
 * close notification no longer applies: a reset or a close ends it at
 * once and stops the process (SIGTERM, SIGKILL after EXEC_API_GRACE_MS),
 * a half-close only ends stdin. One idempotent exec_api_finish() serves
 * every trigger; memory goes from a deferred event.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/exec.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/exec.h"
#include "daemon/base/strconv.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"

/* Output held for a slow client before the process's pipes wait. */
#define EXEC_API_HIGH_WATER	(256 * 1024)
/* Client bytes held for a process that does not read its stdin. */
#define EXEC_API_STDIN_HIGH	(64 * 1024)
/* Bytes per read(2) of the process's output. */
#define EXEC_API_READ_MAX	(32 * 1024)
/* How long output may keep flowing after the process exited. */
#define EXEC_API_DRAIN_MS	1000
/* After the client's EOF: is it a half-close or has it gone? */
#define EXEC_API_PROBE_FIRST_MS	10
#define EXEC_API_PROBE_MS	250

enum exec_api_state {
	EXEC_API_RUNNING,
	EXEC_API_CLOSING,	/* process done; last output going out */
	EXEC_API_DONE,		/* finished; waiting for the free event */
};

struct exec_api_stream {
	uint64_t		 id;
	struct event_base	*base;		/* borrowed */
	struct exec		*e;		/* one reference */
	struct cancel		*ctx;		/* owned: child of the root */
	struct cancel_hook	 hook;		/* on ctx: daemon shutdown */
	struct task		*task;		/* owned: api.exec_start */
	int			 fd;		/* owned: the hijacked socket */
	int			 is_unix;	/* a close shows as POLLHUP */
	struct bufferevent	*bev;		/* owned, on fd */
	int			 out_fd;	/* owned: stdout or pty; -1 */
	int			 err_fd;	/* owned: stderr; -1 */
	int			 in_fd;		/* owned: stdin; -1 */
	struct event		*out_ev;	/* owned */
	struct event		*err_ev;	/* owned */
	struct event		*in_ev;		/* owned: stdin writable */
	struct evbuffer		*in_buf;	/* owned: stdin not yet taken */
	struct event		*probe_ev;	/* owned: after client EOF */
	struct event		*drain_ev;	/* owned: bound after exit */
	struct event		*free_ev;	/* owned: deferred free */
	int			 tty;		/* raw bytes, no frames */
	int			 want_out;
	int			 want_err;
	int			 paused;	/* output above high water */
	int			 client_eof;	/* the client half-closed */
	int			 exited;
	enum exec_api_state	 state;
	enum cancel_reason	 end;
	uint64_t		 bytes_out;
	uint64_t		 bytes_in;
};

static uint64_t	exec_api_next_id = 1;

static const char *exec_api_states[] = { "running", "closing", "done" };

static const char *
exec_api_state_name(enum exec_api_state st)
{
	if ((size_t)st >= sizeof exec_api_states / sizeof exec_api_states[0])
		return ("unknown");
	return (exec_api_states[st]);
}

static void	exec_api_finish(struct exec_api_stream *, enum cancel_reason);
static void	exec_api_stdin_flush(struct exec_api_stream *);
static void	exec_api_stdin_close(struct exec_api_stream *);

/* ---- request parsing ------------------------------------------------- */

/* Go's name for a JSON value's type in decoder errors. */
static const char *
exec_api_json_type(const json_t *v)
{
	if (json_is_string(v))
		return ("string");
	if (json_is_number(v))
		return ("number");
	if (json_is_boolean(v))
		return ("bool");
	if (json_is_array(v))
		return ("array");
	return ("object");
}

/*
 * The body as a JSON object, answering the errors dockerd's decoder gives
 * (an empty body is io.EOF). NULL when r has been answered.
 */
static json_t *
exec_api_body(struct api_req *r, const char *gotype)
{
	json_t		*body;
	json_error_t	 jerr;
	char		*text, *clean;
	size_t		 len, i;

	if (api_check_json(r) != 0)
		return (NULL);
	if ((text = api_body(r, &len)) == NULL) {
		api_reply_error(r, 413, "request body too large");
		return (NULL);
	}
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	if (i == len) {
		xfree(text);
		api_reply_error(r, 400, "got EOF while reading request body");
		return (NULL);
	}
	/* As for create: Go reads invalid bytes in strings as U+FFFD. */
	if (!utf8_valid(text, len)) {
		clean = utf8_sanitize(text, len, &len);
		xfree(text);
		text = clean;
	}
	body = json_loadb(text, len, JSON_DISABLE_EOF_CHECK, &jerr);
	xfree(text);
	if (body == NULL) {
		api_reply_error(r, 400, "%s", jerr.text);
		return (NULL);
	}
	if (!json_is_object(body)) {
		api_reply_error(r, 400, "json: cannot unmarshal %s into Go "
		    "value of type %s", exec_api_json_type(body), gotype);
		json_decref(body);
		return (NULL);
	}
	return (body);
}

static int
exec_api_bool(json_t *body, const char *gotype, const char *field, int *out,
    struct err *err)
{
	json_t	*v = json_object_get(body, field);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_boolean(v))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field %s.%s of type bool",
		    exec_api_json_type(v), gotype, field));
	*out = json_is_true(v);
	return (0);
}

static int
exec_api_string(json_t *body, const char *field, const char **out,
    struct err *err)
{
	json_t	*v = json_object_get(body, field);

	*out = "";
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field ExecConfig.%s of type string",
		    exec_api_json_type(v), field));
	*out = json_string_value(v);
	return (0);
}

/* A []string field as a NULL-terminated array of borrowed strings. */
static int
exec_api_strv(json_t *body, const char *field, const char ***out,
    struct err *err)
{
	json_t	*v = json_object_get(body, field), *s;
	size_t	 i;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_array(v))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field ExecConfig.%s of type []string",
		    exec_api_json_type(v), field));
	json_array_foreach(v, i, s) {
		if (!json_is_string(s))
			return (err_set(err, ERR_INVALID, "json: cannot "
			    "unmarshal %s into Go struct field ExecConfig.%s "
			    "of type string", exec_api_json_type(s), field));
	}
	*out = xcalloc(json_array_size(v) + 1, sizeof **out);
	json_array_foreach(v, i, s)
		(*out)[i] = json_string_value(s);
	return (0);
}

/* ---- create, inspect, resize ----------------------------------------- */

void
exec_api_create(struct api_req *r)
{
	struct exec_spec	 spec;
	struct container	*c;
	struct exec		*e;
	struct err		 err;
	json_t			*body;
	const char		**argv = NULL, **env = NULL, *keys;
	int			 detach;

	if ((body = exec_api_body(r, "types.ExecConfig")) == NULL)
		return;
	memset(&spec, 0, sizeof spec);
	if (exec_api_strv(body, "Cmd", &argv, &err) != 0 ||
	    exec_api_strv(body, "Env", &env, &err) != 0 ||
	    exec_api_string(body, "WorkingDir", &spec.workdir, &err) != 0 ||
	    exec_api_string(body, "User", &spec.user, &err) != 0 ||
	    exec_api_string(body, "DetachKeys", &keys, &err) != 0 ||
	    exec_api_bool(body, "ExecConfig", "Tty", &spec.tty, &err) != 0 ||
	    exec_api_bool(body, "ExecConfig", "AttachStdin",
	    &spec.attach_stdin, &err) != 0 ||
	    exec_api_bool(body, "ExecConfig", "AttachStdout",
	    &spec.attach_stdout, &err) != 0 ||
	    exec_api_bool(body, "ExecConfig", "AttachStderr",
	    &spec.attach_stderr, &err) != 0 ||
	    exec_api_bool(body, "ExecConfig", "Privileged", &spec.privileged,
	    &err) != 0 ||
	    exec_api_bool(body, "ExecConfig", "Detach", &detach, &err) != 0) {
		api_reply_err(r, &err);
		goto out;
	}
	if (argv == NULL || argv[0] == NULL) {
		api_reply_error(r, 400, "No exec command specified");
		goto out;
	}
	/* WorkingDir came with API 1.35; older clients never meant it. */
	if (r->version < API_VERSION(1, 35))
		spec.workdir = "";
	if (*spec.workdir != '\0' && spec.workdir[0] != '/') {
		api_reply_error(r, 400, "the working directory '%s' is "
		    "invalid, it needs to be an absolute path", spec.workdir);
		goto out;
	}
	spec.argv = argv;
	spec.env = env;
	if ((c = container_store_lookup(r->srv->store, r->params[0], &err)) ==
	    NULL || (e = exec_create(r->srv->base, c, &spec, &err)) == NULL) {
		api_reply_err(r, &err);
		goto out;
	}
	api_reply_json(r, 201, json_pack("{s:s}", "Id", exec_id(e)));
out:
	xfree((void *)argv);
	xfree((void *)env);
	json_decref(body);
}

void
exec_api_inspect(struct api_req *r)
{
	struct exec	*e;
	struct err	 err;

	if ((e = exec_lookup(r->srv->store, r->params[0], &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_json(r, 200, exec_inspect_json(e));
}

void
exec_api_resize(struct api_req *r)
{
	struct exec	*e;
	struct err	 err;
	int		 h, w;

	if (strconv_atoi(api_query(r, "h"), &h, &err) != 0 ||
	    strconv_atoi(api_query(r, "w"), &w, &err) != 0 ||
	    (e = exec_lookup(r->srv->store, r->params[0], &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (!exec_container_running(e)) {
		api_reply_error(r, 409, "Container %s is not running",
		    exec_container_id(e));
		return;
	}
	exec_resize(e, h, w);
	api_reply_empty(r, 200);
}

/* ---- the attached stream: output ------------------------------------- */

static void
exec_api_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exec_api_stream	*s = arg;

	(void)fd;
	(void)what;
	log_debug("exec stream %llu: freed (%s), %llu bytes out, %llu in",
	    (unsigned long long)s->id, cancel_reason_name(s->end),
	    (unsigned long long)s->bytes_out, (unsigned long long)s->bytes_in);
	cancel_free(s->ctx);
	exec_unref(s->e, "stream");
	evbuffer_free(s->in_buf);
	event_free(s->free_ev);
	xfree(s);
}

static void
exec_api_event_free(struct event **ev)
{
	if (*ev != NULL)
		event_free(*ev);
	*ev = NULL;
}

static void
exec_api_fd_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Everything is out and the process is done: the last output, then close. */
static void
exec_api_closing(struct exec_api_stream *s)
{
	if (s->state != EXEC_API_RUNNING)
		return;
	s->state = EXEC_API_CLOSING;
	exec_api_event_free(&s->drain_ev);
	task_wait(s->task, "client reading the last output");
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		exec_api_finish(s, CANCEL_NONE);
}

static void
exec_api_maybe_close(struct exec_api_stream *s)
{
	if (s->exited && s->out_fd == -1 && s->err_fd == -1)
		exec_api_closing(s);
}

/* Frames bytes as dockerd's stdcopy does (raw with a tty). */
static void
exec_api_frame(struct exec_api_stream *s, int stream, const char *buf,
    size_t n)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	unsigned char	 hdr[8] = { (unsigned char)stream, 0, 0, 0 };
	uint32_t	 len = htonl((uint32_t)n);

	if (!s->tty) {
		memcpy(hdr + 4, &len, sizeof len);
		evbuffer_add(out, hdr, sizeof hdr);
	}
	evbuffer_add(out, buf, n);
	s->bytes_out += n;
}

/* One read of the process's output, for the client if it asked for it. */
static void
exec_api_emit(struct exec_api_stream *s, int stream, const char *buf,
    size_t n)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);

	if ((stream == 1 && !s->want_out) || (stream == 2 && !s->want_err))
		return;
	exec_api_frame(s, stream, buf, n);
	if (evbuffer_get_length(out) < EXEC_API_HIGH_WATER || s->paused)
		return;
	/*
	 * Above the mark: the process's pipes wait (and so, soon, does the
	 * process) until the client has taken everything; memory stays
	 * bounded by the mark, whatever the process writes.
	 */
	s->paused = 1;
	if (s->out_ev != NULL)
		event_del(s->out_ev);
	if (s->err_ev != NULL)
		event_del(s->err_ev);
	task_wait(s->task, "client writable");
}

static void
exec_api_output_eof(struct exec_api_stream *s, int stream)
{
	if (stream == 1) {
		exec_api_event_free(&s->out_ev);
		exec_api_fd_close(&s->out_fd);
	} else {
		exec_api_event_free(&s->err_ev);
		exec_api_fd_close(&s->err_fd);
	}
	exec_api_maybe_close(s);
}

/*
 * Reads up to max times from one output, stopping at the high water unless
 * draining (the pipes then hold all that is left); 1 when it reached EOF.
 */
static int
exec_api_read(struct exec_api_stream *s, int stream, int max, int drain)
{
	char	 buf[EXEC_API_READ_MAX];
	int	 fd = stream == 1 ? s->out_fd : s->err_fd;
	ssize_t	 n;

	while (fd != -1 && max-- > 0 && (drain || !s->paused)) {
		n = read(fd, buf, sizeof buf);
		if (n > 0) {
			exec_api_emit(s, stream, buf, (size_t)n);
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
exec_api_output_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exec_api_stream	*s = arg;
	int			 stream = fd == s->out_fd ? 1 : 2;

	(void)what;
	if (s->state != EXEC_API_RUNNING)
		return;
	/* A few reads per wake-up keep other clients fair. */
	if (exec_api_read(s, stream, 4, 0))
		exec_api_output_eof(s, stream);
}

/* The drain bound: what is readable now goes out, then we close. */
static void
exec_api_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exec_api_stream	*s = arg;

	(void)fd;
	(void)what;
	log_debug("exec stream %llu: output still open %d ms after the exit",
	    (unsigned long long)s->id, EXEC_API_DRAIN_MS);
	exec_api_read(s, 1, 64, 1);
	exec_api_read(s, 2, 64, 1);
	exec_api_event_free(&s->out_ev);
	exec_api_event_free(&s->err_ev);
	exec_api_fd_close(&s->out_fd);
	exec_api_fd_close(&s->err_fd);
	exec_api_maybe_close(s);
}

/* From daemon/exec.c: the process exited and was reaped. */
static void
exec_api_exit_cb(struct exec *e, int code, void *arg)
{
	struct exec_api_stream	*s = arg;
	struct timeval		 tv = { EXEC_API_DRAIN_MS / 1000,
				    (EXEC_API_DRAIN_MS % 1000) * 1000 };

	(void)e;
	log_debug("exec stream %llu: process exited with %d",
	    (unsigned long long)s->id, code);
	s->exited = 1;
	if (s->state != EXEC_API_RUNNING)
		return;
	/* Nobody reads our stdin any more. */
	exec_api_stdin_close(s);
	if (s->out_fd == -1 && s->err_fd == -1) {
		exec_api_closing(s);
		return;
	}
	task_wait(s->task, "output drain");
	s->drain_ev = evtimer_new(s->base, exec_api_drain_cb, s);
	evtimer_add(s->drain_ev, &tv);
}

/* ---- the attached stream: client ------------------------------------- */

/*
 * After an EOF from the client: has it closed the socket or only its
 * sending half? A unix socket whose peer closed shows POLLHUP; a TCP one
 * shows POLLERR|POLLHUP once a reset came back (see exec_api_probe_cb).
 */
static int
exec_api_peer_closed(struct exec_api_stream *s)
{
	struct pollfd	p = { .fd = s->fd, .events = 0 };

	if (poll(&p, 1, 0) != 1)
		return (0);
	return ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0);
}

/*
 * Over TCP a close and a half-close look alike until data meets the closed
 * socket, which answers with a reset. So while the client's side is shut,
 * an empty stdout frame goes out now and then: harmless to every reader of
 * the format (stdcopy copies zero bytes), fatal to a dead connection. A raw
 * tty stream has no empty unit, so it learns of a TCP close only from
 * output; a unix socket needs no probe at all.
 */
static void
exec_api_probe(struct exec_api_stream *s)
{
	static const unsigned char	 probe[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	struct evbuffer			*out = bufferevent_get_output(s->bev);

	if (!s->is_unix && !s->tty && evbuffer_get_length(out) == 0)
		evbuffer_add(out, probe, sizeof probe);
}

static void
exec_api_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exec_api_stream	*s = arg;
	struct timeval		 tv = { 0, EXEC_API_PROBE_MS * 1000 };

	(void)fd;
	(void)what;
	if (s->state == EXEC_API_DONE)
		return;
	if (exec_api_peer_closed(s)) {
		log_debug("exec stream %llu: client closed after a half-close",
		    (unsigned long long)s->id);
		exec_api_finish(s, CANCEL_CLIENT_GONE);
		return;
	}
	exec_api_probe(s);
	evtimer_add(s->probe_ev, &tv);
}

static void
exec_api_stdin_close(struct exec_api_stream *s)
{
	exec_api_event_free(&s->in_ev);
	exec_api_fd_close(&s->in_fd);
	evbuffer_drain(s->in_buf, evbuffer_get_length(s->in_buf));
}

static void
exec_api_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	exec_api_stdin_flush(arg);
}

/*
 * Client bytes into the process's stdin, without blocking: what the pipe
 * does not take now waits in in_buf, and above EXEC_API_STDIN_HIGH the
 * client is not read until the process catches up.
 */
static void
exec_api_stdin_flush(struct exec_api_stream *s)
{
	int	n;

	if (s->state == EXEC_API_DONE)
		return;
	while (s->in_fd != -1 && evbuffer_get_length(s->in_buf) > 0) {
		n = evbuffer_write(s->in_buf, s->in_fd);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (s->in_ev == NULL)
				s->in_ev = event_new(s->base, s->in_fd,
				    EV_WRITE, exec_api_stdin_cb, s);
			event_add(s->in_ev, NULL);
			break;
		}
		/* EPIPE: the process closed its stdin; the rest is dropped. */
		exec_api_stdin_close(s);
	}
	if (s->in_fd == -1)
		evbuffer_drain(s->in_buf, evbuffer_get_length(s->in_buf));
	/* The client's half-close is the process's EOF, once all is in. */
	if (s->client_eof && s->in_fd != -1 &&
	    evbuffer_get_length(s->in_buf) == 0)
		exec_api_stdin_close(s);
	if (s->client_eof || s->state != EXEC_API_RUNNING)
		return;
	if (evbuffer_get_length(s->in_buf) >= EXEC_API_STDIN_HIGH)
		bufferevent_disable(s->bev, EV_READ);
	else
		bufferevent_enable(s->bev, EV_READ);
}

static void
exec_api_read_cb(struct bufferevent *bev, void *arg)
{
	struct exec_api_stream	*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);

	s->bytes_in += evbuffer_get_length(in);
	evbuffer_add_buffer(s->in_buf, in);
	exec_api_stdin_flush(s);
}

static void
exec_api_write_cb(struct bufferevent *bev, void *arg)
{
	struct exec_api_stream	*s = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (s->state == EXEC_API_CLOSING) {
		exec_api_finish(s, CANCEL_NONE);
		return;
	}
	if (s->state != EXEC_API_RUNNING || !s->paused)
		return;
	s->paused = 0;
	task_wait(s->task, "process output or client input");
	if (s->out_ev != NULL)
		event_add(s->out_ev, NULL);
	if (s->err_ev != NULL)
		event_add(s->err_ev, NULL);
}

static void
exec_api_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct exec_api_stream	*s = arg;
	struct timeval		 tv = { 0, EXEC_API_PROBE_FIRST_MS * 1000 };

	(void)bev;
	if (what == (BEV_EVENT_READING | BEV_EVENT_EOF)) {
		s->client_eof = 1;
		if (exec_api_peer_closed(s)) {
			log_debug("exec stream %llu: client closed",
			    (unsigned long long)s->id);
			exec_api_finish(s, CANCEL_CLIENT_GONE);
			return;
		}
		/*
		 * A half-close (docker exec sends one at once when it has no
		 * stdin to forward): stdin ends, output goes on.
		 */
		log_debug("exec stream %llu: client half-closed",
		    (unsigned long long)s->id);
		exec_api_stdin_flush(s);
		exec_api_probe(s);
		s->probe_ev = evtimer_new(s->base, exec_api_probe_cb, s);
		evtimer_add(s->probe_ev, &tv);
		return;
	}
	/* A reset, a write error, or a client that stopped reading. */
	log_debug("exec stream %llu: client gone (%s%s%s)",
	    (unsigned long long)s->id,
	    (what & BEV_EVENT_ERROR) ? "error" : "",
	    (what & BEV_EVENT_TIMEOUT) ? "timeout" : "",
	    (what & BEV_EVENT_EOF) ? "eof" : "");
	exec_api_finish(s, (what & BEV_EVENT_TIMEOUT) ? CANCEL_WRITE_ERROR :
	    CANCEL_CLIENT_GONE);
}

/* Daemon shutdown (the root context): the process is killed at once. */
static void
exec_api_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	(void)ctx;
	exec_api_finish(arg, why);
}

/*
 * The one way a stream ends, from any trigger: the process's end (why
 * CANCEL_NONE, output flushed), the client's, shutdown. Stops the process
 * unless it is done, lets go of every fd, event and the task now; the
 * memory and the exec reference go in exec_api_free_cb.
 */
static void
exec_api_finish(struct exec_api_stream *s, enum cancel_reason why)
{
	char	buf[4096];
	int	budget = 16;

	if (s->state == EXEC_API_DONE)
		return;		/* another trigger got here first */
	log_debug("exec stream %llu: %s -> done (%s)",
	    (unsigned long long)s->id, exec_api_state_name(s->state),
	    why == CANCEL_NONE ? "process done" : cancel_reason_name(why));
	s->state = EXEC_API_DONE;
	s->end = why;
	cancel_hook_del(&s->hook);
	exec_unwatch(s->e);
	/* The stream belonged to the client; so does the process. */
	if (why != CANCEL_NONE)
		exec_stop(s->e, why == CANCEL_SHUTDOWN ? 0 : EXEC_API_GRACE_MS);
	exec_api_event_free(&s->probe_ev);
	exec_api_event_free(&s->drain_ev);
	exec_api_event_free(&s->in_ev);
	exec_api_event_free(&s->out_ev);
	exec_api_event_free(&s->err_ev);
	exec_api_fd_close(&s->in_fd);
	exec_api_fd_close(&s->out_fd);
	exec_api_fd_close(&s->err_fd);
	if (s->bev != NULL) {
		/* Off the loop now, while fd still names the socket. */
		bufferevent_disable(s->bev, EV_READ | EV_WRITE);
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
	if (s->fd != -1 && why == CANCEL_NONE) {
		/*
		 * Unread input would turn the close into a reset that may
		 * overtake our last output: take it, then send FIN.
		 */
		while (budget-- > 0 && read(s->fd, buf, sizeof buf) > 0)
			;
		shutdown(s->fd, SHUT_WR);
	}
	exec_api_fd_close(&s->fd);
	task_free(s->task);
	s->task = NULL;
	log_info("exec %.12s: stream %llu ended (%s)", exec_id(s->e),
	    (unsigned long long)s->id, why == CANCEL_NONE ? "process done" :
	    cancel_reason_name(why));
	event_active(s->free_ev, EV_TIMEOUT, 0);
}

/* dockerd's hijack response: status, raw-stream type, common headers. */
static struct evbuffer *
exec_api_headers(struct api_req *r)
{
	struct evbuffer		*buf = evbuffer_new();
	struct evkeyvalq	*h;
	struct evkeyval		*kv;

	/* dockerd looks only for the header's presence. */
	if (evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Upgrade") != NULL)
		evbuffer_add_printf(buf, "HTTP/1.1 101 UPGRADED\r\n"
		    "Content-Type: application/vnd.docker.raw-stream\r\n"
		    "Connection: Upgrade\r\nUpgrade: tcp\r\n");
	else
		evbuffer_add_printf(buf, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/vnd.docker.raw-stream\r\n");
	api_add_common_headers(r->req);
	h = evhttp_request_get_output_headers(r->req);
	TAILQ_FOREACH(kv, h, next)
		evbuffer_add_printf(buf, "%s: %s\r\n", kv->key, kv->value);
	evbuffer_add(buf, "\r\n", 2);
	return (buf);
}

static int
exec_api_is_unix(int fd)
{
	int		domain = 0;
	socklen_t	len = sizeof domain;

	return (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    domain == AF_UNIX);
}

/*
 * Takes the connection over and runs e attached to it. From here on
 * errors go in-band, as dockerd writes them: "<error>\r\n" as stdout
 * (framed unless tty), then close.
 */
static void
exec_api_attach(struct api_req *r, struct exec *e, int tty)
{
	struct exec_api_stream	*s = xcalloc(1, sizeof *s);
	struct evbuffer		*headers, *pending, *out;
	struct exec_io		 io = { -1, -1, -1 };
	struct server		*srv = r->srv;
	struct timeval		 wtv = { srv->cfg.write_timeout, 0 };
	struct err		 err;

	s->id = exec_api_next_id++;
	s->base = srv->base;
	s->e = e;
	exec_ref(e, "stream");
	s->fd = s->out_fd = s->err_fd = s->in_fd = -1;
	s->tty = tty;
	s->want_out = exec_attach_stdout(e);
	s->want_err = exec_attach_stderr(e);
	s->in_buf = evbuffer_new();
	s->free_ev = event_new(s->base, -1, 0, exec_api_free_cb, s);
	s->ctx = cancel_new(srv->root, "exec stream");
	headers = exec_api_headers(r);
	pending = evbuffer_new();
	s->fd = api_hijack(r, pending, s->in_buf);	/* r is gone */
	if (s->fd == -1) {
		log_info("exec %.12s: client gone before the stream started",
		    exec_id(e));
		evbuffer_free(headers);
		evbuffer_free(pending);
		s->state = EXEC_API_DONE;
		event_active(s->free_ev, EV_TIMEOUT, 0);
		return;
	}
	s->is_unix = exec_api_is_unix(s->fd);
	s->task = task_new("api.exec_start");
	task_label(s->task, "stream=%llu exec=%.12s container=%.12s",
	    (unsigned long long)s->id, exec_id(e), exec_container_id(e));
	s->bev = bufferevent_socket_new(s->base, s->fd, 0);
	bufferevent_setcb(s->bev, exec_api_read_cb, exec_api_write_cb,
	    exec_api_event_cb, s);
	/* Only while output is pending: a quiet exec may last for days. */
	bufferevent_set_timeouts(s->bev, NULL,
	    srv->cfg.write_timeout > 0 ? &wtv : NULL);
	out = bufferevent_get_output(s->bev);
	evbuffer_add_buffer(out, pending);
	evbuffer_add_buffer(out, headers);
	evbuffer_free(pending);
	evbuffer_free(headers);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	if (cancel_hook_add(s->ctx, &s->hook, exec_api_cancel_cb, s) != 0) {
		exec_api_finish(s, cancel_reason(s->ctx));
		return;
	}
	if (exec_start(e, &io, exec_api_exit_cb, s, &err) != 0) {
		char	msg[sizeof err.msg + 2];
		int	n = snprintf(msg, sizeof msg, "%s\r\n", err.msg);

		/* dockerd writes it through its stdout writer: a frame. */
		exec_api_frame(s, 1, msg, (size_t)n);
		s->exited = 1;
		exec_api_closing(s);
		return;
	}
	s->out_fd = io.out;
	s->err_fd = io.err;
	s->in_fd = io.in;
	s->out_ev = event_new(s->base, s->out_fd, EV_READ | EV_PERSIST,
	    exec_api_output_cb, s);
	event_add(s->out_ev, NULL);
	if (s->err_fd != -1) {
		s->err_ev = event_new(s->base, s->err_fd, EV_READ | EV_PERSIST,
		    exec_api_output_cb, s);
		event_add(s->err_ev, NULL);
	}
	task_wait(s->task, "process output or client input");
	log_debug("exec stream %llu: attached to exec %.12s over %s",
	    (unsigned long long)s->id, exec_id(e), s->is_unix ? "unix" : "tcp");
	exec_api_stdin_flush(s);
}

void
exec_api_start(struct api_req *r)
{
	struct exec	*e;
	struct err	 err;
	json_t		*body;
	int		 detach, tty;

	if ((body = exec_api_body(r, "types.ExecStartCheck")) == NULL)
		return;
	if (exec_api_bool(body, "ExecStartCheck", "Detach", &detach,
	    &err) != 0 || exec_api_bool(body, "ExecStartCheck", "Tty", &tty,
	    &err) != 0) {
		json_decref(body);
		api_reply_err(r, &err);
		return;
	}
	json_decref(body);
	/*
	 * Everything that can be refused is refused before the hijack, with
	 * a status; dockerd checks "already running" only after it and
	 * writes that refusal into the raw stream.
	 */
	if ((e = exec_lookup(r->srv->store, r->params[0], &err)) == NULL ||
	    exec_check_start(e, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	if (!detach) {
		exec_api_attach(r, e, tty);
		return;
	}
	if (exec_start(e, NULL, NULL, NULL, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 200);
}
