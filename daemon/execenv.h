/* SPDX-License-Identifier: MIT */
/*
 * The environment of a container's process and of an exec, built one way
 * (dockerd's CreateDaemonEnvironment and ReplaceOrAppendEnvValues), and
 * the string vectors daemon/exec.c keeps.
 */
#ifndef LP_EXECENV_H
#define LP_EXECENV_H

#include <jansson.h>

/* dockerd's system.DefaultPathEnv("linux"). */
#define EXECENV_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The environment of a process in a container whose Config is cfg (the
 * container's own, overrides NULL, or an exec's): PATH (the default),
 * HOSTNAME, TERM=xterm with a tty, then the container's Env and then the
 * overrides, each "KEY=v" replacing KEY in place or appending, "KEY" alone
 * unsetting; HOME=/root unless set. NULL-terminated; the caller frees it
 * with execenv_free().
 */
char	**execenv_build(json_t *cfg, const char *cid, int tty,
	    const char *const *overrides);
/* Appends s (taken) to the NULL-terminated v; returns the new v. */
char	**execenv_append(char **v, char *s);
/* Frees v and its strings; NULL is fine. */
void	  execenv_free(char **v);

#endif
