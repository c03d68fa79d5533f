/* SPDX-License-Identifier: MIT */
/*
 * HTTP server: evhttp's settings, the listeners and their accept-error
 * backoff. Connections are api/conn.c's; requests reach the routes through
 * api/dispatch.c, which main.c attaches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
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
	int				 ui;	/* the browser's listener */
	struct sockaddr_storage		 addr;	/* ui: where it is bound */
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
    int ui, struct err *err)
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
	if (ui) {
		struct server_listener	*l = &srv->listeners[srv->nlisteners - 1];
		socklen_t		 len = sizeof l->addr;

		l->ui = 1;
		if (getsockname(evhttp_bound_socket_get_fd(bound),
		    (struct sockaddr *)&l->addr, &len) != 0)
			return (err_errno(err, "getsockname tcp://%s",
			    hostport));
	}
	return (0);
}

/* The address a listening socket has, for the log: a path or ip:port. */
static void
server_sockname(int fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 ip[INET6_ADDRSTRLEN] = "?";

	snprintf(buf, len, "fd %d", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (sl > offsetof(struct sockaddr_un, sun_path) &&
		    sun->sun_path[0] != '\0')
			snprintf(buf, len, "%.*s", (int)(sl - offsetof(struct
			    sockaddr_un, sun_path)), sun->sun_path);
		else
			snprintf(buf, len, "an unnamed unix socket (fd %d)", fd);
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	}
}

/*
 * A TCP socket handed over must obey the loopback rule as well: the socket
 * unit's ListenStream= is an address like any -H tcp://.
 */
static int
server_fd_is_loopback(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return (0);
	if (ss.ss_family == AF_INET)
		return ((ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >>
		    24) == 127);
	if (ss.ss_family == AF_INET6)
		return (IN6_IS_ADDR_LOOPBACK(
		    &((struct sockaddr_in6 *)&ss)->sin6_addr));
	return (1);
}

int
server_listen_fd(struct server *srv, int fd, int allow_remote,
    char *name, size_t namelen, struct err *err)
{
	struct evhttp_bound_socket	*bound;
	int				 type = 0, acc = 0, rc = -1;
	socklen_t			 sl = sizeof type, al = sizeof acc;
	struct sockaddr_storage		 ss;
	socklen_t			 ssl = sizeof ss;

	server_sockname(fd, name, namelen);
	if (srv->nlisteners == SERVER_MAX_LISTENERS) {
		err_set(err, EINVAL, "too many listeners");
		goto out;
	}
	/* A socket unit may hand over datagram or FIFO fds too: not ours. */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &ssl) != 0 ||
	    type != SOCK_STREAM || !acc || (ss.ss_family != AF_UNIX &&
	    ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		err_set(err, EINVAL, "failed to listen on systemd activated "
		    "file: fd %d: not a listening unix or TCP stream socket",
		    fd);
		goto out;
	}
	if (!allow_remote && !server_fd_is_loopback(fd)) {
		err_set(err, EPERM, "refusing to listen on %s (socket "
		    "activation): not a loopback address (the API gives root "
		    "on this host; pass --allow-remote-tcp if you mean it)",
		    name);
		goto out;
	}
	if (evutil_make_socket_nonblocking(fd) != 0) {
		err_errno(err, "fd %d: O_NONBLOCK", fd);
		goto out;
	}
	if ((bound = evhttp_accept_socket_with_handle(srv->http, fd)) ==
	    NULL) {
		err_set(err, ERR_INTERNAL, "evhttp cannot accept on fd %d",
		    fd);
		goto out;
	}
	/* No path to unlink: the socket file is the service manager's. */
	server_listener_add(srv, bound, NULL);
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return (rc);
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
		return (server_listen_tcp(srv, addr + 6, allow_remote, 0,
		    err));
	if (addr[0] == '/')
		return (server_listen_unix(srv, addr, err));
	return (err_set(err, EINVAL, "invalid address %s: want unix:///PATH, "
	    "tcp://HOST:PORT or fd://[N]", addr));
}

int
server_listen_ui(struct server *srv, const char *hostport, int allow_remote,
    char *url, size_t urlsz, struct err *err)
{
	const struct sockaddr_storage	*ss;
	char				 host[INET6_ADDRSTRLEN];
	int				 port;

	if (srv->nlisteners == SERVER_MAX_LISTENERS)
		return (err_set(err, EINVAL, "too many listeners"));
	if (strncmp(hostport, "tcp://", 6) == 0)
		hostport += 6;
	if (server_listen_tcp(srv, hostport, allow_remote, 1, err) != 0)
		return (err_wrap(err, "--ui"));
	ss = &srv->listeners[srv->nlisteners - 1].addr;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		port = ntohs(s6->sin6_port);
		snprintf(url, urlsz, "http://[%s]:%d/ui/", host, port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		port = ntohs(s4->sin_port);
		snprintf(url, urlsz, "http://%s:%d/ui/", host, port);
	}
	return (0);
}

/* a is a connection's local address; l a UI listener's bound address. */
static int
server_addr_on(const struct sockaddr_storage *a,
    const struct server_listener *l)
{
	if (a->ss_family == AF_INET && l->addr.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)&l->addr;

		return (x->sin_port == y->sin_port &&
		    (y->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    x->sin_addr.s_addr == y->sin_addr.s_addr));
	}
	if (a->ss_family == AF_INET6 && l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)&l->addr;

		return (x->sin6_port == y->sin6_port &&
		    (IN6_IS_ADDR_UNSPECIFIED(&y->sin6_addr) ||
		    memcmp(&x->sin6_addr, &y->sin6_addr,
		    sizeof x->sin6_addr) == 0));
	}
	return (0);
}

int
server_request_on_ui(const struct server *srv, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct sockaddr_storage		 ss;
	socklen_t			 len = sizeof ss;
	evutil_socket_t			 fd;
	int				 any = 0;

	for (int i = 0; i < srv->nlisteners; i++)
		any |= srv->listeners[i].ui;
	if (!any || (evcon = evhttp_request_get_connection(req)) == NULL)
		return (0);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return (0);
	for (int i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i].ui &&
		    server_addr_on(&ss, &srv->listeners[i]))
			return (1);
	}
	return (0);
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
