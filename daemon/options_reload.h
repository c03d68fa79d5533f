/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP: the config file read again, and its reloadable keys (the
 * table's OPTIONS_SPEC_RELOAD rows) merged into the running options, as
 * dockerd's reload does; a broken file changes nothing.
 */
#ifndef LP_OPTIONS_RELOAD_H
#define LP_OPTIONS_RELOAD_H

#include "daemon/base/err.h"
#include "daemon/options.h"

/* What a reload did with one key whose value changed. */
enum options_reload_what {
	OPTIONS_RELOAD_APPLIED,		/* reloadable: live from now on */
	OPTIONS_RELOAD_IGNORED,		/* takes a restart: left as it was */
};

typedef void (*options_reload_note_cb)(const char *key,
    enum options_reload_what, void *arg);
/* A last word on a fresh set before it is merged: 0, or -1 with err. */
typedef int (*options_reload_check_cb)(const struct options *fresh,
    void *arg, struct err *);

/*
 * Parses argv again (the flags, and the file they name) into a fresh set,
 * so flags still win. A file that cannot be read or holds an invalid
 * value, or a fresh set check refuses (check may be NULL), returns -1 with
 * err and leaves live as it was. Otherwise merges (options_reload_merge)
 * and returns the number of keys applied.
 */
int	options_reload(struct options *live, int argc, char **argv,
	    options_reload_check_cb check, options_reload_note_cb note,
	    void *arg, struct err *);
/*
 * Moves the reloadable values of fresh that differ into live and notes
 * each (note may be NULL); notes the other keys that differ as ignored.
 * fresh keeps what was not moved and is still the caller's to free.
 * Returns the number applied.
 */
int	options_reload_merge(struct options *live, struct options *fresh,
	    options_reload_note_cb note, void *arg);

#endif
