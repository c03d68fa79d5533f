/* SPDX-License-Identifier: MIT */
/*
 * Exec under an OCI runtime, and runc's words for a failed exec: the HOME
 * runc sets from the container's passwd, the process.json next to the
 * bundle, the exit code and the message dockerd records.
 */
#include <string.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/exec_oci.h"
#include "daemon/oci.h"
#include "daemon/runtime.h"

#define EXEC_OCI_PREFIX	"OCI runtime exec failed: exec failed: unable to " \
	"start container process: "

static int
exec_oci_sets_home(const char *s)
{
	return (s != NULL && strncmp(s, "HOME=", 5) == 0);
}

/*
 * Under an OCI runtime HOME comes from the user's passwd entry in the
 * container (runc sets it when the environment has none), so the host
 * default execenv_build appends last goes again.
 */
void
exec_oci_home(char **envp, struct container *c, json_t *cfg,
    const char *const *overrides)
{
	struct runtime_proc	*cp = container_proc(c);
	json_t			*v;
	size_t			 i, n;

	if (cp == NULL || runtime_oci(cp) == NULL)
		return;
	json_array_foreach(json_object_get(cfg, "Env"), i, v) {
		if (exec_oci_sets_home(json_string_value(v)))
			return;
	}
	for (i = 0; overrides != NULL && overrides[i] != NULL; i++) {
		if (exec_oci_sets_home(overrides[i]))
			return;
	}
	for (n = 0; envp[n] != NULL; n++)
		;
	if (n > 0 && exec_oci_sets_home(envp[n - 1])) {
		xfree(envp[n - 1]);
		envp[n - 1] = NULL;
	}
}

/*
 * Under an OCI runtime the process enters the container (runc exec) from
 * a process.json next to the container's bundle.
 */
int
exec_oci_spec(struct container *c, const char *id, const char *user,
    int privileged, struct runtime_spec *spec, char **process,
    struct err *err)
{
	struct runtime_proc	*cp = container_proc(c);
	const char		*bundle;

	*process = NULL;
	if (cp == NULL || runtime_oci(cp) == NULL ||
	    (bundle = runtime_bundle(cp)) == NULL)
		return (0);
	*process = xasprintf("%s/exec-%.12s.json", bundle, id);
	if (oci_exec_process_write(bundle, *process, spec->argv, spec->envp,
	    spec->cwd, spec->tty, user, privileged, err) != 0) {
		unlink(*process);
		xfree(*process);
		*process = NULL;
		return (-1);
	}
	spec->oci = runtime_oci(cp);
	spec->id = runtime_oci_id(cp);
	spec->process = *process;
	return (0);
}

int
exec_oci_fail_code(const char *argv0, const char *msg)
{
	if (strstr(msg, argv0) != NULL &&
	    (strstr(msg, "executable file not found") != NULL ||
	    strstr(msg, "no such file or directory") != NULL))
		return (127);
	return (126);
}

int
exec_oci_error(struct err *err, int code, const char *msg)
{
	return (err_set(err, code, EXEC_OCI_PREFIX "%s: unknown", msg));
}

char *
exec_oci_words(int code, const char *msg)
{
	if (code == ERR_INVALID)
		return (xasprintf(EXEC_OCI_PREFIX "%s: unknown", msg));
	return (xstrdup(msg));
}
