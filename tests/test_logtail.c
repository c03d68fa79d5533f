/* SPDX-License-Identifier: MIT */
/*
 * logtail (through the reader): tail=N counted across rotated files, a
 * torn last line that tail does not count, tail=0 in a follow, and
 * since/until applied after the tail.
 */
#include <stdint.h>

#include "logdriver/jsonfile.h"
#include "logdriver/logreader.h"
#include "tests/helpers_logdriver.h"

static void
test_tail_counts_across_rotated_files(struct rt *t)
{
	static const struct {
		int64_t	tail;
		int	first;
	} cases[] = {
		{ 1, 44 }, { 3, 42 }, { 5, 40 }, { 6, 39 }, { 15, 30 },
		{ 16, 29 }, { 25, 20 }, { 26, 20 }, { 1000, 20 }, { -1, 20 },
		{ 0, 45 },
	};

	writer_entries(rt_writer(t, 790, 3), 0, 45);
	jsonfile_close(t->jf);
	t->jf = NULL;
	t->o.max_file = 3;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		t->o.tail = cases[i].tail;
		rt_read(t, cases[i].first, 45);
	}
}

static void
test_skips_a_torn_last_line(struct rt *t)
{
	append_entries(t->path, 0, 4);
	/* Valid JSON, but no newline yet: it may be half written. */
	append_raw(t->path, "{\"log\":\"line 004\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:27:51Z\"}");
	for (int pass = 0; pass < 2; pass++) {
		t->o.tail = pass == 0 ? -1 : 2;	/* not counted by tail */
		rt_start(t);
		rt_wait_done(t);
		assert_lines(&t->c, pass == 0 ? 0 : 2, 4);
		assert_false(t->c.has_error);
		rt_drop(t);
	}
}

static void
test_since_and_until_are_inclusive(struct rt *t)
{
	append_entries(t->path, 0, 10);
	append_entries(t->path, 2, 3);		/* an earlier time, later */
	t->o.has_since = 1;
	t->o.since_ns = t0() + 3 * SEC;
	t->o.has_until = 1;
	t->o.until_ns = t0() + 6 * SEC;
	rt_read(t, 3, 7);			/* stops at 7: not "line 2" */

	t->o.since_ns = t0() + 3 * SEC + 1;
	t->o.until_ns = t0() + 6 * SEC - 1;
	rt_read(t, 4, 6);

	/* tail first, then since (spec 4.2). */
	t->o.tail = 4;
	t->o.has_until = 0;
	t->o.since_ns = t0() + 8 * SEC;
	rt_read(t, 8, 10);
}

static void
test_follow_with_tail_zero_sends_only_new_lines(struct rt *t)
{
	writer_entries(rt_writer(t, 0, 1), 0, 3);
	t->o.tail = 0;
	rt_follow(t);
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.n, 0);
	writer_entries(t->jf, 3, 5);
	wait_for(t->f, &t->c, 2);
	assert_lines(&t->c, 3, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RT_TEST(test_tail_counts_across_rotated_files),
		RT_TEST(test_skips_a_torn_last_line),
		RT_TEST(test_since_and_until_are_inclusive),
		RT_TEST(test_follow_with_tail_zero_sends_only_new_lines),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
