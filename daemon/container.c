/* SPDX-License-Identifier: MIT */
/*
 * Container store and container lifecycle: metadata and its atomic
 * persistence, name and id resolution, start (runtime + two copiers into
 * the json-file writer), the exit path (process gone AND output drained),
 * stop with a grace timer, removal, and waiters.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/images.h"
#include "daemon/events.h"
#include "daemon/oci.h"
#include "daemon/ociruntime.h"
#include "logdriver/copier.h"
#include "daemon/base/log.h"
#include "daemon/runtime.h"
#include "daemon/base/strconv.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/utf8.h"
#include "daemon/jsontext.h"
#include "daemon/base/xalloc.h"
#include "logdriver/jsonfile.h"

#define CONTAINER_ID_LEN	64
/* How long output may keep flowing after the main process died. */
#define CONTAINER_DRAIN_MS	1000
#define CONTAINER_ZERO_TIME	"0001-01-01T00:00:00Z"
#define CONTAINER_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CONTAINER_OCI_PREFIX "failed to create shim task: OCI runtime " \
	"create failed: runc create failed: unable to start container " \
	"process: "

TAILQ_HEAD(container_list, container);
TAILQ_HEAD(container_waiters, container_waiter);

struct container {
	struct container_store	*store;		/* borrowed */
	TAILQ_ENTRY(container)	 entry;		/* store's live or dead list */
	char			 id[CONTAINER_ID_LEN + 1];
	char			*name;		/* owned, "/name" */
	char			*dir;		/* owned */
	int64_t			 created_ns;
	json_t			*config;	/* owned: API Config */
	json_t			*hostconfig;	/* owned: API HostConfig */

	enum container_state	 state;
	int			 pid;
	struct runtime_ident	 ident;		/* of the process, persisted */
	int			 exit_code;
	char			*error;		/* owned; "" when none */
	int64_t			 started_ns;	/* 0: never started */
	int64_t			 finished_ns;	/* 0: never finished */
	char			*log_path;	/* owned; NULL until created */
	char			*rootfs;	/* owned: mounted root, OCI */

	struct cancel		*ctx;		/* owned */
	struct runtime_proc	*proc;		/* owned while running */
	struct copier		*out;		/* owned while running */
	struct copier		*err;		/* owned while running */
	struct jsonfile		*writer;	/* owned while running */
	struct task		*monitor;	/* owned while running */
	struct event		*kill_ev;	/* owned: SIGKILL after grace */
	struct event		*drain_ev;	/* owned: bound on the drain */
	struct event		*reap_ev;	/* owned: deferred free */
	int			 proc_exited;
	int			 proc_status;
	int			 paused;	/* frozen by the runtime */
	int			 removing;	/* removal requested/done */
	int			 removed;	/* off the live list */
	int			 shutdown_counted;
	int			 stop_requested;	/* "stop" at the exit */
	uint64_t		 exit_seq;	/* exits so far */
	struct container_waiters waiters;
	void			*execs;		/* owned via execs_free:
						   daemon/exec.c's state */
	void			(*execs_free)(void *);
};

struct container_store {
	struct event_base	*base;		/* borrowed */
	struct cancel		*root;		/* borrowed */
	char			*dir;		/* owned: <root>/containers */
	struct container_list	 live;		/* newest first */
	struct container_list	 dead;		/* removed, free pending */
	struct event		*done_ev;	/* owned */
	void			(*done)(void *);
	void			*done_arg;
	int			 pending;	/* shutdown: not yet stopped */
	int			 shutting_down;
	struct images		*images;	/* owned: <root>/image */
	struct events		*events;	/* owned: the event bus */
	struct ociruntimes	*runtimes;	/* borrowed; NULL: process */
};

static void	container_finish(struct container *);
static void	container_remove_now(struct container *);

static const char *container_states[] = { "created", "running", "exited" };

const char *
container_state_name(enum container_state st)
{
	if ((size_t)st >= sizeof container_states / sizeof container_states[0])
		return ("unknown");
	return (container_states[st]);
}

/* ---- small helpers --------------------------------------------------- */

static int
container_is_id(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	}
	return (i == CONTAINER_ID_LEN);
}

/* dockerd's validContainerNamePattern: ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
static int
container_valid_name(const char *s)
{
	size_t	i;

	if (*s == '/')
		s++;
	if (!isalnum((unsigned char)s[0]))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return (0);
	}
	return (i >= 2);
}

static int
container_random(void *buf, size_t len)
{
	int	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t	n;
	size_t	got = 0;

	if (fd == -1)
		return (-1);
	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0) {
			close(fd);
			return (-1);
		}
		got += (size_t)n;
	}
	close(fd);
	return (0);
}

static const char *
container_json_str(json_t *obj, const char *key)
{
	const char	*s = json_string_value(json_object_get(obj, key));

	return (s != NULL ? s : "");
}

static json_t *
container_logconfig(const struct container *c)
{
	return (json_object_get(c->hostconfig, "LogConfig"));
}

static const char *
container_log_opt(const struct container *c, const char *key)
{
	return (json_string_value(json_object_get(json_object_get(
	    container_logconfig(c), "Config"), key)));
}

static void
container_format_time(char *buf, int64_t ns)
{
	if (ns == 0)
		snprintf(buf, TIMEUTIL_BUFSZ, "%s", CONTAINER_ZERO_TIME);
	else
		timeutil_format(buf, ns, 0);
}

static int64_t
container_parse_time(const char *s)
{
	int64_t	ns;

	if (s == NULL || strcmp(s, CONTAINER_ZERO_TIME) == 0 ||
	    timeutil_parse(s, strlen(s), &ns, NULL) != 0)
		return (0);
	return (ns);
}

/* State.Error goes into JSON: any bytes in, valid UTF-8 kept. */
static void
container_set_error(struct container *c, const char *msg)
{
	xfree(c->error);
	c->error = utf8_sanitize(msg, strlen(msg), NULL);
}

/* ---- accessors ------------------------------------------------------- */

const char *
container_id(const struct container *c)
{
	return (c->id);
}

const char *
container_name(const struct container *c)
{
	return (c->name);
}

int
container_tty(const struct container *c)
{
	return (json_is_true(json_object_get(c->config, "Tty")));
}

int
container_running(const struct container *c)
{
	return (c->state == CONTAINER_RUNNING);
}

enum container_state
container_state(const struct container *c)
{
	return (c->state);
}

int
container_exit_code(const struct container *c)
{
	return (c->exit_code);
}

int
container_pid(const struct container *c)
{
	return (c->pid);
}

struct runtime_proc *
container_proc(const struct container *c)
{
	return (c->proc);
}

const char *
container_error(const struct container *c)
{
	return (c->error);
}

const char *
container_log_driver(const struct container *c)
{
	const char	*type = json_string_value(json_object_get(
			    container_logconfig(c), "Type"));

	return (type != NULL && strcmp(type, "none") == 0 ? "none" :
	    "json-file");
}

static int	container_log_opts(const struct container *,
		    struct jsonfile_opts *, struct err *);

int
container_log_max_file(const struct container *c)
{
	struct jsonfile_opts	opts;

	if (container_log_opts(c, &opts, NULL) != 0)
		return (1);
	return (opts.max_file);
}

int
container_log_check(const struct container *c, struct err *err)
{
	struct jsonfile_opts	opts;

	if (strcmp(container_log_driver(c), "none") == 0)
		return (0);
	if (container_log_opts(c, &opts, err) != 0) {
		if (err != NULL)
			err->code = ERR_INTERNAL;
		return (-1);
	}
	return (0);
}

int
container_removing(const struct container *c)
{
	return (c->removing);
}

struct jsonfile *
container_log_writer(const struct container *c)
{
	return (c->writer);
}

struct cancel *
container_ctx(const struct container *c)
{
	return (c->ctx);
}

struct events *
container_store_events(struct container_store *st)
{
	return (st->events);
}

struct events *
container_events(const struct container *c)
{
	return (c->store->events);
}

const char *
container_image(const struct container *c)
{
	return (container_json_str(c->config, "Image"));
}

json_t *
container_labels(const struct container *c)
{
	return (json_object_get(c->config, "Labels"));
}

void *
container_execs(const struct container *c)
{
	return (c->execs);
}

void
container_set_execs(struct container *c, void *execs, void (*free_cb)(void *))
{
	c->execs = execs;
	c->execs_free = free_cb;
}

/* ---- persistence ----------------------------------------------------- */

/*
 * Writes config.v2.json atomically: temp file, fsync, rename, so a crash
 * leaves the old or the new file, never half of one. Returns -1 with
 * errno set when the file could not be written (logged).
 */
static int
container_save(struct container *c)
{
	json_t	*j;
	char	*tmp = NULL, *path = NULL, *text = NULL;
	int	 fd = -1, saved, rc = 0;
	size_t	 len, off = 0;
	ssize_t	 n;

	if (c->removed)
		return (0);
	j = container_inspect_json(c);
	/*
	 * Not part of inspect: what a restarted daemon needs to find the
	 * process again if this one dies (State.Pid is dockerd's field).
	 */
	if (j != NULL && c->state == CONTAINER_RUNNING)
		json_object_set_new(j, "LogpouchProcess", json_pack("{s:i, s:i,"
		    " s:I}", "Pid", (int)c->ident.pid, "Pgid",
		    (int)c->ident.pgid, "StartTime",
		    (json_int_t)c->ident.start_time));
	text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL) {
		log_error("container %.12s: cannot encode state", c->id);
		errno = EINVAL;
		return (-1);
	}
	len = strlen(text);
	tmp = xasprintf("%s/config.v2.json.tmp", c->dir);
	path = xasprintf("%s/config.v2.json", c->dir);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	goto out;
fail:
	saved = errno;
	log_error("container %.12s: save %s: %s", c->id, path,
	    strerror(saved));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	rc = -1;
out:
	xfree(text);
	xfree(tmp);
	xfree(path);
	return (rc);
}

static int
container_rm_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		log_warn("remove %s: %s", path, strerror(errno));
	return (0);
}

/* ---- object life ----------------------------------------------------- */

static void container_kill_cb(evutil_socket_t, short, void *);
static void container_drain_cb(evutil_socket_t, short, void *);
static void container_reap_cb(evutil_socket_t, short, void *);

static struct container *
container_alloc(struct container_store *st, const char *id)
{
	struct container	*c = xcalloc(1, sizeof *c);

	c->store = st;
	memcpy(c->id, id, CONTAINER_ID_LEN);
	c->id[CONTAINER_ID_LEN] = '\0';
	c->dir = xasprintf("%s/%s", st->dir, id);
	c->error = xstrdup("");
	c->ctx = cancel_new(st->root, "container");
	c->kill_ev = evtimer_new(st->base, container_kill_cb, c);
	c->drain_ev = evtimer_new(st->base, container_drain_cb, c);
	c->reap_ev = event_new(st->base, -1, 0, container_reap_cb, c);
	TAILQ_INIT(&c->waiters);
	return (c);
}

/* Frees c and what it still holds; nothing may point at it any more. */
static void
container_free(struct container *c)
{
	struct container_waiter	*w;

	/* First, while c is whole: the execs' own waiter and hook go too. */
	if (c->execs_free != NULL)
		c->execs_free(c->execs);
	while ((w = TAILQ_FIRST(&c->waiters)) != NULL) {
		TAILQ_REMOVE(&c->waiters, w, entry);
		w->c = NULL;
	}
	copier_free(c->out);
	copier_free(c->err);
	jsonfile_close(c->writer);
	runtime_free(c->proc);
	if (c->monitor != NULL)
		task_free(c->monitor);
	event_free(c->kill_ev);
	event_free(c->drain_ev);
	event_free(c->reap_ev);
	cancel_free(c->ctx);
	json_decref(c->config);
	json_decref(c->hostconfig);
	xfree(c->name);
	xfree(c->dir);
	xfree(c->error);
	xfree(c->log_path);
	xfree(c->rootfs);
	xfree(c);
}

/* Keeps the live list newest first. */
static void
container_insert(struct container_store *st, struct container *c)
{
	struct container	*it;

	TAILQ_FOREACH(it, &st->live, entry) {
		if (it->created_ns <= c->created_ns) {
			TAILQ_INSERT_BEFORE(it, c, entry);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&st->live, c, entry);
}

static struct container *
container_by_name(struct container_store *st, const char *name)
{
	struct container	*c;
	const char		*n = name[0] == '/' ? name + 1 : name;

	TAILQ_FOREACH(c, &st->live, entry) {
		if (strcmp(c->name + 1, n) == 0)
			return (c);
	}
	return (NULL);
}

/* ---- reload ---------------------------------------------------------- */

/*
 * The daemon died under a running container: its pipes went with it, so
 * the process cannot be watched or logged any more. Kill it (if the pid
 * still names it) as dockerd has containerd do after an unclean shutdown,
 * and report what containerd would: 137 for the SIGKILL, 255 when the exit
 * status is lost. State.Error stays empty, as dockerd's SetStopped leaves it.
 */
static void
container_load_orphan(struct container *c, json_t *j)
{
	json_t			*lp = json_object_get(j, "LogpouchProcess");
	struct runtime_ident	 id;
	enum runtime_orphan	 how;

	id.pid = (pid_t)json_integer_value(json_object_get(json_object_get(j,
	    "State"), "Pid"));
	id.pgid = (pid_t)json_integer_value(json_object_get(lp, "Pgid"));
	id.start_time = (uint64_t)json_integer_value(json_object_get(lp,
	    "StartTime"));
	how = runtime_kill_orphan(&id, CONTAINER_DRAIN_MS);
	c->exit_code = how == RUNTIME_ORPHAN_KILLED ? 128 + SIGKILL : 255;
	container_set_error(c, "");
	c->finished_ns = timeutil_now_ns();
	c->state = CONTAINER_EXITED;
	log_info("container %.12s was running when the daemon died: %s, "
	    "exit code %d", c->id, how == RUNTIME_ORPHAN_KILLED ? "killed" :
	    how == RUNTIME_ORPHAN_GONE ? "process gone" :
	    "not the same process (not signalled)",
	    c->exit_code);
}

static struct container *
container_load(struct container_store *st, const char *id)
{
	struct container	*c;
	json_t			*j, *state;
	json_error_t		 jerr;
	char			*path;
	const char		*name;

	path = xasprintf("%s/%s/config.v2.json", st->dir, id);
	j = json_load_file(path, 0, &jerr);
	if (j == NULL) {
		log_warn("skipping container %.12s: %s: %s", id, path,
		    jerr.text);
		xfree(path);
		return (NULL);
	}
	xfree(path);
	name = json_string_value(json_object_get(j, "Name"));
	if (name == NULL || !container_valid_name(name) ||
	    !json_is_object(json_object_get(j, "Config")) ||
	    !json_is_object(json_object_get(j, "HostConfig")) ||
	    container_by_name(st, name) != NULL) {
		log_warn("skipping container %.12s: bad or duplicate metadata",
		    id);
		json_decref(j);
		return (NULL);
	}
	c = container_alloc(st, id);
	c->name = name[0] == '/' ? xstrdup(name) : xasprintf("/%s", name);
	c->config = json_incref(json_object_get(j, "Config"));
	c->hostconfig = json_incref(json_object_get(j, "HostConfig"));
	/* inspect's Config has no ImageID: it is the top-level "Image". */
	if (json_object_get(c->config, "ImageID") == NULL &&
	    json_is_string(json_object_get(j, "Image")))
		json_object_set(c->config, "ImageID", json_object_get(j,
		    "Image"));
	c->created_ns = container_parse_time(json_string_value(
	    json_object_get(j, "Created")));
	state = json_object_get(j, "State");
	c->exit_code = (int)json_integer_value(json_object_get(state,
	    "ExitCode"));
	container_set_error(c, container_json_str(state, "Error"));
	c->started_ns = container_parse_time(json_string_value(
	    json_object_get(state, "StartedAt")));
	c->finished_ns = container_parse_time(json_string_value(
	    json_object_get(state, "FinishedAt")));
	c->state = c->started_ns != 0 ? CONTAINER_EXITED : CONTAINER_CREATED;
	if (json_is_true(json_object_get(state, "Running")))
		container_load_orphan(c, j);
	/* Never trust a path from the file: it is always derived from id. */
	if (*container_json_str(j, "LogPath") != '\0')
		c->log_path = xasprintf("%s/%s-json.log", c->dir, c->id);
	json_decref(j);
	container_insert(st, c);
	/* As dockerd's restore: a stopped AutoRemove container goes now. */
	if (json_is_true(json_object_get(c->hostconfig, "AutoRemove"))) {
		container_remove_now(c);
		return (NULL);
	}
	container_save(c);
	log_debug("loaded container %.12s %s (%s)", c->id, c->name,
	    container_state_name(c->state));
	return (c);
}

static int
container_mkdirs(const char *path, struct err *err)
{
	char	*copy = xstrdup(path);

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0711) != 0 && errno != EEXIST) {
			err_errno(err, "mkdir %s", copy);
			xfree(copy);
			return (-1);
		}
		*p = '/';
	}
	xfree(copy);
	if (mkdir(path, 0710) != 0 && errno != EEXIST)
		return (err_errno(err, "mkdir %s", path));
	return (0);
}

static void
container_store_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container_store	*st = arg;

	(void)fd;
	(void)what;
	if (st->done != NULL)
		st->done(st->done_arg);
}

struct container_store *
container_store_new(struct event_base *base, struct cancel *root,
    const char *data_root, struct err *err)
{
	struct container_store	*st;
	DIR			*d;
	struct dirent		*de;

	st = xcalloc(1, sizeof *st);
	st->base = base;
	st->root = root;
	st->dir = xasprintf("%s/containers", data_root);
	TAILQ_INIT(&st->live);
	TAILQ_INIT(&st->dead);
	st->done_ev = event_new(base, -1, 0, container_store_done_cb, st);
	st->events = events_new();
	if (container_mkdirs(st->dir, err) != 0 ||
	    (st->images = images_new(data_root, err)) == NULL) {
		container_store_free(st);
		return (NULL);
	}
	if ((d = opendir(st->dir)) == NULL) {
		err_errno(err, "open %s", st->dir);
		container_store_free(st);
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		if (container_is_id(de->d_name))
			container_load(st, de->d_name);
	}
	closedir(d);
	return (st);
}

void
container_store_free(struct container_store *st)
{
	struct container	*c;

	if (st == NULL)
		return;
	while ((c = TAILQ_FIRST(&st->live)) != NULL) {
		TAILQ_REMOVE(&st->live, c, entry);
		container_free(c);
	}
	while ((c = TAILQ_FIRST(&st->dead)) != NULL) {
		TAILQ_REMOVE(&st->dead, c, entry);
		container_free(c);
	}
	event_free(st->done_ev);
	images_free(st->images);
	events_free(st->events);
	xfree(st->dir);
	xfree(st);
}

struct images *
container_store_images(struct container_store *st)
{
	return (st->images);
}

void
container_store_set_runtimes(struct container_store *st,
    struct ociruntimes *rts)
{
	st->runtimes = rts;
}

struct ociruntimes *
container_store_runtimes(struct container_store *st)
{
	return (st->runtimes);
}

const char *
container_image_id(const struct container *c)
{
	return (container_json_str(c->config, "ImageID"));
}

/* ---- lookup and listing ---------------------------------------------- */

struct container *
container_store_lookup(struct container_store *st, const char *ref,
    struct err *err)
{
	struct container	*c, *found = NULL;
	size_t			 len = strlen(ref);

	if (len == CONTAINER_ID_LEN) {
		TAILQ_FOREACH(c, &st->live, entry) {
			if (strcmp(c->id, ref) == 0)
				return (c);
		}
	}
	if (len > 0 && (c = container_by_name(st, ref)) != NULL)
		return (c);
	if (len > 0 && len <= CONTAINER_ID_LEN) {
		TAILQ_FOREACH(c, &st->live, entry) {
			if (strncmp(c->id, ref, len) != 0)
				continue;
			if (found != NULL) {
				err_set(err, ERR_AMBIGUOUS, "Multiple IDs "
				    "found with provided prefix: %s", ref);
				return (NULL);
			}
			found = c;
		}
		if (found != NULL)
			return (found);
	}
	err_set(err, ERR_NOT_FOUND, "No such container: %s", ref);
	return (NULL);
}

void
container_store_counts(struct container_store *st, int *running,
    int *paused, int *stopped)
{
	struct container	*c;

	*running = *paused = *stopped = 0;
	TAILQ_FOREACH(c, &st->live, entry) {
		if (c->state == CONTAINER_RUNNING && c->paused)
			(*paused)++;
		else if (c->state == CONTAINER_RUNNING)
			(*running)++;
		else
			(*stopped)++;
	}
}

void
container_store_foreach(struct container_store *st,
    void (*cb)(struct container *, void *), void *arg)
{
	struct container	*c;

	TAILQ_FOREACH(c, &st->live, entry)
		cb(c, arg);
}

/* ---- create ---------------------------------------------------------- */

static const char *container_adjectives[] = {
	"admiring", "bold", "brave", "clever", "eager", "festive", "gifted",
	"happy", "jolly", "keen", "lucid", "nifty", "quirky", "serene",
	"sharp", "stoic", "tender", "vibrant", "wizardly", "zealous",
};
static const char *container_nouns[] = {
	"babbage", "curie", "darwin", "einstein", "fermi", "galileo",
	"hopper", "johnson", "kepler", "lovelace", "meitner", "newton",
	"noether", "pasteur", "ritchie", "shannon", "thompson", "turing",
	"wozniak", "yalow",
};

/* dockerd's namesgenerator shape, "adjective_noun", with a digit on retry. */
static char *
container_generate_name(struct container_store *st, const char *id)
{
	unsigned char	 r[3];
	char		*name;
	size_t		 na = sizeof container_adjectives /
			    sizeof container_adjectives[0];
	size_t		 nn = sizeof container_nouns /
			    sizeof container_nouns[0];

	for (int i = 0; i < 16; i++) {
		if (container_random(r, sizeof r) != 0)
			break;
		if (i == 0)
			name = xasprintf("/%s_%s",
			    container_adjectives[r[0] % na],
			    container_nouns[r[1] % nn]);
		else
			name = xasprintf("/%s_%s%u",
			    container_adjectives[r[0] % na],
			    container_nouns[r[1] % nn], (unsigned)r[2] % 10);
		if (container_by_name(st, name) == NULL)
			return (name);
		xfree(name);
	}
	return (xasprintf("/c_%.12s", id));
}

struct container *
container_store_create(struct container_store *st, const char *name,
    json_t *config, json_t *hostconfig, struct err *err)
{
	struct container	*c = NULL, *other;
	unsigned char		 raw[CONTAINER_ID_LEN / 2];
	char			 id[CONTAINER_ID_LEN + 1];
	json_t			*env;
	size_t			 i;
	int			 has_path = 0;

	if (name != NULL && *name != '\0') {
		if (!container_valid_name(name)) {
			err_set(err, ERR_INVALID, "Invalid container name "
			    "(%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			    name);
			goto fail;
		}
		if ((other = container_by_name(st, name)) != NULL) {
			err_set(err, ERR_CONFLICT, "Conflict. The container "
			    "name \"/%s\" is already in use by container "
			    "\"%s\". You have to remove (or rename) that "
			    "container to be able to reuse that name.",
			    name[0] == '/' ? name + 1 : name, other->id);
			goto fail;
		}
	}
	do {
		if (container_random(raw, sizeof raw) != 0) {
			err_errno(err, "read /dev/urandom");
			goto fail;
		}
		for (i = 0; i < sizeof raw; i++)
			snprintf(id + 2 * i, 3, "%02x", raw[i]);
		/* dockerd rejects all-digit ids: they read as numbers. */
	} while (strspn(id, "0123456789") == CONTAINER_ID_LEN ||
	    container_store_lookup(st, id, NULL) != NULL);

	c = container_alloc(st, id);
	if (name != NULL && *name != '\0')
		c->name = name[0] == '/' ? xstrdup(name) :
		    xasprintf("/%s", name);
	else
		c->name = container_generate_name(st, id);
	c->config = config;
	c->hostconfig = hostconfig;
	config = hostconfig = NULL;
	c->created_ns = timeutil_now_ns();
	c->state = CONTAINER_CREATED;

	/* Images bring a PATH; we have none, so the default goes in. */
	if (!json_is_array(env = json_object_get(c->config, "Env"))) {
		env = json_array();
		json_object_set_new(c->config, "Env", env);
	}
	for (i = 0; i < json_array_size(env); i++) {
		const char *e = json_string_value(json_array_get(env, i));

		if (e != NULL && strncmp(e, "PATH=", 5) == 0)
			has_path = 1;
	}
	if (!has_path)
		json_array_append_new(env, json_string("PATH="
		    CONTAINER_DEFAULT_PATH));

	if (mkdir(c->dir, 0710) != 0) {
		err_errno(err, "mkdir %s", c->dir);
		goto fail;
	}
	/*
	 * Without its config.v2.json a container would vanish at the next
	 * start: fail the create and leave nothing behind instead.
	 */
	if (container_save(c) != 0) {
		err_errno(err, "write %s/config.v2.json", c->dir);
		nftw(c->dir, container_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
		goto fail;
	}
	container_insert(st, c);
	log_info("created container %.12s %s", c->id, c->name);
	events_container(c, "create", NULL);
	return (c);

fail:
	json_decref(config);
	json_decref(hostconfig);
	if (c != NULL)
		container_free(c);
	return (NULL);
}

/* ---- log ------------------------------------------------------------- */

const char *
container_log_path(struct container *c)
{
	char	*path;
	int	 fd;

	if (strcmp(container_log_driver(c), "none") == 0)
		return (NULL);
	path = xasprintf("%s/%s-json.log", c->dir, c->id);
	if (c->writer == NULL && access(path, F_OK) != 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0640);
		if (fd == -1)
			log_warn("create %s: %s", path, strerror(errno));
		else
			close(fd);
	}
	if (c->log_path == NULL) {
		c->log_path = path;
		container_save(c);
	} else
		xfree(path);
	return (c->log_path);
}

/* strconv.ParseBool */
static int
container_parse_bool(const char *s, int *out)
{
	static const char *t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *f[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0)
			return (*out = 1, 0);
		if (strcmp(s, f[i]) == 0)
			return (*out = 0, 0);
	}
	return (-1);
}

/* The json-file options that dockerd checks at start, not at create. */
static int
container_log_opts(const struct container *c, struct jsonfile_opts *opts,
    struct err *err)
{
	json_t		*cfg;
	const char	*key, *s;
	json_t		*v;
	int		 compress = 0;

	cfg = json_object_get(container_logconfig(c), "Config");
	opts->max_size = 0;
	opts->max_file = 1;
	if ((s = container_log_opt(c, "max-size")) != NULL &&
	    jsonfile_parse_size(s, &opts->max_size, err) != 0)
		return (-1);
	if ((s = container_log_opt(c, "max-file")) != NULL) {
		if (strconv_atoi(s, &opts->max_file, err) != 0)
			return (-1);
		if (opts->max_file < 1)
			return (err_set(err, ERR_INVALID,
			    "max-file cannot be less than 1"));
	}
	if ((s = container_log_opt(c, "compress")) != NULL) {
		if (container_parse_bool(s, &compress) != 0)
			return (err_set(err, ERR_INVALID, "strconv.ParseBool: "
			    "parsing \"%s\": invalid syntax", s));
		if (compress && (opts->max_file < 2 || opts->max_size == 0))
			return (err_set(err, ERR_INVALID, "compress cannot be "
			    "true when max-file is less than 2 or max-size is "
			    "not set"));
		if (compress)
			return (err_set(err, ERR_INVALID, "logpouch: log opt "
			    "'compress' is not supported"));
	}
	/* Only when max-size is set does max-file mean anything. */
	if (opts->max_size == 0)
		opts->max_file = 1;
	json_object_foreach(cfg, key, v) {
		if (strcmp(key, "labels") == 0 ||
		    strcmp(key, "labels-regex") == 0 ||
		    strcmp(key, "env") == 0 || strcmp(key, "env-regex") == 0 ||
		    strcmp(key, "tag") == 0)
			return (err_set(err, ERR_INVALID, "logpouch: log opt "
			    "'%s' is not supported", key));
	}
	return (0);
}

/* ---- start, exit ----------------------------------------------------- */

/* A NULL-terminated char* array of a JSON string array; strings borrowed. */
static void
container_strv_add(const char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void
container_argv(const struct container *c, const char ***argv)
{
	json_t	*ep = json_object_get(c->config, "Entrypoint");
	json_t	*cmd = json_object_get(c->config, "Cmd");
	size_t	 n = 0, i;

	*argv = xcalloc(1, sizeof **argv);
	for (i = 0; i < json_array_size(ep); i++)
		container_strv_add(argv, &n, json_string_value(
		    json_array_get(ep, i)));
	for (i = 0; i < json_array_size(cmd); i++)
		container_strv_add(argv, &n, json_string_value(
		    json_array_get(cmd, i)));
}

static char *
container_envp(const struct container *c, const char ***envp)
{
	json_t	*env = json_object_get(c->config, "Env");
	size_t	 n = 0, i;
	int	 home = 0;
	char	*hostname;

	*envp = xcalloc(1, sizeof **envp);
	for (i = 0; i < json_array_size(env); i++) {
		const char *e = json_string_value(json_array_get(env, i));

		if (e == NULL)
			continue;
		if (strncmp(e, "HOME=", 5) == 0)
			home = 1;
		container_strv_add(envp, &n, e);
	}
	hostname = xasprintf("HOSTNAME=%.12s", c->id);
	container_strv_add(envp, &n, hostname);
	if (!home)
		container_strv_add(envp, &n, "HOME=/root");
	return (hostname);
}

static void
container_monitor_label(struct container *c)
{
	task_label(c->monitor, "container=%.12s pid=%d", c->id, c->pid);
}

/* The root stays on disk for the next start; only the mount goes. */
static void
container_unmount(struct container *c)
{
	if (c->rootfs == NULL)
		return;
	if (umount2(c->rootfs, MNT_DETACH) != 0 && errno != EINVAL &&
	    errno != ENOENT)
		log_warn("container %.12s: unmount %s: %s", c->id, c->rootfs,
		    strerror(errno));
	xfree(c->rootfs);
	c->rootfs = NULL;
}

/*
 * A signal through the runtime; a frozen container is thawed after a
 * SIGKILL so the kill lands (dockerd's kill of a paused container).
 */
static int
container_signal(struct container *c, int sig)
{
	int	rc = runtime_signal(c->proc, sig);

	if (sig == SIGKILL && c->paused && runtime_pause(c->proc, 0,
	    NULL) == 0)
		c->paused = 0;
	return (rc);
}

/*
 * Both ends are in: the process exited and both streams reached EOF (or
 * the drain bound passed). Only now is the container not running.
 */
static void
container_finish(struct container *c)
{
	struct container_waiter	*w;
	struct container_store	*st = c->store;
	int			 code;

	event_del(c->kill_ev);
	event_del(c->drain_ev);
	copier_free(c->out);
	copier_free(c->err);
	c->out = c->err = NULL;
	jsonfile_close(c->writer);	/* followers learn the log closed */
	c->writer = NULL;
	runtime_free(c->proc);
	c->proc = NULL;
	container_unmount(c);
	task_free(c->monitor);
	c->monitor = NULL;

	code = c->exit_code = c->proc_status;
	c->state = CONTAINER_EXITED;
	c->paused = 0;
	c->finished_ns = timeutil_now_ns();
	c->pid = 0;
	memset(&c->ident, 0, sizeof c->ident);
	c->exit_seq++;
	container_save(c);
	log_info("container %.12s exited with %d", c->id, code);
	events_container_int(c, "die", "exitCode", code);
	if (c->stop_requested)
		events_container(c, "stop", NULL);	/* after die, as dockerd */
	c->stop_requested = 0;

	if (c->shutdown_counted) {
		c->shutdown_counted = 0;
		if (--st->pending == 0)
			event_active(st->done_ev, EV_TIMEOUT, 0);
	}
	if (c->removing || json_is_true(json_object_get(c->hostconfig,
	    "AutoRemove"))) {
		container_remove_now(c);
		return;
	}
	/*
	 * Waiters may restart or remove c: take one at a time from the head
	 * and look again, firing only those armed before this exit.
	 */
again:
	TAILQ_FOREACH(w, &c->waiters, entry) {
		if (w->cond == CONTAINER_WAIT_REMOVED || w->seq >= c->exit_seq)
			continue;
		TAILQ_REMOVE(&c->waiters, w, entry);
		w->c = NULL;
		w->cb(w, c, code, 0, w->arg);
		if (c->removed)
			return;
		goto again;
	}
}

static void
container_maybe_finish(struct container *c)
{
	if (c->proc_exited && (c->out == NULL || copier_eof(c->out)) &&
	    (c->err == NULL || copier_eof(c->err)))
		container_finish(c);
}

static void
container_copier_eof_cb(struct copier *cp, void *arg)
{
	struct container	*c = arg;

	(void)cp;
	container_maybe_finish(c);
}

static void
container_exit_cb(int status, void *arg)
{
	struct container	*c = arg;
	struct timeval		 tv = { CONTAINER_DRAIN_MS / 1000,
				    (CONTAINER_DRAIN_MS % 1000) * 1000 };

	c->proc_exited = 1;
	c->proc_status = status;
	/*
	 * As when a pid namespace's init dies: the rest of the group goes
	 * too, so a grandchild cannot hold the pipes open for ever.
	 */
	runtime_signal(c->proc, SIGKILL);
	task_wait(c->monitor, "output drain");
	if ((c->out != NULL && !copier_eof(c->out)) ||
	    (c->err != NULL && !copier_eof(c->err))) {
		evtimer_add(c->drain_ev, &tv);
		return;
	}
	container_finish(c);
}

/* The drain bound: whatever is readable now goes in, then we close. */
static void
container_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container	*c = arg;

	(void)fd;
	(void)what;
	log_warn("container %.12s: output still open %d ms after exit; "
	    "closing", c->id, CONTAINER_DRAIN_MS);
	if (c->out != NULL)
		copier_drain(c->out);
	if (c->err != NULL)
		copier_drain(c->err);
	container_finish(c);
}

static void
container_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container	*c = arg;

	(void)fd;
	(void)what;
	if (c->proc == NULL || c->proc_exited)
		return;
	log_info("container %.12s: grace period over, sending SIGKILL",
	    c->id);
	container_signal(c, SIGKILL);
	events_container_int(c, "kill", "signal", SIGKILL);
}

/*
 * The OCI runtime the container asks for (HostConfig.Runtime, else the
 * default), its root mounted and its bundle written, goes into spec; the
 * process runtime leaves spec alone. 0, or -1 with err.
 */
static int
container_oci_spec(struct container *c, struct runtime_spec *spec,
    char **bundle, struct err *err)
{
	struct ociruntime	*rt = NULL;
	struct images_image	*img;
	struct images		*ims = c->store->images;

	*bundle = NULL;
	if (c->store->runtimes == NULL)
		return (0);
	if (ociruntimes_lookup(c->store->runtimes, container_json_str(
	    c->hostconfig, "Runtime"), &rt, err) != 0)
		return (-1);
	if (rt == NULL)
		return (0);
	if ((img = images_lookup(ims, container_image_id(c), err)) == NULL)
		return (-1);
	xfree(c->rootfs);
	c->rootfs = NULL;
	if (images_rootfs_prepare(ims, img, c->id, &c->rootfs, err) != 0 ||
	    oci_bundle_write(c->dir, c->id, c->config, c->hostconfig,
	    c->rootfs, bundle, err) != 0) {
		container_unmount(c);
		return (-1);
	}
	spec->oci = rt;
	spec->bundle = *bundle;
	spec->id = c->id;
	return (0);
}

static int
container_start_failed(struct container *c, int code, int exit_code,
    const char *msg, struct err *err)
{
	container_set_error(c, msg);
	c->exit_code = exit_code;
	container_save(c);
	err_set(err, code, "%s", msg);
	if (json_is_true(json_object_get(c->hostconfig, "AutoRemove")))
		container_remove_now(c);
	return (-1);
}

int
container_start(struct container *c, struct err *err)
{
	struct runtime_spec	 spec;
	struct jsonfile_opts	 opts;
	struct err		 e = { 0, "" };
	const char		**argv = NULL, **envp = NULL;
	char			*hostname, *msg, *bundle = NULL;
	int			 out = -1, errfd = -1;

	if (c->removing)
		return (err_set(err, ERR_CONFLICT, "container is marked for "
		    "removal and cannot be started"));
	if (c->state == CONTAINER_RUNNING)
		return (err_set(err, ERR_NOT_MODIFIED, "container already "
		    "started"));
	/* Shutdown counted what runs; nothing may start behind its back. */
	if (c->store->shutting_down)
		return (err_set(err, ERR_INTERNAL, "daemon is shutting down"));

	if (strcmp(container_log_driver(c), "json-file") == 0) {
		if (container_log_opts(c, &opts, &e) != 0 ||
		    (c->writer = jsonfile_open(container_log_path(c), &opts,
		    &e)) == NULL) {
			msg = xasprintf("failed to initialize logging driver: "
			    "%s", e.msg);
			container_start_failed(c, ERR_INTERNAL,
			    c->exit_code != 0 ? c->exit_code : 128, msg, err);
			xfree(msg);
			return (-1);
		}
	}

	memset(&spec, 0, sizeof spec);
	if (container_oci_spec(c, &spec, &bundle, &e) != 0) {
		jsonfile_close(c->writer);
		c->writer = NULL;
		container_start_failed(c, e.code, 128, e.msg, err);
		return (-1);
	}
	container_argv(c, &argv);
	hostname = container_envp(c, &envp);
	spec.argv = argv;
	spec.envp = envp;
	spec.cwd = container_json_str(c->config, "WorkingDir");
	spec.tty = container_tty(c);
	c->proc_exited = 0;
	c->proc_status = 0;
	c->proc = runtime_start(c->store->base, &spec, &out, &errfd,
	    container_exit_cb, c, &e);
	xfree((void *)argv);
	xfree((void *)envp);
	xfree(hostname);
	xfree(bundle);
	if (c->proc == NULL) {
		jsonfile_close(c->writer);
		c->writer = NULL;
		container_unmount(c);
		if (e.code == ERR_INVALID)
			msg = xasprintf(CONTAINER_OCI_PREFIX "%s: unknown",
			    e.msg);
		else
			msg = xstrdup(e.msg);
		container_start_failed(c, e.code == ERR_INVALID ? ERR_INVALID :
		    ERR_INTERNAL, e.code == ERR_INVALID ? 127 : 128, msg, err);
		xfree(msg);
		return (-1);
	}

	c->monitor = task_new("daemon.container_monitor");
	c->pid = (int)runtime_pid(c->proc);
	c->ident = *runtime_ident(c->proc);
	container_monitor_label(c);
	task_wait(c->monitor, "container exit");
	c->out = copier_new(c->store->base, out, LOGLINE_STDOUT, c->writer,
	    container_copier_eof_cb, c);
	if (errfd != -1)
		c->err = copier_new(c->store->base, errfd, LOGLINE_STDERR,
		    c->writer, container_copier_eof_cb, c);
	c->state = CONTAINER_RUNNING;
	c->exit_code = 0;
	container_set_error(c, "");
	c->started_ns = timeutil_now_ns();
	container_save(c);
	log_info("started container %.12s %s, pid %d", c->id, c->name, c->pid);
	c->stop_requested = 0;
	events_container(c, "start", NULL);
	return (0);
}

int
container_stop(struct container *c, int timeout_sec, struct err *err)
{
	struct timeval	tv = { timeout_sec, 0 };
	int		sig;

	if (c->state != CONTAINER_RUNNING)
		return (err_set(err, ERR_NOT_MODIFIED, "container already "
		    "stopped"));
	c->stop_requested = 1;
	if (c->proc_exited)
		return (0);	/* draining; finishes within the bound */
	if ((sig = runtime_parse_signal(container_json_str(c->config,
	    "StopSignal"))) == -1)
		sig = SIGTERM;
	log_info("stopping container %.12s, %d s grace", c->id, timeout_sec);
	container_signal(c, SIGTERM);
	events_container_int(c, "kill", "signal", SIGTERM);
	if (timeout_sec >= 0)
		evtimer_add(c->kill_ev, &tv);
	return (0);
}

int
container_kill(struct container *c, int sig, struct err *err)
{
	if (c->state != CONTAINER_RUNNING)
		return (err_set(err, ERR_CONFLICT, "Container %s is not "
		    "running", c->id));
	if (c->proc_exited)
		return (0);
	if (container_signal(c, sig) != 0)
		return (err_errno(err, "kill container %s", c->id));
	events_container_int(c, "kill", "signal", sig);
	return (0);
}

int
container_pause(struct container *c, int pause, struct err *err)
{
	if (c->state != CONTAINER_RUNNING || c->proc_exited)
		return (err_set(err, ERR_CONFLICT, "Container %s is not "
		    "running", c->id));
	if (pause && c->paused)
		return (err_set(err, ERR_CONFLICT, "Container %s is already "
		    "paused", c->id));
	/* dockerd answers this one 500: a plain error, not a conflict. */
	if (!pause && !c->paused)
		return (err_set(err, ERR_INTERNAL, "Container %s is not "
		    "paused", c->id));
	if (runtime_pause(c->proc, pause, err) != 0)
		return (-1);
	c->paused = pause;
	container_save(c);
	log_info("container %.12s %s", c->id, pause ? "paused" : "unpaused");
	return (0);
}

/* ---- removal --------------------------------------------------------- */

static void
container_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct container	*c = arg;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&c->store->dead, c, entry);
	container_free(c);
}

/*
 * Takes c off the store, wakes every waiter, cancels its context so that
 * log streams let go, deletes its directory, and frees it once the stack
 * has unwound (callers above us may still hold c).
 */
static void
container_remove_now(struct container *c)
{
	struct container_store	*st = c->store;
	struct container_waiter	*w;

	c->removing = 1;
	c->removed = 1;
	TAILQ_REMOVE(&st->live, c, entry);
	TAILQ_INSERT_TAIL(&st->dead, c, entry);
	while ((w = TAILQ_FIRST(&c->waiters)) != NULL) {
		TAILQ_REMOVE(&c->waiters, w, entry);
		w->c = NULL;
		w->cb(w, c, c->exit_code, 1, w->arg);
	}
	cancel_fire(c->ctx, CANCEL_REMOVED);
	images_rootfs_remove(st->images, c->id, NULL);	/* its writable root */
	nftw(c->dir, container_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	log_info("removed container %.12s %s", c->id, c->name);
	events_container(c, "destroy", NULL);
	event_active(c->reap_ev, EV_TIMEOUT, 0);
}

int
container_remove(struct container *c, int force, struct err *err)
{
	if (c->removing)
		return (err_set(err, ERR_CONFLICT, "removal of container %s "
		    "is already in progress", c->id));
	if (c->state == CONTAINER_RUNNING) {
		if (!force)
			return (err_set(err, ERR_CONFLICT, "You cannot "
			    "remove a running container %s. Stop the container "
			    "before attempting removal or force remove",
			    c->id));
		c->removing = 1;
		if (!c->proc_exited && container_signal(c, SIGKILL) == 0)
			events_container_int(c, "kill", "signal", SIGKILL);
		return (1);
	}
	container_remove_now(c);
	return (0);
}

/* ---- shutdown -------------------------------------------------------- */

void
container_store_shutdown(struct container_store *st, int timeout_sec,
    void (*done)(void *), void *arg)
{
	struct container	*c;

	st->shutting_down = 1;
	st->done = done;
	st->done_arg = arg;
	st->pending = 0;
	TAILQ_FOREACH(c, &st->live, entry) {
		if (c->state != CONTAINER_RUNNING)
			continue;
		c->shutdown_counted = 1;
		st->pending++;
		container_stop(c, timeout_sec, NULL);
	}
	log_info("stopping %d running containers", st->pending);
	if (st->pending == 0)
		event_active(st->done_ev, EV_TIMEOUT, 0);
}

/* ---- waiters --------------------------------------------------------- */

void
container_wait_add(struct container *c, struct container_waiter *w,
    enum container_wait cond, container_wait_cb cb, void *arg)
{
	container_wait_del(w);
	w->c = c;
	w->cond = cond;
	w->seq = c->exit_seq;
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&c->waiters, w, entry);
}

void
container_wait_del(struct container_waiter *w)
{
	if (w->c == NULL)
		return;
	TAILQ_REMOVE(&w->c->waiters, w, entry);
	w->c = NULL;
}

/* ---- JSON views ------------------------------------------------------ */

void
container_human_duration(char *buf, size_t len, int64_t ns)
{
	double	secs = (double)ns / 1e9;
	long	s = (long)secs, m = (long)(secs / 60);
	long	h = (long)(secs / 3600 + 0.5);

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%ld seconds", s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%ld minutes", m);
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%ld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%ld days", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%ld weeks", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%ld months", h / 24 / 30);
	else
		snprintf(buf, len, "%ld years", (long)(secs / 3600) / 24 / 365);
}

/* State.Status / list State: dockerd's StateString. */
static const char *
container_status_word(const struct container *c)
{
	if (c->state == CONTAINER_RUNNING)
		return (c->paused ? "paused" : "running");
	if (c->removing)
		return ("removing");
	if (c->started_ns == 0)
		return ("created");
	return ("exited");
}

static json_t *
container_path_args(const struct container *c, json_t **args)
{
	json_t		*ep = json_object_get(c->config, "Entrypoint");
	json_t		*cmd = json_object_get(c->config, "Cmd");
	json_t		*all = json_array(), *path;
	size_t		 i;

	for (i = 0; i < json_array_size(ep); i++)
		json_array_append(all, json_array_get(ep, i));
	for (i = 0; i < json_array_size(cmd); i++)
		json_array_append(all, json_array_get(cmd, i));
	path = json_array_size(all) > 0 ? json_incref(json_array_get(all, 0)) :
	    json_string("");
	if (json_array_size(all) > 0)
		json_array_remove(all, 0);
	*args = all;
	return (path);
}

/* A new reference to v, or dflt (a new value) when v is missing. */
static json_t *
container_ref(json_t *v, json_t *dflt)
{
	if (v == NULL)
		return (dflt);
	json_decref(dflt);
	return (json_incref(v));
}

json_t *
container_inspect_json(const struct container *c)
{
	char	 created[TIMEUTIL_BUFSZ], started[TIMEUTIL_BUFSZ];
	char	 finished[TIMEUTIL_BUFSZ], hostname[13];
	json_t	*args, *path, *cfg, *hc, *lc, *j;

	container_format_time(created, c->created_ns);
	container_format_time(started, c->started_ns);
	container_format_time(finished, c->finished_ns);
	snprintf(hostname, sizeof hostname, "%.12s", c->id);
	path = container_path_args(c, &args);

	cfg = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b,"
	    " s:o, s:o, s:s, s:n, s:s, s:o, s:n, s:o}",
	    "Hostname", hostname, "Domainname", "", "User",
	    container_json_str(c->config, "User"),
	    "AttachStdin", 0,
	    "AttachStdout", json_is_true(json_object_get(c->config,
	    "AttachStdout")),
	    "AttachStderr", json_is_true(json_object_get(c->config,
	    "AttachStderr")),
	    "Tty", container_tty(c), "OpenStdin", 0, "StdinOnce", 0,
	    "Env", container_ref(json_object_get(c->config, "Env"),
	    json_null()),
	    "Cmd", container_ref(json_object_get(c->config, "Cmd"),
	    json_null()),
	    "Image", container_json_str(c->config, "Image"),
	    "Volumes",
	    "WorkingDir", container_json_str(c->config, "WorkingDir"),
	    "Entrypoint", container_ref(json_object_get(c->config,
	    "Entrypoint"), json_null()),
	    "OnBuild",
	    "Labels", container_ref(json_object_get(c->config, "Labels"),
	    json_object()));
	lc = container_logconfig(c);
	hc = json_pack("{s:{s:s, s:o}, s:s, s:{s:s, s:i}, s:b}",
	    "LogConfig", "Type", container_log_driver(c),
	    "Config", container_ref(json_object_get(lc, "Config"),
	    json_object()),
	    "NetworkMode", "none",
	    "RestartPolicy", "Name", "no", "MaximumRetryCount", 0,
	    "AutoRemove", json_is_true(json_object_get(c->hostconfig,
	    "AutoRemove")));
	/* The runtime's fields (Runtime, Binds, Memory...) as given. */
	json_object_update_missing(hc, c->hostconfig);
	if (json_is_string(json_object_get(c->hostconfig, "NetworkMode")))
		json_object_set(hc, "NetworkMode", json_object_get(
		    c->hostconfig, "NetworkMode"));
	if (json_is_string(json_object_get(c->config, "StopSignal")))
		json_object_set(cfg, "StopSignal", json_object_get(c->config,
		    "StopSignal"));
	json_object_set_new(cfg, "OpenStdin", json_boolean(json_is_true(
	    json_object_get(c->config, "OpenStdin"))));
	j = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b,"
	    " s:i, s:i, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:o, s:i,"
	    " s:s, s:s, s:s, s:s, s:s, s:n, s:o, s:o, s:o, s:[]}",
	    "Id", c->id, "Created", created, "Path", path, "Args", args,
	    "State", "Status", container_status_word(c),
	    "Running", c->state == CONTAINER_RUNNING, "Paused", c->paused,
	    "Restarting", 0, "OOMKilled", 0, "Dead", 0,
	    "Pid", c->pid, "ExitCode", c->exit_code, "Error", c->error,
	    "StartedAt", started, "FinishedAt", finished,
	    "Image", container_json_str(c->config, "ImageID"),
	    "ResolvConfPath", "", "HostnamePath", "", "HostsPath", "",
	    /* Under --data-root: any bytes the operator chose. */
	    "LogPath", jsontext_new(c->log_path),
	    "RestartCount", 0,
	    "Name", c->name, "Driver", "logpouch", "Platform", "linux",
	    "MountLabel", "", "ProcessLabel", "", "ExecIDs",
	    "HostConfig", hc, "Config", cfg,
	    "NetworkSettings", json_pack("{s:{}}", "Networks"),
	    "Mounts");
	return (j);
}

json_t *
container_summary_json(const struct container *c, int64_t now_ns)
{
	char	 status[96], d[48], *cmd;
	json_t	*args, *path, *j, *labels;
	size_t	 i;

	if (c->state == CONTAINER_RUNNING) {
		container_human_duration(d, sizeof d, now_ns - c->started_ns);
		snprintf(status, sizeof status, "Up %s%s", d, c->paused ?
		    " (Paused)" : "");
	} else if (c->removing)
		snprintf(status, sizeof status, "Removal In Progress");
	else if (c->started_ns == 0)
		snprintf(status, sizeof status, "Created");
	else if (c->finished_ns == 0)
		status[0] = '\0';
	else {
		container_human_duration(d, sizeof d, now_ns - c->finished_ns);
		snprintf(status, sizeof status, "Exited (%d) %s ago",
		    c->exit_code, d);
	}

	/* dockerd quotes arguments holding a space with '...'. */
	path = container_path_args(c, &args);
	cmd = xstrdup(json_string_value(path));
	for (i = 0; i < json_array_size(args); i++) {
		const char	*a = json_string_value(json_array_get(args, i));
		char		*next;

		if (a == NULL)
			a = "";
		next = xasprintf(strchr(a, ' ') != NULL ? "%s '%s'" : "%s %s",
		    cmd, a);
		xfree(cmd);
		cmd = next;
	}
	json_decref(path);
	json_decref(args);
	labels = json_object_get(c->config, "Labels");

	j = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:I, s:[], s:o, s:s, s:s,"
	    " s:{s:s}, s:{s:{}}, s:[]}",
	    "Id", c->id, "Names", c->name,
	    "Image", container_json_str(c->config, "Image"),
	    "ImageID", container_json_str(c->config, "ImageID"),
	    "Command", cmd,
	    "Created", (json_int_t)(c->created_ns / 1000000000),
	    "Ports",
	    "Labels", container_ref(labels, json_object()),
	    "State", container_status_word(c), "Status", status,
	    "HostConfig", "NetworkMode", "none",
	    "NetworkSettings", "Networks",
	    "Mounts");
	xfree(cmd);
	return (j);
}
