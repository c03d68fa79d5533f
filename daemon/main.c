/* SPDX-License-Identifier: MIT */
/*
 * logpouchd: options, the event loop, signals, and the ordered shutdown
 * (stop accepting, cancel every context, stop containers, wait for tasks,
 * free in reverse order of creation).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/containers_create.h"
#include "api/dispatch.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/health.h"
#include "daemon/ociruntime.h"
#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/sdaemon.h"
#include "daemon/options.h"
#include "daemon/options_man.h"
#include "daemon/options_reload.h"
#include "daemon/options_table.h"
#include "daemon/runtime.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"

enum main_phase {
	MAIN_RUNNING,
	MAIN_STOPPING_CONTAINERS,	/* waiting for the store */
	MAIN_DRAINING,			/* waiting for tasks to end */
	MAIN_DONE,
};

struct main_state {
	struct event_base	*base;
	struct cancel		*root;
	struct container_store	*store;
	struct ociruntimes	*runtimes;	/* owned */
	struct health		*health;	/* owned: the probes */
	struct server		*srv;
	struct server		*msrv;		/* --metrics-addr; NULL */
	struct options		 opts;
	int			 argc;		/* for a reload's parse */
	char			**argv;		/* borrowed: main's */
	struct sdaemon		 sd;	/* passed sockets, notify socket */
	struct event		*sigs[6];
	struct event		*tick;		/* shutdown progress */
	struct event		*sigchld;	/* orphans to reap */
	struct event		*orphans;	/* the reap, coalesced */
	enum main_phase		 phase;
	int64_t			 deadline_ns;
	int64_t			 flush_ns;	/* let final bytes go out */
};

static int
main_mkdirs(const char *path, mode_t mode)
{
	char	*p = xstrdup(path);
	int	 rc = 0;

	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, mode) != 0 && errno != EEXIST)
		rc = -1;
	xfree(p);
	return (rc);
}

/* SIGUSR1: the task dump to a file, as dockerd does with goroutines. */
static void
main_dump_tasks(struct main_state *m)
{
	struct evbuffer	*buf = evbuffer_new();
	char		 ts[TIMEUTIL_BUFSZ], *path, *tmp;
	int		 fd, ok;

	timeutil_format(ts, timeutil_now_ns(), 0);
	for (char *p = ts; *p != '\0'; p++) {
		if (*p == ':')
			*p = '-';
	}
	path = xasprintf("%s/task-stacks-%s.log", m->opts.data_root, ts);
	/*
	 * Written aside and renamed, so whoever watches for the file never
	 * reads half a dump; evbuffer_write() may take several calls.
	 */
	tmp = xasprintf("%s/.task-stacks-%s.tmp", m->opts.data_root, ts);
	task_dump_text(buf, 2);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd >= 0;
	while (ok && evbuffer_get_length(buf) > 0)
		ok = evbuffer_write(buf, fd) > 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		log_error("cannot write task dump %s: %s", path,
		    strerror(errno));
		unlink(tmp);
	} else
		log_info("task stacks written to %s", path);
	evbuffer_free(buf);
	xfree(tmp);
	xfree(path);
}

static void main_shutdown_step(struct main_state *);

static void
main_store_stopped_cb(void *arg)
{
	struct main_state	*m = arg;

	log_info("containers stopped");
	m->phase = MAIN_DRAINING;
	main_shutdown_step(m);
}

static void
main_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	main_shutdown_step(arg);
}

/*
 * Shutdown runs as a small state machine on a 10 ms tick, so every stream
 * gets loop iterations to write its terminating chunk.
 */
static void
main_shutdown_step(struct main_state *m)
{
	struct timeval	tv = { 0, 10000 };
	int64_t		now = timeutil_mono_ns();

	switch (m->phase) {
	case MAIN_RUNNING:
	case MAIN_DONE:
		return;
	case MAIN_STOPPING_CONTAINERS:
		if (now < m->deadline_ns)
			break;
		log_warn("shutdown timeout while stopping containers");
		m->phase = MAIN_DRAINING;
		/* FALLTHROUGH */
	case MAIN_DRAINING:
		if (task_count() > 0 && now < m->deadline_ns)
			break;
		if (task_count() > 0)
			log_warn("shutdown timeout: %zu tasks still live",
			    task_count());
		if (m->flush_ns == 0)
			m->flush_ns = now + 200000000;	/* 200 ms */
		if (now < m->flush_ns)
			break;
		m->phase = MAIN_DONE;
		event_base_loopbreak(m->base);
		return;
	}
	evtimer_add(m->tick, &tv);
}

/* Tells the service manager (Type=notify) where we are; logs a failure. */
static void
main_notify(struct main_state *m, const char *state)
{
	struct err	err = { 0 };

	if (sdaemon_notify(&m->sd, state, &err) != 0)
		log_warn("%s", err.msg);
}

static void
main_shutdown(struct main_state *m, const char *why)
{
	if (m->phase != MAIN_RUNNING) {
		log_info("shutdown already in progress");
		return;
	}
	log_info("Processing signal '%s'", why);
	main_notify(m, "STOPPING=1");
	m->phase = MAIN_STOPPING_CONTAINERS;
	m->deadline_ns = timeutil_mono_ns() +
	    (int64_t)m->opts.shutdown_timeout * 1000000000;
	server_close_listeners(m->srv);
	if (m->msrv != NULL)
		server_close_listeners(m->msrv);
	/* Every request context: streams end with their last chunk. */
	cancel_fire(m->root, CANCEL_SHUTDOWN);
	container_store_shutdown(m->store, 10, main_store_stopped_cb, m);
	main_shutdown_step(m);
}

/* The reload's last word: the default log options, checked as at start. */
static int
main_reload_check_cb(const struct options *fresh, void *arg, struct err *err)
{
	(void)arg;
	return (containers_create_log_default_check(fresh->log_driver,
	    fresh->log_opts, err));
}

static void
main_reload_note_cb(const char *key, enum options_reload_what what,
    void *arg)
{
	struct main_state	*m = arg;

	if (what == OPTIONS_RELOAD_IGNORED)
		log_warn("\"%s\" changed in %s but is not reloadable: ignored "
		    "until a restart", key, m->opts.config);
	else
		log_debug("\"%s\" reloaded", key);
}

/*
 * What a reload changed, live: the log level, the /debug routes, the
 * defaults of the next create; --shutdown-timeout is read when a shutdown
 * starts. Then dockerd's "Reloaded configuration" line and daemon event.
 */
static void
main_reload_apply(struct main_state *m)
{
	static const char *const keys[] = { "debug", "default-runtime",
	    "log-driver", "log-level", "log-opts", "shutdown-timeout" };
	const char	*values[sizeof keys / sizeof keys[0]];
	char		*opts, *line, timeout[16];
	json_t		*o;

	log_level = m->opts.log_level;
	m->srv->cfg.debug = m->opts.debug;
	container_store_set_log_default(m->store, m->opts.log_driver,
	    m->opts.log_opts);
	opts = json_dumps(m->opts.log_opts, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(timeout, sizeof timeout, "%d", m->opts.shutdown_timeout);
	values[0] = m->opts.debug ? "true" : "false";
	values[1] = ociruntimes_default(m->runtimes);
	values[2] = m->opts.log_driver;
	values[3] = log_level_name(m->opts.log_level);
	values[4] = opts;
	values[5] = timeout;
	o = json_pack("{s:b, s:s, s:s, s:s, s:O, s:i}", "debug",
	    m->opts.debug, "default-runtime", values[1], "log-driver",
	    values[2], "log-level", values[3], "log-opts", m->opts.log_opts,
	    "shutdown-timeout", m->opts.shutdown_timeout);
	line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	log_info("Reloaded configuration: %s", line);
	events_publish(container_store_events(m->store), "daemon", "reload",
	    container_store_engine_id(m->store), keys, values,
	    sizeof keys / sizeof keys[0]);
	xfree(line);
	xfree(opts);
	json_decref(o);
}

/*
 * SIGHUP, as dockerd: the --config file read again; a file that cannot be
 * read or holds an invalid value changes nothing.
 */
static void
main_reload(struct main_state *m)
{
	struct err	err = { 0 };

	if (m->phase != MAIN_RUNNING) {
		log_info("shutdown in progress: no reload");
		return;
	}
	if (m->opts.config == NULL) {
		log_info("Got signal to reload configuration, but no --config "
		    "file was given: nothing to reload");
		return;
	}
	log_info("Got signal to reload configuration, reloading from: %s",
	    m->opts.config);
	if (options_reload(&m->opts, m->argc, m->argv, main_reload_check_cb,
	    main_reload_note_cb, m, &err) < 0) {
		log_error("Error reconfiguring the daemon: %s; the running "
		    "configuration is kept", err.msg);
		return;
	}
	main_reload_apply(m);
}

/* Orphans come in bursts (a runtime's helpers): one scan per burst. */
static void
main_orphans_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state	*m = arg;
	struct timeval		 tv = { 0, 100000 };

	(void)fd;
	if (what & EV_SIGNAL) {
		if (!evtimer_pending(m->orphans, NULL))
			evtimer_add(m->orphans, &tv);
		return;
	}
	if (runtime_reap_orphans() == -1)
		evtimer_add(m->orphans, &tv);
}

static void
main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct main_state	*m = arg;

	(void)what;
	switch (sig) {
	case SIGINT:
		main_shutdown(m, "interrupt");
		break;
	case SIGTERM:
		main_shutdown(m, "terminated");
		break;
	case SIGHUP:
		main_reload(m);
		break;
	case SIGUSR1:
		main_dump_tasks(m);
		break;
	case SIGUSR2:
		if (log_level != LOG_LEVEL_DEBUG)
			log_level = LOG_LEVEL_DEBUG;
		else if (m->opts.log_level != LOG_LEVEL_DEBUG)
			log_level = m->opts.log_level;
		else
			log_level = LOG_LEVEL_INFO;
		log_info("log level is now %s", log_level_name(log_level));
		break;
	}
}

/*
 * Container roots a daemon that died left mounted (<data-root>/image/
 * containers/<id>/merged): nothing uses them now that its containers are
 * killed, and start mounts them again.
 */
static void
main_unmount_stale(const char *data_root)
{
	FILE	*f = fopen("/proc/self/mountinfo", "r");
	char	 line[4096], mnt[4096], *prefix;
	size_t	 len;

	prefix = xasprintf("%s/image/containers/", data_root);
	len = strlen(prefix);
	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		/* "id parent major:minor root mountpoint ..." */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    strncmp(mnt, prefix, len) != 0)
			continue;
		if (umount2(mnt, MNT_DETACH) == 0)
			log_info("unmounted %s, left by a daemon that died",
			    mnt);
	}
	if (f != NULL)
		fclose(f);
	xfree(prefix);
}

/*
 * One -H address: fd:// serves sockets the service manager (or
 * systemd-socket-activate) passed, anything else is bound here.
 */
static int
main_listen(struct main_state *m, const char *host, struct err *err)
{
	int	fds[SDAEMON_MAX_FDS], n;
	char	name[256];

	if (strncmp(host, "fd://", 5) != 0) {
		if (server_listen(m->srv, host, m->opts.allow_remote_tcp,
		    err) != 0)
			return (-1);
		log_info("API listen on %s", host);
		return (0);
	}
	if ((n = sdaemon_take(&m->sd, host + 5, fds, SDAEMON_MAX_FDS,
	    err)) < 0)
		return (-1);
	for (int i = 0; i < n; i++) {
		if (server_listen_fd(m->srv, fds[i], m->opts.allow_remote_tcp,
		    name, sizeof name, err) != 0) {
			while (++i < n)
				close(fds[i]);
			return (-1);
		}
		log_info("API listen on %s (%s, fd %d)", name, host, fds[i]);
	}
	return (0);
}

/*
 * --metrics-addr: a server of its own on a TCP address, with one route,
 * GET /metrics, reporting on the API server (docs/debugging.md says why
 * not the API socket).
 */
static int
main_listen_metrics(struct main_state *m, const struct server_config *api,
    struct err *err)
{
	struct server_config	 cfg = *api;
	char			*addr;
	int			 rc;

	cfg.debug = 0;
	cfg.no_close_notify = 0;
	cfg.max_body = cfg.max_upload = 4096;
	if ((m->msrv = server_new(m->base, m->root, m->store, &cfg, err)) ==
	    NULL)
		return (-1);
	m->msrv->metrics_of = m->srv;
	dispatch_attach_metrics(m->msrv);
	addr = strncmp(m->opts.metrics_addr, "tcp://", 6) == 0 ?
	    xstrdup(m->opts.metrics_addr) : xasprintf("tcp://%s",
	    m->opts.metrics_addr);
	rc = server_listen(m->msrv, addr, m->opts.allow_remote_tcp, err);
	if (rc == 0)
		log_info("metrics listen on %s", addr);
	else
		err_wrap(err, "--metrics-addr");
	xfree(addr);
	return (rc);
}

static int
main_start(struct main_state *m, struct err *err)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1,
				    SIGUSR2 };
	struct server_config	 cfg = { 0 };
	char			*state;

	if (main_mkdirs(m->opts.data_root, 0711) != 0)
		return (err_errno(err, "create data root %s",
		    m->opts.data_root));
	m->base = event_base_new();
	if (m->base == NULL)
		return (err_set(err, ERR_INTERNAL, "event_base_new failed"));
	m->root = cancel_new_root(m->base, "daemon");
	/*
	 * An OCI container's init is a grandchild (the runtime forks it and
	 * exits): as subreaper we inherit it, so it can be waited for.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		log_warn("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	state = xasprintf("%s/runtimes", m->opts.data_root);
	m->runtimes = ociruntimes_new(state);
	xfree(state);
	for (int i = 0; i < m->opts.nruntimes; i++)
		ociruntimes_add(m->runtimes, m->opts.runtime_names[i],
		    m->opts.runtime_paths[i]);
	if (ociruntimes_setup(m->runtimes, m->opts.default_runtime, err) != 0)
		return (-1);
	ociruntimes_cleanup(m->runtimes);	/* a dead daemon's containers */
	main_unmount_stale(m->opts.data_root);
	m->store = container_store_new(m->base, m->root, m->opts.data_root,
	    m->opts.storage_driver, err);
	if (m->store == NULL)
		return (err_wrap(err, "load containers"));
	container_store_set_runtimes(m->store, m->runtimes);
	/* dockerd's setupDefaultLogConfig: a bad default stops the start. */
	if (containers_create_log_default_check(m->opts.log_driver,
	    m->opts.log_opts, err) != 0)
		return (-1);
	container_store_set_log_default(m->store, m->opts.log_driver,
	    m->opts.log_opts);
	m->health = health_new(m->base, m->store);
	container_store_autostart(m->store);

	cfg.debug = m->opts.debug;
	cfg.no_close_notify = m->opts.no_close_notify;
	cfg.header_timeout = m->opts.header_timeout;
	cfg.write_timeout = m->opts.write_timeout;
	cfg.max_body = 1 << 20;
	cfg.max_upload = (size_t)1 << 30;	/* docker import/load bodies */
	cfg.max_headers = 64 << 10;
	cfg.data_root = m->opts.data_root;
	m->srv = server_new(m->base, m->root, m->store, &cfg, err);
	if (m->srv == NULL)
		return (-1);
	dispatch_attach(m->srv);
	for (int i = 0; i < m->opts.nhosts; i++) {
		if (main_listen(m, m->opts.hosts[i], err) != 0)
			return (-1);
	}
	if (m->opts.metrics_addr != NULL && main_listen_metrics(m, &cfg,
	    err) != 0)
		return (-1);
	/* dockerd closes the activated sockets that no -H fd:// names. */
	sdaemon_close_rest(&m->sd);
	if (m->opts.ui != NULL) {
		char	url[128];

		if (server_listen_ui(m->srv, m->opts.ui,
		    m->opts.allow_remote_tcp, url, sizeof url, err) != 0)
			return (-1);
		log_info("log viewer at %s (the API too, for this browser)",
		    url);
	}
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		m->sigs[i] = evsignal_new(m->base, sigs[i], main_signal_cb, m);
		evsignal_add(m->sigs[i], NULL);
	}
	m->tick = evtimer_new(m->base, main_tick_cb, m);
	m->orphans = evtimer_new(m->base, main_orphans_cb, m);
	m->sigchld = evsignal_new(m->base, SIGCHLD, main_orphans_cb, m);
	evsignal_add(m->sigchld, NULL);
	event_active(m->sigchld, EV_SIGNAL, 0);	/* any from before */
	return (0);
}

static void
main_stop(struct main_state *m)
{
	for (size_t i = 0; i < sizeof m->sigs / sizeof m->sigs[0]; i++) {
		if (m->sigs[i] != NULL)
			event_free(m->sigs[i]);
	}
	if (m->tick != NULL)
		event_free(m->tick);
	if (m->sigchld != NULL) {
		event_free(m->sigchld);
		event_free(m->orphans);
	}
	server_free(m->msrv);
	server_free(m->srv);
	sdaemon_close_rest(&m->sd);	/* start failed before taking them */
	health_free(m->health);
	container_store_free(m->store);
	ociruntimes_free(m->runtimes);
	cancel_free(m->root);
	/* Frees the store's teardown scheduled (execs): the loop is over. */
	if (m->base != NULL) {
		reap_base_free(m->base);
		event_base_free(m->base);
	}
	options_free(&m->opts);
}

int
main(int argc, char **argv)
{
	struct main_state	m = { 0 };
	struct err		err = { 0 };
	int			rc = 0;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * A log write past RLIMIT_FSIZE must fail with EFBIG and be counted
	 * like a full disk, not kill the daemon and orphan every container.
	 * Children get default dispositions back (runtime.c).
	 */
	signal(SIGXFSZ, SIG_IGN);
	xalloc_init_jansson();
	m.argc = argc;
	m.argv = argv;
	if (options_parse(&m.opts, argc, argv, &err) != 0) {
		fprintf(stderr, "logpouchd: %s\nSee 'logpouchd --help'.\n",
		    err.msg);
		options_free(&m.opts);
		return (2);
	}
	if (m.opts.show_help) {
		options_table_help(stdout);
		options_free(&m.opts);
		return (0);
	}
	if (m.opts.man_section != 0) {
		rc = options_man_write(stdout, m.opts.man_section,
		    LOGPOUCH_VERSION) == 0 ? 0 : 1;
		options_free(&m.opts);
		return (rc);
	}
	if (m.opts.show_version) {
		printf("logpouchd version %s, build %s\n", LOGPOUCH_VERSION,
		    LOGPOUCH_COMMIT);
		options_free(&m.opts);
		return (0);
	}
	log_open(NULL, m.opts.log_level);
	/* Before anything forks: children must not inherit LISTEN_FDS. */
	if (sdaemon_init(&m.sd, &err) != 0 || main_start(&m, &err) != 0) {
		fprintf(stderr, "logpouchd: %s\n", err.msg);
		main_stop(&m);
		return (2);
	}
	log_info("Daemon has completed initialization (version %s, data root "
	    "%s)", LOGPOUCH_VERSION, m.opts.data_root);
	/* Listening and containers restored: Type=notify may go on. */
	main_notify(&m, "READY=1");
	if (event_base_dispatch(m.base) < 0) {
		log_error("event loop failed");
		rc = 1;
	}
	log_info("Daemon shutdown complete");
	main_stop(&m);
	return (rc);
}
