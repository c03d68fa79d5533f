/* SPDX-License-Identifier: MIT */
/*
 * The container store: every container of the daemon, newest first; create
 * (ids, names and generated names), lookup by dockerd's rules, listing and
 * counts, the reload at start, and the stop of everything at shutdown.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/events.h"
#include "daemon/images.h"
#include "daemon/networks.h"

static int
container_store_is_id(const char *s)
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
int
container_store_valid_name(const char *s)
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
container_store_random(void *buf, size_t len)
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

/* Keeps the live list newest first. */
void
container_store_insert(struct container_store *st, struct container *c)
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

struct container *
container_store_by_name(struct container_store *st, const char *name)
{
	struct container	*c;
	const char		*n = name[0] == '/' ? name + 1 : name;

	TAILQ_FOREACH(c, &st->live, entry) {
		if (strcmp(c->name + 1, n) == 0)
			return (c);
	}
	return (NULL);
}

static int
container_store_mkdirs(const char *path, struct err *err)
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

static void
container_store_reload(struct container_store *st, const char *id)
{
	struct container	*c;

	c = container_new(st, id);
	if (container_persist_load(c) != 0) {
		container_free(c);
		return;
	}
	if (!container_store_valid_name(c->name) ||
	    container_store_by_name(st, c->name) != NULL) {
		log_warn("skipping container %.12s: bad or duplicate name %s",
		    id, c->name);
		container_free(c);
		return;
	}
	container_store_insert(st, c);
	/* As dockerd's restore: a stopped AutoRemove container goes now. */
	if (json_is_true(json_object_get(c->hostconfig, "AutoRemove"))) {
		container_remove_now(c);
		return;
	}
	container_log_touch(&c->logopt);
	container_persist_save(c);
	log_debug("loaded container %.12s %s (%s)", c->id, c->name,
	    container_state_name(c->state));
}

/* Reads the saved id, or makes a UUID v4 and saves it. */
static int
container_store_load_engine_id(struct container_store *st,
    const char *data_root, struct err *err)
{
	char		*path = xasprintf("%s/engine-id", data_root);
	unsigned char	 r[16];
	FILE		*f;
	int		 rc = 0;

	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%36s", st->engine_id) != 1)
			st->engine_id[0] = '\0';
		fclose(f);
	}
	if (strlen(st->engine_id) == 36)
		goto out;
	if (container_store_random(r, sizeof r) != 0) {
		rc = err_errno(err, "read /dev/urandom");
		goto out;
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(st->engine_id, sizeof st->engine_id, "%02x%02x%02x%02x-"
	    "%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
	    r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
	    r[12], r[13], r[14], r[15]);
	if ((f = fopen(path, "we")) == NULL)
		rc = err_errno(err, "write %s", path);
	else if ((fprintf(f, "%s\n", st->engine_id) < 0) | (fclose(f) != 0))
		rc = err_errno(err, "write %s", path);
out:
	xfree(path);
	return (rc);
}

struct container_store *
container_store_new(struct event_base *base, struct cancel *root,
    const char *data_root, const char *storage_driver, struct err *err)
{
	struct container_store	*st;
	DIR			*d;
	struct dirent		*de;

	st = xcalloc(1, sizeof *st);
	st->base = base;
	st->root = root;
	st->dir = xasprintf("%s/containers", data_root);
	st->data_root = xstrdup(data_root);
	TAILQ_INIT(&st->live);
	st->done_ev = event_new(base, -1, 0, container_store_done_cb, st);
	st->events = events_new();
	st->log_default = json_pack("{s:s, s:{}}", "Type", "json-file",
	    "Config");
	if (container_store_mkdirs(st->dir, err) != 0 ||
	    (st->images = images_new(data_root, storage_driver, err)) ==
	    NULL ||
	    (st->networks = networks_new(data_root, err)) == NULL ||
	    container_store_load_engine_id(st, data_root, err) != 0) {
		container_store_free(st);
		return (NULL);
	}
	images_set_events(st->images, st->events);
	if ((d = opendir(st->dir)) == NULL) {
		err_errno(err, "open %s", st->dir);
		container_store_free(st);
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		if (container_store_is_id(de->d_name))
			container_store_reload(st, de->d_name);
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
		c->removed = 1;
		container_free(c);
	}
	/*
	 * The loop is over: run the frees just scheduled and those of
	 * containers removed earlier, while the store and the root context
	 * their contexts hang from still exist.
	 */
	reap_drain(st->base);
	event_free(st->done_ev);
	images_free(st->images);
	networks_free(st->networks);
	events_free(st->events);
	json_decref(st->log_default);
	xfree(st->dir);
	xfree(st->data_root);
	xfree(st);
}

struct images *
container_store_images(struct container_store *st)
{
	return (st->images);
}

struct networks *
container_store_networks(struct container_store *st)
{
	return (st->networks);
}

const char *
container_store_engine_id(const struct container_store *st)
{
	return (st->engine_id);
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

void
container_store_set_log_default(struct container_store *st,
    const char *driver, json_t *opts)
{
	json_decref(st->log_default);
	st->log_default = json_pack("{s:s, s:o}", "Type", driver, "Config",
	    json_is_object(opts) ? json_deep_copy(opts) : json_object());
}

json_t *
container_store_log_default(struct container_store *st)
{
	return (st->log_default);
}

struct events *
container_store_events(struct container_store *st)
{
	return (st->events);
}

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
	if (len > 0 && (c = container_store_by_name(st, ref)) != NULL)
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

static const char *container_store_adjectives[] = {
	"admiring", "bold", "brave", "clever", "eager", "festive", "gifted",
	"happy", "jolly", "keen", "lucid", "nifty", "quirky", "serene",
	"sharp", "stoic", "tender", "vibrant", "wizardly", "zealous",
};
static const char *container_store_nouns[] = {
	"babbage", "curie", "darwin", "einstein", "fermi", "galileo",
	"hopper", "johnson", "kepler", "lovelace", "meitner", "newton",
	"noether", "pasteur", "ritchie", "shannon", "thompson", "turing",
	"wozniak", "yalow",
};

/* dockerd's namesgenerator shape, "adjective_noun", with a digit on retry. */
static char *
container_store_generate_name(struct container_store *st, const char *id)
{
	unsigned char	 r[3];
	char		*name;
	size_t		 na = sizeof container_store_adjectives /
			    sizeof container_store_adjectives[0];
	size_t		 nn = sizeof container_store_nouns /
			    sizeof container_store_nouns[0];

	for (int i = 0; i < 16; i++) {
		if (container_store_random(r, sizeof r) != 0)
			break;
		if (i == 0)
			name = xasprintf("/%s_%s",
			    container_store_adjectives[r[0] % na],
			    container_store_nouns[r[1] % nn]);
		else
			name = xasprintf("/%s_%s%u",
			    container_store_adjectives[r[0] % na],
			    container_store_nouns[r[1] % nn],
			    (unsigned)r[2] % 10);
		if (container_store_by_name(st, name) == NULL)
			return (name);
		xfree(name);
	}
	return (xasprintf("/c_%.12s", id));
}

/* dockerd's reserveName: name (with or without its '/') may be taken. */
static int
container_store_name_free(struct container_store *st, const char *name,
    struct err *err)
{
	struct container	*other;

	if (!container_store_valid_name(name))
		return (err_set(err, ERR_INVALID, "Invalid container name "
		    "(%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name));
	if ((other = container_store_by_name(st, name)) != NULL)
		return (err_set(err, ERR_CONFLICT, "Conflict. The container "
		    "name \"/%s\" is already in use by container \"%s\". "
		    "You have to remove (or rename) that container to be able "
		    "to reuse that name.", name[0] == '/' ? name + 1 : name,
		    other->id));
	return (0);
}

int
container_store_rename(struct container_store *st, struct container *c,
    const char *name, struct err *err)
{
	char	*want, *old;

	if (*name == '\0')
		return (err_set(err, ERR_INVALID, "Neither old nor new names "
		    "may be empty"));
	want = name[0] == '/' ? xstrdup(name) : xasprintf("/%s", name);
	if (strcmp(want, c->name) == 0) {
		xfree(want);
		return (err_set(err, ERR_INVALID, "Renaming a container with "
		    "the same name as its current name"));
	}
	if (container_store_name_free(st, want, err) != 0) {
		err_wrap(err, "Error when allocating new name");
		xfree(want);
		return (-1);
	}
	old = c->name;
	c->name = want;
	if (container_persist_save(c) != 0) {
		err_errno(err, "rename %.12s", c->id);
		c->name = old;
		xfree(want);
		return (-1);
	}
	log_info("renamed container %.12s %s to %s", c->id, old, c->name);
	container_event(c, "rename", "oldName", old, NULL);
	xfree(old);
	return (0);
}

struct container *
container_store_create(struct container_store *st, const char *name,
    json_t *config, json_t *hostconfig, struct err *err)
{
	struct container	*c = NULL;
	unsigned char		 raw[CONTAINER_ID_LEN / 2];
	char			 id[CONTAINER_ID_LEN + 1];
	size_t			 i;

	if (name != NULL && *name != '\0' &&
	    container_store_name_free(st, name, err) != 0)
		goto fail;
	do {
		if (container_store_random(raw, sizeof raw) != 0) {
			err_errno(err, "read /dev/urandom");
			goto fail;
		}
		for (i = 0; i < sizeof raw; i++)
			snprintf(id + 2 * i, 3, "%02x", raw[i]);
		/* dockerd rejects all-digit ids: they read as numbers. */
	} while (strspn(id, "0123456789") == CONTAINER_ID_LEN ||
	    container_store_lookup(st, id, NULL) != NULL);

	c = container_new(st, id);
	if (name != NULL && *name != '\0')
		c->name = name[0] == '/' ? xstrdup(name) :
		    xasprintf("/%s", name);
	else
		c->name = container_store_generate_name(st, id);
	c->config = config;
	c->hostconfig = hostconfig;
	config = hostconfig = NULL;
	c->created_ns = timeutil_now_ns();
	c->state = CONTAINER_CREATED;
	container_log_init(&c->logopt, c->hostconfig, c->dir, c->id);

	/*
	 * Env stays as the create and the image left it: the default PATH
	 * is the process's (execenv_build, oci_process), as dockerd's
	 * CreateDaemonEnvironment adds it, never the container's Config.
	 */
	if (!json_is_array(json_object_get(c->config, "Env")))
		json_object_set_new(c->config, "Env", json_array());

	if (mkdir(c->dir, 0710) != 0) {
		err_errno(err, "mkdir %s", c->dir);
		goto fail;
	}
	/*
	 * Without its config.v2.json a container would vanish at the next
	 * start: fail the create and leave nothing behind instead.
	 */
	if (container_persist_save(c) != 0) {
		err_errno(err, "write %s/config.v2.json", c->dir);
		container_persist_rmdir(c->dir);
		goto fail;
	}
	/* A log request before the first start reads an empty log. */
	container_log_touch(&c->logopt);
	container_store_insert(st, c);
	log_info("created container %.12s %s", c->id, c->name);
	container_event(c, "create", NULL);
	return (c);

fail:
	json_decref(config);
	json_decref(hostconfig);
	if (c != NULL)
		container_free(c);
	return (NULL);
}

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
		if (c->restarting)	/* stays down, and comes back at boot */
			container_stop(c, 0, timeout_sec, NULL);
		if (c->state != CONTAINER_RUNNING)
			continue;
		c->shutdown_counted = 1;
		st->pending++;
		container_stop(c, 0, timeout_sec, NULL);
	}
	log_info("stopping %d running containers", st->pending);
	if (st->pending == 0)
		event_active(st->done_ev, EV_TIMEOUT, 0);
}

void
container_store_autostart(struct container_store *st)
{
	struct container	*c, *next;
	struct err		 err;

	for (c = TAILQ_FIRST(&st->live); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!container_restart_at_boot(c))
			continue;
		log_info("container %.12s: starting by its restart policy",
		    c->id);
		if (container_start(c, &err) != 0)
			log_warn("container %.12s: %s", c->id, err.msg);
	}
}
