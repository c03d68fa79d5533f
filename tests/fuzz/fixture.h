/* SPDX-License-Identifier: MIT */
/*
 * What the fuzzers that need containers share: a loop, a root context and
 * a container store in a scratch directory, made once per process and
 * removed at exit.
 */
#ifndef LP_FUZZ_FIXTURE_H
#define LP_FUZZ_FIXTURE_H

struct cancel;
struct container;
struct container_store;
struct event_base;

struct fixture {
	struct event_base	*base;
	struct cancel		*root;
	struct container_store	*store;
	char			 dir[64];	/* /tmp/lpfuzz-<tag>.XXXXXX */
};

/* Makes all of f, or aborts: a fuzzer without its fixture finds nothing. */
void		 fixture_open(struct fixture *, const char *tag);
/* A created (not started) busybox `true` named name (NULL: generated). */
struct container *fixture_create(struct fixture *, const char *name);
/* Frees the store, the context and the loop, and removes the directory. */
void		 fixture_close(struct fixture *);

#endif
