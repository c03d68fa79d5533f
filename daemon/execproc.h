/* SPDX-License-Identifier: MIT */
/*
 * One run of an exec instance: its process on the runtime, started with
 * the attached caller's stdio ends or detached (output read and dropped),
 * stopped with a grace timer, its pty resized, and its exit (the group
 * killed, the zombie reaped) reported once. The instance bookkeeping
 * (state, exit code, the container's list) stays in daemon/exec.c, which
 * owns one execproc per run.
 */
#ifndef LP_EXECPROC_H
#define LP_EXECPROC_H

#include "daemon/base/err.h"

struct event_base;
/* The attached caller's ends of the process's stdio; -1 when absent. */
struct exec_io {
	int	in;		/* stdin (pipe, or the pty with a tty) */
	int	out;		/* stdout, or the pty master */
	int	err;		/* stderr; -1 with a tty */
};

struct execproc;
struct runtime_spec;

/*
 * The process exited and was reaped; status as runtime_exit_cb. Runs once,
 * from the loop; nothing touches the execproc after it, so it may free it.
 */
typedef void	(*execproc_exit_cb)(int status, void *arg);

/*
 * Starts spec's process; id names it in logs and its daemon.exec task. io
 * NULL: detached. Otherwise *io gets the caller's ends (owned by the
 * caller; in only when attach_stdin). NULL with the runtime's error.
 */
struct execproc	*execproc_start(struct event_base *, const char *id,
		     const char *container_id, const struct runtime_spec *,
		     struct exec_io *io, int attach_stdin, execproc_exit_cb,
		     void *arg, struct err *);
/* SIGTERM to the group, SIGKILL after grace_ms (0: at once); only asks. */
void		 execproc_stop(struct execproc *, int grace_ms);
/* TIOCSWINSZ on the pty of a tty process; a no-op otherwise. */
void		 execproc_resize(struct execproc *, int height, int width);
/* The process's pid; 0 while a nowait exec's runtime still works. */
int		 execproc_pid(const struct execproc *);
/*
 * After the exit: why a nowait exec could not start (its exit status was
 * then 126), with ERR_INVALID or ERR_INTERNAL in *code; else NULL.
 */
const char	*execproc_start_error(const struct execproc *, int *code);
int		 execproc_exited(const struct execproc *);
/*
 * Frees; a process still running is killed and reaped now, without the
 * exit callback (daemon teardown). NULL is fine.
 */
void		 execproc_free(struct execproc *);

#endif
