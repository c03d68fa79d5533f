/* SPDX-License-Identifier: MIT */
/*
 * OCI runtimes (runc, crun, or any --add-runtime binary with their command
 * line): the registry of names dockerd would know, and the commands that
 * create, start, signal, pause, resume and delete one container. Each call
 * runs the binary to completion (tens of milliseconds); the container's
 * init then lives on as our child (logpouchd is child subreaper).
 */
#ifndef LP_OCIRUNTIME_H
#define LP_OCIRUNTIME_H

#include <sys/types.h>

#include <jansson.h>

#include "daemon/base/err.h"

/* The process runtime's name: fork/exec on the host, no isolation. */
#define OCIRUNTIME_PROCESS	"logpouch-process"

struct ociruntime;
struct ociruntimes;

/*
 * An empty registry whose runtimes keep their state under state_dir/<name>
 * (created when used). The process runtime is always known and is the
 * default until ociruntimes_set_default(). Free with ociruntimes_free().
 */
struct ociruntimes *ociruntimes_new(const char *state_dir);
void		 ociruntimes_free(struct ociruntimes *);
/* Adds name -> path; a name already there gets the new path. */
void		 ociruntimes_add(struct ociruntimes *, const char *name,
		     const char *path);
/*
 * Adds "runc" and "crun" when found on PATH (names not already added),
 * then picks the default: want when given (ERR_INVALID when unknown), else
 * runc, crun, then the process runtime when no OCI runtime was found or
 * namespaces cannot be created here (logged).
 */
int		 ociruntimes_setup(struct ociruntimes *, const char *want,
		     struct err *);
const char	*ociruntimes_default(const struct ociruntimes *);
/*
 * The default runtime's version and commit as its `--version` printed them
 * when ociruntimes_setup() picked it; -1 for the process runtime or when
 * the binary said nothing. Valid until the registry is freed.
 */
int		 ociruntimes_default_version(const struct ociruntimes *,
		     const char **version, const char **commit);

/*
 * /info's Runtimes: {"name": {"path": ...}} for each, names sorted as Go
 * encodes a map; the process runtime has no binary (path "").
 */
json_t		*ociruntimes_view(const struct ociruntimes *);
/*
 * 0 when name (NULL or "": the default) is a runtime: *rt the OCI runtime,
 * NULL for the process runtime. ERR_INVALID "Unknown runtime specified x".
 */
int		 ociruntimes_lookup(struct ociruntimes *, const char *name,
		     struct ociruntime **rt, struct err *);
/*
 * After a daemon died: every container left in each runtime's state root is
 * killed and deleted (delete --force), so no task outlives its daemon.
 */
void		 ociruntimes_cleanup(struct ociruntimes *);
/* 1 when this process may create pid, mount, uts, ipc and net namespaces. */
int		 ociruntimes_namespaces_ok(void);

const char	*ociruntime_name(const struct ociruntime *);
/*
 * `create --bundle B --pid-file B/init.pid [--console-socket] id` with the
 * container's stdio on in (-1: /dev/null), out and err (the runtime's own
 * stdio, which the init inherits). With console the pty master received
 * over the console socket goes to *console. Returns the init's pid, or -1:
 * ERR_INVALID when the command cannot run (the runtime's own words after
 * "unable to start container process: "), ERR_INTERNAL otherwise.
 */
pid_t		 ociruntime_create(struct ociruntime *, const char *bundle,
		     const char *id, int in, int out, int err, int *console,
		     struct err *);
/*
 * `exec --detach --process <process> --pid-file <process>.pid
 * [--console-socket] id`: a process.json started inside the running
 * container, stdio and console as create's. Returns its host pid (our
 * child once the runtime exited: we are subreaper), or -1 as create.
 */
pid_t		 ociruntime_exec(struct ociruntime *, const char *id,
		     const char *process, int in, int out, int err,
		     int *console, struct err *);
/*
 * ociruntime_exec without a console and without waiting, for a loop that
 * must not stall while the runtime works (~100 ms for runc): _begin
 * starts the runtime and returns its pid (-1 with err); once it has been
 * reaped, _end takes its wait status and returns the process's pid, or -1
 * with err as ociruntime_exec; either way process, its pid file and the
 * runtime's log for it (<process>.log) are gone after _end.
 */
pid_t		 ociruntime_exec_begin(struct ociruntime *, const char *id,
		     const char *process, int in, int out, int err,
		     struct err *);
pid_t		 ociruntime_exec_end(struct ociruntime *, const char *process,
		     int status, struct err *);
/* `start`, `pause`, `resume`, `delete --force`: 0 or -1 with err. */
int		 ociruntime_command(struct ociruntime *, const char *cmd,
		     const char *id, struct err *);
/* `update --resources path id` (a LinuxResources file): 0 or -1. */
int		 ociruntime_update(struct ociruntime *, const char *id,
		     const char *path, struct err *);
/* `kill id SIG`: 0 or -1 with err. */
int		 ociruntime_kill(struct ociruntime *, const char *id, int sig,
		     struct err *);

#endif
