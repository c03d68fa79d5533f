/* SPDX-License-Identifier: MIT */
/*
 * The stdio of a process being started, the same for a host process and
 * an OCI one: pipes made close-on-exec, the child's ends closed once it
 * has its copies, ours handed over non-blocking (or the pty's master with
 * a tty), and everything closed on a failed start.
 */
#include <fcntl.h>
#include <unistd.h>

#include "daemon/base/err.h"
#include "daemon/runtime.h"
#include "daemon/runtime_int.h"

static void
runtime_pipes_close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

void
runtime_pipes_init(struct runtime_pipes *p)
{
	p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
	p->in[0] = p->in[1] = p->master = -1;
}

int
runtime_pipes_open(struct runtime_pipes *p, int want_in, struct err *err)
{
	if (pipe2(p->out, O_CLOEXEC) != 0 || pipe2(p->err, O_CLOEXEC) != 0 ||
	    (want_in && pipe2(p->in, O_CLOEXEC) != 0))
		return (err_errno(err, "pipe"));
	return (0);
}

void
runtime_pipes_close_child(struct runtime_pipes *p)
{
	runtime_pipes_close_fd(&p->out[1]);
	runtime_pipes_close_fd(&p->err[1]);
	runtime_pipes_close_fd(&p->in[0]);
}

void
runtime_pipes_hand_over(struct runtime_pipes *p, int want_in,
    struct runtime_stdio *io)
{
	io->in = -1;
	if (p->master != -1) {
		/* The caller writes stdin to its own copy of the master. */
		if (want_in)
			io->in = fcntl(p->master, F_DUPFD_CLOEXEC, 0);
		runtime_nonblock(p->master);
		io->out = p->master;
		io->err = -1;
		p->master = -1;
		return;
	}
	runtime_nonblock(p->out[0]);
	runtime_nonblock(p->err[0]);
	io->out = p->out[0];
	io->err = p->err[0];
	p->out[0] = p->err[0] = -1;
	if (want_in) {
		runtime_nonblock(p->in[1]);
		io->in = p->in[1];
		p->in[1] = -1;
	}
}

void
runtime_pipes_close(struct runtime_pipes *p)
{
	for (int i = 0; i < 2; i++) {
		runtime_pipes_close_fd(&p->out[i]);
		runtime_pipes_close_fd(&p->err[i]);
		runtime_pipes_close_fd(&p->in[i]);
	}
	runtime_pipes_close_fd(&p->master);
}
