/* SPDX-License-Identifier: MIT */
/*
 * Containers: the store (container_store.c: create, look up, list), their
 * metadata on disk (container_persist.c: <data-root>/containers/<id>/
 * config.v2.json), log options (container_log.c), the JSON views
 * (container_view.c), and the lifecycle (container.c: run through the
 * process runtime with their output copied into the log, waiters woken
 * when they exit or go away).
 *
 * Ownership: the store owns every container. A container pointer is valid
 * until the container is removed; removal first wakes its waiters and
 * cancels its context (CANCEL_REMOVED), whose hooks must let go of the
 * container synchronously, then frees it from a clean stack (the reap,
 * docs/lifetimes.md). Code that keeps a container across callbacks either hooks
 * container_ctx() or holds a waiter; anything else keeps the id and looks it
 * up again.
 */
#ifndef LP_CONTAINER_H
#define LP_CONTAINER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>

#include "daemon/base/err.h"
#include "daemon/container_state.h"

struct cancel;
struct container;
struct container_store;
struct event_base;
struct events;
struct jsonfile;

/*
 * mkdir -p <data_root>/containers and reload every container found there. A
 * container that was running when the daemon died has its process group
 * SIGKILLed if its saved pid still names the same process (start time), and
 * comes back exited: ExitCode 137, or 255 if the process was gone; no
 * State.Error, as dockerd. storage_driver: images_new's. Free with
 * container_store_free().
 */
struct container_store *container_store_new(struct event_base *,
		     struct cancel *root, const char *data_root,
		     const char *storage_driver, struct err *);
/* Only after shutdown finished: frees everything, kills nothing. */
void		 container_store_free(struct container_store *);
/*
 * Stops every running container (SIGTERM to its process group, SIGKILL
 * after timeout_sec), drains their output into the log, persists state,
 * then calls done(arg) from the loop; never synchronously.
 */
void		 container_store_shutdown(struct container_store *,
		     int timeout_sec, void (*done)(void *), void *arg);

/*
 * Resolves ref as dockerd does (spec 1.2): full id, name with or without
 * its leading '/', then unique id prefix. ERR_NOT_FOUND "No such container:
 * <ref>"; ERR_AMBIGUOUS "Multiple IDs found with provided prefix: <ref>".
 * The container is borrowed (see the ownership note above).
 */
struct container *container_store_lookup(struct container_store *,
		     const char *ref, struct err *);
void		 container_store_counts(struct container_store *, int *running,
		     int *paused, int *stopped);
/* Calls cb for every container, newest first; cb must not remove any. */
void		 container_store_foreach(struct container_store *,
		     void (*cb)(struct container *, void *), void *arg);

/*
 * Creates a container (state created). config is the API's Config object
 * and hostconfig its HostConfig, both already validated by the caller
 * (api/containers.c) and normalised: Cmd/Entrypoint arrays or null, Env an
 * array, Labels an object, LogConfig.Type "json-file", "none" or another of
 * dockerd's built-in drivers (whose start fails, container_log.c). Both are
 * stolen. name may be NULL or "" for a generated one. Errors: 400 invalid
 * name, 409 name in use, with dockerd's texts.
 */
struct container *container_store_create(struct container_store *,
		     const char *name, json_t *config, json_t *hostconfig,
		     struct err *);
/*
 * dockerd's ContainerRename: the new name (with or without its '/') is
 * checked as create checks it, saved, and announced by a "rename" event
 * with oldName. ERR_INVALID for an empty or unchanged name or a bad one,
 * ERR_CONFLICT when taken; the container keeps its name on any error.
 */
int		 container_store_rename(struct container_store *,
		     struct container *, const char *name, struct err *);

/*
 * HostConfig.RestartPolicy and AutoRemove as dockerd validates them at
 * create: 0, or ERR_INVALID with dockerd's message.
 */
int		 container_restart_check(json_t *hostconfig, struct err *);
/*
 * The daemon started: containers whose policy brings them back (always,
 * unless-stopped not stopped by a client, on-failure after a failure) are
 * started, as dockerd's restore does.
 */
void		 container_store_autostart(struct container_store *);

struct ociruntimes;
/*
 * The runtimes start may use (borrowed, outlives the store); without them
 * every container is a host process (the process runtime).
 */
void		 container_store_set_runtimes(struct container_store *,
		     struct ociruntimes *);
struct ociruntimes *container_store_runtimes(struct container_store *);
/*
 * The daemon's --log-driver and --log-opt (copied): what a create without
 * LogConfig.Type, or without some of the driver's options, takes, as
 * dockerd's mergeAndVerifyLogConfig. Set at start and on SIGHUP; applies
 * to containers created after. The caller checked the values.
 */
void		 container_store_set_log_default(struct container_store *,
		     const char *driver, json_t *opts);
/* {"Type": "json-file", "Config": {}} until set; borrowed. */
json_t		*container_store_log_default(struct container_store *);

struct images;
/* The image store (<data_root>/image), owned by the container store. */
struct images	*container_store_images(struct container_store *);
struct networks	*container_store_networks(struct container_store *);
/*
 * The daemon's identity (/info's ID): a UUID made at the first start and
 * kept in <data-root>/engine-id, as Docker 23's engine-id file.
 */
const char	*container_store_engine_id(const struct container_store *);
/* "sha256:..." of the image it was created from ("" when none). */
const char	*container_image_id(const struct container *);
const char	*container_id(const struct container *);
const char	*container_name(const struct container *);	/* "/name" */
int		 container_tty(const struct container *);
struct attach;
/* The attach point (daemon/attach.h); owned by the container. */
struct attach	*container_attach(const struct container *);
/* The API's Config object as stored (OpenStdin, StdinOnce...); borrowed. */
const json_t	*container_config(const struct container *);
/* True until the process exited AND both pipes are drained into the log. */
int		 container_running(const struct container *);
/* When its current (or last) run started, 0 if never. */
int64_t		 container_started_ns(const struct container *);
int		 container_paused(const struct container *);
/*
 * State.Health: NULL unless Config.Healthcheck names a probe and a run
 * started; "starting" from each start, "unhealthy" once the container
 * exits or pauses (dockerd's CloseMonitorChannel). Borrowed; the health
 * monitor (daemon/health.h) folds its probes' results into it.
 */
json_t		*container_health(const struct container *);
int64_t		 container_created_ns(const struct container *);
/* The network it is on: "none" or "host" (daemon/networks.h). */
const char	*container_network(const struct container *);
enum container_state container_state(const struct container *);
const char	*container_state_name(enum container_state);
int		 container_exit_code(const struct container *);
/* The main process, leader of the container's session; 0 unless running. */
int		 container_pid(const struct container *);
struct runtime_proc;
/*
 * Its process on the runtime while running (the OCI container's init:
 * exec and stats reach the container through it), else NULL. Borrowed.
 */
struct runtime_proc *container_proc(const struct container *);
const char	*container_error(const struct container *);	/* "" if none */
const char	*container_log_driver(const struct container *);
/*
 * Absolute <data-root>/containers/<id>/<id>-json.log, fixed at create; the
 * empty file (0640) is made at create. NULL with driver none. Inspect's
 * LogPath shows it only from the first start, as dockerd's StartLogger.
 * A getter: writes nothing.
 */
const char	*container_log_path(const struct container *);
/*
 * The path for a log reader: as dockerd's StartLogger when the logs of a
 * container never started are read, LogPath shows from now on (in
 * memory; not saved, so a restarted daemon shows "" again, as dockerd).
 * Writes nothing to disk.
 */
const char	*container_log_open(struct container *);
/* Files a reader may find: max-file when max-size is set, else 1. */
int		 container_log_max_file(const struct container *);
/*
 * The json-file options as start checks them (spec 2.5 #5), parsed once at
 * create: 0, or -1 with ERR_INTERNAL and the raw parse error ("invalid
 * size: '1k5'").
 */
int		 container_log_check(const struct container *, struct err *);
/* Removal requested (rm -f waiting for the exit) or done (spec 2.5 #3). */
int		 container_removing(const struct container *);
/* The live writer while running, else NULL; owned by the container. */
struct jsonfile	*container_log_writer(const struct container *);
/*
 * The container's context, a child of root: cancelled with CANCEL_REMOVED
 * just before the container is removed (streams end at once), or with the
 * root at shutdown. Owned by the container.
 */
struct cancel	*container_ctx(const struct container *);
/* The store's event bus (daemon/events.h), owned by the store. */
struct events	*container_store_events(struct container_store *);
struct events	*container_events(const struct container *);

/* container_events.c: its events, published on its store's bus. */
/*
 * A container event as dockerd's LogContainerEventWithAttributes makes it:
 * the extra pairs (key, value, ..., NULL), then the labels, then image and
 * name.
 */
void		 container_event(const struct container *, const char *action,
		     ...) __attribute__((sentinel));
/* The same with one integer attribute ("die", "exitCode", 137). */
void		 container_event_int(const struct container *,
		     const char *action, const char *key, long value);
/*
 * exec_create/exec_start ("exec_start: sh -c exit 3": argv joined, with
 * dockerd's trailing space when there are no arguments), and exec_die with
 * exitCode when argv is NULL and code >= 0.
 */
void		 container_event_exec(const struct container *,
		     const char *action, char *const *argv, const char *exec_id,
		     int code);
/* Config.Image ("" when none) and Config.Labels (borrowed, may be NULL). */
const char	*container_image(const struct container *);
json_t		*container_labels(const struct container *);
/*
 * A slot for daemon/exec.c's per-container state (its exec instances), so
 * the store needs no knowledge of execs: set once, freed through free_cb
 * first thing when the container is freed (never earlier). NULL until set.
 */
void		*container_execs(const struct container *);
void		 container_set_execs(struct container *, void *execs,
		     void (*free_cb)(void *));

/*
 * Starts the process. ERR_NOT_MODIFIED when running; ERR_CONFLICT while
 * being removed; ERR_INTERNAL "failed to initialize logging driver: ..." for
 * bad log options; ERR_INVALID with runc's wording when the command cannot
 * be executed (ExitCode 127, State.Error set, the container stays created).
 */
int		 container_start(struct container *, struct err *);
/*
 * Sends sig, or when it is 0 the StopSignal (SIGTERM), to the process
 * group and SIGKILL after timeout_sec (never, when negative). Returns 0 at once; add a waiter to
 * learn when it stopped. A container waiting to restart by its policy
 * stays down instead: 1, nothing to wait for. ERR_NOT_MODIFIED when not
 * running. A client's stop keeps the policy from restarting it.
 */
int		 container_stop(struct container *, int sig,
		     int timeout_sec, struct err *);
/*
 * Signals the process group: 0. A container waiting to restart has no
 * process: 1, and it stays down if sig is its stop signal or SIGKILL (as
 * dockerd). ERR_CONFLICT "Container <id> is not running".
 */
int		 container_kill(struct container *, int sig, struct err *);
/*
 * docker export: a tar of c's filesystem to fd, its running root or, when
 * it is not running, its writable root over its image. Blocks while it
 * writes (as docker save does); -1 with err.
 */
int		 container_export(struct container *, int fd, struct err *);
/*
 * docker diff: what c changed in its root (images_rootfs_changes), a new
 * array; NULL with err for a runtime that gives it no root of its own.
 */
json_t		*container_changes(struct container *, struct err *);
/*
 * docker cp (daemon/container_archive.c). The stat of path in c's root as
 * the base64 X-Docker-Container-Path-Stat value (*header, caller frees);
 * the tar of it into fd as well; the extraction of a tar into the
 * directory path. ERR_NOT_FOUND "Could not find the file ... in container
 * ..." and dockerd's other words; ERR_NOT_IMPLEMENTED under the process
 * runtime, which gives a container no root of its own.
 */
int		 container_archive_stat(struct container *, const char *path,
		     char **header, struct err *);
int		 container_archive_get(struct container *, const char *path,
		     int fd, char **header, struct err *);
int		 container_archive_put(struct container *, const char *path,
		     const void *tar, size_t len, int no_overwrite,
		     struct err *);
/* Waiting out its restart policy's backoff (State.Restarting). */
int		 container_restarting(const struct container *);
int		 container_restart_count(const struct container *);
/*
 * Freezes (pause 1) or thaws it through its runtime. ERR_CONFLICT with
 * dockerd's "Container <id> is not running", "... is already paused";
 * ERR_INTERNAL "... is not paused" (dockerd's 500).
 */
int		 container_pause(struct container *, int pause, struct err *);
/*
 * Removes a container that is not running: 0. Running without force:
 * ERR_CONFLICT with dockerd's text. Running with force: kills it and
 * returns 1; the removal follows the exit (a CONTAINER_WAIT_REMOVED waiter
 * learns when). The container must not be used after a 0 return except
 * inside the current callback.
 */
int		 container_remove(struct container *, int force, struct err *);
/*
 * docker update: up holds the UpdateConfig's fields (the resources, the
 * RestartPolicy), checked by the caller; merged as dockerd merges them,
 * applied to a running container, stored. ERR_CONFLICT with dockerd's
 * "Cannot update container ID: ..." for the merges it refuses.
 */
int		 container_update(struct container *, json_t *up, struct err *);

/* container_view.c */
/* inspect's object (also what config.v2.json holds); caller owns it. */
json_t		*container_view_inspect(const struct container *);
/* One GET /containers/json item, Status computed at now_ns (realtime). */
json_t		*container_view_summary(const struct container *,
		     int64_t now_ns);
/* NetworkSettings.Networks: {"<network>": EndpointSettings}. */
json_t		*container_view_networks(const struct container *);
/* go-units HumanDuration: "Less than a second", "About a minute"... */
void		 container_view_human_duration(char *buf, size_t len,
		     int64_t ns);

enum container_wait {
	CONTAINER_WAIT_NOT_RUNNING,	/* next time it is not running */
	CONTAINER_WAIT_NEXT_EXIT,	/* after the next exit */
	CONTAINER_WAIT_REMOVED,		/* when removed */
};

struct container_waiter;
/*
 * Runs once, the waiter already unlinked. c is valid during the call even
 * when it is being removed (removed = 1); exit_code is that of the exit.
 */
typedef void (*container_wait_cb)(struct container_waiter *,
		     struct container *c, int exit_code, int removed,
		     void *arg);

/* Embedded in its owner; zeroed = not armed. */
struct container_waiter {
	TAILQ_ENTRY(container_waiter)	 entry;
	struct container		*c;	/* borrowed; NULL: off */
	enum container_wait		 cond;
	uint64_t			 seq;
	container_wait_cb		 cb;
	void				*arg;
};

/*
 * Arms w. A NOT_RUNNING waiter on a container that is not running is the
 * caller's business (answer at once); this always waits for an event.
 * Every waiter fires when the container is removed; on a container removed
 * earlier in the current callback it arms nothing (w->c stays NULL).
 */
void		 container_wait_add(struct container *,
		     struct container_waiter *, enum container_wait,
		     container_wait_cb, void *arg);
/* Disarms; safe when never armed or already fired. */
void		 container_wait_del(struct container_waiter *);

#endif
