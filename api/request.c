/* SPDX-License-Identifier: MIT */
/*
 * API request lifetime: dispatch, the query, the replies that end a
 * request, streaming and the hijack. The connection's close (api/conn.c)
 * becomes a cancellation of the request's context, even while nothing is
 * being written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/apimetrics.h"
#include "api/conn.h"
#include "api/reply.h"
#include "api/request.h"
#include "api/request_int.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/strconv.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/utf8.h"
#include "daemon/jsontext.h"
#include "daemon/base/xalloc.h"

static uint64_t	api_next_id = 1;

/*
 * Hands the connection back to its owner before the reply is ended: no
 * more close callbacks for this request, and the next request on the
 * connection is held to the header deadline (conn_request_end).
 */
static void
api_req_detach(struct api_req *r)
{
	if (r->conn == NULL)
		return;
	conn_request_end(r->conn);
	r->conn = NULL;
}

/* The reply's head is on its way: the route's latency ends here. */
static void
api_req_replied(struct api_req *r)
{
	if (r->replied)
		return;
	r->replied = 1;
	apimetrics_replied(task_kind(r->task), r->start_ns);
}

/*
 * Why a stream ended, for /metrics: the client's close or the write
 * timeout wins (a stream that then fails to write says "write error"),
 * then what the stream said, then its context's cancellation.
 */
static enum cancel_reason
api_req_end_reason(const struct api_req *r)
{
	if (r->timed_out)
		return (CANCEL_TIMEOUT);
	if (r->gone)
		return (CANCEL_CLIENT_GONE);
	if (r->end != CANCEL_NONE)
		return (r->end);
	return (cancel_reason(r->ctx));
}

static void
api_req_free(struct api_req *r)
{
	int64_t	closed_ns = r->closed_ns;

	api_req_detach(r);
	if (r->streaming) {
		r->srv->streams--;
		apimetrics_stream_ended(r->endpoint,
		    apimetrics_end_of(api_req_end_reason(r)));
	}
	r->srv->in_flight--;
	cancel_free(r->ctx);
	task_free(r->task);
	evhttp_clear_headers(&r->query);
	for (int i = 0; i < API_MAX_PARAMS; i++)
		xfree(r->params[i]);
	xfree(r);
	/* Its task, context, reader and reply are gone: released. */
	if (closed_ns != 0)
		apimetrics_released(closed_ns);
}

/*
 * The connection closed. libevent has either detached the request (client
 * gone mid-reply: the request is ours now and api_stream_end frees it) or
 * is about to free it itself (evhttp_free): then we must forget it here.
 */
static void
api_req_closed_cb(void *arg, int timed_out)
{
	struct api_req	*r = arg;

	log_debug("request %llu: %s", (unsigned long long)r->id, timed_out ?
	    "write timeout" : "client closed");
	r->conn = NULL;
	r->gone = 1;
	r->timed_out = timed_out;
	r->closed_ns = apimetrics_client_closed();
	if (r->req != NULL && evhttp_request_get_connection(r->req) != NULL)
		r->req = NULL;
	/*
	 * Without close notification (the original report's bug, kept as a
	 * teaching aid) the handler learns of the close only when a write
	 * fails.
	 */
	if (r->close_notify)
		cancel_fire(r->ctx, CANCEL_CLIENT_GONE);
}

void
api_req_dispatch(struct server *srv, struct evhttp_request *req,
    api_handler_cb cb, const char *kind, char **params, int version)
{
	struct api_req	*r = xcalloc(1, sizeof *r);
	const char	*q;

	r->id = api_next_id++;
	r->start_ns = timeutil_mono_ns();
	r->endpoint = apimetrics_endpoint_of(kind);
	r->srv = srv;
	srv->in_flight++;
	r->req = req;
	r->conn = conn_request_begin(srv->conns, req, api_req_closed_cb, r);
	r->version = version;
	r->ctx = cancel_new(srv->root, "request");
	r->task = task_new_at(kind, __func__, __FILE__, __LINE__);
	task_label(r->task, "req=%llu", (unsigned long long)r->id);
	for (int i = 0; i < API_MAX_PARAMS; i++) {
		r->params[i] = params[i];
		params[i] = NULL;
	}
	TAILQ_INIT(&r->query);
	q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (q != NULL && evhttp_parse_query_str(q, &r->query) != 0) {
		api_reply_error(r, 400, "invalid query string");
		return;
	}
	/* A decoded %00 would cut a value short: "name=web%00x" is "web". */
	if (q != NULL && strstr(q, "%00") != NULL) {
		api_reply_error(r, 400, "invalid query string: NUL byte");
		return;
	}
	r->close_notify = 1;
	cb(r);
}

uint64_t
api_req_id(const struct api_req *r)
{
	return (r->id);
}

const char *
api_req_param(const struct api_req *r, int i)
{
	return (i >= 0 && i < API_MAX_PARAMS ? r->params[i] : NULL);
}

int
api_req_version(const struct api_req *r)
{
	return (r->version);
}

struct server *
api_req_server(const struct api_req *r)
{
	return (r->srv);
}

struct container_store *
api_req_store(const struct api_req *r)
{
	return (r->srv->store);
}

struct event_base *
api_req_base(const struct api_req *r)
{
	return (r->srv->base);
}

struct cancel *
api_req_ctx(const struct api_req *r)
{
	return (r->ctx);
}

struct task *
api_req_task(const struct api_req *r)
{
	return (r->task);
}

int
api_req_streaming(const struct api_req *r)
{
	return (r->streaming);
}

const char *
api_req_header(const struct api_req *r, const char *name)
{
	if (r->req == NULL)
		return (NULL);
	return (evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    name));
}

struct evbuffer *
api_req_input(struct api_req *r)
{
	return (r->req != NULL ? evhttp_request_get_input_buffer(r->req) :
	    NULL);
}

int
api_req_method(const struct api_req *r)
{
	return (r->req != NULL ? (int)evhttp_request_get_command(r->req) : 0);
}

void
api_req_add_header(struct api_req *r, const char *key, const char *value)
{
	if (r->req != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    key, value);
}

void
api_req_set_end(struct api_req *r, enum cancel_reason why)
{
	r->end = why;
}

void
api_req_set_close_notify(struct api_req *r, int on)
{
	r->close_notify = on;
}

const char *
api_query(struct api_req *r, const char *name)
{
	struct evkeyval	*kv;

	/* evhttp_find_header would do, but dockerd's first-wins is explicit. */
	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, name) == 0)
			return (kv->value);
	}
	return (NULL);
}

const char *
api_query_nth(struct api_req *r, const char *name, int n)
{
	struct evkeyval	*kv;

	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, name) == 0 && n-- == 0)
			return (kv->value);
	}
	return (NULL);
}

int
api_query_bool(struct api_req *r, const char *name)
{
	return (strconv_bool_value(api_query(r, name)));
}

static void
api_send(struct api_req *r, int status, struct evbuffer *body)
{
	api_req_detach(r);	/* before evhttp may start the next request */
	api_req_replied(r);
	if (r->req != NULL) {
		r->srv->bytes_sent += body != NULL ?
		    evbuffer_get_length(body) : 0;
		apimetrics_bytes(body != NULL ? evbuffer_get_length(body) : 0);
		api_reply_send(r->req, status, body);
	}
	api_req_free(r);
}

/*
 * A NULL body or one jansson cannot encode (a string that is not UTF-8
 * slipped past utf8_json) is a bug here, not the client's: answer 500
 * rather than crash on it.
 */
void
api_reply_json(struct api_req *r, int status, json_t *body)
{
	struct evbuffer	*buf;
	char		*s = NULL;

	if (body != NULL)
		s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (s == NULL) {
		log_error("request %llu: cannot encode the %d reply as JSON",
		    (unsigned long long)r->id, status);
		api_reply_error(r, 500, "internal error: cannot encode the "
		    "reply as JSON");
		return;
	}
	buf = evbuffer_new();
	evbuffer_add(buf, s, strlen(s));
	evbuffer_add(buf, "\n", 1);
	xfree(s);
	if (r->req != NULL) {
		api_add_common_headers(r->req, r->version);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Content-Type", "application/json");
	}
	api_send(r, status, buf);
	evbuffer_free(buf);
}

void
api_reply_buf(struct api_req *r, int status, struct evbuffer *body)
{
	if (r->req != NULL)
		api_add_common_headers(r->req, r->version);
	api_send(r, status, body);
}

void
api_reply_tar_fd(struct api_req *r, int fd)
{
	struct evbuffer	*body = evbuffer_new();
	off_t		 len = lseek(fd, 0, SEEK_END);

	/* The evbuffer owns fd from here (it closes it). */
	evbuffer_add_file(body, fd, 0, len);
	api_req_add_header(r, "Content-Type", "application/x-tar");
	api_reply_buf(r, 200, body);
	evbuffer_free(body);
}

void
api_reply_empty(struct api_req *r, int status)
{
	api_reply_buf(r, status, NULL);
}

void
api_reply_error(struct api_req *r, int status, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof msg)
		msg[utf8_trim_partial(msg, sizeof msg - 1)] = '\0';
	api_req_detach(r);
	api_req_replied(r);
	if (r->req != NULL)
		api_reply_raw_error(r->req, r->version, status, 1, msg);
	api_req_free(r);
}

void
api_reply_err(struct api_req *r, const struct err *err)
{
	int	status = api_err_status(err->code);

	if (status == 304) {
		api_reply_empty(r, status);
		return;
	}
	api_reply_error(r, status, "%s", err->msg);
}

void
api_stream_start(struct api_req *r, int status, const char *content_type)
{
	const char	*te;

	if (r->req == NULL)
		return;
	api_add_common_headers(r->req, r->version);
	if (content_type != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Content-Type", content_type);
	r->streaming = 1;
	r->srv->streams++;
	api_req_replied(r);
	apimetrics_stream_opened(r->endpoint);
	evhttp_send_reply_start(r->req, status, api_status_reason(status));
	te = evhttp_find_header(evhttp_request_get_output_headers(r->req),
	    "Transfer-Encoding");
	r->chunked = te != NULL && strcasecmp(te, "chunked") == 0;
	if (r->conn != NULL)
		conn_stream_begin(r->conn);
}

void
api_stream_set_max_write(struct api_req *r, size_t n)
{
	if (r->conn != NULL)
		conn_set_max_write(r->conn, n);
}

static void
api_stream_drained_cb(struct evhttp_connection *evcon, void *arg)
{
	struct api_req	*r = arg;

	(void)evcon;
	if (r->drained_cb != NULL)
		r->drained_cb(r->drained_arg);
}

int
api_stream_write(struct api_req *r, struct evbuffer *buf,
    void (*drained_cb)(void *), void *arg)
{
	if (r->req == NULL || r->gone || r->conn == NULL) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return (-1);
	}
	r->srv->bytes_sent += evbuffer_get_length(buf);
	apimetrics_bytes(evbuffer_get_length(buf));
	r->drained_cb = drained_cb;
	r->drained_arg = arg;
	/*
	 * Straight to the socket once evhttp holds api_stream_drained_cb
	 * (set by the first write through it), so that a rest left queued
	 * still tells the writer when it has gone out. Not for HEAD, whose
	 * body evhttp leaves out.
	 */
	if (r->write_now && conn_write_now(r->conn, buf, r->chunked) == 0)
		return (0);
	evhttp_send_reply_chunk_with_cb(r->req, buf, api_stream_drained_cb, r);
	r->write_now = evhttp_request_get_command(r->req) != EVHTTP_REQ_HEAD;
	return (0);
}

size_t
api_stream_pending(struct api_req *r)
{
	return (r->conn != NULL ? conn_pending(r->conn) : 0);
}

void
api_stream_end(struct api_req *r)
{
	struct evhttp_request	*req = r->req;

	r->req = NULL;
	api_req_detach(r);
	/* On a detached request this only frees it. */
	if (req != NULL)
		evhttp_send_reply_end(req);
	api_req_free(r);
}

/* Hijack, for api/exec.c: the connection owner takes the socket apart. */
int
api_hijack(struct api_req *r, struct evbuffer *pending_out,
    struct evbuffer *early_in)
{
	struct conn	*c = r->conn;
	int		 fd;

	if (r->req == NULL || c == NULL || r->gone) {
		api_req_free(r);
		return (-1);
	}
	api_req_replied(r);
	/* conn_hijack frees the request with the connection: forget both. */
	r->conn = NULL;
	r->req = NULL;
	fd = conn_hijack(c, pending_out, early_in);
	if (fd == -1)
		log_warn("request %llu: hijack failed",
		    (unsigned long long)r->id);
	api_req_free(r);
	return (fd);
}

void
api_hijack_head(struct api_req *r, struct evbuffer *buf)
{
	struct evkeyval	*kv;

	if (r->req == NULL)
		return;
	api_add_common_headers(r->req, r->version);
	TAILQ_FOREACH(kv, evhttp_request_get_output_headers(r->req), next)
		evbuffer_add_printf(buf, "%s: %s\r\n", kv->key, kv->value);
}
