/* SPDX-License-Identifier: MIT */
/*
 * logpouchd's command line and config file, named like dockerd's flags and
 * daemon.json keys. Flags win over the file.
 */
#ifndef LP_OPTIONS_H
#define LP_OPTIONS_H

#include <jansson.h>

#include "daemon/base/err.h"
#include "daemon/base/log.h"

#define OPTIONS_MAX_HOSTS	8
#define OPTIONS_MAX_RUNTIMES	8

struct options {
	char		*hosts[OPTIONS_MAX_HOSTS];	/* owned */
	int		 nhosts;
	char		*data_root;			/* owned */
	char		*storage_driver;	/* owned; NULL: overlay2 if it works */
	char		*config;			/* owned */
	int		 debug;
	enum log_level	 log_level;
	int		 allow_remote_tcp;
	int		 no_close_notify;	/* teaching aid; needs debug */
	int		 header_timeout;	/* seconds */
	int		 write_timeout;		/* seconds */
	int		 shutdown_timeout;	/* seconds */
	char		*default_runtime;		/* owned; NULL */
	char		*metrics_addr;	/* owned; "HOST:PORT", NULL: off */
	char		*ui;		/* owned; NULL: no UI listener */
	/* --add-runtime name=path and the file's "runtimes": owned. */
	char		*runtime_names[OPTIONS_MAX_RUNTIMES];
	char		*runtime_paths[OPTIONS_MAX_RUNTIMES];
	int		 nruntimes;
	/* Containers created without a LogConfig.Type or some of its opts. */
	char		*log_driver;	/* owned; "json-file" by default */
	json_t		*log_opts;	/* owned: {"max-size": "10m"} */
	int		 show_version;
	int		 show_help;
	int		 man_section;	/* --man=8|5; 0: none */
};

/*
 * Parses argv, then the config file if one was named, then fills defaults
 * (which depend on whether we run as root). Returns 0, or -1 with err set
 * (the caller prints it and exits 2). Free with options_free.
 */
int	options_parse(struct options *, int argc, char **argv, struct err *);
void	options_free(struct options *);

#endif
