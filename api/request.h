/* SPDX-License-Identifier: MIT */
/*
 * One API request (api/request.c) as handlers see it, and the ways to
 * answer it. Every routed request gets a struct api_req with its own cancel
 * context (a child of the daemon's root) and task. A handler answers
 * exactly once: a reply helper (which ends the request), or
 * api_stream_start() ... api_stream_end().
 *
 * Close notification is wired for every request: when the client goes away
 * while a reply is being streamed (or headers have been sent),
 * api_req_ctx(r) is cancelled with CANCEL_CLIENT_GONE; on shutdown with
 * CANCEL_SHUTDOWN. A streaming handler hooks that context and, from its
 * hook or its own completion, calls api_stream_end() once; after that r is
 * gone.
 */
#ifndef LP_API_REQUEST_H
#define LP_API_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/reply.h"
#include "daemon/base/cancel.h"
#include "daemon/base/err.h"

struct cancel;
struct container_store;
struct event_base;
struct evbuffer;
struct server;
struct task;

/* Route parameters a request carries ({id}, {name}...). */
#define API_MAX_PARAMS	2

/* Opaque: its fields live in api/request_int.h, for api/request.c alone. */
struct api_req;

/* What a handler may know of its request. */
uint64_t	 api_req_id(const struct api_req *);
/* The i-th {param} of the route, percent-decoded (NULL past the last). */
const char	*api_req_param(const struct api_req *, int i);
/* The requested API version, 1.41 -> 141. */
int		 api_req_version(const struct api_req *);
struct server	*api_req_server(const struct api_req *);
struct container_store *api_req_store(const struct api_req *);
struct event_base *api_req_base(const struct api_req *);
/* The request's context: fired when the client goes or on shutdown. */
struct cancel	*api_req_ctx(const struct api_req *);
struct task	*api_req_task(const struct api_req *);
/* EVHTTP_REQ_GET, ...; 0 once the client is gone. */
int		 api_req_method(const struct api_req *);
/* 1 once the reply's status and headers have gone out (api_stream_start). */
int		 api_req_streaming(const struct api_req *);
/* A request header (the first of that name); NULL if absent or gone. */
const char	*api_req_header(const struct api_req *, const char *name);
/* The request body as evhttp read it (borrowed); NULL once gone. */
struct evbuffer	*api_req_input(struct api_req *);
/* Adds a reply header (before the reply; nothing once the client left). */
void		 api_req_add_header(struct api_req *, const char *key,
		     const char *value);
/* Off: the handler hears of a close only when a write fails (teaching). */
void		 api_req_set_close_notify(struct api_req *, int on);
/*
 * Why the stream is about to end, for /metrics (a removal, a write error,
 * the container's exit); a client's close and the context's cancellation
 * are known without it. Call before api_stream_end().
 */
void		 api_req_set_end(struct api_req *, enum cancel_reason);

/* Query parameters: the first occurrence wins, as in dockerd. */
const char	*api_query(struct api_req *, const char *name);
/* The n-th occurrence of a repeated parameter (0 first); NULL past it. */
const char	*api_query_nth(struct api_req *, const char *name, int n);
/* dockerd's BoolValue (strconv_bool_value) on the parameter. */
int		 api_query_bool(struct api_req *, const char *name);

/* Replies and ends the request (r is freed). body is stolen. */
void		 api_reply_json(struct api_req *, int status, json_t *body);
void		 api_reply_empty(struct api_req *, int status);
/* Adds the common headers and sends body (not taken; may be NULL). */
void		 api_reply_buf(struct api_req *, int status, struct evbuffer *);
/* 200 with the whole of fd (taken: closed when sent) as a tar. */
void		 api_reply_tar_fd(struct api_req *, int fd);
/* Docker's error shape: {"message":"..."} (plain text for API <= 1.23). */
void		 api_reply_error(struct api_req *, int status,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps err->code (ERR_*, errno) to a status and replies with err->msg. */
void		 api_reply_err(struct api_req *, const struct err *);

/*
 * Streaming: sends status and headers at once (content_type may be NULL),
 * chunked on HTTP/1.1. Then api_stream_write() any number of times; it takes
 * the buffer's contents. api_stream_pending() is what the connection has not
 * yet sent; drained_cb runs when it has all gone out (backpressure), never
 * after api_stream_end(). A write to a client that has gone returns -1
 * (Go's "broken pipe"); the data is dropped.
 */
void		 api_stream_start(struct api_req *, int status,
		     const char *content_type);
int		 api_stream_write(struct api_req *, struct evbuffer *,
		     void (*drained_cb)(void *), void *arg);
size_t		 api_stream_pending(struct api_req *);
/* Lets the connection write up to n bytes per loop pass (a follower). */
void		 api_stream_set_max_write(struct api_req *, size_t n);
/*
 * Ends the reply (terminating chunk) and frees r: call it exactly once,
 * r is freed memory afterwards (stream.c's single finish guarantees it).
 */
void		 api_stream_end(struct api_req *);

/*
 * Hijack (dockerd's http.Hijacker, for POST /exec/{id}/start): takes the
 * client's connection away from evhttp without any reply. Returns the
 * socket as a new fd (non-blocking, close-on-exec), now owned by the
 * caller; bytes evhttp still had to send go to pending_out (send them
 * first), bytes the client sent past the request to early_in. r is freed
 * in every case; -1 when the client is already gone.
 */
int		 api_hijack(struct api_req *, struct evbuffer *pending_out,
		     struct evbuffer *early_in);
/*
 * The head of a hijacked reply after its status line: adds the common
 * headers and writes every reply header to buf as "Key: value\r\n".
 */
void		 api_hijack_head(struct api_req *, struct evbuffer *buf);

/* For api/dispatch.c: wraps req for a routed handler and runs it. */
typedef void	(*api_handler_cb)(struct api_req *);
void		 api_req_dispatch(struct server *, struct evhttp_request *,
		     api_handler_cb, const char *kind, char **params,
		     int version);

#endif
