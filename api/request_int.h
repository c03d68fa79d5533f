/* SPDX-License-Identifier: MIT */
/*
 * The fields of struct api_req, private to api/request.c: handlers and the
 * other api/ modules go through the accessors in api/request.h, so what a
 * request holds (evhttp's request, the connection owner) can change
 * without touching them.
 */
#ifndef LP_API_REQUEST_INT_H
#define LP_API_REQUEST_INT_H

#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon/base/cancel.h"

/* After api/request.h (API_MAX_PARAMS), which does not include this. */

struct api_req {
	uint64_t		 id;
	struct server		*srv;		/* borrowed */
	struct evhttp_request	*req;		/* borrowed; NULL once gone */
	struct conn		*conn;		/* borrowed; NULL once closed
						   or ended (api/conn.h) */
	struct cancel		*ctx;		/* owned */
	struct task		*task;		/* owned */
	struct evkeyvalq	 query;		/* owned */
	char			*params[API_MAX_PARAMS];	/* owned */
	int			 version;	/* requested API, 1.41 -> 141 */
	int			 streaming;	/* headers sent */
	int			 gone;		/* client closed */
	int			 close_notify;	/* cancel ctx on close (1) */
	void			(*drained_cb)(void *);	/* the last write's */
	void			*drained_arg;
	int			 chunked;	/* the reply's body is */
	int			 write_now;	/* evhttp holds our drain
						   callback: conn_write_now */
	/* For /metrics (api/apimetrics.h). */
	int64_t			 start_ns;	/* mono, at dispatch */
	int64_t			 closed_ns;	/* mono, close noticed; 0 */
	int			 replied;	/* head sent: latency taken */
	int			 endpoint;	/* enum apimetrics_endpoint */
	enum cancel_reason	 end;		/* the stream's, if it said */
	int			 timed_out;	/* dropped by write timeout */
};

#endif
