/* SPDX-License-Identifier: MIT */
/*
 * The runtime's own view of a process, shared by the files that make up
 * the runtime: runtime.c (the process object: watch, signals, reap, the
 * restart ident), runtime_child.c (a host process: fork/exec) and
 * runtime_oci.c (a container or an exec under an OCI runtime). Nothing
 * outside daemon/runtime*.c includes it.
 */
#ifndef LP_RUNTIME_INT_H
#define LP_RUNTIME_INT_H

#include <sys/types.h>

#include <sys/queue.h>

#include <fcntl.h>

#include "daemon/base/procident.h"

struct err;
struct event;
struct ociruntime;
struct runtime_spec;

struct runtime_proc {
	TAILQ_ENTRY(runtime_proc) entry;	/* every live proc */
	pid_t		 pid;
	struct procident ident;
	int		 pidfd;		/* owned; -1: SIGCHLD fallback */
	struct event	*ev;		/* owned: pidfd readable or SIGCHLD */
	int		 exited;
	int		 status;
	int		 reaped;
	void		(*cb)(int, void *);	/* a runtime_exit_cb */
	void		*arg;
	struct ociruntime *oci;		/* borrowed; NULL: a host process */
	char		*oci_id;	/* owned: the runtime's container id */
	char		*bundle;	/* owned: the container's bundle */
	struct ociruntime *exec_oci;	/* borrowed: an exec's runtime */
	char		*spawning;	/* owned: a nowait exec's process.json
					   while pid is still the runtime's */
	int		 pending_sig;	/* asked for while spawning */
	char		*start_error;	/* owned: the nowait exec failed */
	int		 start_code;
};

/*
 * The caller's ends of a started process's stdio, non-blocking and
 * close-on-exec; -1 when absent (err with a tty, in without want_in).
 */
struct runtime_stdio {
	int	in;
	int	out;
	int	err;
};

static inline void
runtime_nonblock(int fd)
{
	int	flags = fcntl(fd, F_GETFL);

	if (flags != -1)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* runtime_pipes.c: the stdio of a process being started. */
struct runtime_pipes {
	int	out[2];
	int	err[2];
	int	in[2];
	int	master;		/* the pty's, with a tty: no pipes then */
};
/* Every fd -1: what _close() may always be called on. */
void	runtime_pipes_init(struct runtime_pipes *);
/* The out and err pipes, and in with want_in; -1 with err. */
int	runtime_pipes_open(struct runtime_pipes *, int want_in, struct err *);
/* Closes the child's ends once it holds its copies. */
void	runtime_pipes_close_child(struct runtime_pipes *);
/*
 * Hands our ends to *io, non-blocking (the master, and a copy of it as
 * stdin with want_in, when there is one); they are no longer p's.
 */
void	runtime_pipes_hand_over(struct runtime_pipes *, int want_in,
	    struct runtime_stdio *io);
/* Closes whatever p still holds. */
void	runtime_pipes_close(struct runtime_pipes *);

/*
 * Forks and execs spec's command on the host; returns once it exec'd (the
 * pid, *io filled) or failed (-1 with runc's wording, nothing left open).
 */
pid_t	runtime_child_spawn(const struct runtime_spec *, int want_in,
	    struct runtime_stdio *io, struct err *);
/*
 * `create` (or, with spec->process, `exec -d`) under spec->oci: the pid of
 * the init (or the exec'd process), our child, with *io filled; -1 with
 * err and nothing left open.
 */
pid_t	runtime_oci_spawn(const struct runtime_spec *, int want_in,
	    struct runtime_stdio *io, struct err *);
/*
 * The runtime of a nowait exec (spec->nowait) was reaped with status: the
 * exec'd process's pid, or -1 with err; its files are gone either way.
 */
pid_t	runtime_oci_spawned(struct runtime_proc *, int status, struct err *);
/*
 * Records spec's container on p and runs `start`; -1 with err (the caller
 * frees p, which deletes the container's runtime state).
 */
int	runtime_oci_start(struct runtime_proc *, const struct runtime_spec *,
	    struct err *);

#endif
