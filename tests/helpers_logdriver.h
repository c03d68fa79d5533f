/* SPDX-License-Identifier: MIT */
/*
 * Fixtures for the logdriver tests: json-file contents written directly or
 * through a writer, a sink that collects what a reader delivers, and one
 * reader test's context, file, writer and reader with their teardown.
 */
#ifndef LP_TEST_HELPERS_LOGDRIVER_H
#define LP_TEST_HELPERS_LOGDRIVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "logdriver/logreader.h"
#include "tests/helpers.h"

struct cancel;
struct jsonfile;

#define SEC	((int64_t)1000000000)

/* Appends entries "line NNN\n" for N in [from, to) stamped t0 + N s. */
void	append_entries(const char *path, int from, int to);
/* Appends data as it is (torn or broken lines). */
void	append_raw(const char *path, const char *data);
/* Writes the same entries through a writer, flushing each. */
void	writer_entries(struct jsonfile *, int from, int to);
/* Whether the task dump mentions needle. */
int	dump_contains(const char *needle);

struct collector {
	char		**lines;	/* test_malloc'ed payload copies */
	int		 *streams;
	int64_t		 *times;
	size_t		  n;
	size_t		  cap;
	size_t		  budget;	/* ready() is 0 once n reaches it */
	int		  readies_refused;
	int		  done;
	char		  error[256];
	int		  has_error;
	struct logreader *r;
	size_t		  stop_at;	/* logreader_finish from entry() */
	size_t		  cancel_at;	/* cancel_fire(cancel) from entry() */
	size_t		  free_at;	/* logreader_free from entry() */
	struct cancel	 *cancel;
	int		  free_in_done;
	int		  after_stop;	/* sink calls after we stopped */
	int		  stopped;
	int		  notices;
	char		  notice[400];	/* the last one */
	size_t		  notice_at;	/* n when it came */
	int		  shared;	/* offer a shared() callback */
	size_t		  nshares;	/* appends taken as shares */
	const void	 *first_share;
};

void	collector_clear(struct collector *);
int	collector_is_done(void *arg);
/* Asserts the collector holds "line a" .. "line b-1", in order. */
void	assert_lines(struct collector *, int a, int b);
/* Runs the loop until the collector has n entries (fails after 5 s). */
void	wait_for(struct lp_fixture *, struct collector *, size_t n);

/* A snapshot of everything: no follow, no tail, max-file 1. */
extern const struct logreader_opts all_opts;

/* One reader test. */
struct rt {
	struct lp_fixture	*f;
	struct cancel		*root;
	struct collector	 c;
	struct logreader	*r;
	struct jsonfile		*jf;	/* closed by rt_end unless NULL */
	struct logreader_opts	 o;	/* all_opts to begin with */
	char			 path[PATH_MAX + 64];
};

/*
 * A reader test is a function of its struct rt: RT_TEST(f) in the cmocka
 * table runs f between lp_setup and lp_teardown with t->path naming a
 * file in the fresh fixture directory (not created), a root context and
 * all_opts, and frees what is left in t (rt_end) when f returns.
 */
typedef void (*rt_test_fn)(struct rt *);
#define RT_TEST(f)	{ #f, rt_run, rt_setup, lp_teardown,		\
			    (void *)&(const struct rt_case){ f } }
struct rt_case {
	rt_test_fn	 fn;
};
int	rt_setup(void **state);
void	rt_run(void **state);
/* Opens t->jf on the file with max-size and max-file. */
struct jsonfile *rt_writer(struct rt *, int64_t max_size, int max_file);
/* A reader on the file with t->o under parent, for c; not started. */
struct logreader *rt_reader(struct rt *, struct cancel *parent,
	    struct jsonfile *writer, struct collector *c);
/*
 * rt_reader under the root for t->c into t->r, started: a snapshot without
 * a writer, or (follow set) a follower of t->jf.
 */
struct logreader *rt_start(struct rt *);
struct logreader *rt_follow(struct rt *);
/*
 * A follower of a writer that has written entries [0, n) (max-size and
 * max-file as given, for the reader too), once it has them (5 s).
 */
void	rt_follow_after(struct rt *, int64_t max_size, int max_file, int n);
/* Runs the loop until the reader said done (fails after 5 s). */
void	rt_wait_done(struct rt *);
/* Waits for done, then asserts "line a" .. "line b-1" and no error. */
void	rt_ended_with(struct rt *, int a, int b);
/* Waits for "line 0" .. "line n-1", asserts them and that it goes on. */
void	rt_following(struct rt *, int n);
/*
 * The sink stopped the reader at entry n (finish, cancel or free): after
 * 20 ms of loop it has "line 0" .. "line n-1", no done() and no call after.
 */
void	rt_stopped_at(struct rt *, int n);
/* A snapshot read with t->o: asserts "line a" .. "line b-1", drops it. */
void	rt_read(struct rt *, int a, int b);
/* Frees the reader (later, through the reap) and clears the collector. */
void	rt_drop(struct rt *);
/* rt_drop, closes the writer, frees the root and runs the pending frees. */
void	rt_end(struct rt *);

#endif
