/* SPDX-License-Identifier: MIT */
/*
 * The route table: every endpoint in one place (api/router.c), matched
 * after the /vX.Y prefix has been stripped.
 */
#ifndef LP_API_ROUTER_H
#define LP_API_ROUTER_H

#include "api/http.h"

typedef api_handler_cb route_cb;

struct route {
	int		 methods;	/* EVHTTP_REQ_* mask */
	const char	*pattern;	/* "/containers/{id}/logs" */
	route_cb	 cb;
	const char	*kind;		/* task kind: "api.logs_container" */
	int		 only;		/* ROUTE_*: 0 everywhere */
};

/* Where a route exists: with --debug, on the log viewer's listener. */
#define ROUTE_DEBUG	0x1
#define ROUTE_UI	0x2

enum router_match {
	ROUTER_FOUND,
	ROUTER_NOT_FOUND,
	ROUTER_BAD_METHOD,	/* dockerd answers these 404 too */
};

/*
 * Finds the route for method and path among those whose ROUTE_* bits are
 * all in allow; {name} captures (at most API_MAX_PARAMS) are stored,
 * percent-decoded, in params (owned by caller).
 */
enum router_match router_match(int method, const char *path, int allow,
		     const struct route **, char **params);
/* The same for the --metrics-addr listener's table (GET /metrics). */
enum router_match router_match_metrics(int method, const char *path,
		     const struct route **, char **params);

#endif
