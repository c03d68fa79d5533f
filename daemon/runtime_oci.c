/* SPDX-License-Identifier: MIT */
/*
 * A container (or an exec in one) under an OCI runtime: pipes, or the
 * console the runtime sends back, as its stdio; `create` then `start`, or
 * `exec -d`; and what the container is named there.
 */
#include <fcntl.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/ociruntime.h"
#include "daemon/runtime.h"
#include "daemon/runtime_int.h"

/*
 * The init (or, with spec->process, the process of an `exec -d` into the
 * running container) is our child: it is watched like a host process, and
 * an exec's is signalled by its pid (its group: runc makes it a session
 * leader), never through the runtime. Errors leave no runtime state
 * behind.
 */
pid_t
runtime_oci_spawn(const struct runtime_spec *spec, int want_in,
    struct runtime_stdio *io, struct err *err)
{
	int			 out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int			 in[2] = { -1, -1 }, master = -1;
	pid_t			 pid;

	if (!spec->tty && (pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(errp, O_CLOEXEC) != 0 ||
	    (want_in && pipe2(in, O_CLOEXEC) != 0))) {
		err_errno(err, "pipe");
		goto fail;
	}
	if (spec->process != NULL)
		pid = ociruntime_exec(spec->oci, spec->id, spec->process,
		    in[0], out[1], errp[1], spec->tty ? &master : NULL, err);
	else
		pid = ociruntime_create(spec->oci, spec->bundle, spec->id,
		    in[0], out[1], errp[1], spec->tty ? &master : NULL, err);
	for (int i = 0; i < 2; i++) {	/* the process has its copies */
		if (i == 0 && in[0] != -1)
			close(in[0]);
		if (i == 1 && out[1] != -1)
			close(out[1]);
		if (i == 1 && errp[1] != -1)
			close(errp[1]);
	}
	in[0] = out[1] = errp[1] = -1;
	if (pid == -1)
		goto fail;
	io->in = -1;
	if (spec->tty) {
		runtime_nonblock(master);
		if (want_in)
			io->in = fcntl(master, F_DUPFD_CLOEXEC, 0);
		io->out = master;
		io->err = -1;
	} else {
		runtime_nonblock(out[0]);
		runtime_nonblock(errp[0]);
		io->out = out[0];
		io->err = errp[0];
		if (want_in) {
			runtime_nonblock(in[1]);
			io->in = in[1];
		}
	}
	return (pid);
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (in[i] != -1)
			close(in[i]);
	}
	if (master != -1)
		close(master);
	return (-1);
}

int
runtime_oci_start(struct runtime_proc *p, const struct runtime_spec *spec,
    struct err *err)
{
	if (spec->process != NULL) {
		p->exec_oci = spec->oci;
		return (0);
	}
	p->oci = spec->oci;
	p->oci_id = xstrdup(spec->id);
	p->bundle = xstrdup(spec->bundle);
	return (ociruntime_command(spec->oci, "start", spec->id, err));
}

struct ociruntime *
runtime_oci(const struct runtime_proc *p)
{
	return (p->oci);
}

const char *
runtime_oci_id(const struct runtime_proc *p)
{
	return (p->oci_id);
}
