/* SPDX-License-Identifier: MIT */
/*
 * HTTP server: listeners, the /vX.Y prefix and version range checks, path
 * cleaning, and dispatch through the route table (api/router.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "daemon/log.h"
#include "daemon/timeutil.h"
#include "daemon/xalloc.h"

#define SERVER_MAX_LISTENERS	16

struct server_listener {
	struct evhttp_bound_socket	*bound;	/* owned by evhttp */
	char				*unix_path;	/* owned; unlinked */
};

/*
 * "/v1.41/x" -> version 141 and rest "/x". Returns 0 with no prefix, 1 with
 * a valid one, -1 for "/vfoo/" (dockerd: page not found).
 */
static int
server_split_version(const char *path, int *version, const char **rest)
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
server_redirect_unclean(struct evhttp_request *req, const char *path)
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

static void
server_request_cb(struct evhttp_request *req, void *arg)
{
	struct server		*srv = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = evhttp_uri_get_path(uri), *rest;
	const struct route	*route = NULL;
	char			*params[API_MAX_PARAMS] = { NULL };
	int			 version = 0, prefixed;
	char			 msg[256];

	srv->requests++;
	if (path == NULL || *path == '\0')
		path = "/";
	log_debug("%s %s", evhttp_request_get_command(req) == EVHTTP_REQ_GET ?
	    "GET" : "request", evhttp_request_get_uri(req));
	if (server_redirect_unclean(req, path))
		return;
	prefixed = server_split_version(path, &version, &rest);
	if (prefixed < 0 || router_match(evhttp_request_get_command(req), rest,
	    srv->cfg.debug, &route, params) != ROUTER_FOUND) {
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
	api_req_dispatch(srv, req, route, params, version);
	return;

reject:
	for (int i = 0; i < API_MAX_PARAMS; i++)
		xfree(params[i]);
	api_reply_raw_error(req, version, 400, 1, msg);
}

struct server *
server_new(struct event_base *base, struct cancel *root,
    struct container_store *store, const struct server_config *cfg,
    struct err *err)
{
	struct server	*srv = xcalloc(1, sizeof *srv);

	srv->base = base;
	srv->root = root;
	srv->store = store;
	srv->cfg = *cfg;
	srv->started_ns = timeutil_mono_ns();
	srv->listeners = xcalloc(SERVER_MAX_LISTENERS,
	    sizeof *srv->listeners);
	if ((srv->http = evhttp_new(base)) == NULL) {
		xfree(srv->listeners);
		xfree(srv);
		err_set(err, ERR_INTERNAL, "evhttp_new failed");
		return (NULL);
	}
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)cfg->max_headers);
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)cfg->max_body);
	if (cfg->header_timeout > 0)
		evhttp_set_timeout(srv->http, cfg->header_timeout);
	/* dockerd sends no Content-Type on logs streams; never invent one. */
	evhttp_set_default_content_type(srv->http, NULL);
	evhttp_set_gencb(srv->http, server_request_cb, srv);
	return (srv);
}

static int
server_listen_unix(struct server *srv, const char *path, struct err *err)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct evhttp_bound_socket *bound;
	int			 fd, probe;

	if (strlen(path) >= sizeof sun.sun_path)
		return (err_set(err, ENAMETOOLONG, "socket path too long: %s",
		    path));
	strcpy(sun.sun_path, path);

	/* A socket file that still answers belongs to a live daemon. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun,
	    sizeof sun) == 0) {
		close(probe);
		return (err_set(err, EADDRINUSE, "%s: another daemon is "
		    "listening on this socket", path));
	}
	if (probe >= 0)
		close(probe);
	if (unlink(path) != 0 && errno != ENOENT)
		return (err_errno(err, "remove stale socket %s", path));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return (err_errno(err, "socket"));
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		err_errno(err, "listen on %s", path);
		close(fd);
		return (-1);
	}
	if (chmod(path, 0660) != 0 || listen(fd, 1024) != 0) {
		err_errno(err, "listen on %s", path);
		close(fd);
		unlink(path);
		return (-1);
	}
	if ((bound = evhttp_accept_socket_with_handle(srv->http, fd)) == NULL) {
		close(fd);
		unlink(path);
		return (err_set(err, ERR_INTERNAL, "evhttp cannot accept on %s",
		    path));
	}
	srv->listeners[srv->nlisteners].bound = bound;
	srv->listeners[srv->nlisteners].unix_path = xstrdup(path);
	srv->nlisteners++;
	return (0);
}

static int
server_is_loopback(const char *host)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (strcmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

static int
server_listen_tcp(struct server *srv, const char *hostport, int allow_remote,
    struct err *err)
{
	char				 host[256];
	const char			*colon = strrchr(hostport, ':');
	char				*end;
	long				 port;
	struct evhttp_bound_socket	*bound;

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof host)
		return (err_set(err, EINVAL, "invalid address tcp://%s: "
		    "want tcp://HOST:PORT", hostport));
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535 || colon[1] == '\0')
		return (err_set(err, EINVAL, "invalid port in tcp://%s",
		    hostport));
	if (!allow_remote && !server_is_loopback(host))
		return (err_set(err, EPERM, "refusing to listen on tcp://%s: "
		    "not a loopback address (the API gives root on this host; "
		    "pass --allow-remote-tcp if you mean it)", hostport));
	bound = evhttp_bind_socket_with_handle(srv->http, host,
	    (ev_uint16_t)port);
	if (bound == NULL)
		return (err_errno(err, "listen on tcp://%s", hostport));
	srv->listeners[srv->nlisteners].bound = bound;
	srv->listeners[srv->nlisteners].unix_path = NULL;
	srv->nlisteners++;
	return (0);
}

int
server_listen(struct server *srv, const char *addr, int allow_remote,
    struct err *err)
{
	if (srv->nlisteners == SERVER_MAX_LISTENERS)
		return (err_set(err, EINVAL, "too many listeners"));
	if (strncmp(addr, "unix://", 7) == 0)
		return (server_listen_unix(srv, addr + 7, err));
	if (strncmp(addr, "tcp://", 6) == 0)
		return (server_listen_tcp(srv, addr + 6, allow_remote, err));
	if (addr[0] == '/')
		return (server_listen_unix(srv, addr, err));
	return (err_set(err, EINVAL, "invalid address %s: want unix:///PATH "
	    "or tcp://HOST:PORT", addr));
}

void
server_close_listeners(struct server *srv)
{
	for (int i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i].bound == NULL)
			continue;
		evhttp_del_accept_socket(srv->http, srv->listeners[i].bound);
		srv->listeners[i].bound = NULL;
		if (srv->listeners[i].unix_path != NULL) {
			unlink(srv->listeners[i].unix_path);
			xfree(srv->listeners[i].unix_path);
			srv->listeners[i].unix_path = NULL;
		}
	}
	srv->nlisteners = 0;
	srv->closing = 1;
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	server_close_listeners(srv);
	evhttp_free(srv->http);
	xfree(srv->listeners);
	xfree(srv);
}
