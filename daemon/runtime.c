/* SPDX-License-Identifier: MIT */
/*
 * Process runtime: fork/exec with a close-on-exec status pipe so exec
 * failures are known before start answers, setsid() so a stop signals the
 * whole tree, and exit seen through a pidfd (a SIGCHLD event if the kernel
 * has no pidfd_open). Never blocks the loop on waitpid.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/log.h"
#include "daemon/ociruntime.h"
#include "daemon/runtime.h"
#include "daemon/base/xalloc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif
#ifndef SYS_close_range
#define SYS_close_range	436
#endif

#define RUNTIME_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the child reports through the status pipe before it dies. */
enum runtime_stage {
	RUNTIME_STAGE_SETUP = 1,
	RUNTIME_STAGE_CHDIR,
	RUNTIME_STAGE_EXEC,
};

struct runtime_status {
	int	stage;
	int	error;
};

struct runtime_proc {
	pid_t		 pid;
	struct runtime_ident ident;
	int		 pidfd;		/* owned; -1: SIGCHLD fallback */
	struct event	*ev;		/* owned: pidfd readable or SIGCHLD */
	int		 exited;
	int		 status;
	int		 reaped;
	runtime_exit_cb	 cb;
	void		*arg;
	struct ociruntime *oci;		/* borrowed; NULL: a host process */
	char		*oci_id;	/* owned: the runtime's container id */
	char		*bundle;	/* owned: the container's bundle */
	struct ociruntime *exec_oci;	/* borrowed: an exec's runtime */
};

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

/* Go's error strings start lower case: "no such file or directory". */
static void
runtime_strerror(char *buf, size_t len, int error)
{
	snprintf(buf, len, "%s", strerror(error));
	if (buf[0] != '\0')
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* Go's exec.LookPath over the container's PATH: a regular executable. */
static char *
runtime_lookpath(const char *file, const char *const *envp)
{
	const char	*path = NULL;
	char		*copy, *dir, *next, *full;
	struct stat	 st;

	for (const char *const *e = envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	}
	if (path == NULL)
		path = RUNTIME_DEFAULT_PATH;
	copy = xstrdup(path);
	for (dir = copy; dir != NULL; dir = next) {
		if ((next = strchr(dir, ':')) != NULL)
			*next++ = '\0';
		full = xasprintf("%s/%s", *dir == '\0' ? "." : dir, file);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) != 0) {
			xfree(copy);
			return (full);
		}
		xfree(full);
	}
	xfree(copy);
	return (NULL);
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

static void
runtime_exit_cb_ev(evutil_socket_t fd, short what, void *arg)
{
	struct runtime_proc	*p = arg;

	(void)fd;
	(void)what;
	if (!runtime_check(p))
		return;
	log_debug("process %d exited with status %d", (int)p->pid, p->status);
	event_del(p->ev);
	p->cb(p->status, p->arg);
}

static void
runtime_set_nonblock(int fd)
{
	int	flags = fcntl(fd, F_GETFL);

	if (flags != -1)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Moves fd above the standard descriptors; the child only. */
static int
runtime_child_high(int fd)
{
	return (fcntl(fd, F_DUPFD, 10));
}

static void __attribute__((noreturn))
runtime_child_fail(int status_fd, int stage)
{
	struct runtime_status	st = { stage, errno };
	ssize_t			n;

	n = write(status_fd, &st, sizeof st);
	(void)n;	/* nothing left to tell anyone if this fails */
	_exit(127);
}

/*
 * In the child between fork and exec. Only async-signal-safe calls that
 * cannot deadlock; the daemon is single threaded, so this holds.
 */
static void __attribute__((noreturn))
runtime_child(const struct runtime_spec *spec, const char *exe, int out_w,
    int err_w, int in_r, int want_in, int pty_master, const char *pty_name,
    int status_w)
{
	struct sigaction	 sa;
	sigset_t		 all;
	int			 null_fd, slave = -1, high_status;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if ((high_status = runtime_child_high(status_w)) == -1)
		_exit(127);
	if (setsid() == -1)
		runtime_child_fail(high_status, RUNTIME_STAGE_SETUP);
	if (pty_name != NULL) {
		close(pty_master);
		if ((slave = open(pty_name, O_RDWR)) == -1)
			runtime_child_fail(high_status, RUNTIME_STAGE_SETUP);
		ioctl(slave, TIOCSCTTY, 0);
		out_w = err_w = slave;
		if (want_in)	/* exec -it: stdin is the pty too */
			in_r = slave;
	}
	if ((null_fd = open("/dev/null", O_RDONLY)) == -1 ||
	    (null_fd = runtime_child_high(null_fd)) == -1 ||
	    (out_w = runtime_child_high(out_w)) == -1 ||
	    (err_w = runtime_child_high(err_w)) == -1 ||
	    (in_r != -1 && (in_r = runtime_child_high(in_r)) == -1))
		runtime_child_fail(high_status, RUNTIME_STAGE_SETUP);
	if (dup2(in_r != -1 ? in_r : null_fd, 0) == -1 ||
	    dup2(out_w, 1) == -1 || dup2(err_w, 2) == -1 ||
	    dup3(high_status, 3, O_CLOEXEC) == -1)
		runtime_child_fail(high_status, RUNTIME_STAGE_SETUP);
	if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
		long	max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = 4; fd < max; fd++)
			close(fd);
	}
	if (chdir(spec->cwd != NULL && *spec->cwd != '\0' ? spec->cwd : "/")
	    == -1)
		runtime_child_fail(3, RUNTIME_STAGE_CHDIR);
	/* execve's prototype predates const; it does not write them. */
	execve(exe, (char *const *)(uintptr_t)spec->argv,
	    (char *const *)(uintptr_t)spec->envp);
	runtime_child_fail(3, RUNTIME_STAGE_EXEC);
}

/* Turns the child's report into runc's wording. */
static int
runtime_child_error(const struct runtime_spec *spec,
    const struct runtime_status *st, struct err *err)
{
	char	 why[128];

	runtime_strerror(why, sizeof why, st->error);
	switch (st->stage) {
	case RUNTIME_STAGE_CHDIR:
		return (err_set(err, ERR_INVALID, "chdir to cwd (\"%s\") set "
		    "in config.json failed: %s", spec->cwd, why));
	case RUNTIME_STAGE_EXEC:
		if (st->error == ENOENT && strchr(spec->argv[0], '/') != NULL)
			return (err_set(err, ERR_INVALID, "exec: \"%s\": stat "
			    "%s: %s", spec->argv[0], spec->argv[0], why));
		return (err_set(err, ERR_INVALID, "exec: \"%s\": %s",
		    spec->argv[0], why));
	default:
		return (err_set(err, ERR_INTERNAL, "container init: %s", why));
	}
}

/* A proc for pid (our child), its exit watched on the loop. */
static struct runtime_proc *
runtime_watch(struct event_base *base, pid_t pid, runtime_exit_cb cb,
    void *arg)
{
	struct runtime_proc	*p;

	p = xcalloc(1, sizeof *p);
	p->pid = pid;
	/* After exec (or its zombie): what a restarted daemon checks. */
	if (runtime_ident_read(pid, &p->ident, NULL) != 0) {
		log_warn("process %d: cannot read /proc: %s", (int)pid,
		    strerror(errno));
		p->ident.pid = p->ident.pgid = pid;
	}
	p->cb = cb;
	p->arg = arg;
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
	return (p);
}

/*
 * The OCI path: pipes (or the console the runtime sends back) as the
 * container's stdio, `create` then `start`, and the init watched as our
 * child. Errors before start leave no runtime state behind. With
 * spec->process it is `exec -d` into the running container instead: the
 * exec'd process is ours the same way, signalled by its pid (its group:
 * runc makes it a session leader), never through the runtime.
 */
static struct runtime_proc *
runtime_start_oci(struct event_base *base, const struct runtime_spec *spec,
    int *in_fd, int *out_fd, int *err_fd, runtime_exit_cb cb, void *arg,
    struct err *err)
{
	struct runtime_proc	*p;
	int			 out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int			 in[2] = { -1, -1 }, master = -1;
	pid_t			 pid;

	if (!spec->tty && (pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(errp, O_CLOEXEC) != 0 ||
	    (in_fd != NULL && pipe2(in, O_CLOEXEC) != 0))) {
		err_errno(err, "pipe");
		goto fail;
	}
	if (spec->process != NULL)
		pid = ociruntime_exec(spec->oci, spec->id, spec->process,
		    in[0], out[1], errp[1], spec->tty ? &master : NULL, err);
	else
		pid = ociruntime_create(spec->oci, spec->bundle, spec->id,
		    in[0], out[1], errp[1], spec->tty ? &master : NULL, err);
	for (int i = 0; i < 2; i++) {	/* the process has its copies */
		if (i == 0 && in[0] != -1)
			close(in[0]);
		if (i == 1 && out[1] != -1)
			close(out[1]);
		if (i == 1 && errp[1] != -1)
			close(errp[1]);
	}
	in[0] = out[1] = errp[1] = -1;
	if (pid == -1)
		goto fail;
	p = runtime_watch(base, pid, cb, arg);
	if (spec->process != NULL)
		p->exec_oci = spec->oci;
	else {
		p->oci = spec->oci;
		p->oci_id = xstrdup(spec->id);
		p->bundle = xstrdup(spec->bundle);
		if (ociruntime_command(spec->oci, "start", spec->id, err) !=
		    0) {
			runtime_free(p);
			goto fail;
		}
	}
	if (spec->tty) {
		runtime_set_nonblock(master);
		if (in_fd != NULL)
			*in_fd = fcntl(master, F_DUPFD_CLOEXEC, 0);
		*out_fd = master;
		*err_fd = -1;
	} else {
		runtime_set_nonblock(out[0]);
		runtime_set_nonblock(errp[0]);
		*out_fd = out[0];
		*err_fd = errp[0];
		if (in_fd != NULL) {
			runtime_set_nonblock(in[1]);
			*in_fd = in[1];
		}
	}
	log_debug("started %s %s %.12s, process %d",
	    ociruntime_name(spec->oci), spec->process != NULL ?
	    "exec in container" : "container", spec->id, (int)pid);
	return (p);
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (in[i] != -1)
			close(in[i]);
	}
	if (master != -1)
		close(master);
	return (NULL);
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
	struct runtime_proc	*p = NULL;
	struct runtime_status	 st;
	char			*exe = NULL, pty_name[128];
	int			 out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int			 in[2] = { -1, -1 };
	int			 status[2] = { -1, -1 }, master = -1;
	ssize_t			 n;
	size_t			 got = 0;
	pid_t			 pid;

	if (spec->oci != NULL)
		return (runtime_start_oci(base, spec, in_fd, out_fd, err_fd,
		    cb, arg, err));
	if (spec->argv == NULL || spec->argv[0] == NULL ||
	    spec->argv[0][0] == '\0') {
		err_set(err, ERR_INVALID, "No command specified");
		goto fail;
	}
	if (strchr(spec->argv[0], '/') != NULL)
		exe = xstrdup(spec->argv[0]);
	else if ((exe = runtime_lookpath(spec->argv[0], spec->envp)) == NULL) {
		err_set(err, ERR_INVALID, "exec: \"%s\": executable file not "
		    "found in $PATH", spec->argv[0]);
		goto fail;
	}

	if (spec->tty) {
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master == -1 || grantpt(master) != 0 ||
		    unlockpt(master) != 0 ||
		    ptsname_r(master, pty_name, sizeof pty_name) != 0) {
			err_errno(err, "open pty");
			goto fail;
		}
	} else if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
	    (in_fd != NULL && pipe2(in, O_CLOEXEC) != 0)) {
		err_errno(err, "pipe");
		goto fail;
	}
	if (pipe2(status, O_CLOEXEC) != 0) {
		err_errno(err, "pipe");
		goto fail;
	}

	if ((pid = fork()) == -1) {
		err_errno(err, "fork");
		goto fail;
	}
	if (pid == 0)
		runtime_child(spec, exe, out[1], errp[1], in[0], in_fd != NULL,
		    master, spec->tty ? pty_name : NULL, status[1]);

	close(status[1]);
	status[1] = -1;
	if (!spec->tty) {
		close(out[1]);
		close(errp[1]);
		out[1] = errp[1] = -1;
	}
	if (in[0] != -1) {
		close(in[0]);
		in[0] = -1;
	}
	/*
	 * Blocks only until the child execs or fails: the write end closes on
	 * exec. This is what lets start answer 400 synchronously.
	 */
	while (got < sizeof st) {
		n = read(status[0], (char *)&st + got, sizeof st - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(status[0]);
	status[0] = -1;
	if (got == sizeof st) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		runtime_child_error(spec, &st, err);
		goto fail;
	}

	p = runtime_watch(base, pid, cb, arg);

	if (in_fd != NULL) {
		/* With a tty the caller writes to its own master copy. */
		if (spec->tty)
			in[1] = fcntl(master, F_DUPFD_CLOEXEC, 0);
		runtime_set_nonblock(in[1]);
		*in_fd = in[1];
		in[1] = -1;
	}
	if (spec->tty) {
		runtime_set_nonblock(master);
		*out_fd = master;
		*err_fd = -1;
	} else {
		runtime_set_nonblock(out[0]);
		runtime_set_nonblock(errp[0]);
		*out_fd = out[0];
		*err_fd = errp[0];
	}
	xfree(exe);
	log_debug("started %s as process %d", spec->argv[0], (int)pid);
	return (p);

fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (status[i] != -1)
			close(status[i]);
		if (in[i] != -1)
			close(in[i]);
	}
	if (master != -1)
		close(master);
	xfree(exe);
	return (NULL);
}

pid_t
runtime_pid(const struct runtime_proc *p)
{
	return (p->pid);
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

struct ociruntime *
runtime_oci(const struct runtime_proc *p)
{
	return (p->oci);
}

const char *
runtime_oci_id(const struct runtime_proc *p)
{
	return (p->oci_id);
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
runtime_signal(struct runtime_proc *p, int sig)
{
	struct err	e;

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
	if (!p->exited) {
		if (p->oci == NULL)
			kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
	}
	while (waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
		;
	p->reaped = 1;
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

const struct runtime_ident *
runtime_ident(const struct runtime_proc *p)
{
	return (&p->ident);
}

int
runtime_ident_read(pid_t pid, struct runtime_ident *id, char *state)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 start;
	int			 fd, pgrp, field;
	ssize_t			 n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? (errno = ESRCH, -1) : -1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (n == 0 ? (errno = ESRCH, -1) : -1);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields follow the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return (errno = EINVAL, -1);
	p += 2;
	if (state != NULL)
		*state = *p;
	if (sscanf(p, "%*c %*d %d", &pgrp) != 1)
		return (errno = EINVAL, -1);
	/* Field 3 is the state; the start time is field 22. */
	for (field = 3; field < 22 && p != NULL; field++) {
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	if (p == NULL || sscanf(p, "%llu", &start) != 1)
		return (errno = EINVAL, -1);
	id->pid = pid;
	id->pgid = (pid_t)pgrp;
	id->start_time = (uint64_t)start;
	return (0);
}

/*
 * The pidfd pins the process, so the check and the signal are about the
 * same one: after the start time matched, a successful signal 0 through
 * the pidfd proves the pid was not recycled in between, and while the
 * leader lives (a zombie too) its group id cannot be reused either.
 */
enum runtime_orphan
runtime_kill_orphan(const struct runtime_ident *want, int wait_ms)
{
	struct runtime_ident	 now;
	struct pollfd		 pfd;
	char			 state = '?';
	int			 pidfd;

	if (want->pid <= 1 || want->pgid <= 1)
		return (RUNTIME_ORPHAN_STRANGER);
	pidfd = (int)syscall(SYS_pidfd_open, want->pid, 0);
	if (pidfd == -1 && errno == ESRCH)
		return (RUNTIME_ORPHAN_GONE);
	if (runtime_ident_read(want->pid, &now, &state) != 0) {
		if (pidfd != -1)
			close(pidfd);
		return (errno == ESRCH ? RUNTIME_ORPHAN_GONE :
		    RUNTIME_ORPHAN_STRANGER);
	}
	if (want->start_time == 0 || now.start_time != want->start_time ||
	    now.pgid != want->pgid ||
	    (pidfd != -1 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL,
	    0) != 0)) {
		log_info("process %d: start time %" PRIu64 " group %d, saved "
		    "%" PRIu64 " group %d: a stranger, not signalled",
		    (int)want->pid, now.start_time, (int)now.pgid,
		    want->start_time, (int)want->pgid);
		if (pidfd != -1)
			close(pidfd);
		return (RUNTIME_ORPHAN_STRANGER);
	}
	if (kill(-want->pgid, SIGKILL) != 0)
		kill(want->pid, SIGKILL);
	log_info("process %d: still running from a previous daemon; killed "
	    "its group %d", (int)want->pid, (int)want->pgid);
	/* The pidfd turns readable when the leader dies (as a zombie). */
	if (pidfd != -1 && state != 'Z') {
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, wait_ms) == -1 && errno == EINTR)
			;
	}
	if (pidfd != -1)
		close(pidfd);
	return (RUNTIME_ORPHAN_KILLED);
}
