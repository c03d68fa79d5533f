/* SPDX-License-Identifier: MIT */
/*
 * A container and its lifecycle: accessors, start (runtime + two copiers
 * into the json-file writer), the exit join (process gone AND output
 * drained), stop with a grace timer, kill and removal. The store, the
 * waiters, persistence, log options and JSON views are in container_*.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/attach.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/runtime.h"
#include "daemon/events.h"
#include "daemon/execenv.h"
#include "daemon/healthstate.h"
#include "daemon/images.h"
#include "daemon/oci.h"
#include "logdriver/copier.h"

#define CONTAINER_OCI_PREFIX "failed to create shim task: OCI runtime " \
	"create failed: runc create failed: unable to start container " \
	"process: "

static void	container_exited(struct container *);
static int	container_run(struct container *, struct err *);

/* ---- object life ----------------------------------------------------- */

static void container_kill_cb(evutil_socket_t, short, void *);
static void container_drain_cb(evutil_socket_t, short, void *);
static void container_restart_cb(evutil_socket_t, short, void *);
static void container_reap_cb(void *);

/* An attached client is full: the run's output waits in its pipes. */
static void
container_attach_hold_cb(void *arg, int hold)
{
	struct container	*c = arg;

	copier_hold(c->out, hold);
	copier_hold(c->err, hold);
}

struct container *
container_new(struct container_store *st, const char *id)
{
	struct container	*c = xcalloc(1, sizeof *c);

	c->store = st;
	memcpy(c->id, id, CONTAINER_ID_LEN);
	c->id[CONTAINER_ID_LEN] = '\0';
	c->dir = xasprintf("%s/%s", st->dir, id);
	c->error = xstrdup("");
	c->ctx = cancel_new(st->root, "container");
	c->kill_ev = evtimer_new(st->base, container_kill_cb, c);
	c->drain_ev = evtimer_new(st->base, container_drain_cb, c);
	c->restart_ev = evtimer_new(st->base, container_restart_cb, c);
	reap_init(&c->reap, st->base, container_reap_cb, c);
	c->attach = attach_new(st->base);
	attach_set_hold(c->attach, container_attach_hold_cb, c);
	TAILQ_INIT(&c->waiters);
	return (c);
}

/*
 * Detaches c: no timer, process, copier or waiter can call into it after
 * this. Idempotent. Removal fired the waiters already; at daemon teardown
 * the process and copiers are still there and go now, unwatched.
 */
void
container_finish(struct container *c)
{
	if (c->finished)
		return;
	c->finished = 1;
	event_del(c->kill_ev);
	event_del(c->drain_ev);
	event_del(c->restart_ev);
	task_free(c->restart_task);
	c->restart_task = NULL;
	container_wait_drop(c);
	copier_free(c->out);
	copier_free(c->err);
	c->out = c->err = NULL;
	attach_free(c->attach);
	c->attach = NULL;
	container_log_stop(c);
	runtime_free(c->proc);
	c->proc = NULL;
	task_free(c->monitor);
	c->monitor = NULL;
}

/* Callers up the stack may still read c until they return. */
void
container_free(struct container *c)
{
	container_finish(c);
	reap_later(&c->reap);
}

/*
 * From the loop, on a clean stack. The execs go first, while c is whole:
 * their own waiter and context hook are let go there.
 */
static void
container_reap_cb(void *arg)
{
	struct container	*c = arg;

	if (c->execs_free != NULL)
		c->execs_free(c->execs);
	event_free(c->kill_ev);
	event_free(c->drain_ev);
	event_free(c->restart_ev);
	cancel_free(c->ctx);
	json_decref(c->config);
	json_decref(c->hostconfig);
	json_decref(c->health);
	container_log_clear(&c->logopt);
	xfree(c->rootfs);
	xfree(c->name);
	xfree(c->dir);
	xfree(c->error);
	xfree(c);
}

/* ---- start, exit ----------------------------------------------------- */

/* Entrypoint then Cmd, NULL-terminated; free with execenv_free(). */
static char **
container_argv(const struct container *c)
{
	static const char	*keys[] = { "Entrypoint", "Cmd" };
	char			**argv = xcalloc(1, sizeof *argv);
	const char		 *a;
	json_t			 *v;
	size_t			  i;

	for (size_t k = 0; k < 2; k++) {
		json_array_foreach(json_object_get(c->config, keys[k]), i, v) {
			if ((a = json_string_value(v)) != NULL)
				argv = execenv_append(argv, xstrdup(a));
		}
	}
	return (argv);
}

/* dockerd's initHealthMonitor: each run with a probe starts "starting". */
static void
container_health_reset(struct container *c)
{
	char	**probe = healthstate_probe(c->config, NULL);

	if (probe != NULL)
		c->health = healthstate_start(c->health);
	healthstate_argv_free(probe);
}

static void
container_monitor_label(struct container *c)
{
	task_label(c->monitor, "container=%.12s pid=%d", c->id, c->pid);
}

/*
 * A signal through the runtime; a frozen container is thawed after a
 * SIGKILL so the kill lands (dockerd's kill of a paused container).
 */
static int
container_signal(struct container *c, int sig)
{
	int	rc = runtime_signal(c->proc, sig);

	if (sig == SIGKILL && c->paused && runtime_pause(c->proc, 0,
	    NULL) == 0)
		c->paused = 0;
	return (rc);
}

/*
 * Both ends are in: the process exited and both streams reached EOF (or
 * the drain bound passed). Only now is the container not running.
 */
static void
container_exited(struct container *c)
{
	struct container_store	*st = c->store;
	struct timeval		 tv;
	int			 code, delay_ms, restart;

	event_del(c->kill_ev);
	event_del(c->drain_ev);
	copier_free(c->out);
	copier_free(c->err);
	c->out = c->err = NULL;
	attach_run_end(c->attach);	/* attached clients had it all */
	container_log_stop(c);		/* followers learn the log closed */
	c->oom_killed = runtime_oom_killed(c->proc);
	runtime_free(c->proc);
	c->proc = NULL;
	container_oci_unmount(c);
	task_free(c->monitor);
	c->monitor = NULL;

	code = c->exit_code = c->proc_status;
	c->state = CONTAINER_EXITED;
	c->paused = 0;
	c->finished_ns = timeutil_now_ns();
	c->pid = 0;
	memset(&c->ident, 0, sizeof c->ident);
	c->exit_seq++;
	healthstate_halt(c->health);	/* its monitor stops with it */
	if ((restart = !c->removing && container_restart_after_exit(c,
	    &delay_ms))) {
		c->restarting = 1;
		c->restart_task = task_new("daemon.container_restart");
		task_label(c->restart_task, "container=%.12s in=%dms", c->id,
		    delay_ms);
		task_wait(c->restart_task, "restart backoff");
		tv.tv_sec = delay_ms / 1000;
		tv.tv_usec = (delay_ms % 1000) * 1000;
		evtimer_add(c->restart_ev, &tv);
	}
	container_persist_save(c);
	log_info("container %.12s exited with %d%s", c->id, code, restart ?
	    ", restarting by its policy" : "");
	if (c->oom_killed)	/* dockerd's comes as it happens; ours here */
		container_event(c, "oom", NULL);
	container_event_int(c, "die", "exitCode", code);
	if (c->stop_requested)	/* after die, as dockerd */
		container_event(c, "stop", NULL);
	c->stop_requested = 0;

	if (c->shutdown_counted) {
		c->shutdown_counted = 0;
		if (--st->pending == 0)
			event_active(st->done_ev, EV_TIMEOUT, 0);
	}
	if (c->removing || json_is_true(json_object_get(c->hostconfig,
	    "AutoRemove"))) {
		container_remove_now(c);
		return;
	}
	container_wait_wake(c, code);
}

static void
container_maybe_exited(struct container *c)
{
	if (c->proc_exited && (c->out == NULL || copier_eof(c->out)) &&
	    (c->err == NULL || copier_eof(c->err)))
		container_exited(c);
}

static void
container_copier_eof_cb(struct copier *cp, void *arg)
{
	struct container	*c = arg;

	(void)cp;
	container_maybe_exited(c);
}

static void
container_exit_cb(int status, void *arg)
{
	struct container	*c = arg;
	struct timeval		 tv = { CONTAINER_DRAIN_MS / 1000,
				    (CONTAINER_DRAIN_MS % 1000) * 1000 };

	c->proc_exited = 1;
	c->proc_status = status;
	/*
	 * As when a pid namespace's init dies: the rest of the group goes
	 * too, so a grandchild cannot hold the pipes open for ever.
	 */
	runtime_signal(c->proc, SIGKILL);
	task_wait(c->monitor, "output drain");
	if ((c->out != NULL && !copier_eof(c->out)) ||
	    (c->err != NULL && !copier_eof(c->err))) {
		evtimer_add(c->drain_ev, &tv);
		return;
	}
	container_exited(c);
}

/* The drain bound: whatever is readable now goes in, then we close. */
static void
container_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container	*c = arg;

	(void)fd;
	(void)what;
	log_warn("container %.12s: output still open %d ms after exit; "
	    "closing", c->id, CONTAINER_DRAIN_MS);
	if (c->out != NULL)
		copier_drain(c->out);
	if (c->err != NULL)
		copier_drain(c->err);
	container_exited(c);
}

static void
container_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container	*c = arg;

	(void)fd;
	(void)what;
	if (c->proc == NULL || c->proc_exited)
		return;
	log_info("container %.12s: grace period over, sending SIGKILL",
	    c->id);
	container_signal(c, SIGKILL);
	container_event_int(c, "kill", "signal", SIGKILL);
}

/* The backoff passed: start again, as the policy's own start. */
static void
container_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container	*c = arg;
	struct err		 e;

	(void)fd;
	(void)what;
	c->restarting = 0;
	task_free(c->restart_task);
	c->restart_task = NULL;
	if (container_run(c, &e) != 0) {
		log_warn("container %.12s: restart failed: %s", c->id, e.msg);
		if (!c->removed)
			container_wait_wake(c, c->exit_code);
	}
}

/*
 * A client stopped or killed c while it waited to restart: it stays
 * down (dockerd's restart manager is cancelled) and its waiters fire.
 */
static void
container_restart_abort(struct container *c)
{
	event_del(c->restart_ev);
	task_free(c->restart_task);
	c->restart_task = NULL;
	c->restarting = 0;
	c->restart_canceled = 1;
	c->exit_seq++;
	container_persist_save(c);
	log_info("container %.12s: restart cancelled", c->id);
	container_wait_wake(c, c->exit_code);
}

static int
container_start_failed(struct container *c, int code, int exit_code,
    const char *msg, struct err *err)
{
	container_set_error(c, msg);
	c->exit_code = exit_code;
	container_persist_save(c);
	err_set(err, code, "%s", msg);
	if (json_is_true(json_object_get(c->hostconfig, "AutoRemove")))
		container_remove_now(c);
	return (-1);
}

int
container_start(struct container *c, struct err *err)
{
	if (c->restarting)
		return (err_set(err, ERR_NOT_MODIFIED, "container already "
		    "started"));
	/* A client's start: the count and the backoff begin anew. */
	if (c->state != CONTAINER_RUNNING && !c->removing)
		container_restart_reset(c);
	return (container_run(c, err));
}

/* A start of either kind: by a client, or by the restart policy. */
static int
container_run(struct container *c, struct err *err)
{
	struct runtime_spec	 spec;
	struct err		 e = { 0, "" };
	char			**argv, **envp, *msg, *bundle = NULL;
	int			 out = -1, errfd = -1, in = -1;
	json_int_t		 rows, cols;
	int			 open_stdin = json_is_true(json_object_get(
				     c->config, "OpenStdin"));

	if (c->removing)
		return (err_set(err, ERR_CONFLICT, "container is marked for "
		    "removal and cannot be started"));
	if (c->state == CONTAINER_RUNNING)
		return (err_set(err, ERR_NOT_MODIFIED, "container already "
		    "started"));
	/* Shutdown counted what runs; nothing may start behind its back. */
	if (c->store->shutting_down)
		return (err_set(err, ERR_INTERNAL, "daemon is shutting down"));

	if (container_log_start(c, &e) != 0) {
		msg = xasprintf("failed to initialize logging driver: %s",
		    e.msg);
		container_start_failed(c, ERR_INTERNAL, c->exit_code != 0 ?
		    c->exit_code : 128, msg, err);
		xfree(msg);
		return (-1);
	}

	memset(&spec, 0, sizeof spec);
	if (container_oci_prepare(c, &spec, &bundle, &e) != 0) {
		container_log_stop(c);
		container_start_failed(c, e.code, 128, e.msg, err);
		return (-1);
	}
	argv = container_argv(c);
	envp = execenv_build(c->config, c->id, container_tty(c), NULL);
	spec.argv = (const char *const *)argv;
	spec.envp = (const char *const *)envp;
	spec.cwd = container_json_str(c->config, "WorkingDir");
	spec.tty = container_tty(c);
	if (oci_console_dims(c->hostconfig, &rows, &cols) == 0) {
		spec.rows = (unsigned short)rows;
		spec.cols = (unsigned short)cols;
	}
	c->proc_exited = 0;
	c->proc_status = 0;
	/* Stdin for attaches; a tty's master copy also serves resize. */
	c->proc = runtime_start_io(c->store->base, &spec,
	    open_stdin || spec.tty ? &in : NULL, &out, &errfd,
	    container_exit_cb, c, &e);
	execenv_free(argv);
	execenv_free(envp);
	xfree(bundle);
	if (c->proc == NULL) {
		container_log_stop(c);
		container_oci_unmount(c);
		if (e.code == ERR_INVALID)
			msg = xasprintf(CONTAINER_OCI_PREFIX "%s: unknown",
			    e.msg);
		else
			msg = xstrdup(e.msg);
		container_start_failed(c, e.code == ERR_INVALID ? ERR_INVALID :
		    ERR_INTERNAL, e.code == ERR_INVALID ? 127 : 128, msg, err);
		xfree(msg);
		return (-1);
	}

	c->monitor = task_new("daemon.container_monitor");
	c->pid = (int)runtime_pid(c->proc);
	c->ident = *runtime_ident(c->proc);
	container_monitor_label(c);
	task_wait(c->monitor, "container exit");
	c->out = copier_new(c->store->base, out, LOGLINE_STDOUT, c->writer,
	    container_copier_eof_cb, c);
	copier_set_ring(c->out, c->ring, c->id);
	copier_start(c->out, attach_output, c->attach);
	if (errfd != -1) {
		c->err = copier_new(c->store->base, errfd, LOGLINE_STDERR,
		    c->writer, container_copier_eof_cb, c);
		copier_set_ring(c->err, c->ring, c->id);
		copier_start(c->err, attach_output, c->attach);
	}
	container_attach_hold_cb(c, attach_held(c->attach));
	attach_run_start(c->attach, in, open_stdin, json_is_true(
	    json_object_get(c->config, "StdinOnce")));
	c->state = CONTAINER_RUNNING;
	c->exit_code = 0;
	c->oom_killed = 0;
	container_set_error(c, "");
	c->started_ns = timeutil_now_ns();
	container_health_reset(c);
	container_persist_save(c);
	log_info("started container %.12s %s, pid %d", c->id, c->name, c->pid);
	c->stop_requested = 0;
	container_event(c, "start", NULL);
	return (0);
}

/* dockerd's killWithSignal: what a client's signal does to the policy. */
static void
container_restart_killed(struct container *c, int sig)
{
	if (c->store->shutting_down)
		return;
	c->manually_stopped = 1;
	if (container_restart_cancels(c, sig))
		c->restart_canceled = 1;
}

int
container_stop(struct container *c, int sig, int timeout_sec,
    struct err *err)
{
	struct timeval	tv = { timeout_sec, 0 };

	if (c->restarting) {
		if (!c->store->shutting_down)
			c->manually_stopped = 1;
		container_restart_abort(c);
		container_event(c, "stop", NULL);
		return (1);
	}
	if (c->state != CONTAINER_RUNNING)
		return (err_set(err, ERR_NOT_MODIFIED, "container already "
		    "stopped"));
	c->stop_requested = 1;
	if (sig <= 0 && (sig = runtime_parse_signal(container_json_str(
	    c->config, "StopSignal"))) == -1)
		sig = SIGTERM;
	container_restart_killed(c, sig);
	if (c->proc_exited)
		return (0);	/* draining; finishes within the bound */
	log_info("stopping container %.12s, %d s grace", c->id, timeout_sec);
	container_signal(c, sig);
	container_event_int(c, "kill", "signal", sig);
	if (timeout_sec >= 0)
		evtimer_add(c->kill_ev, &tv);
	return (0);
}

int
container_kill(struct container *c, int sig, struct err *err)
{
	if (c->restarting) {
		/* No process to signal; the policy may still give up. */
		container_restart_killed(c, sig);
		if (c->restart_canceled)
			container_restart_abort(c);
		return (1);
	}
	if (c->state != CONTAINER_RUNNING)
		return (err_set(err, ERR_CONFLICT, "Container %s is not "
		    "running", c->id));
	if (c->proc_exited)
		return (0);
	container_restart_killed(c, sig);
	if (container_signal(c, sig) != 0)
		return (err_errno(err, "kill container %s", c->id));
	container_event_int(c, "kill", "signal", sig);
	return (0);
}

int
container_pause(struct container *c, int pause, struct err *err)
{
	/*
	 * dockerd's unpause checks only this, first, and answers 500 (a
	 * plain error, not a conflict), also for a stopped container.
	 */
	if (!pause && !c->paused)
		return (err_set(err, ERR_INTERNAL, "Container %s is not "
		    "paused", c->id));
	if (c->restarting)
		return (err_set(err, ERR_CONFLICT, "Container %s is "
		    "restarting, wait until the container is running", c->id));
	if (c->state != CONTAINER_RUNNING || c->proc_exited)
		return (err_set(err, ERR_CONFLICT, "Container %s is not "
		    "running", c->id));
	if (pause && c->paused)
		return (err_set(err, ERR_CONFLICT, "Container %s is already "
		    "paused", c->id));
	if (runtime_pause(c->proc, pause, err) != 0)
		return (-1);
	c->paused = pause;
	if (pause)	/* the monitor stops while it is frozen, as dockerd */
		healthstate_halt(c->health);
	container_persist_save(c);
	log_info("container %.12s %s", c->id, pause ? "paused" : "unpaused");
	container_event(c, pause ? "pause" : "unpause", NULL);
	return (0);
}

/*
 * Takes c off the store, wakes every waiter, cancels its context so that
 * log streams let go, deletes its directory, and frees it once the stack
 * has unwound (callers above us may still hold c).
 */
void
container_remove_now(struct container *c)
{
	struct container_store	*st = c->store;

	c->removing = 1;
	c->removed = 1;
	TAILQ_REMOVE(&st->live, c, entry);
	container_wait_removed(c);
	cancel_fire(c->ctx, CANCEL_REMOVED);
	images_rootfs_remove(st->images, c->id, NULL);	/* its writable root */
	container_persist_rmdir(c->dir);
	log_info("removed container %.12s %s", c->id, c->name);
	container_event(c, "destroy", NULL);
	container_free(c);
}

int
container_remove(struct container *c, int force, struct err *err)
{
	if (c->removing)
		return (err_set(err, ERR_CONFLICT, "removal of container %s "
		    "is already in progress", c->id));
	if (c->restarting && !force)
		return (err_set(err, ERR_CONFLICT, "You cannot remove a "
		    "restarting container %s. Stop the container before "
		    "attempting removal or force remove", c->id));
	if (c->state == CONTAINER_RUNNING) {
		if (!force)
			return (err_set(err, ERR_CONFLICT, "You cannot "
			    "remove a running container %s. Stop the container "
			    "before attempting removal or force remove",
			    c->id));
		c->removing = 1;
		if (!c->proc_exited && container_signal(c, SIGKILL) == 0)
			container_event_int(c, "kill", "signal", SIGKILL);
		return (1);
	}
	container_remove_now(c);
	return (0);
}
