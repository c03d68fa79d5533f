/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: container name/id resolution (container_store_lookup)
 * against a store holding a few containers, created (never started) in a
 * temporary data root. Any hit must be a legitimate one: the full id, the
 * name with or without its '/', or an id prefix matching one container.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/base/log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static struct event_base	*fuzz_base;
static struct cancel		*fuzz_root;
static struct container_store	*fuzz_store;
static char			 fuzz_dir[] = "/tmp/lpfuzz-lookup.XXXXXX";

static void
fuzz_lookup_cleanup(void)
{
	char	cmd[64];

	container_store_free(fuzz_store);
	cancel_free(fuzz_root);
	event_base_free(fuzz_base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fuzz_dir);
}

static void
fuzz_lookup_create(const char *name)
{
	struct err	 err;
	json_t		*config, *hc;

	config = json_pack("{s:s, s:[s], s:n, s:[], s:s, s:b, s:{}, s:b, "
	    "s:b}", "Image", "busybox", "Cmd", "true", "Entrypoint", "Env",
	    "WorkingDir", "", "Tty", 0, "Labels", "AttachStdout", 1,
	    "AttachStderr", 1);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	if (container_store_create(fuzz_store, name, config, hc, &err) ==
	    NULL) {
		fprintf(stderr, "create %s: %s\n", name ? name : "-", err.msg);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err	err;

	(void)argc;
	(void)argv;
	log_level = LOG_LEVEL_ERROR;
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	fuzz_base = event_base_new();
	fuzz_root = cancel_new_root(fuzz_base, "fuzz");
	if ((fuzz_store = container_store_new(fuzz_base, fuzz_root, fuzz_dir,
	    &err)) == NULL) {
		fprintf(stderr, "store: %s\n", err.msg);
		abort();
	}
	fuzz_lookup_create("web");
	fuzz_lookup_create("/db");
	fuzz_lookup_create("a.b-c_d");
	fuzz_lookup_create(NULL);
	fuzz_lookup_create(NULL);
	atexit(fuzz_lookup_cleanup);
	return (0);
}

struct fuzz_lookup_count {
	const char	*ref;
	size_t		 len;
	int		 n;
};

static void
fuzz_lookup_count_cb(struct container *c, void *arg)
{
	struct fuzz_lookup_count	*a = arg;

	if (strncmp(container_id(c), a->ref, a->len) == 0)
		a->n++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char				*ref = malloc(size + 1);
	struct container		*c;
	struct err			 err = { 0 };
	struct fuzz_lookup_count	 cnt = { 0 };
	const char			*id, *name;

	memcpy(ref, data, size);
	ref[size] = '\0';	/* the router hands over a C string */
	c = container_store_lookup(fuzz_store, ref, &err);
	if (c == NULL) {
		if (err.code != ERR_NOT_FOUND && err.code != ERR_AMBIGUOUS)
			abort();
		free(ref);
		return (0);
	}
	id = container_id(c);
	name = container_name(c);
	if (strcmp(id, ref) == 0 || strcmp(name, ref) == 0 ||
	    strcmp(name + 1, ref) == 0) {
		free(ref);
		return (0);
	}
	/* Else a prefix of exactly one id. */
	cnt.ref = ref;
	cnt.len = strlen(ref);
	container_store_foreach(fuzz_store, fuzz_lookup_count_cb, &cnt);
	if (cnt.len == 0 || strncmp(id, ref, cnt.len) != 0 || cnt.n != 1) {
		fprintf(stderr, "lookup(%s) returned %s %s\n", ref, id, name);
		abort();
	}
	free(ref);
	return (0);
}
