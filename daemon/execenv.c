/* SPDX-License-Identifier: MIT */
/*
 * The one environment builder, for a container's process and for an exec
 * alike, as dockerd builds both (CreateDaemonEnvironment, then
 * ReplaceOrAppendEnvValues), and the NULL-terminated string vectors it and
 * an exec's argv are kept in.
 */
#include <string.h>

#include <jansson.h>

#include "daemon/base/xalloc.h"
#include "daemon/execenv.h"

void
execenv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		xfree(*p);
	xfree(v);
}

static size_t
execenv_len(char **v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return (n);
}

/* Appends s (taken) to the NULL-terminated v. */
char **
execenv_append(char **v, char *s)
{
	size_t	n = execenv_len(v);

	v = xreallocarray(v, n + 2, sizeof *v);
	v[n] = s;
	v[n + 1] = NULL;
	return (v);
}

/* Length of the "KEY" part of "KEY=value" (all of it without '='). */
static size_t
execenv_keylen(const char *e)
{
	const char	*eq = strchr(e, '=');

	return (eq != NULL ? (size_t)(eq - e) : strlen(e));
}

/*
 * dockerd's ReplaceOrAppendEnvValues: "KEY=v" replaces KEY or is appended;
 * a bare "KEY" removes it.
 */
static char **
execenv_merge(char **env, const char *override)
{
	size_t	klen = execenv_keylen(override), n = execenv_len(env);
	int	unset = strchr(override, '=') == NULL;

	for (size_t i = 0; i < n; i++) {
		if (execenv_keylen(env[i]) != klen ||
		    strncmp(env[i], override, klen) != 0)
			continue;
		xfree(env[i]);
		if (unset) {
			memmove(&env[i], &env[i + 1], (n - i) * sizeof *env);
			return (env);
		}
		env[i] = xstrdup(override);
		return (env);
	}
	if (unset)
		return (env);
	return (execenv_append(env, xstrdup(override)));
}

/*
 * dockerd's CreateDaemonEnvironment: PATH, HOSTNAME, TERM with a tty; the
 * container's Env (the image's merged with the user's at create) replaces
 * or appends; then an exec's own Env does the same.
 */
char **
execenv_build(json_t *cfg, const char *cid, int tty,
    const char *const *overrides)
{
	char	**env = xcalloc(1, sizeof *env);
	json_t	 *v;
	size_t	  i;
	int	  home = 0;

	env = execenv_append(env, xstrdup("PATH=" EXECENV_DEFAULT_PATH));
	env = execenv_append(env, xasprintf("HOSTNAME=%.12s", cid));
	if (tty)
		env = execenv_append(env, xstrdup("TERM=xterm"));
	json_array_foreach(json_object_get(cfg, "Env"), i, v) {
		if (json_string_value(v) != NULL)
			env = execenv_merge(env, json_string_value(v));
	}
	for (i = 0; overrides != NULL && overrides[i] != NULL; i++)
		env = execenv_merge(env, overrides[i]);
	for (i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], "HOME=", 5) == 0)
			home = 1;
	}
	/* runc sets HOME from the user's passwd entry; ours is root's. */
	if (!home)
		env = execenv_append(env, xstrdup("HOME=/root"));
	return (env);
}
