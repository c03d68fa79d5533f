/* SPDX-License-Identifier: MIT */
/*
 * API request lifetime and replies. The close callback is the whole point:
 * it turns a client's FIN or RST into a cancellation of the request's
 * context, even while nothing is being written.
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

#include "api/conn.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/utf8.h"
#include "daemon/jsontext.h"
#include "daemon/base/xalloc.h"

#define API_SERVER_HEADER	"logpouch/" LOGPOUCH_VERSION " (linux)"

static uint64_t	api_next_id = 1;

/* Like api_req but with the drain callback; callers see only api_req. */
struct api_req_priv {
	struct api_req	  pub;
	void		(*drained_cb)(void *);
	void		 *drained_arg;
};

const char *
api_status_reason(int status)
{
	switch (status) {
	case 101: return ("UPGRADED");
	case 200: return ("OK");
	case 201: return ("Created");
	case 204: return ("No Content");
	case 301: return ("Moved Permanently");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 409: return ("Conflict");
	case 413: return ("Request Entity Too Large");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 503: return ("Service Unavailable");
	default: return ("Unknown");
	}
}

void
api_add_common_headers(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 v[16];

	snprintf(v, sizeof v, "%d.%d", API_VERSION_MAX / 100,
	    API_VERSION_MAX % 100);
	evhttp_add_header(h, "Api-Version", v);
	evhttp_add_header(h, "Docker-Experimental", "false");
	evhttp_add_header(h, "Ostype", "linux");
	evhttp_add_header(h, "Server", API_SERVER_HEADER);
}

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

static void
api_req_free(struct api_req *r)
{
	api_req_detach(r);
	if (r->streaming)
		r->srv->streams--;
	r->srv->in_flight--;
	cancel_free(r->ctx);
	task_free(r->task);
	evhttp_clear_headers(&r->query);
	for (int i = 0; i < API_MAX_PARAMS; i++)
		xfree(r->params[i]);
	xfree(r);
}

/*
 * The connection closed. libevent has either detached the request (client
 * gone mid-reply: the request is ours now and api_stream_end frees it) or
 * is about to free it itself (evhttp_free): then we must forget it here.
 */
static void
api_req_closed_cb(void *arg)
{
	struct api_req	*r = arg;

	log_debug("request %llu: client closed", (unsigned long long)r->id);
	r->conn = NULL;
	r->gone = 1;
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
	struct api_req_priv	*p = xcalloc(1, sizeof *p);
	struct api_req		*r = &p->pub;
	const char		*q;

	r->id = api_next_id++;
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

int
api_bool_value(const char *v)
{
	const char	*s, *e;
	size_t		 n;
	static const char *falsy[] = { "", "0", "no", "false", "none" };

	if (v == NULL)
		return (0);
	for (s = v; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	n = (size_t)(e - s);
	for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++) {
		if (strlen(falsy[i]) == n && strncasecmp(s, falsy[i], n) == 0)
			return (0);
	}
	return (1);
}

int
api_query_bool(struct api_req *r, const char *name)
{
	return (api_bool_value(api_query(r, name)));
}

int
api_check_json(struct api_req *r)
{
	const char	*ct;
	size_t		 n;

	if (r->req == NULL)
		return (0);
	ct = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Content-Type");
	if (ct == NULL || *ct == '\0')
		return (0);
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == strlen("application/json") &&
	    strncasecmp(ct, "application/json", n) == 0)
		return (0);
	api_reply_error(r, 400, "Content-Type specified (%s) must be "
	    "'application/json'", ct);
	return (-1);
}

char *
api_body(struct api_req *r, size_t *lenp)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->req);
	size_t		 len = evbuffer_get_length(in);
	char		*s;

	if (len > r->srv->cfg.max_body)
		return (NULL);
	s = xmalloc(len + 1);
	evbuffer_copyout(in, s, len);
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (s);
}

/*
 * evhttp_send_reply, but a HEAD reply gets the body's Content-Length and
 * no body, as Go's server answers: libevent would send the body without a
 * length, and the client would read it as an unsolicited response.
 */
static void
api_send_reply(struct evhttp_request *req, int status, struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 len[32];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		if (status >= 200 && status != 204 && status != 304 &&
		    evhttp_find_header(h, "Content-Length") == NULL) {
			snprintf(len, sizeof len, "%zu", body != NULL ?
			    evbuffer_get_length(body) : 0);
			evhttp_add_header(h, "Content-Length", len);
		}
		body = NULL;
	}
	evhttp_send_reply(req, status, api_status_reason(status), body);
}

static void
api_send(struct api_req *r, int status, struct evbuffer *body)
{
	api_req_detach(r);	/* before evhttp may start the next request */
	if (r->req != NULL) {
		r->srv->bytes_sent += body != NULL ?
		    evbuffer_get_length(body) : 0;
		api_send_reply(r->req, status, body);
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
		s = json_dumps(body, JSON_COMPACT);
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
		api_add_common_headers(r->req);
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
		api_add_common_headers(r->req);
	api_send(r, status, body);
}

void
api_reply_empty(struct api_req *r, int status)
{
	api_reply_buf(r, status, NULL);
}

char *
api_error_body(const char *msg)
{
	json_t	*o = json_object();
	char	*s;

	/* utf8_json: any bytes in, a valid string out; the pack cannot fail. */
	json_object_set_new(o, "message", jsontext_new(msg));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		fatal("%s: jansson cannot encode a sanitized string", __func__);
	return (s);
}

void
api_reply_raw_error(struct evhttp_request *req, int version, int status,
    int common_headers, const char *msg)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf = evbuffer_new();
	char			*s;

	if (common_headers)
		api_add_common_headers(req);
	if (version != 0 && version <= API_VERSION(1, 23)) {
		/* Go's http.Error: the text as it is, not JSON. */
		evhttp_add_header(h, "Content-Type",
		    "text/plain; charset=utf-8");
		evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
		evbuffer_add_printf(buf, "%s\n", msg);
	} else {
		s = api_error_body(msg);
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add_printf(buf, "%s\n", s);
		xfree(s);
	}
	api_send_reply(req, status, buf);
	evbuffer_free(buf);
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
	if (r->req != NULL)
		api_reply_raw_error(r->req, r->version, status, 1, msg);
	api_req_free(r);
}

int
api_err_status(int code)
{
	switch (code) {
	case ERR_INVALID:
		return (400);
	case ERR_NOT_FOUND:
		return (404);
	case ERR_CONFLICT:
		return (409);
	case ERR_NOT_MODIFIED:
		return (304);
	case ERR_NOT_IMPLEMENTED:
		return (501);
	default:
		return (500);
	}
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
	if (r->req == NULL)
		return;
	api_add_common_headers(r->req);
	if (content_type != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Content-Type", content_type);
	r->streaming = 1;
	r->srv->streams++;
	evhttp_send_reply_start(r->req, status, api_status_reason(status));
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
	struct api_req_priv	*p = arg;

	(void)evcon;
	if (p->drained_cb != NULL)
		p->drained_cb(p->drained_arg);
}

int
api_stream_write(struct api_req *r, struct evbuffer *buf,
    void (*drained_cb)(void *), void *arg)
{
	struct api_req_priv	*p = (struct api_req_priv *)r;

	if (r->req == NULL || r->gone || r->conn == NULL) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return (-1);
	}
	r->srv->bytes_sent += evbuffer_get_length(buf);
	p->drained_cb = drained_cb;
	p->drained_arg = arg;
	evhttp_send_reply_chunk_with_cb(r->req, buf, api_stream_drained_cb, p);
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
