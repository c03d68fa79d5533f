/* SPDX-License-Identifier: MIT */
/*
 * An exec's environment (dockerd's CreateDaemonEnvironment and
 * ReplaceOrAppendEnvValues) and the string vectors daemon/exec.c keeps.
 */
#ifndef LP_EXECENV_H
#define LP_EXECENV_H

#include <jansson.h>

/*
 * The environment of an exec in a container whose Config is cfg:
 * HOSTNAME, TERM=xterm with a tty, the container's Env, then overrides
 * ("KEY=v" replaces or appends, "KEY" alone unsets), HOME=/root unless
 * set. NULL-terminated; the caller frees it with execenv_free().
 */
char	**execenv_build(json_t *cfg, const char *cid, int tty,
	    const char *const *overrides);
/* Appends s (taken) to the NULL-terminated v; returns the new v. */
char	**execenv_append(char **v, char *s);
/* Frees v and its strings; NULL is fine. */
void	  execenv_free(char **v);

#endif
