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

#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"

#define SERVER_MAX_LISTENERS	16
#define SERVER_CONN_BUCKETS	1024	/* pending-connection hash */
#define SERVER_SWEEP_MS		250	/* deadline granularity */
#define SERVER_ACCEPT_PAUSE_US	100000	/* listener off on EMFILE */

struct server_listener {
	struct evhttp_bound_socket	*bound;	/* owned by evhttp */
	char				*unix_path;	/* owned; unlinked */
	struct event			*resume_ev;	/* owned */
};

/*
 * A connection that has not yet delivered its first complete request.
 * evhttp_set_timeout() is an idle timeout, re-armed by every byte, so a
 * client sending one header byte a second would hold its fd forever; this
 * is the real bound: accept to first dispatch, header_timeout seconds.
 *
 * Lifetime: we create the connection's bufferevent in server_bev_cb with
 * BEV_OPT_CLOSE_ON_FREE, so the fd lives exactly as long as the
 * bufferevent, and take one reference (bufferevent_incref). evhttp frees the
 * connection whenever it likes (EOF, error, 400, evhttp_free); its
 * bufferevent_free() clears the callbacks and drops evhttp's reference, but
 * ours keeps the struct and the fd valid, so the sweep may still look at
 * the callbacks and shut the fd down without touching freed memory or an
 * fd number the kernel already gave to someone else. We drop our reference
 * in exactly one place, server_conn_release(): at dispatch, at the
 * deadline, from the connection's close callback, when the sweep sees
 * evhttp has let go (no event callback left), or in server_free(). The
 * last unref closes the fd.
 *
 * The close callback is what keeps fds from lingering: a client that
 * connects and leaves must not pin its fd for a sweep period, or a
 * connect/close flood would run the daemon out of fds. evhttp creates the
 * connection only after server_bev_cb returns, so server_adopt_cb (one
 * event_active later, before the loop polls again and thus before evhttp
 * can read a byte) finds it as the bufferevent's callback argument (evhttp
 * has passed its evhttp_connection there since 1.4) and sets the close
 * callback. Paths where evhttp frees without calling it (a connection
 * that never reached a connected state) are left to the sweep, which
 * bounds them by SERVER_SWEEP_MS.
 */
struct server_conn {
	struct server			*srv;	/* borrowed */
	struct bufferevent		*bev;	/* one reference held */
	struct evhttp_connection	*evcon;	/* borrowed (adopt) */
	int64_t				 deadline_ns;	/* mono */
	int				 adopted;
	TAILQ_ENTRY(server_conn)	 entry;	/* pending, by age */
	LIST_ENTRY(server_conn)		 hentry; /* hash[] */
};

struct server_guard {
	struct server			*srv;	/* borrowed: owner */
	LIST_ENTRY(server_guard)	 entry;	/* server_guards */
	TAILQ_HEAD(server_conn_q, server_conn) pending;
	LIST_HEAD(, server_conn)	 hash[SERVER_CONN_BUCKETS];
	size_t				 npending;
	struct event			*sweep_ev;	/* owned */
	struct event			*adopt_ev;	/* owned */
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

static size_t
server_conn_bucket(const struct bufferevent *bev)
{
	uintptr_t	h = (uintptr_t)bev;

	h ^= h >> 17;
	return ((h >> 4) % SERVER_CONN_BUCKETS);
}

/* Forgets a pending connection and drops our bufferevent reference. */
static void
server_conn_release(struct server *srv, struct server_conn *sc)
{
	struct server_guard	*g = srv->guard;

	TAILQ_REMOVE(&g->pending, sc, entry);
	LIST_REMOVE(sc, hentry);
	g->npending--;
	/* evhttp still holds the connection (we are called before its free). */
	if (sc->evcon != NULL)
		evhttp_connection_set_closecb(sc->evcon, NULL, NULL);
	/* The last reference: the bufferevent is finalized, the fd closed. */
	bufferevent_decref(sc->bev);
	xfree(sc);
}

/*
 * evhttp is freeing the connection (EOF, error, reply to a bad request,
 * evhttp_free): its bufferevent reference is still there, so dropping ours
 * here frees nothing under evhttp's feet.
 */
static void
server_conn_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct server_conn	*sc = arg;

	(void)evcon;
	sc->evcon = NULL;		/* do not touch its close callback */
	server_conn_release(sc->srv, sc);
}

/*
 * Runs right after the accepts that created the bufferevents (see struct
 * server_conn): hooks each new connection's close callback. New entries
 * are at the tail of the pending list.
 */
static void
server_adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server		*srv = arg;
	struct server_conn	*sc, *prev;
	bufferevent_event_cb	 eventcb;
	void			*cbarg;

	(void)fd;
	(void)what;
	for (sc = TAILQ_LAST(&srv->guard->pending, server_conn_q);
	    sc != NULL && !sc->adopted; sc = prev) {
		prev = TAILQ_PREV(sc, server_conn_q, entry);
		sc->adopted = 1;
		bufferevent_getcb(sc->bev, NULL, NULL, &eventcb, &cbarg);
		if (eventcb == NULL || cbarg == NULL) {
			/* evhttp gave up on it during the accept. */
			server_conn_release(srv, sc);
			continue;
		}
		if (evhttp_connection_get_bufferevent(cbarg) != sc->bev)
			continue;	/* not evhttp's layout: sweep copes */
		sc->evcon = cbarg;
		evhttp_connection_set_closecb(sc->evcon, server_conn_closed_cb,
		    sc);
	}
}

/* First request dispatched: the connection met its deadline. */
static void
server_conn_disarm(struct server *srv, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct server_conn		*sc;

	if (srv->guard->npending == 0 ||
	    (evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	LIST_FOREACH(sc, &srv->guard->hash[server_conn_bucket(bev)], hentry) {
		if (sc->bev == bev) {
			server_conn_release(srv, sc);
			return;
		}
	}
}

/*
 * Every SERVER_SWEEP_MS while connections are pending: lets go of those
 * evhttp already freed, and cuts those past their deadline. shutdown()
 * rather than close(): evhttp still owns the connection, sees EOF on its
 * next read and frees it through its usual path (close callbacks and all).
 */
static void
server_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server		*srv = arg;
	struct server_guard	*g = srv->guard;
	struct server_conn	*sc, *next;
	struct timeval		 tv = { 0, SERVER_SWEEP_MS * 1000 };
	bufferevent_event_cb	 eventcb;
	int64_t			 now = timeutil_mono_ns();
	evutil_socket_t		 cfd;

	(void)fd;
	(void)what;
	for (sc = TAILQ_FIRST(&g->pending); sc != NULL; sc = next) {
		next = TAILQ_NEXT(sc, entry);
		/* evhttp sets an event callback on every live connection. */
		bufferevent_getcb(sc->bev, NULL, NULL, &eventcb, NULL);
		if (eventcb == NULL) {
			sc->evcon = NULL;	/* freed without a close cb */
			server_conn_release(srv, sc);
			continue;
		}
		/*
		 * A re-armed connection (server_conn_rearm) may still be
		 * sending the last response to a slow reader: its clock for
		 * the next request starts when that is out.
		 */
		if (evbuffer_get_length(bufferevent_get_output(sc->bev)) > 0)
			sc->deadline_ns = now +
			    (int64_t)srv->cfg.header_timeout * 1000000000;
		if (now < sc->deadline_ns)
			continue;
		cfd = bufferevent_getfd(sc->bev);
		log_debug("connection fd %d: no request within %d s, dropped",
		    (int)cfd, srv->cfg.header_timeout);
		if (cfd >= 0)
			shutdown(cfd, SHUT_RDWR);
		srv->deadline_drops++;
		server_conn_release(srv, sc);
	}
	if (g->npending > 0)
		evtimer_add(g->sweep_ev, &tv);
}

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

/*
 * evhttp's bufferevent factory, called for each accepted connection before
 * the fd is attached: arms the header deadline (see struct server_conn).
 */
static struct bufferevent *
server_bev_cb(struct event_base *base, void *arg)
{
	struct server		*srv = arg;
	struct server_guard	*g = srv->guard;
	struct server_conn	*sc;
	struct bufferevent	*bev;
	struct timeval		 tv = { 0, SERVER_SWEEP_MS * 1000 };

	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		return (NULL);	/* evhttp makes its own, no deadline */
	if (srv->cfg.header_timeout <= 0)
		return (bev);
	sc = xcalloc(1, sizeof *sc);
	sc->srv = srv;
	sc->bev = bev;
	bufferevent_incref(bev);
	sc->deadline_ns = timeutil_mono_ns() +
	    (int64_t)srv->cfg.header_timeout * 1000000000;
	TAILQ_INSERT_TAIL(&g->pending, sc, entry);
	LIST_INSERT_HEAD(&g->hash[server_conn_bucket(bev)], sc, hentry);
	if (g->npending++ == 0)
		evtimer_add(g->sweep_ev, &tv);
	event_active(g->adopt_ev, EV_TIMEOUT, 0);	/* server_adopt_cb */
	return (bev);
}

/*
 * A request on evcon ended and the connection may carry another: the next
 * request gets the same deadline as a first one, from now (evhttp has no
 * hook for "a new request started"). Same lifetime rules as a fresh
 * connection (struct server_conn); entered at the head of the pending
 * list, because server_adopt_cb expects the unadopted ones at the tail.
 */
void
server_conn_rearm(struct server *srv, struct evhttp_connection *evcon)
{
	struct server_guard	*g = srv->guard;
	struct server_conn	*sc;
	struct bufferevent	*bev;
	struct timeval		 tv = { 0, SERVER_SWEEP_MS * 1000 };

	if (srv->cfg.header_timeout <= 0 || srv->closing ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	sc = xcalloc(1, sizeof *sc);
	sc->srv = srv;
	sc->bev = bev;
	sc->evcon = evcon;
	sc->adopted = 1;
	bufferevent_incref(bev);
	sc->deadline_ns = timeutil_mono_ns() +
	    (int64_t)srv->cfg.header_timeout * 1000000000;
	TAILQ_INSERT_HEAD(&g->pending, sc, entry);
	LIST_INSERT_HEAD(&g->hash[server_conn_bucket(bev)], sc, hentry);
	evhttp_connection_set_closecb(evcon, server_conn_closed_cb, sc);
	if (g->npending++ == 0)
		evtimer_add(g->sweep_ev, &tv);
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
	server_conn_disarm(srv, req);
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
	TAILQ_INIT(&g->pending);
	for (size_t i = 0; i < SERVER_CONN_BUCKETS; i++)
		LIST_INIT(&g->hash[i]);
	g->sweep_ev = evtimer_new(base, server_sweep_cb, srv);
	g->adopt_ev = event_new(base, -1, 0, server_adopt_cb, srv);
	g->burst_ev = evtimer_new(base, server_burst_cb, g);
	evhttp_set_bevcb(srv->http, server_bev_cb, srv);
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
}

void
server_free(struct server *srv)
{
	struct server_conn	*sc;

	if (srv == NULL)
		return;
	server_close_listeners(srv);
	evhttp_free(srv->http);
	/* evhttp let go of every connection; now drop our references. */
	while ((sc = TAILQ_FIRST(&srv->guard->pending)) != NULL) {
		sc->evcon = NULL;	/* freed by evhttp_free */
		server_conn_release(srv, sc);
	}
	event_free(srv->guard->sweep_ev);
	event_free(srv->guard->adopt_ev);
	event_free(srv->guard->burst_ev);
	LIST_REMOVE(srv->guard, entry);
	xfree(srv->guard);
	xfree(srv->listeners);
	xfree(srv);
}
