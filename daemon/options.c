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
#include "daemon/base/xalloc.h"

enum {
	OPT_DATA_ROOT = 256,
	OPT_CONFIG,
	OPT_LOG_LEVEL,
	OPT_ALLOW_REMOTE,
	OPT_NO_CLOSE_NOTIFY,
	OPT_HEADER_TIMEOUT,
	OPT_WRITE_TIMEOUT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_DEFAULT_RUNTIME,
	OPT_ADD_RUNTIME,
	OPT_METRICS_ADDR,
	OPT_UI,
};

static const struct option options_long[] = {
	{ "host", required_argument, NULL, 'H' },
	{ "data-root", required_argument, NULL, OPT_DATA_ROOT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "config-file", required_argument, NULL, OPT_CONFIG },
	{ "debug", no_argument, NULL, 'D' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "allow-remote-tcp", no_argument, NULL, OPT_ALLOW_REMOTE },
	{ "debug-no-close-notify", no_argument, NULL, OPT_NO_CLOSE_NOTIFY },
	{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "stream-write-timeout", required_argument, NULL,
	    OPT_WRITE_TIMEOUT },
	{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "default-runtime", required_argument, NULL, OPT_DEFAULT_RUNTIME },
	{ "add-runtime", required_argument, NULL, OPT_ADD_RUNTIME },
	{ "metrics-addr", required_argument, NULL, OPT_METRICS_ADDR },
	{ "ui", required_argument, NULL, OPT_UI },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const char *
options_usage(void)
{
	return (
"Usage: logpouchd [OPTIONS]\n"
"\n"
"A container engine with a Docker-compatible logs API that never leaks.\n"
"\n"
"Options:\n"
"  -H, --host ADDR              Listen on unix:///PATH or tcp://127.0.0.1:PORT,\n"
"                               or serve fd:// (all) or fd://N of the sockets\n"
"                               systemd passed (repeatable; default\n"
"                               /run/logpouch.sock as root,\n"
"                               $XDG_RUNTIME_DIR/logpouch.sock otherwise)\n"
"      --data-root DIR          Containers and logs (default /var/lib/logpouch\n"
"                               as root, ~/.local/share/logpouch otherwise)\n"
"      --config FILE            JSON file keyed by long flag names (flags win)\n"
"  -D, --debug                  Debug log and the /debug endpoints\n"
"  -l, --log-level LEVEL        debug, info, warn, error, fatal (default info)\n"
"      --allow-remote-tcp       Allow tcp:// on a non-loopback address\n"
"      --ui HOST:PORT           Serve the log viewer at http://HOST:PORT/ui/\n"
"                               and the API beside it, for a browser (off by\n"
"                               default; loopback unless --allow-remote-tcp)\n"
"      --header-timeout SECS    Time a client has to send a request (30)\n"
"      --stream-write-timeout SECS\n"
"                               Drop a stream whose client reads nothing for\n"
"                               this long while output waits (300; 0 = never)\n"
"      --shutdown-timeout SECS  Bound on a graceful shutdown (15)\n"
"      --default-runtime NAME   Runtime of containers that name none: runc,\n"
"                               crun, an --add-runtime name, or\n"
"                               logpouch-process (default: runc, else crun,\n"
"                               else logpouch-process)\n"
"      --add-runtime NAME=PATH  An OCI runtime binary (repeatable)\n"
"      --metrics-addr HOST:PORT Serve Prometheus metrics at /metrics on this\n"
"                               TCP address, e.g. 127.0.0.1:9323 (loopback\n"
"                               unless --allow-remote-tcp; default off)\n"
"      --debug-no-close-notify  Teaching aid, needs --debug: the logs handler\n"
"                               ignores client closes (the original leak)\n"
"  -v, --version                Print version and exit\n"
"  -h, --help                   Print this help and exit\n");
}

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

/* Values from the file fill only what no flag set ("flags win"). */
struct options_seen {
	int	hosts, data_root, debug, log_level, header, write, shutdown;
	int	default_runtime, metrics_addr, ui;
};

static int
options_config(struct options *o, const struct options_seen *seen,
    struct err *err)
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
		} else if (strcmp(key, "debug") == 0) {
			if (!json_is_boolean(v))
				bad = 1;
			else if (!seen->debug)
				o->debug = json_is_true(v);
		} else if (strcmp(key, "log-level") == 0) {
			if (!json_is_string(v) || log_level_parse(
			    json_string_value(v), &o->log_level) != 0)
				bad = 1;
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
	int			ch;

	memset(o, 0, sizeof *o);
	o->log_level = LOG_LEVEL_INFO;
	o->header_timeout = 30;
	o->write_timeout = 300;
	o->shutdown_timeout = 15;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":H:Dl:vh", options_long,
	    NULL)) != -1) {
		switch (ch) {
		case 'H':
			seen.hosts = 1;
			if (options_add_host(o, optarg, err) != 0)
				return (-1);
			break;
		case OPT_DATA_ROOT:
			seen.data_root = 1;
			options_set_str(&o->data_root, optarg);
			break;
		case OPT_CONFIG:
			options_set_str(&o->config, optarg);
			break;
		case 'D':
			seen.debug = 1;
			o->debug = 1;
			break;
		case 'l':
			seen.log_level = 1;
			if (log_level_parse(optarg, &o->log_level) != 0)
				return (err_set(err, EINVAL, "unknown log "
				    "level \"%s\": want debug, info, warn, "
				    "error or fatal", optarg));
			break;
		case OPT_ALLOW_REMOTE:
			o->allow_remote_tcp = 1;
			break;
		case OPT_NO_CLOSE_NOTIFY:
			o->no_close_notify = 1;
			break;
		case OPT_HEADER_TIMEOUT:
			seen.header = 1;
			if (options_int("header-timeout", optarg,
			    &o->header_timeout, err) != 0)
				return (-1);
			break;
		case OPT_WRITE_TIMEOUT:
			seen.write = 1;
			if (options_int("stream-write-timeout", optarg,
			    &o->write_timeout, err) != 0)
				return (-1);
			break;
		case OPT_SHUTDOWN_TIMEOUT:
			seen.shutdown = 1;
			if (options_int("shutdown-timeout", optarg,
			    &o->shutdown_timeout, err) != 0)
				return (-1);
			break;
		case OPT_DEFAULT_RUNTIME:
			seen.default_runtime = 1;
			options_set_str(&o->default_runtime, optarg);
			break;
		case OPT_UI:
			seen.ui = 1;
			options_set_str(&o->ui, optarg);
			break;
		case OPT_ADD_RUNTIME:
			if (options_add_runtime_flag(o, optarg, err) != 0)
				return (-1);
			break;
		case OPT_METRICS_ADDR:
			seen.metrics_addr = 1;
			options_set_str(&o->metrics_addr, optarg);
			break;
		case 'v':
			o->show_version = 1;
			break;
		case 'h':
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
	if (o->config != NULL && options_config(o, &seen, err) != 0)
		return (-1);
	if (o->debug && !seen.log_level)
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
	options_defaults(o);
	return (0);
}

void
options_free(struct options *o)
{
	for (int i = 0; i < o->nhosts; i++)
		xfree(o->hosts[i]);
	xfree(o->data_root);
	xfree(o->config);
	xfree(o->default_runtime);
	xfree(o->metrics_addr);
	xfree(o->ui);
	for (int i = 0; i < o->nruntimes; i++) {
		xfree(o->runtime_names[i]);
		xfree(o->runtime_paths[i]);
	}
	memset(o, 0, sizeof *o);
}
