/* SPDX-License-Identifier: MIT */
/*
 * The table of logpouchd's flags and config-file keys: the one source that
 * getopt_long, --help and both man pages (logpouchd(8), logpouch.json(5))
 * are made from, so none of them can name an option the others lack.
 */
#ifndef LP_OPTIONS_TABLE_H
#define LP_OPTIONS_TABLE_H

#include <stddef.h>
#include <stdio.h>

/* getopt_long's return values: a short letter, or one of these. */
enum options_id {
	OPTIONS_HOST = 'H',
	OPTIONS_DEBUG = 'D',
	OPTIONS_LOG_LEVEL = 'l',
	OPTIONS_VERSION = 'v',
	OPTIONS_HELP = 'h',
	OPTIONS_STORAGE_DRIVER = 's',
	OPTIONS_DATA_ROOT = 256,
	OPTIONS_CONFIG,
	OPTIONS_ALLOW_REMOTE,
	OPTIONS_NO_CLOSE_NOTIFY,
	OPTIONS_HEADER_TIMEOUT,
	OPTIONS_WRITE_TIMEOUT,
	OPTIONS_SHUTDOWN_TIMEOUT,
	OPTIONS_DEFAULT_RUNTIME,
	OPTIONS_ADD_RUNTIME,
	OPTIONS_METRICS_ADDR,
	OPTIONS_UI,
	OPTIONS_LOG_DRIVER,
	OPTIONS_LOG_OPT,
	OPTIONS_MAN,
};

#define OPTIONS_SPEC_HIDDEN	0x1	/* in neither --help nor a man page */
#define OPTIONS_SPEC_RELOAD	0x2	/* SIGHUP applies the file's value */
#define OPTIONS_SPEC_REPEAT	0x4	/* the flag may be given again */

struct options_spec {
	const char	*name;		/* long flag, without "--" */
	int		 letter;	/* short flag, 0: none */
	int		 id;		/* enum options_id */
	int		 has_arg;	/* getopt's no_argument... */
	const char	*arg;		/* the argument's name, "ADDR" */
	const char	*help;		/* one paragraph, wrapped on output */
	const char	*key;		/* config-file key, NULL: flag only */
	const char	*type;		/* the key's JSON type, for the page */
	const char	*file_help;	/* the key's own words; NULL: help */
	int		 flags;		/* OPTIONS_SPEC_* */
};

extern const struct options_spec options_specs[];
extern const size_t options_nspecs;

/* getopt_long's table, built from options_specs; static storage. */
const struct option *options_table_long(void);
/* The spec whose config-file key is key (or its alias), or NULL. */
const struct options_spec *options_table_key(const char *key);
/* logpouchd --help, on fp. */
void	options_table_help(FILE *fp);

#endif
