/* SPDX-License-Identifier: MIT */
/*
 * The container-store fixture, kept apart from helpers.c so that tests of
 * the lower layers link without the engine: a store under the test's
 * directory, and containers running sh -c scripts in it.
 */
#include <limits.h>
#include <stdio.h>

#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/base/reap.h"
#include "daemon/container.h"
#include "tests/helpers.h"

void
lp_store_open(struct lp_store *x, struct lp_fixture *f)
{
	struct err	err;
	char		data[PATH_MAX + 8];

	x->f = f;
	snprintf(data, sizeof data, "%s/data", f->dir);
	x->root = cancel_new_root(f->base, "root");
	x->st = container_store_new(f->base, x->root, data, NULL, &err);
	assert_non_null(x->st);
}

/* Containers and execs are freed through the reap: none may be pending. */
void
lp_store_close(struct lp_store *x)
{
	container_store_free(x->st);
	cancel_free(x->root);
	reap_drain(x->f->base);
	x->st = NULL;
	x->root = NULL;
}

struct container *
lp_store_create(struct lp_store *x, const char *name, const char *script,
    json_t *env, const char *driver, struct err *err)
{
	json_t	*config, *hc;

	config = json_pack("{s:s, s:[s,s,s], s:n, s:o, s:s, s:b, s:{},"
	    " s:b, s:b}", "Image", "busybox", "Cmd", "sh", "-c",
	    script != NULL ? script : "true", "Entrypoint", "Env",
	    env != NULL ? env : json_array(), "WorkingDir", "/", "Tty", 0,
	    "Labels", "AttachStdout", 1, "AttachStderr", 1);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type", driver,
	    "Config", "AutoRemove", 0);
	return (container_store_create(x->st, name, config, hc, err));
}

int
lp_container_exited(void *c)
{
	return (!container_running(c));
}
