/* SPDX-License-Identifier: MIT */
/*
 * The engine's own view of a container and its store, shared by the
 * modules that make up the container (container.c: the object and its
 * lifecycle; container_store.c, container_persist.c, container_log.c,
 * container_oci.c, container_view.c). Nothing outside daemon/container*.c
 * includes it.
 */
#ifndef LP_CONTAINER_INT_H
#define LP_CONTAINER_INT_H

#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>

#include "daemon/base/err.h"
#include "daemon/base/procident.h"
#include "daemon/base/reap.h"
#include "daemon/container_state.h"
#include "logdriver/jsonfile.h"

struct attach;
struct cancel;
struct container_waiter;
struct copier;
struct event;
struct event_base;
struct events;
struct images;
struct networks;
struct ociruntimes;
struct runtime_proc;
struct runtime_spec;
struct task;

#define CONTAINER_ID_LEN	64
/* How long output may keep flowing after the main process died. */
#define CONTAINER_DRAIN_MS	1000

/*
 * HostConfig.LogConfig, parsed once at create and at load: the options
 * dockerd checks at start (a bad one fails the start, not the create).
 */
struct container_logopt {
	int			 none;		/* driver "none" */
	struct jsonfile_opts	 opts;		/* valid when !bad */
	int			 bad;
	struct err		 why;		/* when bad: the parse error */
	char			*path;		/* owned; NULL with "none" */
	int			 nonblock;	/* mode=non-blocking */
	size_t			 ring_size;	/* its max-buffer-size */
};

TAILQ_HEAD(container_list, container);
TAILQ_HEAD(container_waiters, container_waiter);

struct container {
	struct container_store	*store;		/* borrowed */
	TAILQ_ENTRY(container)	 entry;		/* store's live list */
	char			 id[CONTAINER_ID_LEN + 1];
	char			*name;		/* owned, "/name" */
	char			*dir;		/* owned */
	int64_t			 created_ns;
	json_t			*config;	/* owned: API Config */
	json_t			*hostconfig;	/* owned: API HostConfig */
	struct container_logopt	 logopt;

	enum container_state	 state;
	int			 pid;
	struct procident	 ident;		/* of the process, persisted */
	int			 exit_code;
	char			*error;		/* owned; "" when none */
	int64_t			 started_ns;	/* 0: never started */
	int64_t			 finished_ns;	/* 0: never finished */
	int			 log_started;	/* LogPath shown: started or
						   read (dockerd) */
	char			*rootfs;	/* owned: mounted root, OCI */

	struct cancel		*ctx;		/* owned */
	struct runtime_proc	*proc;		/* owned while running */
	struct copier		*out;		/* owned while running */
	struct copier		*err;		/* owned while running */
	struct jsonfile		*writer;	/* owned while running */
	struct logring		*ring;		/* owned while running;
						   NULL: blocking */
	struct task		*monitor;	/* owned while running */
	struct event		*kill_ev;	/* owned: SIGKILL after grace */
	struct event		*drain_ev;	/* owned: bound on the drain */
	struct event		*restart_ev;	/* owned: the policy's backoff */
	struct task		*restart_task;	/* owned while restarting */
	int			 restarting;	/* exited, a restart pending */
	int			 restart_count;	/* RestartCount, persisted */
	int			 restart_delay_ms;	/* the backoff; 0: reset */
	int			 restart_canceled;	/* dockerd's ExitOnNext,
						   until the next start */
	int			 manually_stopped;	/* HasBeenManuallyStopped,
						   persisted */
	struct reap		 reap;		/* container_free */
	int			 finished;	/* container_finish ran */
	int			 proc_exited;
	int			 proc_status;
	int			 paused;	/* frozen by the runtime */
	int			 oom_killed;	/* the last run's (OOMKilled) */
	json_t			*health;	/* owned: State.Health; NULL
						   until a probe's first run */
	int			 removing;	/* removal requested/done */
	int			 removed;	/* off the live list */
	int			 shutdown_counted;
	int			 stop_requested;	/* "stop" at the exit */
	uint64_t		 exit_seq;	/* exits so far */
	struct container_waiters waiters;
	void			*execs;		/* owned via execs_free:
						   daemon/exec.c's state */
	void			(*execs_free)(void *);
	struct attach		*attach;	/* owned: daemon/attach.c */
};

struct container_store {
	struct event_base	*base;		/* borrowed */
	struct cancel		*root;		/* borrowed */
	char			*dir;		/* owned: <root>/containers */
	char			*data_root;	/* owned: <root> */
	struct container_list	 live;		/* newest first */
	struct event		*done_ev;	/* owned */
	void			(*done)(void *);
	void			*done_arg;
	int			 pending;	/* shutdown: not yet stopped */
	int			 shutting_down;
	struct images		*images;	/* owned: <root>/image */
	struct networks		*networks;	/* owned */
	char			 engine_id[37];	/* <root>/engine-id */
	struct events		*events;	/* owned: the event bus */
	struct ociruntimes	*runtimes;	/* borrowed; NULL: process */
	json_t			*log_default;	/* owned: a LogConfig */
};

/* container.c: the object. */
/* A container with id under st's directory; nothing parsed or saved yet. */
struct container *container_new(struct container_store *, const char *id);
/* Detaches c (idempotent): timers, process, copiers, writer, waiters. */
void		 container_finish(struct container *);
/* Finishes c, then frees it from the loop (the reap). */
void		 container_free(struct container *);
/* Takes c off the store and deletes it (see container.c). */
void		 container_remove_now(struct container *);
/* State.Error goes into JSON: any bytes in, valid UTF-8 kept. */
void		 container_set_error(struct container *, const char *msg);
/* A string member of obj, "" when missing. */
const char	*container_json_str(json_t *obj, const char *key);

/* container_wait.c: the waiters of container_wait_add(). */
/* c stopped: the waiters armed before this exit fire (removed = 0). */
void		 container_wait_wake(struct container *, int code);
/* c is being removed: every waiter fires (removed = 1). */
void		 container_wait_removed(struct container *);
/* c is finished at teardown: every waiter is let go, unfired. */
void		 container_wait_drop(struct container *);

/* container_store.c */
/* Keeps the live list newest first. */
void		 container_store_insert(struct container_store *,
		     struct container *);
struct container *container_store_by_name(struct container_store *,
		     const char *name);
/* dockerd's validContainerNamePattern. */
int		 container_store_valid_name(const char *);

/* container_persist.c: <dir>/config.v2.json */
/* Writes it atomically; -1 with errno set (logged) when it could not. */
int		 container_persist_save(struct container *);
/*
 * Fills c, new and not yet in the store, from its saved metadata: -1
 * (logged) when that cannot be read. A process it left running is killed.
 */
int		 container_persist_load(struct container *);
/* rm -rf dir, each failure logged. */
void		 container_persist_rmdir(const char *dir);

/* container_oci.c */
/*
 * The OCI runtime the container asks for, its root mounted and its bundle
 * written (*bundle, owned by the caller), goes into spec; 0 leaves spec
 * alone for the process runtime. -1 with err.
 */
int		 container_oci_prepare(struct container *,
		     struct runtime_spec *, char **bundle, struct err *);
/* The root stays on disk for the next start; only the mount goes. */
void		 container_oci_unmount(struct container *);
/*
 * The root of c for one call: its mounted root while it runs, else its
 * writable root mounted now (*mounted: container_oci_root_put unmounts
 * it). NULL with err.
 */
char		*container_oci_root_get(struct container *, int *mounted,
		     struct err *);
void		 container_oci_root_put(struct container *, char *root,
		     int mounted);

/* container_restart.c: HostConfig.RestartPolicy, dockerd's decisions. */
/* c just exited: restart it? *delay_ms then says when. */
int		 container_restart_after_exit(struct container *,
		     int *delay_ms);
/* The daemon starts: does c come back? */
int		 container_restart_at_boot(struct container *);
/* Does a kill with sig keep c from restarting (until the next start)? */
int		 container_restart_cancels(struct container *, int sig);
/* A start asked for by a client: the count and the backoff begin anew. */
void		 container_restart_reset(struct container *);

/* container_log.c */
/* Parses hc's LogConfig into lo; the path is <dir>/<id>-json.log. */
void		 container_log_init(struct container_logopt *,
		     json_t *hostconfig, const char *dir, const char *id);
void		 container_log_clear(struct container_logopt *);
/* Creates the empty log file (0640) if missing, so readers find one. */
void		 container_log_touch(const struct container_logopt *);
/*
 * dockerd's StartLogger: the json-file writer (c->writer) with its attrs,
 * LogPath shown from now on; nothing for driver "none". -1 with err.
 */
int		 container_log_start(struct container *, struct err *);
/*
 * Closes the writer (followers learn the log closed) and frees the ring
 * of mode=non-blocking; after the copiers are freed. Idempotent.
 */
void		 container_log_stop(struct container *);

/* container_logattrs.c */
/* Sets c->writer's attrs from the labels/env/tag log options; -1 with err. */
int		 container_log_attrs(struct container *, struct err *);

#endif
