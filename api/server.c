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
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "api/conn.h"
#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"

#define SERVER_MAX_LISTENERS	16
#define SERVER_ACCEPT_PAUSE_US	100000	/* listener off on EMFILE */

struct server_listener {
	struct evhttp_bound_socket	*bound;	/* owned by evhttp */
	char				*unix_path;	/* owned; unlinked */
	struct event			*resume_ev;	/* owned */
};

/* The accept-error backoff's state; connections are api/conn.c's. */
struct server_guard {
	struct server			*srv;	/* borrowed: owner */
	LIST_ENTRY(server_guard)	 entry;	/* server_guards */
	struct event			*burst_ev;	/* owned */
	uint64_t			 burst_errors;	/* this burst */
	int64_t				 last_error_ns; /* mono */
	int				 burst;	/* accept failing */
};

/*
 * Every live server, for server_accept_error_cb: evhttp passes its own
 * struct evhttp as the listener's argument, which does not lead back to us.
 */
static LIST_HEAD(, server_guard) server_guards =
    LIST_HEAD_INITIALIZER(server_guards);

/*
 * One second after a burst of accept errors began, and every second while
 * it lasts: the burst is over once a whole second passed without an error
 * (at the fd limit, accepts and failures alternate: that is one burst, not
 * one log line per failure).
 */
static void
server_burst_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_guard	*g = arg;
	struct timeval		 tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (timeutil_mono_ns() - g->last_error_ns < 1000000000) {
		evtimer_add(g->burst_ev, &tv);
		return;
	}
	log_info("accepting connections again: no accept error for 1 s, "
	    "%llu failed in this burst", (unsigned long long)g->burst_errors);
	g->burst = 0;
	g->burst_errors = 0;
}

static void
server_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_listener	*l = arg;

	(void)fd;
	(void)what;
	if (l->bound != NULL)
		evconnlistener_enable(evhttp_bound_socket_get_listener(
		    l->bound));
}

/*
 * accept() failed with something other than EAGAIN/EINTR/ECONNABORTED,
 * typically EMFILE or ENFILE. The listening socket stays readable, so
 * evconnlistener would call accept() again at once, forever: a busy loop.
 * Instead turn this listener off for SERVER_ACCEPT_PAUSE_US and retry; the
 * backlog waits in the kernel. Logged once per burst.
 */
static void
server_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct server_listener	*l = NULL;
	struct server_guard	*g;
	struct timeval		 tv = { 0, SERVER_ACCEPT_PAUSE_US };
	int			 saved = errno;

	(void)arg;		/* evhttp's, not ours */
	LIST_FOREACH(g, &server_guards, entry) {
		for (int i = 0; i < g->srv->nlisteners && l == NULL; i++) {
			if (g->srv->listeners[i].bound != NULL &&
			    evhttp_bound_socket_get_listener(
			    g->srv->listeners[i].bound) == lev)
				l = &g->srv->listeners[i];
		}
		if (l != NULL)
			break;
	}
	if (l == NULL) {
		/* Not one of ours (cannot happen): at least do not spin. */
		log_error("accept: %s on an unknown listener", strerror(saved));
		evconnlistener_disable(lev);
		return;
	}
	g->srv->accept_errors++;
	g->burst_errors++;
	g->last_error_ns = timeutil_mono_ns();
	if (!g->burst) {
		struct timeval	one = { 1, 0 };

		g->burst = 1;
		evtimer_add(g->burst_ev, &one);
		log_error("accept: %s; pausing accepts, retrying every %d ms",
		    strerror(saved), SERVER_ACCEPT_PAUSE_US / 1000);
	}
	evconnlistener_disable(lev);
	evtimer_add(l->resume_ev, &tv);
}

/* Hooks the accept-error backoff onto a new evhttp listener. */
static void
server_listener_add(struct server *srv, struct evhttp_bound_socket *bound,
    const char *unix_path)
{
	struct server_listener	*l = &srv->listeners[srv->nlisteners++];

	l->bound = bound;
	l->unix_path = unix_path != NULL ? xstrdup(unix_path) : NULL;
	l->resume_ev = evtimer_new(srv->base, server_accept_resume_cb, l);
	/* The callback's argument stays evhttp's; see server_guards. */
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(bound),
	    server_accept_error_cb);
}

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

/* Go's textproto.TrimString: ASCII space, tab, CR and LF at both ends. */
static size_t
server_trim(const char **s)
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
server_reject_lengths(struct evhttp_request *req)
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
		n = server_trim(&v);
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
	if (server_reject_lengths(req))
		return;
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
	struct server_guard *g;
	struct conn_config ccfg = {
		.header_timeout = cfg->header_timeout,
		.write_timeout = cfg->write_timeout,
	};

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
	srv->guard = g = xcalloc(1, sizeof *g);
	g->srv = srv;
	LIST_INSERT_HEAD(&server_guards, g, entry);
	g->burst_ev = evtimer_new(base, server_burst_cb, g);
	srv->conns = conn_table_new(base, &ccfg);
	conn_table_attach(srv->conns, srv->http);
	/*
	 * Every method, including the bit libevent gives methods it does not
	 * know (BREW): the router answers them "404 page not found" as
	 * dockerd does, where evhttp would send its 501 HTML page.
	 */
	evhttp_set_allowed_methods(srv->http, (ev_uint16_t)~0);
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)cfg->max_headers);
	/* Image uploads are larger; api_body() still holds JSON to max_body. */
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)(cfg->max_upload >
	    cfg->max_body ? cfg->max_upload : cfg->max_body));
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
	mode_t			 old_mask;
	int			 fd, probe, rc, saved;

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
	/*
	 * bind creates the file 0777 & ~umask, so the umask gives it 0660
	 * from the start. A chmod(path) afterwards would follow a symlink
	 * someone put there in between. The loop is single-threaded: nothing
	 * else creates a file while the umask is changed.
	 */
	old_mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	umask(old_mask);
	errno = saved;
	if (rc != 0) {
		err_errno(err, "listen on %s", path);
		close(fd);
		return (-1);
	}
	if (listen(fd, 1024) != 0) {
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
	server_listener_add(srv, bound, path);
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
	server_listener_add(srv, bound, NULL);
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
		if (srv->listeners[i].resume_ev != NULL) {
			event_free(srv->listeners[i].resume_ev);
			srv->listeners[i].resume_ev = NULL;
		}
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
	conn_table_closing(srv->conns);
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	server_close_listeners(srv);
	evhttp_free(srv->http);
	/* evhttp let go of every connection; now drop our references. */
	conn_table_free(srv->conns);
	event_free(srv->guard->burst_ev);
	LIST_REMOVE(srv->guard, entry);
	xfree(srv->guard);
	xfree(srv->listeners);
	xfree(srv);
}
