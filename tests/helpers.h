/* SPDX-License-Identifier: MIT */
/*
 * Test fixture and leak check shared by every unit test: setup snapshots the
 * live tasks, contexts, fds, libevent events and child processes; teardown
 * polls the loop briefly until they are back, fails with the task dump of
 * whatever leaked, then frees the fixture. Memory is checked by cmocka
 * itself (xalloc routes through test_malloc in unit builds).
 */
#ifndef LP_TEST_HELPERS_H
#define LP_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include <jansson.h>

struct cancel;
struct container;
struct container_store;
struct err;
struct event_base;

struct lp_fixture {
	struct event_base	*base;
	char			 dir[PATH_MAX];	/* fresh temp dir, removed */
	int			 fds;
	size_t			 tasks;
	uint64_t		 contexts;
	int			 events;
	int			 children;
};

/* cmocka setup/teardown: *state becomes a struct lp_fixture. */
int	lp_setup(void **state);
int	lp_teardown(void **state);

/* Runs the loop until pred(arg) is true or ms pass; returns pred's value. */
int	run_loop_until(struct event_base *, int (*pred)(void *), void *arg,
	    int ms);
/* Runs the loop for ms milliseconds. */
void	run_loop_for(struct event_base *, int ms);

/*
 * helpers_store.c: a container store in <fixture dir>/data under a root
 * context of its own. Closing frees both and runs the pending frees;
 * reopening reloads what was saved.
 */
struct lp_store {
	struct lp_fixture	*f;
	struct cancel		*root;
	struct container_store	*st;
};
void	lp_store_open(struct lp_store *, struct lp_fixture *);
void	lp_store_close(struct lp_store *);
/*
 * Creates (does not start) a container running sh -c script ("true" when
 * NULL) with Env env (taken; NULL: none), log driver "json-file" or "none".
 */
struct container *lp_store_create(struct lp_store *, const char *name,
	    const char *script, json_t *env, const char *driver, struct err *);
/* A run_loop_until predicate: the container (arg) is not running. */
int	lp_container_exited(void *c);

int	count_open_fds(void);
int	count_children(void);
/* Writes len bytes of data to path (created/truncated); asserts success. */
void	write_file(const char *path, const char *data, size_t len);
/* Reads a whole file into a test-owned buffer (free with test_free). */
char	*read_file(const char *path, size_t *len);

/*
 * Shared by the logdriver tests (kept apart from the fixture above).
 * LP_T0_TEXT is the tests' reference time; t0() is the same in ns.
 */
#define LP_T0_TEXT	"2026-11-27T02:27:47.686402722Z"
int64_t	t0(void);
/* <fixture dir>/name, in a static buffer (the next call overwrites it). */
char	*lp_path(struct lp_fixture *, const char *name);

#endif
