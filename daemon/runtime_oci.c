/* SPDX-License-Identifier: MIT */
/*
 * A container (or an exec in one) under an OCI runtime: pipes, or the
 * console the runtime sends back, as its stdio; `create` then `start`, or
 * `exec -d`; and what the container is named there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/xalloc.h"
#include "daemon/oci.h"
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
	struct runtime_pipes	 p;
	int			*master;
	pid_t			 pid;

	runtime_pipes_init(&p);
	if (!spec->tty && runtime_pipes_open(&p, want_in, err) != 0)
		goto fail;
	master = spec->tty ? &p.master : NULL;
	if (spec->process != NULL && spec->nowait && !spec->tty)
		pid = ociruntime_exec_begin(spec->oci, spec->id,
		    spec->process, p.in[0], p.out[1], p.err[1], err);
	else if (spec->process != NULL)
		pid = ociruntime_exec(spec->oci, spec->id, spec->process,
		    p.in[0], p.out[1], p.err[1], master, err);
	else
		pid = ociruntime_create(spec->oci, spec->bundle, spec->id,
		    p.in[0], p.out[1], p.err[1], master, err);
	runtime_pipes_close_child(&p);
	if (pid == -1)
		goto fail;
	runtime_pipes_hand_over(&p, want_in, io);
	return (pid);
fail:
	runtime_pipes_close(&p);
	return (-1);
}

pid_t
runtime_oci_spawned(struct runtime_proc *p, int status, struct err *err)
{
	pid_t	pid;

	pid = ociruntime_exec_end(p->exec_oci, p->spawning, status, err);
	xfree(p->spawning);
	p->spawning = NULL;
	return (pid);
}

int
runtime_oci_start(struct runtime_proc *p, const struct runtime_spec *spec,
    struct err *err)
{
	if (spec->process != NULL) {
		p->exec_oci = spec->oci;
		if (spec->nowait && !spec->tty)
			p->spawning = xstrdup(spec->process);
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

/* The "oom_kill N" count of a memory.events or memory.oom_control file. */
static long
runtime_oci_oom_count(const char *path)
{
	char	 buf[1024], *at;
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "re")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (at = buf; at != NULL && *at != '\0'; at = strchr(at, '\n')) {
		if (*at == '\n')
			at++;
		if (strncmp(at, "oom_kill ", 9) == 0)
			return (strtol(at + 9, NULL, 10));
	}
	return (-1);
}

int
runtime_oom_killed(const struct runtime_proc *p)
{
	char	 path[4096], *cg;
	long	 n;

	if (p == NULL || p->oci == NULL)
		return (0);
	cg = oci_cgroup_path(p->oci_id);
	snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.events", cg);
	if ((n = runtime_oci_oom_count(path)) < 0) {
		snprintf(path, sizeof path,
		    "/sys/fs/cgroup/memory%s/memory.oom_control", cg);
		n = runtime_oci_oom_count(path);
	}
	xfree(cg);
	return (n > 0);
}
