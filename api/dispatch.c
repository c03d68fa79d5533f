/* SPDX-License-Identifier: MIT */
/*
 * From evhttp's request to a routed handler: the /vX.Y prefix and version
 * range checks, path cleaning, RFC 9112's Content-Length rule, and the
 * route table (api/router.c). The top of api/: main.c attaches it to the
 * server, so nothing below calls up into the routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/dispatch.h"
#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "api/ui.h"
#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"

/*
 * "/v1.41/x" -> version 141 and rest "/x". Returns 0 with no prefix, 1 with
 * a valid one, -1 for "/vfoo/" (dockerd: page not found).
 */
static int
dispatch_split_version(const char *path, int *version, const char **rest)
{
	const char	*p = path + 2, *end;
	long		 major, minor = 0;

	*rest = path;
	if (strncmp(path, "/v", 2) != 0 || !(*p >= '0' && *p <= '9'))
		return (0);
	for (end = p; (*end >= '0' && *end <= '9') || *end == '.'; end++)
		;
	if (*end != '/' && *end != '\0')
		return (0);
	major = strtol(p, (char **)&p, 10);
	if (*p == '.')
		minor = strtol(p + 1, NULL, 10);
	if (major > 99 || minor > 99)
		major = 99, minor = 99;
	*version = (int)(major * 100 + minor);
	*rest = *end == '\0' ? "/" : end;
	return (1);
}

/* dockerd cleans "//" and answers 301 to the clean path. */
static int
dispatch_redirect_unclean(struct evhttp_request *req, const char *path)
{
	const char	*q;
	char		*clean, *o;
	struct evbuffer	*loc;

	if (strstr(path, "//") == NULL)
		return (0);
	clean = xstrdup(path);
	for (o = clean; *path != '\0'; path++) {
		if (*path == '/' && o > clean && o[-1] == '/')
			continue;
		*o++ = *path;
	}
	*o = '\0';
	loc = evbuffer_new();
	evbuffer_add_printf(loc, "%s", clean);
	q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (q != NULL)
		evbuffer_add_printf(loc, "?%s", q);
	evbuffer_add(loc, "", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    (const char *)evbuffer_pullup(loc, -1));
	evhttp_send_reply(req, 301, "Moved Permanently", NULL);
	evbuffer_free(loc);
	xfree(clean);
	return (1);
}

/* Go's textproto.TrimString: ASCII space, tab, CR and LF at both ends. */
static size_t
dispatch_trim(const char **s)
{
	const char	*p = *s;
	size_t		 n;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	*s = p;
	return (n);
}

/*
 * RFC 9112 6.3: differing Content-Length headers make the message's
 * length unknowable, so it must be rejected; identical ones may be taken
 * as one, as Go's net/http (dockerd) does. evhttp reads the body by the
 * first, so the connection is closed after the 400: whatever the other
 * length would have framed is never read as a request.
 */
static int
dispatch_reject_lengths(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	struct evbuffer		*buf;
	const char		*first = NULL, *v;
	size_t			 flen = 0, n;

	TAILQ_FOREACH(kv, h, next) {
		if (strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		v = kv->value;
		n = dispatch_trim(&v);
		if (first == NULL) {
			first = v;
			flen = n;
		} else if (n != flen || strncmp(v, first, n) != 0)
			break;
	}
	if (kv == NULL)
		return (0);
	/* Go's answer to a request it cannot parse, word for word. */
	buf = evbuffer_new();
	evbuffer_add_printf(buf, "400 Bad Request");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	evhttp_send_reply(req, 400, "Bad Request", buf);
	evbuffer_free(buf);
	return (1);
}

static void
dispatch_request_cb(struct evhttp_request *req, void *arg)
{
	struct server		*srv = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = evhttp_uri_get_path(uri), *rest;
	const struct route	*route = NULL;
	char			*params[API_MAX_PARAMS] = { NULL };
	int			 version = 0, prefixed, allow = 0;
	char			 msg[256];

	srv->requests++;
	if (dispatch_reject_lengths(req))
		return;
	if (path == NULL || *path == '\0')
		path = "/";
	log_debug("%s %s", evhttp_request_get_command(req) == EVHTTP_REQ_GET ?
	    "GET" : "request", evhttp_request_get_uri(req));
	if (srv->cfg.debug)
		allow |= ROUTE_DEBUG;
	/* A browser's listener: another site's page must not reach us. */
	if (server_request_on_ui(srv, req)) {
		if (ui_guard_refuses(req, path))
			return;
		allow |= ROUTE_UI;
	}
	if (dispatch_redirect_unclean(req, path))
		return;
	prefixed = dispatch_split_version(path, &version, &rest);
	if (prefixed < 0 || router_match(evhttp_request_get_command(req), rest,
	    allow, &route, params) != ROUTER_FOUND) {
		/* dockerd maps a wrong method to "page not found" as well. */
		api_reply_raw_error(req, version, 404, 0, "page not found");
		return;
	}
	if (prefixed && version < API_VERSION_MIN) {
		snprintf(msg, sizeof msg, "client version %d.%d is too old. "
		    "Minimum supported API version is %d.%d, please upgrade "
		    "your client to a newer version", version / 100,
		    version % 100, API_VERSION_MIN / 100, API_VERSION_MIN % 100);
		goto reject;
	}
	if (prefixed && version > API_VERSION_MAX) {
		snprintf(msg, sizeof msg, "client version %d.%d is too new. "
		    "Maximum supported API version is %d.%d", version / 100,
		    version % 100, API_VERSION_MAX / 100, API_VERSION_MAX % 100);
		goto reject;
	}
	if (!prefixed)
		version = API_VERSION_MAX;
	api_req_dispatch(srv, req, route->cb, route->kind, params, version);
	return;

reject:
	for (int i = 0; i < API_MAX_PARAMS; i++)
		xfree(params[i]);
	api_reply_raw_error(req, version, 400, 1, msg);
}

void
dispatch_attach(struct server *srv)
{
	evhttp_set_gencb(srv->http, dispatch_request_cb, srv);
}

/*
 * The metrics listener: GET /metrics and nothing else, answered as Go's
 * mux answers the rest ("404 page not found", text/plain), as dockerd's
 * metrics server does.
 */
static void
dispatch_metrics_cb(struct evhttp_request *req, void *arg)
{
	struct server		*srv = arg;
	const char		*path = evhttp_uri_get_path(
				    evhttp_request_get_evhttp_uri(req));
	const struct route	*route = NULL;
	char			*params[API_MAX_PARAMS] = { NULL };
	struct evbuffer		*body;

	srv->requests++;
	if (path != NULL && router_match_metrics(evhttp_request_get_command(
	    req), path, &route, params) == ROUTER_FOUND) {
		api_req_dispatch(srv, req, route->cb, route->kind, params,
		    API_VERSION_MAX);
		return;
	}
	body = evbuffer_new();
	evbuffer_add_printf(body, "404 page not found\n");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Content-Type-Options", "nosniff");
	evhttp_send_reply(req, 404, "Not Found", body);
	evbuffer_free(body);
}

void
dispatch_attach_metrics(struct server *srv)
{
	evhttp_set_gencb(srv->http, dispatch_metrics_cb, srv);
}
