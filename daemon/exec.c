/* SPDX-License-Identifier: MIT */
/*
 * Exec instances: creation with the container's environment, the record
 * of each run (state, exit code; the process itself is daemon/execproc.c),
 * references freed through the reap, and the per-container list that
 * kills its execs when the container stops and lets go of them when it is
 * removed.
 */
#include <sys/random.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/events.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/utf8.h"
#include "daemon/jsontext.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/exec.h"
#include "daemon/execenv.h"
#include "daemon/exec_oci.h"
#include "daemon/execproc.h"
#include "daemon/runtime.h"

TAILQ_HEAD(exec_list, exec);

/*
 * One container's instances, hung on the container (container_set_execs)
 * and freed with it. It watches the container: a waiter for each stop and a
 * hook on its context for removal and daemon shutdown.
 */
struct exec_set {
	struct container	*c;		/* borrowed: freed with it */
	struct event_base	*base;		/* borrowed */
	struct exec_list	 list;		/* one reference each */
	uint64_t		 finish_seq;	/* exits so far */
	struct container_waiter	 w;
	struct cancel_hook	 hook;
};

struct exec {
	char			 id[EXEC_ID_LEN + 1];
	int			 refs;
	struct reap		 reap;		/* the last unref */
	struct event_base	*base;		/* borrowed */
	struct exec_set		*set;		/* borrowed; NULL: unlisted */
	TAILQ_ENTRY(exec)	 entry;		/* set->list */
	char			 container_id[65];
	char			**argv;		/* owned, NULL-terminated */
	char			**envp;		/* owned, NULL-terminated */
	char			*cwd;		/* owned */
	char			*user;		/* owned */
	int			 tty;
	int			 privileged;
	int			 attach_stdin;
	int			 attach_stdout;
	int			 attach_stderr;

	enum exec_state		 state;
	int			 pid;
	int			 exit_code;
	uint64_t		 finished;	/* set->finish_seq at exit; 0 */
	struct execproc		*proc;		/* owned while running */
	exec_exit_cb		 exit_cb;	/* the attached stream's */
	void			*exit_arg;
	char			*start_error;	/* owned: a nowait failure */
};

static void	exec_done(struct exec *, int status);

static const char *exec_states[] = { "created", "running", "exited" };

const char *
exec_state_name(enum exec_state st)
{
	if ((size_t)st >= sizeof exec_states / sizeof exec_states[0])
		return ("unknown");
	return (exec_states[st]);
}

/* ---- references ------------------------------------------------------ */

static void
exec_reap_cb(void *arg)
{
	struct exec	*e = arg;

	log_debug("exec %.12s: freed", e->id);
	execenv_free(e->argv);
	execenv_free(e->envp);
	xfree(e->cwd);
	xfree(e->user);
	xfree(e->start_error);
	xfree(e);
}

void
exec_ref(struct exec *e, const char *from)
{
	e->refs++;
	log_debug("exec %.12s: ref from %s, refs %d", e->id, from, e->refs);
}

/*
 * The last reference frees later, from the loop: a holder dropping its
 * reference may still be inside a walk of the list or the exit path that
 * led here (docs/lifetimes.md). Nothing can reach e by then: it is off
 * its list and its process is gone.
 */
void
exec_unref(struct exec *e, const char *from)
{
	log_debug("exec %.12s: unref from %s, refs %d", e->id, from,
	    e->refs - 1);
	if (--e->refs == 0)
		reap_later(&e->reap);
}

/* ---- the per-container list ------------------------------------------ */

/* Takes e off its list and drops the list's reference. */
static void
exec_unlist(struct exec *e, const char *from)
{
	struct exec_set	*set = e->set;

	if (set == NULL)
		return;
	TAILQ_REMOVE(&set->list, e, entry);
	e->set = NULL;
	exec_unref(e, from);
}

static void
exec_set_kill_all(struct exec_set *set, const char *why)
{
	struct exec	*e;

	TAILQ_FOREACH(e, &set->list, entry) {
		if (e->state != EXEC_RUNNING)
			continue;
		log_info("exec %.12s: %s, sending SIGKILL", e->id, why);
		exec_stop(e, 0);
	}
}

/*
 * The container stopped (or is being removed): its execs die with it, as
 * in a pid namespace whose init died. Re-armed for the next run.
 */
static void
exec_set_stopped_cb(struct container_waiter *w, struct container *c,
    int exit_code, int removed, void *arg)
{
	struct exec_set	*set = arg;

	(void)w;
	(void)exit_code;
	exec_set_kill_all(set, removed ? "container removed" :
	    "container stopped");
	if (!removed)
		container_wait_add(c, &set->w, CONTAINER_WAIT_NOT_RUNNING,
		    exec_set_stopped_cb, set);
}

/* Removal or daemon shutdown: the hook only asks (SIGKILL), frees nothing. */
static void
exec_set_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	(void)ctx;
	exec_set_kill_all(arg, cancel_reason_name(why));
}

/*
 * Called by container_free(), from a clean stack: after a removal (a
 * deferred event) or at daemon teardown. Every listed exec is unlisted.
 * After a removal a process still dying (it had SIGKILL when the container
 * stopped) keeps its exec through the process's reference until the loop
 * reaps it. At teardown no loop will run again: it is killed and reaped
 * here, which waits only for a SIGKILLed process to finish dying, so no
 * process outlives the daemon's knowledge of it.
 */
static void
exec_set_free_cb(void *arg)
{
	struct exec_set	*set = arg;
	struct exec	*e;
	int		 removed;

	removed = cancel_reason(container_ctx(set->c)) == CANCEL_REMOVED;
	container_wait_del(&set->w);
	cancel_hook_del(&set->hook);
	while ((e = TAILQ_FIRST(&set->list)) != NULL) {
		if (removed) {
			exec_stop(e, 0);	/* already sent; cheap */
			exec_unlist(e, __func__);
			continue;
		}
		if (e->state == EXEC_RUNNING && e->proc != NULL) {
			exec_ref(e, __func__);
			exec_done(e, 128 + SIGKILL);	/* SIGKILL, reap */
			exec_unlist(e, __func__);
			exec_unref(e, __func__);
			continue;
		}
		exec_unlist(e, __func__);
	}
	xfree(set);
}

static struct exec_set *
exec_set_of(struct event_base *base, struct container *c)
{
	struct exec_set	*set = container_execs(c);

	if (set != NULL)
		return (set);
	set = xcalloc(1, sizeof *set);
	set->c = c;
	set->base = base;
	TAILQ_INIT(&set->list);
	container_set_execs(c, set, exec_set_free_cb);
	container_wait_add(c, &set->w, CONTAINER_WAIT_NOT_RUNNING,
	    exec_set_stopped_cb, set);
	/* Callers check the context first; a cancelled one needs no hook. */
	cancel_hook_add(container_ctx(c), &set->hook, exec_set_cancel_cb, set);
	return (set);
}

/* Keeps the newest EXEC_MAX_FINISHED exits and EXEC_MAX_PENDING unstarted. */
static void
exec_set_trim(struct exec_set *set)
{
	struct exec	*e, *oldest;
	size_t		 finished, pending;

	for (;;) {
		finished = pending = 0;
		oldest = NULL;
		TAILQ_FOREACH(e, &set->list, entry) {
			if (e->state == EXEC_EXITED) {
				finished++;
				if (oldest == NULL ||
				    e->finished < oldest->finished)
					oldest = e;
			}
		}
		if (finished <= EXEC_MAX_FINISHED)
			break;
		log_debug("exec %.12s: dropped, %zu finished kept",
		    oldest->id, finished - 1);
		exec_unlist(oldest, __func__);
	}
	TAILQ_FOREACH(e, &set->list, entry) {
		if (e->state == EXEC_CREATED)
			pending++;
	}
	while (pending-- > EXEC_MAX_PENDING) {
		TAILQ_FOREACH(e, &set->list, entry) {
			if (e->state == EXEC_CREATED)
				break;
		}
		log_warn("exec %.12s: never started, dropped (%d pending)",
		    e->id, EXEC_MAX_PENDING);
		exec_unlist(e, __func__);
	}
}

size_t
exec_count(struct container *c)
{
	struct exec_set	*set = container_execs(c);
	struct exec	*e;
	size_t		 n = 0;

	if (set == NULL)
		return (0);
	TAILQ_FOREACH(e, &set->list, entry)
		n++;
	return (n);
}

/* ---- create, lookup -------------------------------------------------- */

static int
exec_new_id(char *id, struct err *err)
{
	unsigned char	raw[EXEC_ID_LEN / 2];
	size_t		got = 0;
	ssize_t		n;

	while (got < sizeof raw) {
		n = getrandom(raw + got, sizeof raw - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (err_errno(err, "getrandom"));
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return (0);
}

struct exec *
exec_create(struct event_base *base, struct container *c,
    const struct exec_spec *spec, struct err *err)
{
	struct exec_set	*set;
	struct exec	*e;
	json_t		*inspect, *cfg;
	const char	*wd;

	/* Shutdown cancels the context of a container still running. */
	if (!container_running(c) || container_removing(c) ||
	    cancel_is_cancelled(container_ctx(c))) {
		err_set(err, ERR_CONFLICT, "Container %s is not running",
		    container_id(c));
		return (NULL);
	}
	if (spec->argv == NULL || spec->argv[0] == NULL) {
		err_set(err, ERR_INVALID, "No exec command specified");
		return (NULL);
	}
	e = xcalloc(1, sizeof *e);
	if (exec_new_id(e->id, err) != 0) {
		xfree(e);
		return (NULL);
	}
	e->refs = 1;			/* the list's */
	e->base = base;
	reap_init(&e->reap, base, exec_reap_cb, e);
	e->exit_code = -1;
	snprintf(e->container_id, sizeof e->container_id, "%s",
	    container_id(c));
	e->argv = xcalloc(1, sizeof *e->argv);
	for (size_t i = 0; spec->argv[i] != NULL; i++)
		e->argv = execenv_append(e->argv, xstrdup(spec->argv[i]));
	/* The container's Config is what its own process got. */
	inspect = container_view_inspect(c);
	cfg = json_object_get(inspect, "Config");
	e->envp = execenv_build(cfg, e->container_id, spec->tty,
	    spec->env);
	exec_oci_home(e->envp, c, cfg, spec->env);
	wd = spec->workdir != NULL && *spec->workdir != '\0' ? spec->workdir :
	    json_string_value(json_object_get(cfg, "WorkingDir"));
	e->cwd = xstrdup(wd != NULL && *wd != '\0' ? wd : "/");
	json_decref(inspect);
	e->user = xstrdup(spec->user != NULL ? spec->user : "");
	e->tty = spec->tty;
	e->privileged = spec->privileged;
	e->attach_stdin = spec->attach_stdin;
	e->attach_stdout = spec->attach_stdout;
	e->attach_stderr = spec->attach_stderr;
	e->state = EXEC_CREATED;

	set = exec_set_of(base, c);
	e->set = set;
	TAILQ_INSERT_TAIL(&set->list, e, entry);
	exec_set_trim(set);
	log_info("exec %.12s: created in container %.12s: %s", e->id,
	    e->container_id, e->argv[0]);
	container_event_exec(c, "exec_create", e->argv, e->id, -1);
	return (e);
}

struct exec_lookup_arg {
	const char	*id;
	struct exec	*found;
};

static void
exec_lookup_one(struct container *c, void *arg)
{
	struct exec_lookup_arg	*a = arg;
	struct exec_set		*set = container_execs(c);
	struct exec		*e;

	if (set == NULL || a->found != NULL)
		return;
	TAILQ_FOREACH(e, &set->list, entry) {
		if (strcmp(e->id, a->id) == 0) {
			a->found = e;
			return;
		}
	}
}

struct exec *
exec_lookup(struct container_store *st, const char *id, struct err *err)
{
	struct exec_lookup_arg	a = { id, NULL };

	if (strlen(id) == EXEC_ID_LEN)
		container_store_foreach(st, exec_lookup_one, &a);
	if (a.found == NULL)
		err_set(err, ERR_NOT_FOUND, "No such exec instance: %s", id);
	return (a.found);
}

/* ---- start, exit, stop ----------------------------------------------- */

int
exec_container_running(const struct exec *e)
{
	struct container	*c = e->set != NULL ? e->set->c : NULL;

	return (c != NULL && container_running(c) &&
	    !cancel_is_cancelled(container_ctx(c)));
}

int
exec_check_start(const struct exec *e, struct err *err)
{
	if (!exec_container_running(e))
		return (err_set(err, ERR_CONFLICT, "Container %s is not "
		    "running", e->container_id));
	if (e->state == EXEC_EXITED)
		return (err_set(err, ERR_CONFLICT, "Error: Exec command %s has "
		    "already run", e->id));
	if (e->state == EXEC_RUNNING)
		return (err_set(err, ERR_CONFLICT, "Error: Exec command %s is "
		    "already running", e->id));
	return (0);
}

/*
 * The process is gone and reaped, or is killed and reaped here (teardown):
 * record the code, tell the attached stream, and drop the process's
 * reference last, which may free e later.
 */
static void
exec_done(struct exec *e, int status)
{
	exec_exit_cb	 cb = e->exit_cb;
	void		*arg = e->exit_arg;
	int		 code;
	const char	*why = execproc_start_error(e->proc, &code);

	e->pid = execproc_pid(e->proc);
	if (why != NULL)
		e->start_error = exec_oci_words(code, why);
	execproc_free(e->proc);
	e->proc = NULL;
	e->state = EXEC_EXITED;
	e->exit_code = status;
	log_info("exec %.12s: process %d exited with %d %s", e->id, e->pid,
	    status, e->start_error != NULL ? e->start_error : "");
	/* A start that failed had no process to die, as with dockerd. */
	if (e->set != NULL && e->start_error == NULL)
		container_event_exec(e->set->c, "exec_die", NULL, e->id, status);
	if (e->set != NULL) {
		e->finished = ++e->set->finish_seq;
		exec_set_trim(e->set);	/* never drops the newest exit */
	}
	e->exit_cb = NULL;
	e->exit_arg = NULL;
	if (cb != NULL)
		cb(e, status, arg);
	exec_unref(e, "process");
}

/* From execproc: nothing touches the execproc after this returns. */
static void
exec_proc_exit_cb(int status, void *arg)
{
	exec_done(arg, status);
}

int
exec_start(struct exec *e, struct exec_io *io, exec_exit_cb cb, void *arg,
    struct err *err)
{
	struct runtime_spec	 spec;
	struct err		 e2 = { 0, "" };
	char			*process = NULL;

	if (exec_check_start(e, err) != 0)
		return (-1);
	container_event_exec(e->set->c, "exec_start", e->argv, e->id, -1);
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)e->argv;
	spec.envp = (const char *const *)e->envp;
	spec.cwd = e->cwd;
	spec.tty = e->tty;
	spec.nowait = io != NULL;
	if (exec_oci_spec(e->set->c, e->id, e->user, e->privileged, &spec,
	    &process, &e2) == 0) {
		e->proc = execproc_start(e->base, e->id, e->container_id,
		    &spec, io, e->attach_stdin, exec_proc_exit_cb, e, &e2);
		/* Read by the runtime, done; a nowait one removes it. */
		if (process != NULL && (e->proc == NULL || !spec.nowait ||
		    spec.tty))
			unlink(process);
		xfree(process);
	}
	if (e->proc == NULL) {
		e->state = EXEC_EXITED;
		e->exit_code = exec_oci_fail_code(e->argv[0], e2.msg);
		/* dockerd over runc records 126 for any failed exec. */
		if (spec.oci != NULL && e->exit_code == 127) {
			e->exit_code = 126;
			if (e2.code == ERR_INVALID)
				return (exec_oci_error(err, ERR_INVALID,
				    e2.msg));
		}
		if (e->set != NULL)
			e->finished = ++e->set->finish_seq;
		log_info("exec %.12s: cannot start: %s", e->id, e2.msg);
		if (e2.code == ERR_INVALID)
			return (exec_oci_error(err, e->exit_code == 127 ||
			    strstr(e2.msg, "permission denied") != NULL ?
			    ERR_INVALID : ERR_INTERNAL, e2.msg));
		return (err_set(err, ERR_INTERNAL, "%s", e2.msg));
	}
	exec_ref(e, "process");
	e->state = EXEC_RUNNING;
	e->pid = execproc_pid(e->proc);
	if (io != NULL) {
		e->exit_cb = cb;
		e->exit_arg = arg;
	}
	log_info("exec %.12s: started %s as process %d%s", e->id, e->argv[0],
	    e->pid, io == NULL ? ", detached" : "");
	return (0);
}

void
exec_unwatch(struct exec *e)
{
	e->exit_cb = NULL;
	e->exit_arg = NULL;
}

void
exec_stop(struct exec *e, int grace_ms)
{
	if (e->state == EXEC_RUNNING)
		execproc_stop(e->proc, grace_ms);
}

void
exec_resize(struct exec *e, int height, int width)
{
	if (e->state == EXEC_RUNNING)
		execproc_resize(e->proc, height, width);
}

/* ---- accessors and views --------------------------------------------- */

const char *
exec_id(const struct exec *e)
{
	return (e->id);
}

const char *
exec_container_id(const struct exec *e)
{
	return (e->container_id);
}

enum exec_state
exec_state(const struct exec *e)
{
	return (e->state);
}

int
exec_tty(const struct exec *e)
{
	return (e->tty);
}

int
exec_attach_stdin(const struct exec *e)
{
	return (e->attach_stdin);
}

int
exec_attach_stdout(const struct exec *e)
{
	return (e->attach_stdout);
}

int
exec_attach_stderr(const struct exec *e)
{
	return (e->attach_stderr);
}

int
exec_pid(const struct exec *e)
{
	return (e->proc != NULL ? execproc_pid(e->proc) : e->pid);
}

const char *
exec_start_error(const struct exec *e)
{
	return (e->start_error);
}

int
exec_exit_code(const struct exec *e)
{
	return (e->state == EXEC_EXITED ? e->exit_code : -1);
}

/* dockerd's ExecInspect, fields in its order. */
json_t *
exec_inspect_json(const struct exec *e)
{
	json_t	*pc = json_object(), *args = json_array();

	for (size_t i = 1; e->argv[i] != NULL; i++)
		json_array_append_new(args, jsontext_new(e->argv[i]));
	json_object_set_new(pc, "tty", json_boolean(e->tty));
	json_object_set_new(pc, "entrypoint", jsontext_new(e->argv[0]));
	json_object_set_new(pc, "arguments", args);
	json_object_set_new(pc, "privileged", json_boolean(e->privileged));
	/* Go's omitempty: dockerd leaves out a user the exec did not set. */
	if (e->user != NULL && *e->user != '\0')
		json_object_set_new(pc, "user", jsontext_new(e->user));

	return (json_pack("{s:o, s:b, s:o, s:o, s:b, s:b, s:b,"
	    " s:b, s:o, s:s, s:i}", "ID", jsontext_new(e->id), "Running",
	    e->state == EXEC_RUNNING, "ExitCode", e->state == EXEC_EXITED ?
	    json_integer(e->exit_code) : json_null(), "ProcessConfig", pc,
	    "OpenStdin", e->attach_stdin, "OpenStderr", e->attach_stderr,
	    "OpenStdout", e->attach_stdout, "CanRemove", 0, "ContainerID",
	    jsontext_new(e->container_id), "DetachKeys", "", "Pid",
	    exec_pid(e)));
}
