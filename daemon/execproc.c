/* SPDX-License-Identifier: MIT */
/*
 * An exec's process: start on the runtime, the pty copy for resizes, the
 * detached copiers, the SIGTERM-then-SIGKILL stop, and the exit path that
 * takes the rest of the group along and reaps before reporting.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "daemon/execproc.h"
#include "daemon/runtime.h"
#include "logdriver/copier.h"

struct execproc {
	char			 id[13];	/* the exec's, short */
	struct runtime_proc	*proc;		/* owned until the exit */
	struct task		*task;		/* owned until the exit */
	struct event		*kill_ev;	/* owned */
	int			 pid;
	int			 pty_fd;	/* owned: master copy; -1 */
	struct copier		*out;		/* owned: detached output */
	struct copier		*err;		/* owned: detached output */
	int			 exited;
	char			*start_error;	/* owned: a nowait exec's */
	int			 start_code;
	execproc_exit_cb	 cb;
	void			*arg;
};

/* What the run held besides the process; the exit and the free share it. */
static void
execproc_release(struct execproc *p)
{
	if (p->kill_ev != NULL)
		event_free(p->kill_ev);
	p->kill_ev = NULL;
	task_free(p->task);
	p->task = NULL;
	if (p->pty_fd != -1)
		close(p->pty_fd);
	p->pty_fd = -1;
	/* Discarded anyway: nothing to drain, a leftover writer gets EPIPE. */
	copier_free(p->out);
	copier_free(p->err);
	p->out = p->err = NULL;
}

static void
execproc_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct execproc	*p = arg;

	(void)fd;
	(void)what;
	if (p->exited || p->proc == NULL)
		return;
	log_info("exec %s: grace period over, sending SIGKILL", p->id);
	task_wait(p->task, "process exit after SIGKILL");
	runtime_signal(p->proc, SIGKILL);
}

/* Detached output is discarded; its end is noticed at the exit. */
static void
execproc_copier_eof_cb(struct copier *cp, void *arg)
{
	(void)cp;
	(void)arg;
}

static void
execproc_exit_cb_rt(int status, void *arg)
{
	struct execproc	*p = arg;

	/*
	 * As for a container: the rest of the group goes with its leader,
	 * so nothing the exec started outlives what we track.
	 */
	runtime_signal(p->proc, SIGKILL);
	p->pid = (int)runtime_pid(p->proc);
	if (runtime_start_error(p->proc, &p->start_code) != NULL)
		p->start_error = xstrdup(runtime_start_error(p->proc, NULL));
	runtime_free(p->proc);		/* reaps the zombie: instant */
	p->proc = NULL;
	p->exited = 1;
	execproc_release(p);
	p->cb(status, p->arg);		/* last: it may free p */
}

struct execproc *
execproc_start(struct event_base *base, const char *id,
    const char *container_id, const struct runtime_spec *spec,
    struct exec_io *io, int attach_stdin, execproc_exit_cb cb, void *arg,
    struct err *err)
{
	struct execproc	*p = xcalloc(1, sizeof *p);
	int		 out = -1, errfd = -1, in = -1;

	snprintf(p->id, sizeof p->id, "%.12s", id);
	p->pty_fd = -1;
	p->cb = cb;
	p->arg = arg;
	/* With a tty, stdin is the pty as well, attached or not (runc). */
	p->proc = runtime_start_io(base, spec, spec->tty || (io != NULL &&
	    attach_stdin) ? &in : NULL, &out, &errfd, execproc_exit_cb_rt, p,
	    err);
	if (p->proc == NULL) {
		xfree(p);
		return (NULL);
	}
	p->pid = (int)runtime_pid(p->proc);
	p->kill_ev = evtimer_new(base, execproc_kill_cb, p);
	p->task = task_new("daemon.exec");
	task_label(p->task, "exec=%s container=%.12s pid=%d%s", p->id,
	    container_id, p->pid, io == NULL ? " detached" : "");
	task_wait(p->task, "process exit");
	if (spec->tty)
		p->pty_fd = fcntl(out, F_DUPFD_CLOEXEC, 0);
	if (in != -1 && (io == NULL || !attach_stdin)) {
		close(in);
		in = -1;
	}
	if (io == NULL) {
		p->out = copier_new(base, out, LOGLINE_STDOUT, NULL,
		    execproc_copier_eof_cb, p);
		copier_start(p->out, NULL, NULL);
		if (errfd != -1) {
			p->err = copier_new(base, errfd, LOGLINE_STDERR, NULL,
			    execproc_copier_eof_cb, p);
			copier_start(p->err, NULL, NULL);
		}
	} else {
		io->in = in;
		io->out = out;
		io->err = errfd;
	}
	return (p);
}

void
execproc_stop(struct execproc *p, int grace_ms)
{
	struct timeval	tv = { grace_ms / 1000, (grace_ms % 1000) * 1000 };

	if (p == NULL || p->exited || p->proc == NULL)
		return;
	if (grace_ms <= 0) {
		event_del(p->kill_ev);
		task_wait(p->task, "process exit after SIGKILL");
		runtime_signal(p->proc, SIGKILL);
		return;
	}
	/* A second stop keeps the first deadline. */
	if (evtimer_pending(p->kill_ev, NULL))
		return;
	log_info("exec %s: stopping process %d, SIGKILL in %d ms", p->id,
	    p->pid, grace_ms);
	task_wait(p->task, "process exit after SIGTERM");
	runtime_signal(p->proc, SIGTERM);
	evtimer_add(p->kill_ev, &tv);
}

void
execproc_resize(struct execproc *p, int height, int width)
{
	struct winsize	ws;

	if (p == NULL || p->exited || p->pty_fd == -1 || height < 0 ||
	    width < 0)
		return;
	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)height;
	ws.ws_col = (unsigned short)width;
	if (ioctl(p->pty_fd, TIOCSWINSZ, &ws) != 0)
		log_debug("exec %s: TIOCSWINSZ: %s", p->id, strerror(errno));
}

int
execproc_pid(const struct execproc *p)
{
	return (p->proc != NULL ? (int)runtime_pid(p->proc) : p->pid);
}

const char *
execproc_start_error(const struct execproc *p, int *code)
{
	if (code != NULL)
		*code = p->start_code;
	return (p->start_error);
}

int
execproc_exited(const struct execproc *p)
{
	return (p->exited);
}

void
execproc_free(struct execproc *p)
{
	if (p == NULL)
		return;
	runtime_free(p->proc);		/* SIGKILL and reap if still alive */
	p->proc = NULL;
	execproc_release(p);
	xfree(p->start_error);
	xfree(p);
}
