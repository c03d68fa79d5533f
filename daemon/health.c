/* SPDX-License-Identifier: MIT */
/*
 * Healthcheck monitors; see health.h. A monitor is idle (its timer is the
 * interval) or probing (its timer is the timeout, its exec runs and its
 * output is read). A probe ends when the process has been reaped and both
 * pipes are closed; its result is folded then, unless the timeout came
 * first: dockerd records the timeout at once, kills the probe and waits
 * for it before the next interval begins, and so does this.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/gotime.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/exec.h"
#include "daemon/health.h"
#include "daemon/healthstate.h"

struct health_mon;
TAILQ_HEAD(health_mons, health_mon);

struct health {
	struct event_base	*base;		/* borrowed */
	struct container_store	*store;		/* borrowed */
	struct events_sub	 sub;
	struct health_mons	 mons;
	size_t			 n;
};

struct health_mon {
	TAILQ_ENTRY(health_mon)	 entry;
	struct health		*h;		/* borrowed */
	struct container	*c;		/* borrowed while hooked */
	struct cancel_hook	 hook;		/* on the container's ctx */
	struct task		*task;		/* owned */
	struct event		*timer;		/* owned: interval or timeout */
	struct reap		 reap;
	int			 stopped;
	char			**argv;		/* owned */
	struct healthstate_timing t;

	/* The probe in flight. */
	struct exec		*e;		/* a reference, or NULL */
	int			 fd[2];		/* its stdout, stderr; -1 */
	struct event		*ev[2];		/* owned */
	char			 out[HEALTHSTATE_OUTPUT_MAX];
	size_t			 len;
	int			 truncated;
	int64_t			 start_ns;
	int			 exited;
	int			 code;
	int			 timed_out;
};

static void	health_mon_stop(struct health_mon *, const char *why);
static void	health_probe_begin(struct health_mon *);

static void
health_mon_reap_cb(void *arg)
{
	struct health_mon	*m = arg;

	healthstate_argv_free(m->argv);
	xfree(m);
}

static void
health_arm(struct health_mon *m, int64_t ns)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ns / 1000000000);
	tv.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
	evtimer_add(m->timer, &tv);
}

/* Lets go of the probe's pipes: after its end, or when it is abandoned. */
static void
health_probe_close(struct health_mon *m)
{
	for (int i = 0; i < 2; i++) {
		if (m->ev[i] != NULL)
			event_free(m->ev[i]);
		m->ev[i] = NULL;
		if (m->fd[i] != -1)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

/* The probe is over (or abandoned): the process's end is not ours now. */
static void
health_probe_release(struct health_mon *m)
{
	health_probe_close(m);
	if (m->e != NULL) {
		exec_unwatch(m->e);
		exec_stop(m->e, 0);	/* dockerd kills an abandoned probe */
		exec_unref(m->e, "health");
		m->e = NULL;
	}
}

static void
health_record(struct health_mon *m, int code, const char *out, size_t len,
    int truncated)
{
	struct healthstate_result	 r;
	json_t				*state = container_health(m->c);
	char				 action[64];

	r.start_ns = m->start_ns;
	r.end_ns = timeutil_now_ns();
	r.exit_code = code;
	r.output = out;
	r.len = len;
	r.truncated = truncated;
	if (state == NULL)	/* the container says no run started */
		return;
	log_debug("container %.12s: health check done (exitCode=%d)",
	    container_id(m->c), code);
	if (!healthstate_fold(state, &r, &m->t, container_started_ns(m->c)))
		return;
	snprintf(action, sizeof action, "health_status: %s",
	    healthstate_status(state));
	container_event(m->c, action, NULL);
}

static void
health_record_msg(struct health_mon *m, const char *msg)
{
	health_record(m, -1, msg, strlen(msg), 0);
}

/* 1.44's StartInterval: the pace while starting within StartPeriod. */
static void
health_idle(struct health_mon *m)
{
	int64_t	 up = timeutil_now_ns() - container_started_ns(m->c);
	int	 early = m->t.start_interval_ns != 0 &&
		    up < m->t.start_period_ns && strcmp(healthstate_status(
		    container_health(m->c)), "starting") == 0;

	task_wait(m->task, "probe interval");
	health_arm(m, early ? m->t.start_interval_ns : m->t.interval_ns);
}

/* Both the exit and the pipes' ends are in. */
static void
health_probe_maybe_done(struct health_mon *m)
{
	if (!m->exited || m->fd[0] != -1 || m->fd[1] != -1)
		return;
	evtimer_del(m->timer);
	if (!m->timed_out)
		health_record(m, m->code, m->out, m->len, m->truncated);
	health_probe_release(m);
	/* A fold's event may have ended us (a subscriber's doing). */
	if (!m->stopped)
		health_idle(m);
}

static void
health_output_cb(evutil_socket_t fd, short what, void *arg)
{
	struct health_mon	*m = arg;
	char			 buf[4096];
	ssize_t			 n;
	int			 i = fd == m->fd[0] ? 0 : 1;

	(void)what;
	for (int reads = 0; reads < 4; reads++) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		size_t	keep = sizeof m->out - m->len;

		if ((size_t)n < keep)
			keep = (size_t)n;
		memcpy(m->out + m->len, buf, keep);
		m->len += keep;
		if (keep < (size_t)n)
			m->truncated = 1;	/* the rest is dropped */
	}
	if (n > 0)
		return;			/* more next time: others get a turn */
	event_free(m->ev[i]);
	m->ev[i] = NULL;
	close(m->fd[i]);
	m->fd[i] = -1;
	health_probe_maybe_done(m);
}

static void
health_exit_cb(struct exec *e, int code, void *arg)
{
	struct health_mon	*m = arg;
	const char		*why = exec_start_error(e);

	m->exited = 1;
	m->code = code;
	/* dockerd records a probe that could not start as -1, and why. */
	if (why != NULL && !m->timed_out) {
		m->code = -1;
		m->len = strlen(why) < sizeof m->out ? strlen(why) :
		    sizeof m->out;
		memcpy(m->out, why, m->len);
		m->truncated = 0;
	}
	health_probe_maybe_done(m);
}

static void
health_timeout(struct health_mon *m)
{
	char	d[GOTIME_DURATION_BUFSZ], msg[96];

	gotime_duration_string(d, m->t.timeout_ns);
	snprintf(msg, sizeof msg, "Health check exceeded timeout (%s)", d);
	log_debug("container %.12s: health check taking too long",
	    container_id(m->c));
	m->timed_out = 1;
	health_record_msg(m, msg);
	if (m->stopped)
		return;
	/* The output is moot; the process goes and is waited for. */
	health_probe_close(m);
	exec_stop(m->e, 0);
	task_wait(m->task, "timed-out probe exit");
	health_probe_maybe_done(m);
}

static void
health_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct health_mon	*m = arg;

	(void)fd;
	(void)what;
	if (m->e != NULL)
		health_timeout(m);
	else
		health_probe_begin(m);
}

static void
health_watch(struct health_mon *m, int i, int fd)
{
	m->fd[i] = fd;
	if (fd == -1)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	m->ev[i] = event_new(m->h->base, fd, EV_READ | EV_PERSIST,
	    health_output_cb, m);
	event_add(m->ev[i], NULL);
}

/* dockerd's cmdProbe.run: an exec as the container's user, in its cwd. */
static void
health_probe_begin(struct health_mon *m)
{
	const json_t	*cfg = container_config(m->c);
	struct exec_spec spec;
	struct exec_io	 io = { -1, -1, -1 };
	struct err	 err;
	struct exec	*e;

	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)m->argv;
	spec.workdir = json_string_value(json_object_get(cfg, "WorkingDir"));
	spec.user = json_string_value(json_object_get(cfg, "User"));
	spec.attach_stdout = spec.attach_stderr = 1;
	m->start_ns = timeutil_now_ns();
	m->len = 0;
	m->truncated = m->exited = m->timed_out = 0;
	m->code = -1;
	if ((e = exec_create(m->h->base, m->c, &spec, &err)) == NULL) {
		health_record_msg(m, err.msg);
		if (!m->stopped)
			health_idle(m);
		return;
	}
	exec_ref(e, "health");
	if (exec_start(e, &io, health_exit_cb, m, &err) != 0) {
		exec_unref(e, "health");
		log_warn("container %.12s: health check error: %s",
		    container_id(m->c), err.msg);
		health_record_msg(m, err.msg);
		if (!m->stopped)
			health_idle(m);
		return;
	}
	m->e = e;
	health_watch(m, 0, io.out);
	health_watch(m, 1, io.err);
	task_wait(m->task, "probe exit");
	health_arm(m, m->t.timeout_ns);
}

/*
 * The one way a monitor ends: the container stopped or paused, was
 * removed, the daemon shuts down. Idempotent; the memory goes later.
 */
static void
health_mon_stop(struct health_mon *m, const char *why)
{
	if (m->stopped)
		return;
	m->stopped = 1;
	log_debug("container %.12s: health monitor stopped (%s)",
	    container_id(m->c), why);
	cancel_hook_del(&m->hook);
	event_free(m->timer);
	m->timer = NULL;
	health_probe_release(m);
	task_free(m->task);
	m->task = NULL;
	TAILQ_REMOVE(&m->h->mons, m, entry);
	m->h->n--;
	m->c = NULL;
	reap_later(&m->reap);
}

static void
health_ctx_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	(void)ctx;
	health_mon_stop(arg, cancel_reason_name(why));
}

static struct health_mon *
health_find(struct health *h, const char *id)
{
	struct health_mon	*m;

	TAILQ_FOREACH(m, &h->mons, entry)
		if (strcmp(container_id(m->c), id) == 0)
			return (m);
	return (NULL);
}

/* dockerd's updateHealthMonitor: one monitor while it runs unpaused. */
static void
health_mon_start(struct health *h, struct container *c)
{
	struct health_mon	*m;
	char			**argv;

	if (!container_running(c) || container_paused(c) ||
	    container_health(c) == NULL || health_find(h, container_id(c)))
		return;
	m = xcalloc(1, sizeof *m);
	if ((argv = healthstate_probe(container_config(c), &m->t)) == NULL) {
		xfree(m);
		return;
	}
	m->h = h;
	m->c = c;
	m->argv = argv;
	m->fd[0] = m->fd[1] = -1;
	reap_init(&m->reap, h->base, health_mon_reap_cb, m);
	if (cancel_hook_add(container_ctx(c), &m->hook, health_ctx_cb,
	    m) != 0) {
		reap_later(&m->reap);	/* being removed, or shutdown */
		return;
	}
	m->timer = evtimer_new(h->base, health_timer_cb, m);
	m->task = task_new("daemon.healthcheck");
	task_label(m->task, "container=%.12s", container_id(c));
	TAILQ_INSERT_TAIL(&h->mons, m, entry);
	h->n++;
	health_idle(m);
}

static void
health_event_cb(const struct events_msg *msg, void *arg)
{
	struct health		*h = arg;
	struct health_mon	*m;
	struct container	*c;
	struct err		 err;

	if (strcmp(msg->type, "container") != 0)
		return;
	if (strcmp(msg->action, "start") == 0 ||
	    strcmp(msg->action, "unpause") == 0) {
		if ((c = container_store_lookup(h->store, msg->actor_id,
		    &err)) != NULL)
			health_mon_start(h, c);
	} else if (strcmp(msg->action, "die") == 0 ||
	    strcmp(msg->action, "pause") == 0 ||
	    strcmp(msg->action, "destroy") == 0) {
		if ((m = health_find(h, msg->actor_id)) != NULL)
			health_mon_stop(m, msg->action);
	}
}

static void
health_start_cb(struct container *c, void *arg)
{
	health_mon_start(arg, c);
}

struct health *
health_new(struct event_base *base, struct container_store *st)
{
	struct health	*h = xcalloc(1, sizeof *h);

	h->base = base;
	h->store = st;
	TAILQ_INIT(&h->mons);
	events_subscribe(container_store_events(st), &h->sub, health_event_cb,
	    h);
	container_store_foreach(st, health_start_cb, h);
	return (h);
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	events_unsubscribe(&h->sub);
	while (!TAILQ_EMPTY(&h->mons))
		health_mon_stop(TAILQ_FIRST(&h->mons), "daemon stops");
	xfree(h);
}

size_t
health_monitors(const struct health *h)
{
	return (h->n);
}
