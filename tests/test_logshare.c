/* SPDX-License-Identifier: MIT */
/*
 * logshare: an append decoded once for every follower at the head, its
 * memos, and the readers that take it: they get exactly what a reader
 * that decodes line by line gets, across rotation, a second append before
 * they ran, a paused consumer and since; the fixture checks that nothing
 * is left behind.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/base/cancel.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logline.h"
#include "logdriver/logreader.h"
#include "logdriver/logshare.h"
#include "tests/helpers_logdriver.h"

static int	memos_freed;

static void
memo_free(void *obj)
{
	memos_freed++;
	test_free(obj);
}

static void
test_a_share_decodes_each_line_once_and_keeps_memos(struct rt *t)
{
	static const char	bytes[] =
	    "{\"log\":\"a\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:28:17.000000002Z\"}\n"
	    "{broken\n"
	    "{\"log\":\"b\\u00e9\\n\",\"stream\":\"stderr\","
	    "\"time\":\"2026-11-27T02:28:17.000000001Z\"}\n";
	struct logshare		*sh, *again;
	const struct logline	*e;
	size_t			 n;

	rt_writer(t, 0, 1);
	sh = logshare_get(t->jf, bytes, sizeof bytes - 1);
	again = logshare_get(t->jf, bytes, sizeof bytes - 1);
	assert_ptr_equal(sh, again);	/* one notification, one share */
	logshare_unref(again);

	e = logshare_entries(sh, &n);
	assert_int_equal(n, 2);
	assert_int_equal(logshare_skipped(sh), 1);
	assert_int_equal(e[0].loglen, 2);
	assert_memory_equal(e[0].log, "a\n", 2);
	assert_int_equal(e[1].stream, LOGLINE_STDERR);
	assert_int_equal(e[1].loglen, 4);
	assert_memory_equal(e[1].log, "b\xc3\xa9\n", 4);
	assert_true(logshare_min_time(sh) == e[1].time_ns);
	assert_true(e[0].time_ns == e[1].time_ns + 1);

	memos_freed = 0;
	assert_null(logshare_memo(sh, 7));
	for (uint32_t k = 0; k < LOGSHARE_MEMOS; k++)
		assert_int_equal(logshare_memo_put(sh, k, test_malloc(1),
		    memo_free), 0);
	assert_int_equal(logshare_memo_put(sh, 0, NULL, memo_free), -1);
	assert_int_equal(logshare_memo_put(sh, 99, NULL, memo_free), -1);
	assert_non_null(logshare_memo(sh, 2));
	logshare_unref(sh);
	assert_int_equal(memos_freed, LOGSHARE_MEMOS);
}

/* A follower of t->jf for c, started, reading as t->o says. */
static struct logreader *
follower(struct rt *t, struct collector *c, int shared)
{
	struct logreader	*r;

	c->shared = shared;
	r = rt_reader(t, t->root, t->jf, c);
	logreader_start(r);
	return (r);
}

/* Entries [from, to), one append each, the loop run between them. */
static void
append_each(struct rt *t, int from, int to)
{
	for (int i = from; i < to; i++) {
		writer_entries(t->jf, i, i + 1);
		run_loop_for(t->f->base, 2);
	}
}

static void
drop(struct collector *c)
{
	logreader_free(c->r);
	collector_clear(c);
}

static void
test_followers_at_the_head_share_one_decoded_append(struct rt *t)
{
	struct collector	a = { 0 }, b = { 0 };

	rt_writer(t, 0, 1);
	t->o.follow = 1;
	follower(t, &a, 1);
	follower(t, &b, 1);
	t->r = follower(t, &t->c, 0);
	run_loop_for(t->f->base, 10);
	append_each(t, 0, 10);
	wait_for(t->f, &a, 10);
	wait_for(t->f, &b, 10);
	wait_for(t->f, &t->c, 10);
	assert_lines(&a, 0, 10);
	assert_lines(&b, 0, 10);
	assert_lines(&t->c, 0, 10);
	assert_true(a.nshares >= 1);
	assert_ptr_equal(a.first_share, b.first_share);
	assert_int_equal(t->c.nshares, 0);	/* no shared(): line by line */
	drop(&a);
	drop(&b);
}

static void
test_a_shared_follower_gets_every_entry_across_rotation(struct rt *t)
{
	struct collector	a = { 0 };

	/* ~90-byte entries, 300-byte files: a rotation every few appends. */
	rt_writer(t, 300, 5);
	t->o.follow = 1;
	t->o.max_file = 5;
	follower(t, &a, 1);
	t->r = follower(t, &t->c, 0);
	run_loop_for(t->f->base, 10);
	for (int i = 0; i < 40; i += 4) {
		append_each(t, i, i + 2);
		/* Two appends before the loop runs: the held share's bytes go
		 * to the buffer, the next append after them. */
		writer_entries(t->jf, i + 2, i + 4);
		run_loop_for(t->f->base, 2);
	}
	wait_for(t->f, &a, 40);
	wait_for(t->f, &t->c, 40);
	assert_lines(&a, 0, 40);
	assert_lines(&t->c, 0, 40);
	assert_true(a.nshares >= 5);
	drop(&a);
}

static void
test_a_paused_shared_follower_delivers_all_once_resumed(struct rt *t)
{
	rt_writer(t, 0, 1);
	t->o.follow = 1;
	t->c.budget = 3;
	t->r = follower(t, &t->c, 1);
	run_loop_for(t->f->base, 10);
	for (int i = 0; i < 20; i++) {
		append_each(t, i, i + 1);
		if (t->c.readies_refused == 0)
			continue;
		assert_int_equal(t->c.n, t->c.budget);
		run_loop_for(t->f->base, 5);	/* paused: nothing moves */
		assert_int_equal(t->c.n, t->c.budget);
		t->c.readies_refused = 0;
		t->c.budget += 3;
		logreader_resume(t->r);
	}
	t->c.budget = 0;
	logreader_resume(t->r);
	wait_for(t->f, &t->c, 20);
	assert_lines(&t->c, 0, 20);
	assert_true(t->c.nshares >= 1);
}

static void
test_since_filters_what_an_append_holds_before_it(struct rt *t)
{
	rt_writer(t, 0, 1);
	t->o.follow = 1;
	t->o.has_since = 1;
	t->o.since_ns = t0() + 5 * SEC;
	t->r = follower(t, &t->c, 1);
	run_loop_for(t->f->base, 10);
	/* One append with entries on both sides of since, then later ones. */
	for (int i = 0; i < 8; i++) {
		char	msg[16];

		snprintf(msg, sizeof msg, "line %03d", i);
		jsonfile_write(t->jf, LOGLINE_STDOUT, msg, strlen(msg), 1,
		    t0() + i * SEC);
	}
	jsonfile_flush(t->jf);
	run_loop_for(t->f->base, 10);
	append_each(t, 8, 12);
	wait_for(t->f, &t->c, 7);
	assert_lines(&t->c, 5, 12);
	assert_true(t->c.nshares >= 1);	/* the appends after since */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RT_TEST(test_a_share_decodes_each_line_once_and_keeps_memos),
		RT_TEST(test_followers_at_the_head_share_one_decoded_append),
		RT_TEST(test_a_shared_follower_gets_every_entry_across_rotation),
		RT_TEST(test_a_paused_shared_follower_delivers_all_once_resumed),
		RT_TEST(test_since_filters_what_an_append_holds_before_it),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
