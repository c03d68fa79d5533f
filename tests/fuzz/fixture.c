/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/base/reap.h"
#include "daemon/container.h"
#include "tests/fuzz/fixture.h"

void
fixture_open(struct fixture *f, const char *tag)
{
	struct err	err;

	snprintf(f->dir, sizeof f->dir, "/tmp/lpfuzz-%s.XXXXXX", tag);
	if (mkdtemp(f->dir) == NULL)
		abort();
	f->base = event_base_new();
	f->root = cancel_new_root(f->base, "fuzz");
	if ((f->store = container_store_new(f->base, f->root, f->dir, NULL,
	    &err)) == NULL) {
		fprintf(stderr, "store: %s\n", err.msg);
		abort();
	}
}

struct container *
fixture_create(struct fixture *f, const char *name)
{
	struct err		 err;
	struct container	*c;
	json_t			*config, *hc;

	config = json_pack("{s:s, s:[s], s:n, s:[], s:s, s:b, s:{}, s:b, "
	    "s:b}", "Image", "busybox", "Cmd", "true", "Entrypoint", "Env",
	    "WorkingDir", "", "Tty", 0, "Labels", "AttachStdout", 1,
	    "AttachStderr", 1);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	if ((c = container_store_create(f->store, name, config, hc,
	    &err)) == NULL) {
		fprintf(stderr, "create %s: %s\n", name ? name : "-", err.msg);
		abort();
	}
	return (c);
}

void
fixture_close(struct fixture *f)
{
	char	cmd[96];

	container_store_free(f->store);
	cancel_free(f->root);
	reap_base_free(f->base);
	event_base_free(f->base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}
