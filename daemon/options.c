/* SPDX-License-Identifier: MIT */
/*
 * Option parsing: getopt_long for flags, jansson for the config file, and
 * the root/non-root defaults dockerd uses (rootless under XDG dirs).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/options.h"
#include "daemon/options_table.h"
#include "daemon/base/xalloc.h"

static int
options_int(const char *name, const char *s, int *out, struct err *err)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > INT_MAX)
		return (err_set(err, EINVAL, "invalid value \"%s\" for --%s: "
		    "want a whole number of seconds", s, name));
	*out = (int)v;
	return (0);
}

static void
options_set_str(char **slot, const char *v)
{
	xfree(*slot);
	*slot = xstrdup(v);
}

/* dockerd's --add-runtime name=path; the names dockerd reserves too. */
static int
options_add_runtime(struct options *o, const char *name, const char *path,
    struct err *err)
{
	if (*name == '\0' || path == NULL || *path == '\0')
		return (err_set(err, EINVAL, "invalid runtime \"%s\": want "
		    "name=path", name));
	if (strcmp(name, "logpouch-process") == 0)
		return (err_set(err, EINVAL, "runtime name '%s' is reserved",
		    name));
	for (int i = 0; i < o->nruntimes; i++) {
		if (strcmp(o->runtime_names[i], name) == 0)
			return (err_set(err, EINVAL, "runtime name '%s' is "
			    "already defined", name));
	}
	if (o->nruntimes == OPTIONS_MAX_RUNTIMES)
		return (err_set(err, EINVAL, "too many runtimes (at most %d)",
		    OPTIONS_MAX_RUNTIMES));
	o->runtime_names[o->nruntimes] = xstrdup(name);
	o->runtime_paths[o->nruntimes++] = xstrdup(path);
	return (0);
}

static int
options_add_runtime_flag(struct options *o, const char *v, struct err *err)
{
	char	*copy = xstrdup(v), *eq = strchr(copy, '=');
	int	 rc;

	if (eq != NULL)
		*eq++ = '\0';
	rc = options_add_runtime(o, copy, eq, err);
	xfree(copy);
	return (rc);
}

/* daemon.json's "runtimes": {"name": {"path": "/usr/bin/x"}}. */
static int
options_runtimes(struct options *o, json_t *v, struct err *err)
{
	const char	*name;
	json_t		*rt;

	if (!json_is_object(v))
		return (1);
	json_object_foreach(v, name, rt) {
		const char *path = json_string_value(json_object_get(rt,
		    "path"));

		if (!json_is_object(rt) || path == NULL)
			return (1);
		if (options_add_runtime(o, name, path, err) != 0)
			return (2);
	}
	return (0);
}

static int
options_add_host(struct options *o, const char *v, struct err *err)
{
	if (o->nhosts == OPTIONS_MAX_HOSTS)
		return (err_set(err, EINVAL, "too many -H/--host values "
		    "(at most %d)", OPTIONS_MAX_HOSTS));
	o->hosts[o->nhosts++] = xstrdup(v);
	return (0);
}

/* --log-opt KEY=VALUE; a key given twice keeps the last, as dockerd. */
static int
options_log_opt_flag(struct options *o, const char *v, struct err *err)
{
	const char	*eq = strchr(v, '=');
	char		*key;

	if (eq == NULL || eq == v)
		return (err_set(err, EINVAL, "invalid --log-opt \"%s\": want "
		    "KEY=VALUE", v));
	key = xstrndup(v, (size_t)(eq - v));
	json_object_set_new(o->log_opts, key, json_string(eq + 1));
	xfree(key);
	return (0);
}

/* daemon.json's "log-opts": {"max-size": "10m"}, every value a string. */
static int
options_log_opts_file(struct options *o, json_t *v, int flags_set)
{
	const char	*key;
	json_t		*val;

	if (!json_is_object(v))
		return (1);
	json_object_foreach(v, key, val) {
		if (!json_is_string(val))
			return (1);
	}
	if (!flags_set)
		json_object_update(o->log_opts, v);
	return (0);
}

/* Values from the file fill only what no flag set ("flags win"). */
struct options_seen {
	int	hosts, data_root, storage, debug, log_level, header, write, shutdown;
	int	default_runtime, metrics_addr, ui, log_driver, log_opts;
};

static int
options_config(struct options *o, const struct options_seen *seen,
    int *file_level, struct err *err)
{
	json_error_t	 jerr;
	json_t		*root, *v;
	const char	*key;

	root = json_load_file(o->config, 0, &jerr);
	if (root == NULL)
		return (err_set(err, EINVAL, "config file %s: %s", o->config,
		    jerr.text));
	if (!json_is_object(root)) {
		json_decref(root);
		return (err_set(err, EINVAL, "config file %s: want a JSON "
		    "object", o->config));
	}
	json_object_foreach(root, key, v) {
		int	bad = 0;

		if (strcmp(key, "hosts") == 0 || strcmp(key, "host") == 0) {
			if (seen->hosts)
				continue;
			if (json_is_string(v))
				bad = options_add_host(o, json_string_value(v),
				    err) != 0 ? 2 : 0;
			else if (json_is_array(v)) {
				size_t	 i;
				json_t	*h;

				json_array_foreach(v, i, h) {
					if (!json_is_string(h)) {
						bad = 1;
						break;
					}
					if (options_add_host(o,
					    json_string_value(h), err) != 0) {
						bad = 2;
						break;
					}
				}
			} else
				bad = 1;
		} else if (strcmp(key, "data-root") == 0) {
			if (!json_is_string(v))
				bad = 1;
			else if (!seen->data_root)
				options_set_str(&o->data_root,
				    json_string_value(v));
		} else if (strcmp(key, "storage-driver") == 0) {
			if (!json_is_string(v))
				bad = 1;
			else if (!seen->storage)
				options_set_str(&o->storage_driver,
				    json_string_value(v));
		} else if (strcmp(key, "debug") == 0) {
			if (!json_is_boolean(v))
				bad = 1;
			else if (!seen->debug)
				o->debug = json_is_true(v);
		} else if (strcmp(key, "log-level") == 0) {
			enum log_level	lvl;

			if (!json_is_string(v) || log_level_parse(
			    json_string_value(v), &lvl) != 0)
				bad = 1;
			else if (!seen->log_level)
				o->log_level = lvl;
			*file_level = 1;
		} else if (strcmp(key, "log-driver") == 0) {
			if (!json_is_string(v) || *json_string_value(v) == '\0')
				bad = 1;
			else if (!seen->log_driver)
				options_set_str(&o->log_driver,
				    json_string_value(v));
		} else if (strcmp(key, "log-opts") == 0) {
			bad = options_log_opts_file(o, v, seen->log_opts);
		} else if (strcmp(key, "header-timeout") == 0 ||
		    strcmp(key, "stream-write-timeout") == 0 ||
		    strcmp(key, "shutdown-timeout") == 0) {
			int	*slot = key[0] == 'h' ? &o->header_timeout :
			    key[1] == 't' ? &o->write_timeout :
			    &o->shutdown_timeout;
			int	 was = key[0] == 'h' ? seen->header :
			    key[1] == 't' ? seen->write : seen->shutdown;

			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > INT_MAX)
				bad = 1;
			else if (!was)
				*slot = (int)json_integer_value(v);
		} else if (strcmp(key, "default-runtime") == 0) {
			if (!json_is_string(v))
				bad = 1;
			else if (!seen->default_runtime)
				options_set_str(&o->default_runtime,
				    json_string_value(v));
		} else if (strcmp(key, "metrics-addr") == 0) {
			if (!json_is_string(v))
				bad = 1;
			else if (!seen->metrics_addr)
				options_set_str(&o->metrics_addr,
				    json_string_value(v));
		} else if (strcmp(key, "ui") == 0) {
			if (!json_is_string(v))
				bad = 1;
			else if (!seen->ui)
				options_set_str(&o->ui, json_string_value(v));
		} else if (strcmp(key, "runtimes") == 0) {
			bad = options_runtimes(o, v, err);
		} else if (strcmp(key, "allow-remote-tcp") == 0) {
			if (!json_is_boolean(v))
				bad = 1;
			else
				o->allow_remote_tcp |= json_is_true(v);
		} else {
			/* key lives in root: report before letting it go. */
			err_set(err, EINVAL, "config file %s: unknown key "
			    "\"%s\"", o->config, key);
			json_decref(root);
			return (-1);
		}
		if (bad) {
			if (bad == 1)	/* otherwise err says why already */
				err_set(err, EINVAL, "config file %s: invalid "
				    "value for \"%s\"", o->config, key);
			json_decref(root);
			return (-1);
		}
	}
	json_decref(root);
	return (0);
}

static void
options_defaults(struct options *o)
{
	const char	*home = getenv("HOME"), *xdg = getenv("XDG_RUNTIME_DIR");
	int		 root = geteuid() == 0;

	if (o->nhosts == 0) {
		if (root)
			o->hosts[o->nhosts++] = xstrdup(
			    "unix:///run/logpouch.sock");
		else if (xdg != NULL && *xdg != '\0')
			o->hosts[o->nhosts++] = xasprintf(
			    "unix://%s/logpouch.sock", xdg);
		else
			o->hosts[o->nhosts++] = xasprintf(
			    "unix:///tmp/logpouch-%u.sock", (unsigned)geteuid());
	}
	if (o->data_root == NULL) {
		if (root || home == NULL)
			o->data_root = xstrdup("/var/lib/logpouch");
		else
			o->data_root = xasprintf("%s/.local/share/logpouch",
			    home);
	}
}

int
options_parse(struct options *o, int argc, char **argv, struct err *err)
{
	struct options_seen	seen = { 0 };
	int			ch, file_level = 0;

	memset(o, 0, sizeof *o);
	o->log_level = LOG_LEVEL_INFO;
	o->header_timeout = 30;
	o->write_timeout = 300;
	o->shutdown_timeout = 15;
	o->log_opts = json_object();
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":H:Dl:s:vh", options_table_long(),
	    NULL)) != -1) {
		switch (ch) {
		case OPTIONS_HOST:
			seen.hosts = 1;
			if (options_add_host(o, optarg, err) != 0)
				return (-1);
			break;
		case OPTIONS_DATA_ROOT:
			seen.data_root = 1;
			options_set_str(&o->data_root, optarg);
			break;
		case OPTIONS_STORAGE_DRIVER:
			seen.storage = 1;
			options_set_str(&o->storage_driver, optarg);
			break;
		case OPTIONS_CONFIG:
			options_set_str(&o->config, optarg);
			break;
		case OPTIONS_DEBUG:
			seen.debug = 1;
			o->debug = 1;
			break;
		case OPTIONS_LOG_LEVEL:
			seen.log_level = 1;
			if (log_level_parse(optarg, &o->log_level) != 0)
				return (err_set(err, EINVAL, "unknown log "
				    "level \"%s\": want debug, info, warn, "
				    "error or fatal", optarg));
			break;
		case OPTIONS_ALLOW_REMOTE:
			o->allow_remote_tcp = 1;
			break;
		case OPTIONS_NO_CLOSE_NOTIFY:
			o->no_close_notify = 1;
			break;
		case OPTIONS_HEADER_TIMEOUT:
			seen.header = 1;
			if (options_int("header-timeout", optarg,
			    &o->header_timeout, err) != 0)
				return (-1);
			break;
		case OPTIONS_WRITE_TIMEOUT:
			seen.write = 1;
			if (options_int("stream-write-timeout", optarg,
			    &o->write_timeout, err) != 0)
				return (-1);
			break;
		case OPTIONS_SHUTDOWN_TIMEOUT:
			seen.shutdown = 1;
			if (options_int("shutdown-timeout", optarg,
			    &o->shutdown_timeout, err) != 0)
				return (-1);
			break;
		case OPTIONS_DEFAULT_RUNTIME:
			seen.default_runtime = 1;
			options_set_str(&o->default_runtime, optarg);
			break;
		case OPTIONS_UI:
			seen.ui = 1;
			options_set_str(&o->ui, optarg);
			break;
		case OPTIONS_ADD_RUNTIME:
			if (options_add_runtime_flag(o, optarg, err) != 0)
				return (-1);
			break;
		case OPTIONS_METRICS_ADDR:
			seen.metrics_addr = 1;
			options_set_str(&o->metrics_addr, optarg);
			break;
		case OPTIONS_LOG_DRIVER:
			seen.log_driver = 1;
			if (*optarg == '\0')
				return (err_set(err, EINVAL, "--log-driver "
				    "needs a driver name"));
			options_set_str(&o->log_driver, optarg);
			break;
		case OPTIONS_LOG_OPT:
			seen.log_opts = 1;
			if (options_log_opt_flag(o, optarg, err) != 0)
				return (-1);
			break;
		case OPTIONS_MAN:
			if (strcmp(optarg, "8") != 0 &&
			    strcmp(optarg, "5") != 0)
				return (err_set(err, EINVAL, "invalid --man "
				    "\"%s\": want 8 or 5", optarg));
			o->man_section = optarg[0] - '0';
			break;
		case OPTIONS_VERSION:
			o->show_version = 1;
			break;
		case OPTIONS_HELP:
			o->show_help = 1;
			break;
		case ':':
			return (err_set(err, EINVAL, "flag needs an argument: "
			    "%s", argv[optind - 1]));
		default:
			return (err_set(err, EINVAL, "unknown flag: %s",
			    argv[optind - 1]));
		}
	}
	if (optind < argc)
		return (err_set(err, EINVAL, "unexpected argument \"%s\" "
		    "(logpouchd takes flags only)", argv[optind]));
	if (o->config != NULL && options_config(o, &seen, &file_level,
	    err) != 0)
		return (-1);
	if (o->log_driver == NULL)
		o->log_driver = xstrdup("json-file");
	/* An explicit level, flag or file, wins over --debug's. */
	if (o->debug && !seen.log_level && !file_level)
		o->log_level = LOG_LEVEL_DEBUG;
	if (o->no_close_notify && !o->debug)
		return (err_set(err, EINVAL, "--debug-no-close-notify is a "
		    "teaching aid and needs --debug"));
	/* dockerd's form, HOST:PORT; tcp:// is taken too. An empty one is off. */
	if (o->metrics_addr != NULL && *o->metrics_addr == '\0') {
		xfree(o->metrics_addr);
		o->metrics_addr = NULL;
	}
	if (o->metrics_addr != NULL && (strchr(o->metrics_addr, ':') == NULL ||
	    strncmp(o->metrics_addr, "unix://", 7) == 0 ||
	    strncmp(o->metrics_addr, "fd://", 5) == 0))
		return (err_set(err, EINVAL, "invalid --metrics-addr \"%s\": "
		    "want HOST:PORT, e.g. 127.0.0.1:9323", o->metrics_addr));
	if (o->storage_driver != NULL && strcmp(o->storage_driver,
	    "overlay2") != 0 && strcmp(o->storage_driver, "vfs") != 0)
		return (err_set(err, EINVAL, "unsupported storage driver \"%s\": "
		    "overlay2 or vfs", o->storage_driver));
	options_defaults(o);
	return (0);
}

void
options_free(struct options *o)
{
	for (int i = 0; i < o->nhosts; i++)
		xfree(o->hosts[i]);
	xfree(o->data_root);
	xfree(o->storage_driver);
	xfree(o->config);
	xfree(o->default_runtime);
	xfree(o->metrics_addr);
	xfree(o->ui);
	xfree(o->log_driver);
	json_decref(o->log_opts);
	for (int i = 0; i < o->nruntimes; i++) {
		xfree(o->runtime_names[i]);
		xfree(o->runtime_paths[i]);
	}
	memset(o, 0, sizeof *o);
}
