/* SPDX-License-Identifier: MIT */
/*
 * Process runtime: the started process as an object. Its exit is seen
 * through a pidfd (a SIGCHLD event if the kernel has no pidfd_open),
 * never by blocking the loop on waitpid; it is signalled as a group (its
 * own session), reaped on free, and known again after a daemon restart by
 * its ident. Starting it is runtime_child.c's (a host process) or
 * runtime_oci.c's (under an OCI runtime).
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "daemon/ociruntime.h"
#include "daemon/runtime.h"
#include "daemon/runtime_int.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

static const struct {
	const char	*name;
	int		 sig;
} runtime_signals[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "FPE", SIGFPE },
	{ "HUP", SIGHUP }, { "ILL", SIGILL }, { "INT", SIGINT },
	{ "IO", SIGIO }, { "IOT", SIGIOT }, { "KILL", SIGKILL },
	{ "PIPE", SIGPIPE }, { "POLL", SIGPOLL }, { "PROF", SIGPROF },
	{ "PWR", SIGPWR }, { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV },
	{ "STKFLT", SIGSTKFLT }, { "STOP", SIGSTOP }, { "SYS", SIGSYS },
	{ "TERM", SIGTERM }, { "TRAP", SIGTRAP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM },
	{ "WINCH", SIGWINCH }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

int
runtime_parse_signal(const char *s)
{
	char	*end;
	long	 n;

	if (s == NULL || *s == '\0')
		return (-1);
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || n <= 0 || n >= NSIG)
			return (-1);
		return ((int)n);
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof runtime_signals /
	    sizeof runtime_signals[0]; i++) {
		if (strcasecmp(s, runtime_signals[i].name) == 0)
			return (runtime_signals[i].sig);
	}
	return (-1);
}

static int
runtime_status_of(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return (si->si_status);
	return (128 + si->si_status);
}

/*
 * Looks without reaping (WNOWAIT): the zombie keeps the pid and so the
 * process group id from being reused while we may still signal the group.
 */
static int
runtime_check(struct runtime_proc *p)
{
	siginfo_t	si;

	if (p->exited)
		return (1);
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return (0);
	if (si.si_pid == 0)
		return (0);
	p->exited = 1;
	p->status = runtime_status_of(&si);
	return (1);
}

static void	runtime_watch_pid(struct runtime_proc *, struct event_base *,
		    pid_t);

/* Every proc not yet freed: the children that are not orphans. */
static TAILQ_HEAD(, runtime_proc) runtime_procs =
    TAILQ_HEAD_INITIALIZER(runtime_procs);

/*
 * The last orphans reaped: a nowait exec's process is our child before
 * its runtime has exited and told us its pid, so a scan can reap it
 * first; its status is kept here for the proc that then asks.
 */
#define RUNTIME_ORPHANS	64
static struct {
	pid_t	pid;
	int	status;
} runtime_orphans[RUNTIME_ORPHANS];
static size_t	runtime_orphans_next;

static int
runtime_orphan_status(pid_t pid, int *status)
{
	for (size_t i = 0; i < RUNTIME_ORPHANS; i++) {
		if (runtime_orphans[i].pid == pid && pid > 0) {
			runtime_orphans[i].pid = 0;
			*status = runtime_orphans[i].status;
			return (1);
		}
	}
	return (0);
}

/*
 * The runtime of a nowait exec is done (reaped here): p now watches the
 * exec'd process, or has "exited" with the failure. 1 when it watches.
 */
static int
runtime_spawned(struct runtime_proc *p)
{
	struct err	e = { 0, "" };
	int		status = 0;
	pid_t		pid;

	while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
		;
	if ((pid = runtime_oci_spawned(p, status, &e)) == -1) {
		p->reaped = 1;
		p->status = 126;	/* dockerd's for a failed exec */
		p->start_error = xstrdup(e.msg);
		p->start_code = e.code;
		return (0);
	}
	if (runtime_orphan_status(pid, &p->status)) {
		p->pid = pid;		/* it came and went: its status is in */
		p->reaped = 1;
		return (0);
	}
	p->exited = 0;
	runtime_watch_pid(p, event_get_base(p->ev), pid);
	if (p->pending_sig != 0)
		runtime_signal(p, p->pending_sig);
	return (1);
}

static void
runtime_exit_cb_ev(evutil_socket_t fd, short what, void *arg)
{
	struct runtime_proc	*p = arg;

	(void)fd;
	(void)what;
	if (!runtime_check(p))
		return;
	if (p->spawning != NULL && runtime_spawned(p))
		return;
	log_debug("process %d exited with status %d", (int)p->pid, p->status);
	event_del(p->ev);
	p->cb(p->status, p->arg);
}

/* Watches pid (our child) for p, instead of what p watched before. */
static void
runtime_watch_pid(struct runtime_proc *p, struct event_base *base, pid_t pid)
{
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pid = pid;
	/* After exec (or its zombie): what a restarted daemon checks. */
	if (procident_read(pid, &p->ident, NULL) != 0) {
		log_warn("process %d: cannot read /proc: %s", (int)pid,
		    strerror(errno));
		p->ident.pid = p->ident.pgid = pid;
	}
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0) {
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
		p->ev = event_new(base, p->pidfd, EV_READ | EV_PERSIST,
		    runtime_exit_cb_ev, p);
	} else {
		log_warn("pidfd_open: %s; watching SIGCHLD", strerror(errno));
		p->ev = event_new(base, SIGCHLD, EV_SIGNAL | EV_PERSIST,
		    runtime_exit_cb_ev, p);
	}
	event_add(p->ev, NULL);
	/* An exit before the SIGCHLD event existed would go unnoticed. */
	if (p->pidfd < 0 && runtime_check(p))
		event_active(p->ev, EV_SIGNAL, 0);
}

/* A proc for pid (our child), its exit watched on the loop. */
static struct runtime_proc *
runtime_watch(struct event_base *base, pid_t pid, runtime_exit_cb cb,
    void *arg)
{
	struct runtime_proc	*p;

	p = xcalloc(1, sizeof *p);
	p->pidfd = -1;
	p->cb = cb;
	p->arg = arg;
	runtime_watch_pid(p, base, pid);
	TAILQ_INSERT_TAIL(&runtime_procs, p, entry);
	return (p);
}

static int
runtime_tracked(pid_t pid)
{
	struct runtime_proc	*p;

	TAILQ_FOREACH(p, &runtime_procs, entry)
		if (p->pid == pid)
			return (1);
	return (0);
}

int
runtime_reap_orphans(void)
{
	struct runtime_proc	*p;
	siginfo_t		 si;
	char			 path[64];
	FILE			*f;
	long			 pid;
	int			 n = 0;

	/* Its process may be our child already, exited, not yet watched. */
	TAILQ_FOREACH(p, &runtime_procs, entry)
		if (p->spawning != NULL && runtime_check(p))
			return (-1);
	snprintf(path, sizeof path, "/proc/self/task/%d/children",
	    (int)getpid());
	if ((f = fopen(path, "re")) == NULL)
		return (0);
	while (fscanf(f, "%ld", &pid) == 1) {
		if (runtime_tracked((pid_t)pid))
			continue;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) == 0 &&
		    si.si_pid != 0) {
			log_debug("reaped orphan %ld (status %d)", pid,
			    runtime_status_of(&si));
			runtime_orphans[runtime_orphans_next].pid = (pid_t)pid;
			runtime_orphans[runtime_orphans_next].status =
			    runtime_status_of(&si);
			runtime_orphans_next = (runtime_orphans_next + 1) %
			    RUNTIME_ORPHANS;
			n++;
		}
	}
	fclose(f);
	return (n);
}

struct runtime_proc *
runtime_start(struct event_base *base, const struct runtime_spec *spec,
    int *out_fd, int *err_fd, runtime_exit_cb cb, void *arg, struct err *err)
{
	return (runtime_start_io(base, spec, NULL, out_fd, err_fd, cb, arg,
	    err));
}

struct runtime_proc *
runtime_start_io(struct event_base *base, const struct runtime_spec *spec,
    int *in_fd, int *out_fd, int *err_fd, runtime_exit_cb cb, void *arg,
    struct err *err)
{
	struct runtime_proc	*p;
	struct runtime_stdio	 io;
	pid_t			 pid;

	if (spec->oci != NULL)
		pid = runtime_oci_spawn(spec, in_fd != NULL, &io, err);
	else
		pid = runtime_child_spawn(spec, in_fd != NULL, &io, err);
	if (pid == -1)
		return (NULL);
	p = runtime_watch(base, pid, cb, arg);
	if (spec->oci != NULL && runtime_oci_start(p, spec, err) != 0) {
		runtime_free(p);
		if (io.in != -1)
			close(io.in);
		close(io.out);
		if (io.err != -1)
			close(io.err);
		return (NULL);
	}
	if (in_fd != NULL)
		*in_fd = io.in;
	*out_fd = io.out;
	*err_fd = io.err;
	if (spec->oci != NULL)
		log_debug("started %s %s %.12s, process %d",
		    ociruntime_name(spec->oci), spec->process != NULL ?
		    "exec in container" : "container", spec->id, (int)pid);
	else
		log_debug("started %s as process %d", spec->argv[0],
		    (int)pid);
	return (p);
}

pid_t
runtime_pid(const struct runtime_proc *p)
{
	return (p->spawning != NULL ? 0 : p->pid);
}

int
runtime_exited(const struct runtime_proc *p)
{
	return (p->exited);
}

const char *
runtime_name(const struct runtime_proc *p)
{
	if (p->exec_oci != NULL)
		return (ociruntime_name(p->exec_oci));
	return (p->oci != NULL ? ociruntime_name(p->oci) : OCIRUNTIME_PROCESS);
}

const char *
runtime_bundle(const struct runtime_proc *p)
{
	return (p->bundle);
}

int
runtime_pause(struct runtime_proc *p, int pause, struct err *err)
{
	if (p->oci != NULL)
		return (ociruntime_command(p->oci, pause ? "pause" : "resume",
		    p->oci_id, err));
	if (kill(-p->pid, pause ? SIGSTOP : SIGCONT) != 0)
		return (err_errno(err, "%s", pause ? "pause" : "resume"));
	return (0);
}

int
runtime_update(struct runtime_proc *p, json_t *resources, struct err *err)
{
	char	*path;
	int	 rc;

	/* The process runtime puts no cgroup around the process. */
	if (p->oci == NULL)
		return (0);
	path = xasprintf("%s/resources.json", p->bundle);
	if (json_dump_file(resources, path, JSON_COMPACT) != 0)
		rc = err_errno(err, "write %s", path);
	else
		rc = ociruntime_update(p->oci, p->oci_id, path, err);
	unlink(path);
	xfree(path);
	return (rc);
}

int
runtime_signal(struct runtime_proc *p, int sig)
{
	struct err	e;

	/* The process is not known yet: it gets the strongest asked for. */
	if (p->spawning != NULL) {
		if (p->pending_sig != SIGKILL)
			p->pending_sig = sig;
		return (0);
	}

	if (p->reaped || (p->oci != NULL && p->exited)) {
		errno = ESRCH;
		return (-1);
	}
	/* The init is PID 1 of its namespace: its death ends the rest. */
	if (p->oci != NULL) {
		if (ociruntime_kill(p->oci, p->oci_id, sig, &e) == 0)
			return (0);
		log_debug("%s kill %.12s: %s", ociruntime_name(p->oci),
		    p->oci_id, e.msg);
		return (kill(p->pid, sig));
	}
	/* The group outlives its leader: the leader is a zombie until free. */
	if (kill(-p->pid, sig) == 0)
		return (0);
	if (!p->exited)
		return (kill(p->pid, sig));
	return (-1);
}

void
runtime_free(struct runtime_proc *p)
{
	if (p == NULL)
		return;
	/* Teardown before the runtime was done: wait for it here, once. */
	if (p->spawning != NULL) {
		p->pending_sig = SIGKILL;
		if (!runtime_spawned(p))
			p->exited = 1;
	}
	if (!p->exited) {
		if (p->oci == NULL)
			kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
	}
	while (!p->reaped && waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
		;
	p->reaped = 1;
	xfree(p->start_error);
	TAILQ_REMOVE(&runtime_procs, p, entry);
	if (p->oci != NULL) {
		ociruntime_command(p->oci, "delete", p->oci_id, NULL);
		xfree(p->oci_id);
		xfree(p->bundle);
	}
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->pidfd >= 0)
		close(p->pidfd);
	xfree(p);
}

const char *
runtime_start_error(const struct runtime_proc *p, int *code)
{
	if (code != NULL)
		*code = p->start_code;
	return (p->start_error);
}

const struct procident *
runtime_ident(const struct runtime_proc *p)
{
	return (&p->ident);
}
