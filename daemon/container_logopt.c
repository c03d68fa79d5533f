/* SPDX-License-Identifier: MIT */
/*
 * A container's log options (HostConfig.LogConfig), parsed once when the
 * container is created or reloaded, and its fixed log path. dockerd checks
 * the json-file options at start, so a bad one is kept with its error and
 * raised there (and by a logs request), not at create.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/strconv.h"
#include "daemon/base/xalloc.h"
#include "daemon/container_int.h"

static const char *
container_logopt_get(json_t *cfg, const char *key)
{
	return (json_string_value(json_object_get(cfg, key)));
}

/* The json-file options that dockerd checks at start, not at create. */
static int
container_logopt_parse(json_t *cfg, struct jsonfile_opts *opts,
    struct err *err)
{
	const char	*key, *s;
	json_t		*v;
	int		 compress = 0;

	opts->max_size = 0;
	opts->max_file = 1;
	if ((s = container_logopt_get(cfg, "max-size")) != NULL &&
	    jsonfile_parse_size(s, &opts->max_size, err) != 0)
		return (-1);
	if ((s = container_logopt_get(cfg, "max-file")) != NULL) {
		if (strconv_atoi(s, &opts->max_file, err) != 0)
			return (-1);
		if (opts->max_file < 1)
			return (err_set(err, ERR_INVALID,
			    "max-file cannot be less than 1"));
	}
	if ((s = container_logopt_get(cfg, "compress")) != NULL) {
		if (strconv_parse_bool(s, &compress, err) != 0)
			return (-1);
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

void
container_logopt_init(struct container_logopt *lo, json_t *hostconfig,
    const char *dir, const char *id)
{
	json_t		*lc = json_object_get(hostconfig, "LogConfig");
	const char	*type = json_string_value(json_object_get(lc, "Type"));

	memset(lo, 0, sizeof *lo);
	lo->none = type != NULL && strcmp(type, "none") == 0;
	lo->opts.max_file = 1;
	if (lo->none)
		return;
	lo->path = xasprintf("%s/%s-json.log", dir, id);
	if (container_logopt_parse(json_object_get(lc, "Config"), &lo->opts,
	    &lo->why) != 0) {
		lo->bad = 1;
		lo->why.code = ERR_INTERNAL;
		lo->opts.max_size = 0;
		lo->opts.max_file = 1;
	}
}

void
container_logopt_clear(struct container_logopt *lo)
{
	xfree(lo->path);
	lo->path = NULL;
}

void
container_logopt_touch(const struct container_logopt *lo)
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
