/* SPDX-License-Identifier: MIT */
/*
 * The connection owner: one struct conn per evhttp connection, from the
 * accept to evhttp's free. It alone holds the connection's close callback
 * and timeouts, and holds every request on it to the header deadline
 * (keep-alive ones too). Requests see only the calls below. No routes, no
 * replies: api/request.c is above it.
 */
#ifndef LP_API_CONN_H
#define LP_API_CONN_H

#include <stddef.h>
#include <stdint.h>

struct conn;
struct conn_table;
struct event_base;
struct evbuffer;
struct evhttp;
struct evhttp_request;

/*
 * The client closed the connection (or evhttp freed it): c is gone.
 * timed_out: evhttp dropped a peer that was still there but had not read
 * its output for the write timeout.
 */
typedef void	(*conn_closed_cb)(void *arg, int timed_out);

struct conn_config {
	int	header_timeout;	/* seconds to send a whole request; 0 off */
	int	write_timeout;	/* seconds a stalled stream reader lasts */
};

/*
 * One per server. Attach before listening: evhttp then creates every
 * connection's bufferevent through us. Free after evhttp_free().
 */
struct conn_table *conn_table_new(struct event_base *,
		     const struct conn_config *);
void		 conn_table_attach(struct conn_table *, struct evhttp *);
/* Listeners closed: connections end after their request, no new deadline. */
void		 conn_table_closing(struct conn_table *);
void		 conn_table_free(struct conn_table *);
/* Connections cut at the header deadline (/debug/vars). */
uint64_t	 conn_table_drops(const struct conn_table *);
/* Connections owned now, and since the table was made (/metrics). */
uint64_t	 conn_table_live(const struct conn_table *);
uint64_t	 conn_table_accepted(const struct conn_table *);

/*
 * A request was dispatched on its connection: its deadline is met. Until
 * conn_request_end() the connection's close calls closed_cb(arg) once, and
 * c is gone after it. NULL when the request has no connection any more.
 */
struct conn	*conn_request_begin(struct conn_table *,
		     struct evhttp_request *, conn_closed_cb, void *arg);
/*
 * The request's reply is about to be ended (call before evhttp's send,
 * which may start the next request at once): the close callback is
 * forgotten, and the next request on c is held to the header deadline,
 * counted from when this reply's output has gone out. A streamed reply's
 * remaining output keeps the stream's write timeout. c stays evhttp's.
 */
void		 conn_request_end(struct conn *);
/* The reply streams: no read timeout, the write timeout while pending. */
void		 conn_stream_begin(struct conn *);
/* At most n bytes written to the socket per loop pass. */
void		 conn_set_max_write(struct conn *, size_t n);
/* Bytes the connection has not yet sent. */
size_t		 conn_pending(struct conn *);
/*
 * Sends buf now, straight to the socket, when nothing is queued before it
 * (as one HTTP chunk when chunked): no copy into the connection's output
 * and no write event to arm and disarm, which is what a line costs each
 * of a thousand followers otherwise. What the socket does not take goes
 * to the output, to be sent and timed out as any queued write (the
 * drain callback evhttp already holds for the stream then fires). 0: buf
 * was taken whole and is empty; -1: nothing was written (something is
 * queued, the socket is full or failed, or buf has too many pieces), and
 * the caller queues it as usual.
 */
int		 conn_write_now(struct conn *, struct evbuffer *buf,
		     int chunked);
struct evhttp_connection *conn_evcon(struct conn *);
/*
 * Takes the socket away from evhttp (dockerd's Hijacker): returns a new
 * non-blocking fd owned by the caller, or -1; unsent output goes to
 * pending_out, bytes read past the request to early_in. Frees the
 * evhttp connection (and so the request) and c.
 */
int		 conn_hijack(struct conn *, struct evbuffer *pending_out,
		     struct evbuffer *early_in);

#endif
