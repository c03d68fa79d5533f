/* SPDX-License-Identifier: MIT */
/*
 * The container-store fixture, kept apart from helpers.c so that tests of
 * the lower layers link without the engine.
 */
#include <limits.h>
#include <stdio.h>

#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/container.h"
#include "tests/helpers.h"

struct container_store *
lp_store_new(struct lp_fixture *f, struct cancel **rootp)
{
	struct container_store	*st;
	struct err		 err;
	char			 data[PATH_MAX + 8];

	snprintf(data, sizeof data, "%s/data", f->dir);
	*rootp = cancel_new_root(f->base, "root");
	st = container_store_new(f->base, *rootp, data, &err);
	assert_non_null(st);
	return (st);
}

void
lp_store_free(struct container_store *st, struct cancel *root)
{
	container_store_free(st);
	cancel_free(root);
}

