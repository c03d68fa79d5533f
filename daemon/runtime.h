/* SPDX-License-Identifier: MIT */
/*
 * Process runtime: runs a container's command on the host with fork/exec in
 * a new session, stdout/stderr on non-blocking pipes (or one pty), and
 * watches its exit through a pidfd on the event loop. No images, no
 * namespaces: the command sees the host filesystem.
 */
#ifndef LP_RUNTIME_H
#define LP_RUNTIME_H

#include <sys/types.h>

#include <stdint.h>

#include <jansson.h>

#include "daemon/base/err.h"

struct procident;

struct event_base;
struct ociruntime;
struct runtime_proc;

struct runtime_spec {
	const char *const *argv;	/* argv[0] looked up in envp's PATH */
	const char *const *envp;	/* complete environment */
	const char	*cwd;		/* absolute; NULL or "" means "/" */
	int		 tty;		/* one pty for stdout and stderr */
	unsigned short	 rows, cols;	/* the tty's first size; 0: none */
	/*
	 * With oci set, the container runs under that OCI runtime from the
	 * bundle (config.json already written: argv, envp and cwd are in it
	 * and unused here) as container id; its init is watched like a
	 * process (logpouchd must be child subreaper).
	 */
	struct ociruntime *oci;
	const char	*bundle;
	const char	*id;
	/*
	 * With oci and process (a process.json, daemon/oci.h) set, the
	 * process is started inside the running container id (`exec`)
	 * instead: the runtime's stdio is ours as for create, and the
	 * process, not the container, is what is watched and signalled.
	 */
	const char	*process;
	/*
	 * With process and no tty: the runtime's exec is not waited for, so
	 * the loop never stalls on it. Until it is done the proc watches the
	 * runtime; its failure arrives as the exit, status 126, with
	 * runtime_start_error() saying why.
	 */
	int		 nowait;
};

/*
 * Called once from the loop when the main process has exited; status is
 * the exit status, or 128+N when killed by signal N. The process stays a
 * zombie (so its pid and process group id cannot be reused) until
 * runtime_free() reaps it.
 */
typedef void (*runtime_exit_cb)(int status, void *arg);

/*
 * Starts spec. On success the caller owns *out_fd and *err_fd (read ends,
 * non-blocking, close-on-exec; *err_fd is -1 with a tty) and the returned
 * process, freed with runtime_free(). Exec failures in the child (missing
 * executable or directory, permission) are reported synchronously through a
 * close-on-exec status pipe: err->code ERR_INVALID and a runc-like message
 * ("exec: \"x\": executable file not found in $PATH").
 */
struct runtime_proc *runtime_start(struct event_base *,
		     const struct runtime_spec *, int *out_fd, int *err_fd,
		     runtime_exit_cb, void *arg, struct err *);
/*
 * runtime_start() with a stdin, for daemon/exec.c (exec -i): a pipe, or
 * the pty with a tty, whose other end goes to *in_fd (non-blocking,
 * close-on-exec, the caller's; a copy of the master with a tty). in_fd
 * NULL is runtime_start(): stdin is /dev/null.
 */
struct runtime_proc *runtime_start_io(struct event_base *,
		     const struct runtime_spec *, int *in_fd, int *out_fd,
		     int *err_fd, runtime_exit_cb, void *arg, struct err *);
pid_t		 runtime_pid(const struct runtime_proc *);
int		 runtime_exited(const struct runtime_proc *);
/*
 * Sends sig to the whole process group (an OCI container: `kill` to its
 * init, PID 1 of its namespace); 0, or -1 with errno.
 */
int		 runtime_signal(struct runtime_proc *, int sig);
/*
 * Freezes (`pause`: the cgroup freezer) or thaws (`resume`) an OCI
 * container; the process runtime stops and continues its process group
 * with SIGSTOP/SIGCONT. 0, or -1 with err.
 */
int		 runtime_pause(struct runtime_proc *, int pause, struct err *);
/*
 * Applies resources (LinuxResources) to a running OCI container through
 * its runtime's update; the process runtime has no cgroup to change and
 * succeeds. 0, or -1 with err.
 */
int		 runtime_update(struct runtime_proc *, json_t *resources,
		     struct err *);
/* The OCI runtime's name, or the process runtime's. */
const char	*runtime_name(const struct runtime_proc *);
/*
 * An OCI container's runtime, its id there and its bundle directory
 * (borrowed, alive with the proc); NULL for a host process or an exec.
 */
struct ociruntime *runtime_oci(const struct runtime_proc *);
const char	*runtime_oci_id(const struct runtime_proc *);
/*
 * Whether the kernel's OOM killer killed a process in the container's
 * memory cgroup (v2 memory.events, v1 memory.oom_control "oom_kill").
 * Before runtime_free: the runtime's delete removes the cgroup. 0 for a
 * host process.
 */
int		 runtime_oom_killed(const struct runtime_proc *);
const char	*runtime_bundle(const struct runtime_proc *);
/*
 * Stops watching and reaps. A process still running is killed (SIGKILL to
 * its group) and waited for, so callers normally free after the exit
 * callback; an OCI container's state is then deleted (delete --force).
 * NULL is fine.
 */
void		 runtime_free(struct runtime_proc *);

/* Why a nowait exec could not start (ERR_INVALID/_INTERNAL), else NULL. */
const char	*runtime_start_error(const struct runtime_proc *, int *code);

/* The ident of a started process, read once after it exec'd. */
const struct procident *runtime_ident(const struct runtime_proc *);

/*
 * As child subreaper the daemon inherits whatever the runtimes leave
 * behind (runc's intermediate children, an exec's process whose runtime
 * failed after the fork); a zombie left in a container's PID namespace
 * keeps its init from ever exiting. Reaps every exited child that no proc
 * watches: how many, or -1 when it must run again a little later (a
 * nowait exec's process is about to be watched). On SIGCHLD.
 */
int		 runtime_reap_orphans(void);

/* Parses "KILL", "SIGKILL", "9" (dockerd's ParseSignal); -1 if unknown. */
int		 runtime_parse_signal(const char *);

#endif
