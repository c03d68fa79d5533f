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
#include "tests/fuzz/fixture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static struct fixture		 fuzz;

static void
fuzz_lookup_cleanup(void)
{
	fixture_close(&fuzz);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = LOG_LEVEL_ERROR;
	fixture_open(&fuzz, "lookup");
	fixture_create(&fuzz, "web");
	fixture_create(&fuzz, "/db");
	fixture_create(&fuzz, "a.b-c_d");
	fixture_create(&fuzz, NULL);
	fixture_create(&fuzz, NULL);
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
	c = container_store_lookup(fuzz.store, ref, &err);
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
	container_store_foreach(fuzz.store, fuzz_lookup_count_cb, &cnt);
	if (cnt.len == 0 || strncmp(id, ref, cnt.len) != 0 || cnt.n != 1) {
		fprintf(stderr, "lookup(%s) returned %s %s\n", ref, id, name);
		abort();
	}
	free(ref);
	return (0);
}
