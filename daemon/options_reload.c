/* SPDX-License-Identifier: MIT */
/*
 * The reload merge: a fresh parse of the same argv compared key by key
 * with the running options. Only debug, log-level, shutdown-timeout,
 * log-driver and log-opts move; a listener, a directory or a runtime
 * cannot change under a running daemon, so those are only noted.
 */
#include <string.h>

#include "daemon/options_reload.h"

static int
options_reload_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static int
options_reload_strs_eq(char *const *a, int na, char *const *b, int nb)
{
	if (na != nb)
		return (0);
	for (int i = 0; i < na; i++) {
		if (!options_reload_str_eq(a[i], b[i]))
			return (0);
	}
	return (1);
}

static void
options_reload_note(options_reload_note_cb note, void *arg, const char *key,
    enum options_reload_what what)
{
	if (note != NULL)
		note(key, what, arg);
}

/* Swaps a string slot, so each side still frees what it holds. */
static void
options_reload_swap(char **a, char **b)
{
	char	*t = *a;

	*a = *b;
	*b = t;
}

int
options_reload_merge(struct options *live, struct options *fresh,
    options_reload_note_cb note, void *arg)
{
	int	n = 0;

	/* Reloadable. */
	if (live->debug != fresh->debug) {
		live->debug = fresh->debug;
		options_reload_note(note, arg, "debug", OPTIONS_RELOAD_APPLIED);
		n++;
	}
	if (live->log_level != fresh->log_level) {
		live->log_level = fresh->log_level;
		options_reload_note(note, arg, "log-level",
		    OPTIONS_RELOAD_APPLIED);
		n++;
	}
	if (live->shutdown_timeout != fresh->shutdown_timeout) {
		live->shutdown_timeout = fresh->shutdown_timeout;
		options_reload_note(note, arg, "shutdown-timeout",
		    OPTIONS_RELOAD_APPLIED);
		n++;
	}
	if (!options_reload_str_eq(live->log_driver, fresh->log_driver)) {
		options_reload_swap(&live->log_driver, &fresh->log_driver);
		options_reload_note(note, arg, "log-driver",
		    OPTIONS_RELOAD_APPLIED);
		n++;
	}
	if (!json_equal(live->log_opts, fresh->log_opts)) {
		json_t	*t = live->log_opts;

		live->log_opts = fresh->log_opts;
		fresh->log_opts = t;
		options_reload_note(note, arg, "log-opts",
		    OPTIONS_RELOAD_APPLIED);
		n++;
	}

	/* Taken at start only. */
	if (!options_reload_strs_eq(live->hosts, live->nhosts, fresh->hosts,
	    fresh->nhosts))
		options_reload_note(note, arg, "hosts", OPTIONS_RELOAD_IGNORED);
	if (!options_reload_str_eq(live->data_root, fresh->data_root))
		options_reload_note(note, arg, "data-root",
		    OPTIONS_RELOAD_IGNORED);
	if (live->allow_remote_tcp != fresh->allow_remote_tcp)
		options_reload_note(note, arg, "allow-remote-tcp",
		    OPTIONS_RELOAD_IGNORED);
	if (live->header_timeout != fresh->header_timeout)
		options_reload_note(note, arg, "header-timeout",
		    OPTIONS_RELOAD_IGNORED);
	if (live->write_timeout != fresh->write_timeout)
		options_reload_note(note, arg, "stream-write-timeout",
		    OPTIONS_RELOAD_IGNORED);
	if (!options_reload_str_eq(live->default_runtime,
	    fresh->default_runtime))
		options_reload_note(note, arg, "default-runtime",
		    OPTIONS_RELOAD_IGNORED);
	if (!options_reload_strs_eq(live->runtime_names, live->nruntimes,
	    fresh->runtime_names, fresh->nruntimes) ||
	    !options_reload_strs_eq(live->runtime_paths, live->nruntimes,
	    fresh->runtime_paths, fresh->nruntimes))
		options_reload_note(note, arg, "runtimes",
		    OPTIONS_RELOAD_IGNORED);
	if (!options_reload_str_eq(live->metrics_addr, fresh->metrics_addr))
		options_reload_note(note, arg, "metrics-addr",
		    OPTIONS_RELOAD_IGNORED);
	if (!options_reload_str_eq(live->ui, fresh->ui))
		options_reload_note(note, arg, "ui", OPTIONS_RELOAD_IGNORED);
	return (n);
}

int
options_reload(struct options *live, int argc, char **argv,
    options_reload_check_cb check, options_reload_note_cb note, void *arg,
    struct err *err)
{
	struct options	fresh;
	int		n;

	if (options_parse(&fresh, argc, argv, err) != 0 ||
	    (check != NULL && check(&fresh, arg, err) != 0)) {
		options_free(&fresh);
		return (-1);
	}
	n = options_reload_merge(live, &fresh, note, arg);
	options_free(&fresh);
	return (n);
}
