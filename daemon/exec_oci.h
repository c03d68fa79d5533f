/* SPDX-License-Identifier: MIT */
/*
 * What an exec owes to runc: HOME as runc sets it, the process.json that
 * takes the process into a container under an OCI runtime, and runc's exit
 * codes and wording for an exec that failed. For daemon/exec.c.
 */
#ifndef LP_EXEC_OCI_H
#define LP_EXEC_OCI_H

#include <jansson.h>

#include "daemon/base/err.h"

struct container;
struct runtime_spec;

/*
 * Under an OCI runtime, drops the host HOME that execenv_build appended
 * last to envp (owned, NULL-terminated) unless the container's Env (in
 * cfg) or the exec's overrides set one.
 */
void	exec_oci_home(char **envp, struct container *, json_t *cfg,
	    const char *const *overrides);
/*
 * When c runs under an OCI runtime, writes exec id's process.json from
 * spec (argv, envp, cwd, tty) next to the bundle and points spec at it;
 * *process gets its path (the caller removes and frees it). A host
 * container leaves spec alone and *process NULL. -1 with err.
 */
int	exec_oci_spec(struct container *, const char *id, const char *user,
	    int privileged, struct runtime_spec *spec, char **process,
	    struct err *);
/* 127 (not found) or 126, as dockerd over runc records a failed exec. */
int	exec_oci_fail_code(const char *argv0, const char *msg);
/* err_set() with code and runc's "OCI runtime exec failed" wording. */
int	exec_oci_error(struct err *, int code, const char *msg);
/*
 * A failure the runtime gave (code, msg) as a start answers it: runc's
 * words wrapped for ERR_INVALID, as they are otherwise. Caller frees.
 */
char	*exec_oci_words(int code, const char *msg);

#endif
