/* SPDX-License-Identifier: MIT */
/*
 * A container's log: its options (HostConfig.LogConfig), parsed once when
 * the container is created or reloaded, its fixed path, and what readers
 * ask of it. dockerd checks the json-file options at start, so a bad one
 * is kept with its error and raised there (and by a logs request).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/strconv.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "logdriver/logring.h"

/* dockerd's defaultRingMaxSize: 1e6 bytes, not 1 MiB. */
#define CONTAINER_LOG_RING_DEFAULT	1000000

static const char *
container_log_get(json_t *cfg, const char *key)
{
	return (json_string_value(json_object_get(cfg, key)));
}

/* The json-file options that dockerd checks at start, not at create. */
static int
container_log_parse(json_t *cfg, struct jsonfile_opts *opts,
    struct err *err)
{
	const char	*s;
	int		 compress = 0;

	opts->max_size = 0;
	opts->max_file = 1;
	opts->compress = 0;
	if ((s = container_log_get(cfg, "max-size")) != NULL &&
	    jsonfile_parse_size(s, &opts->max_size, err) != 0)
		return (-1);
	if ((s = container_log_get(cfg, "max-file")) != NULL) {
		if (strconv_atoi(s, &opts->max_file, err) != 0)
			return (-1);
		if (opts->max_file < 1)
			return (err_set(err, ERR_INVALID,
			    "max-file cannot be less than 1"));
	}
	if ((s = container_log_get(cfg, "compress")) != NULL) {
		if (strconv_parse_bool(s, &compress, err) != 0)
			return (-1);
		if (compress && (opts->max_file < 2 || opts->max_size == 0))
			return (err_set(err, ERR_INVALID, "compress cannot be "
			    "true when max-file is less than 2 or max-size is "
			    "not set"));
	}
	/* Only when max-size is set does max-file mean anything. */
	if (opts->max_size == 0)
		opts->max_file = 1;
	opts->compress = compress;
	return (0);
}

/*
 * mode and max-buffer-size, checked as dockerd's StartLogger does (the
 * create checked them already; a saved config is checked again). A
 * negative size (one past int64, as Go converts it) means the default.
 */
static int
container_log_parse_mode(json_t *cfg, struct container_logopt *lo,
    struct err *err)
{
	const char	*s = container_log_get(cfg, "mode");
	int64_t		 size = -1;

	lo->nonblock = s != NULL && strcmp(s, "non-blocking") == 0;
	lo->ring_size = CONTAINER_LOG_RING_DEFAULT;
	if (!lo->nonblock)
		return (0);
	if ((s = container_log_get(cfg, "max-buffer-size")) != NULL &&
	    strconv_ram_in_bytes(s, &size, err) != 0)
		return (-1);
	if (size >= 0)
		lo->ring_size = (size_t)size;
	return (0);
}

void
container_log_init(struct container_logopt *lo, json_t *hostconfig,
    const char *dir, const char *id)
{
	json_t		*lc = json_object_get(hostconfig, "LogConfig");
	const char	*type = json_string_value(json_object_get(lc, "Type"));

	memset(lo, 0, sizeof *lo);
	lo->none = type != NULL && strcmp(type, "none") == 0;
	lo->opts.max_file = 1;
	if (lo->none)
		return;
	/*
	 * Another of dockerd's built-in drivers: the create was valid, the
	 * start fails as dockerd's does when that driver cannot start.
	 */
	if (type != NULL && *type != '\0' && strcmp(type, "json-file") != 0) {
		lo->bad = 1;
		err_set(&lo->why, ERR_INTERNAL, "%s: this log driver is not "
		    "built into logpouchd (json-file and none are)", type);
		return;
	}
	lo->path = xasprintf("%s/%s-json.log", dir, id);
	if (container_log_parse(json_object_get(lc, "Config"), &lo->opts,
	    &lo->why) != 0 || container_log_parse_mode(json_object_get(lc,
	    "Config"), lo, &lo->why) != 0) {
		lo->bad = 1;
		lo->why.code = ERR_INTERNAL;
		lo->opts.max_size = 0;
		lo->opts.max_file = 1;
		lo->nonblock = 0;
	}
}

void
container_log_clear(struct container_logopt *lo)
{
	xfree(lo->path);
	lo->path = NULL;
}

void
container_log_touch(const struct container_logopt *lo)
{
	int	fd;

	if (lo->path == NULL || access(lo->path, F_OK) == 0)
		return;
	fd = open(lo->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd == -1)
		log_warn("create %s: %s", lo->path, strerror(errno));
	else
		close(fd);
}

int
container_log_start(struct container *c, struct err *err)
{
	if (c->logopt.none)
		return (0);
	if (container_log_check(c, err) != 0)
		return (-1);
	c->log_started = 1;	/* dockerd's StartLogger: LogPath shows now */
	if ((c->writer = jsonfile_open(c->logopt.path, &c->logopt.opts,
	    err)) == NULL)
		return (-1);
	if (container_log_attrs(c, err) != 0) {
		jsonfile_close(c->writer);
		c->writer = NULL;
		return (-1);
	}
	if (c->logopt.nonblock)
		c->ring = logring_new(c->logopt.ring_size);
	return (0);
}

void
container_log_stop(struct container *c)
{
	jsonfile_close(c->writer);
	c->writer = NULL;
	logring_free(c->ring);
	c->ring = NULL;
}

/* ---- what readers ask (container.h) ---------------------------------- */

const char *
container_log_driver(const struct container *c)
{
	const char	*type = json_string_value(json_object_get(
			    json_object_get(c->hostconfig, "LogConfig"), "Type"));

	return (type != NULL && *type != '\0' ? type : "json-file");
}

const char *
container_log_path(const struct container *c)
{
	return (c->logopt.path);
}

const char *
container_log_open(struct container *c)
{
	c->log_started |= c->logopt.path != NULL;
	return (c->logopt.path);
}

int
container_log_max_file(const struct container *c)
{
	return (c->logopt.opts.max_file);
}

int
container_log_check(const struct container *c, struct err *err)
{
	if (c->logopt.bad)
		return (err_set(err, c->logopt.why.code, "%s",
		    c->logopt.why.msg));
	return (0);
}

struct jsonfile *
container_log_writer(const struct container *c)
{
	return (c->writer);
}
