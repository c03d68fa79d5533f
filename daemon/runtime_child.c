/* SPDX-License-Identifier: MIT */
/*
 * A host process: PATH looked up as Go's exec.LookPath does, fork/exec in
 * a new session with its stdio on pipes (or one pty), and a close-on-exec
 * status pipe so exec failures are known, in runc's words, before start
 * answers.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
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

#include "daemon/base/xalloc.h"
#include "daemon/runtime.h"
#include "daemon/runtime_int.h"

#ifndef SYS_close_range
#define SYS_close_range	436
#endif

#define RUNTIME_CHILD_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the child reports through the status pipe before it dies. */
enum runtime_child_stage {
	RUNTIME_CHILD_SETUP = 1,
	RUNTIME_CHILD_CHDIR,
	RUNTIME_CHILD_EXEC,
};

struct runtime_child_status {
	int	stage;
	int	error;
};

/* Go's error strings start lower case: "no such file or directory". */
static void
runtime_child_strerror(char *buf, size_t len, int error)
{
	snprintf(buf, len, "%s", strerror(error));
	if (buf[0] != '\0')
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* Go's exec.LookPath over the container's PATH: a regular executable. */
static char *
runtime_child_lookpath(const char *file, const char *const *envp)
{
	const char	*path = NULL;
	char		*copy, *dir, *next, *full;
	struct stat	 st;

	for (const char *const *e = envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	}
	if (path == NULL)
		path = RUNTIME_CHILD_DEFAULT_PATH;
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

/* Moves fd above the standard descriptors; the child only. */
static int
runtime_child_high(int fd)
{
	return (fcntl(fd, F_DUPFD, 10));
}

static void __attribute__((noreturn))
runtime_child_fail(int status_fd, int stage)
{
	struct runtime_child_status	st = { stage, errno };
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
runtime_child_exec(const struct runtime_spec *spec, const char *exe, int out_w,
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
		runtime_child_fail(high_status, RUNTIME_CHILD_SETUP);
	if (pty_name != NULL) {
		close(pty_master);
		if ((slave = open(pty_name, O_RDWR)) == -1)
			runtime_child_fail(high_status, RUNTIME_CHILD_SETUP);
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
		runtime_child_fail(high_status, RUNTIME_CHILD_SETUP);
	if (dup2(in_r != -1 ? in_r : null_fd, 0) == -1 ||
	    dup2(out_w, 1) == -1 || dup2(err_w, 2) == -1 ||
	    dup3(high_status, 3, O_CLOEXEC) == -1)
		runtime_child_fail(high_status, RUNTIME_CHILD_SETUP);
	if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
		long	max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = 4; fd < max; fd++)
			close(fd);
	}
	if (chdir(spec->cwd != NULL && *spec->cwd != '\0' ? spec->cwd : "/")
	    == -1)
		runtime_child_fail(3, RUNTIME_CHILD_CHDIR);
	/* execve's prototype predates const; it does not write them. */
	execve(exe, (char *const *)(uintptr_t)spec->argv,
	    (char *const *)(uintptr_t)spec->envp);
	runtime_child_fail(3, RUNTIME_CHILD_EXEC);
}

/* The tty's first size, before the process can ask for it. */
static void
runtime_child_winsize(int master, const struct runtime_spec *spec)
{
	struct winsize	ws;

	if (spec->rows == 0 || spec->cols == 0)
		return;
	memset(&ws, 0, sizeof ws);
	ws.ws_row = spec->rows;
	ws.ws_col = spec->cols;
	(void)ioctl(master, TIOCSWINSZ, &ws);	/* a size is best effort */
}

/* Turns the child's report into runc's wording. */
static int
runtime_child_error(const struct runtime_spec *spec,
    const struct runtime_child_status *st, struct err *err)
{
	char	 why[128];

	runtime_child_strerror(why, sizeof why, st->error);
	switch (st->stage) {
	case RUNTIME_CHILD_CHDIR:
		return (err_set(err, ERR_INVALID, "chdir to cwd (\"%s\") set "
		    "in config.json failed: %s", spec->cwd, why));
	case RUNTIME_CHILD_EXEC:
		if (st->error == ENOENT && strchr(spec->argv[0], '/') != NULL)
			return (err_set(err, ERR_INVALID, "exec: \"%s\": stat "
			    "%s: %s", spec->argv[0], spec->argv[0], why));
		return (err_set(err, ERR_INVALID, "exec: \"%s\": %s",
		    spec->argv[0], why));
	default:
		return (err_set(err, ERR_INTERNAL, "container init: %s", why));
	}
}

pid_t
runtime_child_spawn(const struct runtime_spec *spec, int want_in,
    struct runtime_stdio *io, struct err *err)
{
	struct runtime_child_status st;
	char			*exe = NULL, pty_name[128];
	struct runtime_pipes	 p;
	int			 status[2] = { -1, -1 };
	ssize_t			 n;
	size_t			 got = 0;
	pid_t			 pid;

	runtime_pipes_init(&p);
	if (spec->argv == NULL || spec->argv[0] == NULL ||
	    spec->argv[0][0] == '\0') {
		err_set(err, ERR_INVALID, "No command specified");
		goto fail;
	}
	if (strchr(spec->argv[0], '/') != NULL)
		exe = xstrdup(spec->argv[0]);
	else if ((exe = runtime_child_lookpath(spec->argv[0], spec->envp)) ==
	    NULL) {
		err_set(err, ERR_INVALID, "exec: \"%s\": executable file not "
		    "found in $PATH", spec->argv[0]);
		goto fail;
	}

	if (spec->tty) {
		p.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (p.master == -1 || grantpt(p.master) != 0 ||
		    unlockpt(p.master) != 0 ||
		    ptsname_r(p.master, pty_name, sizeof pty_name) != 0) {
			err_errno(err, "open pty");
			goto fail;
		}
		runtime_child_winsize(p.master, spec);
	} else if (runtime_pipes_open(&p, want_in, err) != 0)
		goto fail;
	if (pipe2(status, O_CLOEXEC) != 0) {
		err_errno(err, "pipe");
		goto fail;
	}

	if ((pid = fork()) == -1) {
		err_errno(err, "fork");
		goto fail;
	}
	if (pid == 0)
		runtime_child_exec(spec, exe, p.out[1], p.err[1], p.in[0],
		    want_in, p.master, spec->tty ? pty_name : NULL, status[1]);

	close(status[1]);
	status[1] = -1;
	runtime_pipes_close_child(&p);
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

	runtime_pipes_hand_over(&p, want_in, io);
	xfree(exe);
	return (pid);

fail:
	for (int i = 0; i < 2; i++) {
		if (status[i] != -1)
			close(status[i]);
	}
	runtime_pipes_close(&p);
	xfree(exe);
	return (-1);
}
