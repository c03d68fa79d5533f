/* SPDX-License-Identifier: MIT */
/*
 * Exec instances (docker exec): a command run beside a container's main
 * process, in the container's environment, on the process runtime, in its
 * own process group. Kept in memory per container, killed when the
 * container stops, unlisted when it is removed. No HTTP: the attached
 * stream that ties a process to its client lives in api/exec.c.
 *
 * Ownership: refcounted. The container's list holds one reference while
 * the instance is listed (at most EXEC_MAX_FINISHED finished ones are
 * kept), a running process holds one until it is reaped, and each
 * attached stream holds one. Lookups return borrowed pointers, valid
 * within the current callback; keep one longer only with exec_ref().
 */
#ifndef LP_EXEC_H
#define LP_EXEC_H

#include <stdint.h>

#include <jansson.h>

#include "daemon/base/err.h"
#include "daemon/execproc.h"

struct container;
struct container_store;
struct event_base;
struct exec;

#define EXEC_ID_LEN		64
/* Finished instances a container keeps for inspection; older ones go. */
#define EXEC_MAX_FINISHED	64
/* Created but never started; the oldest is dropped beyond this. */
#define EXEC_MAX_PENDING	256

enum exec_state {
	EXEC_CREATED,
	EXEC_RUNNING,		/* process alive (or not yet reaped) */
	EXEC_EXITED,		/* exit code known */
};

/* What POST /containers/{id}/exec asked for; strings are copied. */
struct exec_spec {
	const char *const *argv;	/* Cmd, non-empty, NULL-terminated */
	const char *const *env;		/* Env overrides; NULL or terminated */
	const char	*workdir;	/* "" or NULL: the container's */
	const char	*user;		/* shown, not used */
	int		 tty;
	int		 privileged;	/* shown, not used */
	int		 attach_stdin;
	int		 attach_stdout;
	int		 attach_stderr;
};

/*
 * Called once from the loop when the process has exited and been reaped;
 * code is its exit status (128+N for signal N). The exec is valid during
 * the call.
 */
typedef void (*exec_exit_cb)(struct exec *, int code, void *arg);

/*
 * Creates an instance on running container c: ERR_CONFLICT "Container <id>
 * is not running" otherwise. The environment is computed now: the
 * container's Env, HOSTNAME, TERM=xterm with a tty, then the spec's Env
 * (dockerd's ReplaceOrAppendEnvValues; "KEY" alone unsets). Borrowed.
 */
struct exec	*exec_create(struct event_base *, struct container *,
		     const struct exec_spec *, struct err *);
/* Exact id among listed instances; ERR_NOT_FOUND "No such exec instance". */
struct exec	*exec_lookup(struct container_store *, const char *id,
		     struct err *);

/* Its container exists and runs (start, resize: 409 otherwise). */
int		 exec_container_running(const struct exec *);
/*
 * Whether start may proceed, in dockerd's order and words: ERR_CONFLICT
 * "Container <id> is not running", "Error: Exec command <id> has already
 * run", "Error: Exec command <id> is already running".
 */
int		 exec_check_start(const struct exec *, struct err *);
/*
 * Starts the process. io NULL: detached, tied to no client, output read
 * and discarded here. Otherwise *io receives the caller's ends (owned by
 * the caller from now on; in only when the spec attached stdin) and cb
 * runs when the process is gone. Exec failures: ERR_INVALID (or
 * ERR_INTERNAL) with runc's wording; the instance is then exited with 127
 * (not found) or 126, as dockerd records it. With io, under an OCI
 * runtime and without a tty, the runtime's exec (~100 ms of runc) is not
 * waited for: its failure comes as the exit, 126, with exec_start_error()
 * in the same words, so cb must look; without io the caller's reply
 * needs the answer, and start waits.
 */
int		 exec_start(struct exec *, struct exec_io *io, exec_exit_cb cb,
		     void *arg, struct err *);
/* Forgets the exit callback (the attached stream let go); idempotent. */
void		 exec_unwatch(struct exec *);
/*
 * Asks a running process to stop: SIGTERM to its group, then SIGKILL
 * after grace_ms from a timer; grace_ms 0 sends SIGKILL at once. Returns
 * at once; nothing happens when it is not running.
 */
void		 exec_stop(struct exec *, int grace_ms);
/* TIOCSWINSZ on the pty of a running tty exec; a no-op otherwise. */
void		 exec_resize(struct exec *, int height, int width);

void		 exec_ref(struct exec *, const char *from);
/* Drops a reference; the last one frees the instance at once. */
void		 exec_unref(struct exec *, const char *from);

const char	*exec_id(const struct exec *);
const char	*exec_container_id(const struct exec *);
enum exec_state	 exec_state(const struct exec *);
const char	*exec_state_name(enum exec_state);
int		 exec_tty(const struct exec *);
int		 exec_attach_stdin(const struct exec *);
int		 exec_attach_stdout(const struct exec *);
int		 exec_attach_stderr(const struct exec *);
int		 exec_pid(const struct exec *);
/* -1 until exited. */
int		 exec_exit_code(const struct exec *);
/* After the exit of a nowait exec that could not start: why; else NULL. */
const char	*exec_start_error(const struct exec *);
/* GET /exec/{id}/json's object (ExitCode null until exited); caller owns. */
json_t		*exec_inspect_json(const struct exec *);

/* Listed instances of c (for tests and dumps); 0 when it has none. */
size_t		 exec_count(struct container *);

#endif
