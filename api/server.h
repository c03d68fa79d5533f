/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server: evhttp on unix and loopback TCP listeners, request
 * dispatch through the route table, close notification, and the counters
 * /debug/vars shows. Owned by main.c.
 */
#ifndef LP_API_SERVER_H
#define LP_API_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/base/err.h"

struct cancel;
struct conn_table;
struct container_store;
struct event_base;
struct evhttp;
struct evhttp_request;
struct server_guard;
struct server_listener;

struct server_config {
	int		 debug;			/* debug endpoints on */
	int		 no_close_notify;	/* teaching aid: the old bug */
	int		 header_timeout;	/* seconds to send a request */
	int		 write_timeout;		/* seconds a stalled reader lasts */
	size_t		 max_body;	/* JSON bodies (api_body) */
	size_t		 max_upload;	/* image tarballs: evhttp's limit */
	size_t		 max_headers;
	const char	*data_root;
};

struct server {
	struct event_base	*base;		/* borrowed */
	struct evhttp		*http;		/* owned */
	struct cancel		*root;		/* borrowed: daemon's root ctx */
	struct container_store	*store;		/* borrowed */
	struct server_listener	*listeners;	/* owned */
	struct server_guard	*guard;		/* owned: header deadline,
						   accept backoff (server.c) */
	struct conn_table	*conns;		/* owned: each connection's
						   owner (api/conn.c) */
	int			 nlisteners;
	struct server_config	 cfg;
	int64_t			 started_ns;	/* monotonic */
	uint64_t		 requests;
	uint64_t		 in_flight;	/* api_reqs alive */
	uint64_t		 connections;	/* live */
	uint64_t		 bytes_sent;
	uint64_t		 streams;	/* live */
	uint64_t		 accept_errors;	/* EMFILE & co */
	int			 closing;	/* listeners closed */
	struct server		*metrics_of;	/* borrowed: set on the
						   --metrics-addr server, the
						   API server it reports on */
};

struct server	*server_new(struct event_base *, struct cancel *root,
		     struct container_store *, const struct server_config *,
		     struct err *);
/*
 * Listens on "unix:///path" or "tcp://127.0.0.1:PORT". A stale unix socket
 * is replaced; a live one is an error. allow_remote lets TCP bind to a
 * non-loopback address.
 */
int		 server_listen(struct server *, const char *addr,
		     int allow_remote, struct err *);
/*
 * Serves on fd, a listening unix or TCP socket handed over by socket
 * activation (-H fd://). Takes fd whatever happens. Writes its address,
 * for the log, to name. The socket file is not ours: never unlinked.
 */
int		 server_listen_fd(struct server *, int fd, int allow_remote,
		     char *name, size_t namelen, struct err *);
/*
 * The log viewer's listener, "HOST:PORT" (or tcp://HOST:PORT), loopback
 * unless allow_remote: the same API, plus /ui/ and the browser checks
 * (api/ui.c). url gets the page's address, with the port bound.
 */
int		 server_listen_ui(struct server *, const char *hostport,
		     int allow_remote, char *url, size_t urlsz, struct err *);
/* 1 when req came in on a listener server_listen_ui() opened. */
int		 server_request_on_ui(const struct server *,
		     struct evhttp_request *);
/* Stops accepting; live requests go on until they end. */
void		 server_close_listeners(struct server *);
void		 server_free(struct server *);

#endif
