/* SPDX-License-Identifier: MIT */
/*
 * The options table and what is made from it at run time: getopt_long's
 * array and the --help text. The man pages are options_man.c's.
 */
#include <getopt.h>
#include <string.h>

#include "daemon/options_table.h"

const struct options_spec options_specs[] = {
	{ "host", 'H', OPTIONS_HOST, required_argument, "ADDR",
	    "Listen on unix:///PATH or tcp://127.0.0.1:PORT, or serve fd:// "
	    "(all) or fd://N of the sockets systemd passed (default "
	    "/run/logpouch.sock as root, $XDG_RUNTIME_DIR/logpouch.sock "
	    "otherwise)",
	    "hosts", "array of strings",
	    "The API listeners, as -H (a single string is taken too).",
	    OPTIONS_SPEC_REPEAT },
	{ "data-root", 0, OPTIONS_DATA_ROOT, required_argument, "DIR",
	    "Containers and logs (default /var/lib/logpouch as root, "
	    "~/.local/share/logpouch otherwise)",
	    "data-root", "string", NULL, 0 },
	{ "config", 0, OPTIONS_CONFIG, required_argument, "FILE",
	    "A JSON file keyed by long flag names (flags win), read at start "
	    "and again on SIGHUP; see logpouch.json(5)",
	    NULL, NULL, NULL, 0 },
	{ "config-file", 0, OPTIONS_CONFIG, required_argument, "FILE",
	    "dockerd's spelling of --config", NULL, NULL, NULL,
	    OPTIONS_SPEC_HIDDEN },
	{ "debug", 'D', OPTIONS_DEBUG, no_argument, NULL,
	    "Debug log and the /debug endpoints",
	    "debug", "boolean", NULL, OPTIONS_SPEC_RELOAD },
	{ "log-level", 'l', OPTIONS_LOG_LEVEL, required_argument, "LEVEL",
	    "debug, info, warn, error or fatal (default info; debug with "
	    "--debug)",
	    "log-level", "string", NULL, OPTIONS_SPEC_RELOAD },
	{ "log-driver", 0, OPTIONS_LOG_DRIVER, required_argument, "NAME",
	    "Log driver of containers created without one: json-file or none "
	    "(default json-file)",
	    "log-driver", "string", NULL, OPTIONS_SPEC_RELOAD },
	{ "log-opt", 0, OPTIONS_LOG_OPT, required_argument, "KEY=VALUE",
	    "A default option of that log driver, such as max-size=10m or "
	    "max-file=3, for containers created without it (repeatable)",
	    "log-opts", "object of strings",
	    "The default log options, as --log-opt: "
	    "{\"max-size\": \"10m\", \"max-file\": \"3\"}.",
	    OPTIONS_SPEC_REPEAT | OPTIONS_SPEC_RELOAD },
	{ "allow-remote-tcp", 0, OPTIONS_ALLOW_REMOTE, no_argument, NULL,
	    "Allow tcp:// on a non-loopback address",
	    "allow-remote-tcp", "boolean", NULL, 0 },
	{ "ui", 0, OPTIONS_UI, required_argument, "HOST:PORT",
	    "Serve the log viewer at http://HOST:PORT/ui/ and the API beside "
	    "it, for a browser (off by default; loopback unless "
	    "--allow-remote-tcp)",
	    "ui", "string", NULL, 0 },
	{ "header-timeout", 0, OPTIONS_HEADER_TIMEOUT, required_argument,
	    "SECS", "Time a client has to send a request (30)",
	    "header-timeout", "integer", NULL, 0 },
	{ "stream-write-timeout", 0, OPTIONS_WRITE_TIMEOUT, required_argument,
	    "SECS", "Drop a stream whose client reads nothing for this long "
	    "while output waits (300; 0 = never)",
	    "stream-write-timeout", "integer", NULL, 0 },
	{ "storage-driver", 's', OPTIONS_STORAGE_DRIVER, required_argument,
	    "NAME", "How container roots are made: overlay2 (the image under "
	    "a writable layer; the default where the kernel allows it) or vfs "
	    "(a full copy of the image for each container)",
	    "storage-driver", "string", NULL, 0 },
	{ "shutdown-timeout", 0, OPTIONS_SHUTDOWN_TIMEOUT, required_argument,
	    "SECS", "Bound on a graceful shutdown (15)",
	    "shutdown-timeout", "integer", NULL, OPTIONS_SPEC_RELOAD },
	{ "default-runtime", 0, OPTIONS_DEFAULT_RUNTIME, required_argument,
	    "NAME", "Runtime of containers that name none: runc, crun, an "
	    "--add-runtime name, or logpouch-process (default: runc, else "
	    "crun, else logpouch-process)",
	    "default-runtime", "string", NULL, 0 },
	{ "add-runtime", 0, OPTIONS_ADD_RUNTIME, required_argument,
	    "NAME=PATH", "An OCI runtime binary (repeatable)",
	    "runtimes", "object",
	    "OCI runtime binaries by name, as --add-runtime: "
	    "{\"name\": {\"path\": \"/usr/bin/name\"}}.",
	    OPTIONS_SPEC_REPEAT },
	{ "metrics-addr", 0, OPTIONS_METRICS_ADDR, required_argument,
	    "HOST:PORT", "Serve Prometheus metrics at /metrics on this TCP "
	    "address, e.g. 127.0.0.1:9323 (loopback unless --allow-remote-tcp; "
	    "default off)",
	    "metrics-addr", "string", NULL, 0 },
	{ "debug-no-close-notify", 0, OPTIONS_NO_CLOSE_NOTIFY, no_argument,
	    NULL, "Teaching aid, needs --debug: the logs handler ignores "
	    "client closes (the original leak)",
	    NULL, NULL, NULL, 0 },
	{ "man", 0, OPTIONS_MAN, required_argument, "SECTION",
	    "Print the man page of section 8 (logpouchd) or 5 "
	    "(logpouch.json) and exit",
	    NULL, NULL, NULL, OPTIONS_SPEC_HIDDEN },
	{ "version", 'v', OPTIONS_VERSION, no_argument, NULL,
	    "Print version and exit", NULL, NULL, NULL, 0 },
	{ "help", 'h', OPTIONS_HELP, no_argument, NULL,
	    "Print this help and exit", NULL, NULL, NULL, 0 },
};
const size_t options_nspecs = sizeof options_specs / sizeof options_specs[0];

const struct option *
options_table_long(void)
{
	static struct option	 longs[sizeof options_specs /
				    sizeof options_specs[0] + 1];

	if (longs[0].name == NULL) {
		for (size_t i = 0; i < options_nspecs; i++) {
			longs[i].name = options_specs[i].name;
			longs[i].has_arg = options_specs[i].has_arg;
			longs[i].val = options_specs[i].id;
		}
	}
	return (longs);
}

const struct options_spec *
options_table_key(const char *key)
{
	if (strcmp(key, "host") == 0)	/* the singular, taken too */
		key = "hosts";
	for (size_t i = 0; i < options_nspecs; i++) {
		if (options_specs[i].key != NULL &&
		    strcmp(options_specs[i].key, key) == 0)
			return (&options_specs[i]);
	}
	return (NULL);
}

/*
 * Words of text wrapped into lines of at most width, each line after the
 * first (or every line when the first column is full) indented by col.
 */
static void
options_table_wrap(FILE *fp, const char *text, int used, int col, int width)
{
	const char	*p = text;

	if (used > col - 2) {
		fputc('\n', fp);
		used = 0;
	}
	while (*p != '\0') {
		size_t	n = strcspn(p, " ");

		if (used > col && used + 1 + (int)n > width) {
			fputc('\n', fp);
			used = 0;
		}
		if (used < col) {
			fprintf(fp, "%*s", col - used, "");
			used = col;
		} else {
			fputc(' ', fp);
			used++;
		}
		fwrite(p, 1, n, fp);
		used += (int)n;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', fp);
}

void
options_table_help(FILE *fp)
{
	fputs("Usage: logpouchd [OPTIONS]\n\n"
	    "A container engine with a Docker-compatible logs API that never "
	    "leaks.\n\nOptions:\n", fp);
	for (size_t i = 0; i < options_nspecs; i++) {
		const struct options_spec	*s = &options_specs[i];
		char				 left[64];
		int				 n;

		if (s->flags & OPTIONS_SPEC_HIDDEN)
			continue;
		if (s->letter != 0)
			n = snprintf(left, sizeof left, "  -%c, --%s",
			    s->letter, s->name);
		else
			n = snprintf(left, sizeof left, "      --%s", s->name);
		if (s->arg != NULL)
			n += snprintf(left + n, sizeof left - (size_t)n, " %s",
			    s->arg);
		fputs(left, fp);
		options_table_wrap(fp, s->help, n, 31, 79);
	}
	fputs("\nSignals: SIGHUP reloads --config, SIGUSR1 writes the task "
	    "dump,\nSIGUSR2 toggles debug logging, SIGINT and SIGTERM shut "
	    "down.\n", fp);
}
