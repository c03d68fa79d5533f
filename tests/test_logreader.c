/* SPDX-License-Identifier: MIT */
/*
 * logreader: snapshot reads in slices, broken and long lines, the in-band
 * open error, follow with a writer and without one (polling when inotify
 * is out), slow consumers, and every finish, free and cancel path; the
 * fixture checks that nothing is left behind. Rotation is test_logfiles.c,
 * tail and since/until test_logtail.c.
 */
#include <sys/resource.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logline.h"
#include "logdriver/logreader.h"
#include "tests/helpers_logdriver.h"

static void
test_reads_every_entry_then_done(struct rt *t)
{
	append_entries(t->path, 0, 5);
	rt_start(t);
	assert_int_equal(t->c.n, 0);		/* never from start itself */
	rt_wait_done(t);
	assert_lines(&t->c, 0, 5);
	assert_int_equal(t->c.streams[0], LOGLINE_STDOUT);
	assert_int_equal(t->c.streams[1], LOGLINE_STDERR);
	assert_true(t->c.times[4] == t0() + 4 * SEC);
	assert_int_equal(t->c.done, 1);
	assert_false(t->c.has_error);
	assert_null(logreader_task(t->r));	/* released at done */
	assert_int_equal(logreader_delivered(t->r), 5);
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.done, 1);
	logreader_free(NULL);
}

static void
test_reads_in_slices_and_yields_to_the_loop(struct rt *t)
{
	append_entries(t->path, 0, 20000);
	rt_start(t);
	event_base_loop(t->f->base, EVLOOP_ONCE);
	assert_true(t->c.n > 0);
	assert_true(t->c.n < 20000);
	rt_wait_done(t);
	assert_lines(&t->c, 0, 20000);
}

static void
test_snapshot_ignores_entries_written_after_start(struct rt *t)
{
	append_entries(t->path, 0, 3);
	rt_start(t);
	append_entries(t->path, 3, 6);
	rt_wait_done(t);
	assert_lines(&t->c, 0, 3);
}

static void
test_skips_broken_and_mistyped_lines_and_goes_on(struct rt *t)
{
	append_entries(t->path, 0, 2);
	append_raw(t->path, "{\"log\":\"unterminated\n");
	append_raw(t->path, "{\"log\":5,\"time\":\"2026-11-27T02:27:47Z\"}\n");
	append_raw(t->path, "{\"log\":\"x\",\"time\":\"not a time\"}\n");
	append_raw(t->path, "\n");
	append_entries(t->path, 2, 4);
	/* No time, no log. */
	append_raw(t->path, "{\"stream\":\"stdout\"}\n");
	rt_start(t);
	rt_wait_done(t);
	assert_int_equal(t->c.n, 5);
	assert_string_equal(t->c.lines[2], "line 002\n");
	assert_string_equal(t->c.lines[3], "line 003\n");
	assert_string_equal(t->c.lines[4], "");
	assert_true(t->c.times[4] == LOGLINE_NO_TIME);
	assert_int_equal(logreader_skipped(t->r), 4);
}

static void
test_delivers_a_line_longer_than_its_buffer(struct rt *t)
{
	size_t		 len = 300 * 1024, n;
	char		*msg = test_malloc(len), *buf;

	memset(msg, '<', len);			/* 6 bytes each encoded */
	buf = test_malloc(logline_encode_bound(len, 0));
	n = logline_encode(buf, LOGLINE_STDOUT, msg, len, 0, t0(), NULL, 0);
	write_file(t->path, buf, n);
	append_entries(t->path, 0, 1);
	rt_start(t);
	rt_wait_done(t);
	assert_int_equal(t->c.n, 2);
	assert_int_equal(strlen(t->c.lines[0]), len);
	assert_memory_equal(t->c.lines[0], msg, len);
	assert_string_equal(t->c.lines[1], "line 000\n");
	test_free(msg);
	test_free(buf);
}

static void
test_reports_a_missing_file_in_band(struct rt *t)
{
	char		want[PATH_MAX + 128];

	snprintf(want, sizeof want, "open %s: no such file or directory",
	    t->path);
	rt_start(t);
	assert_int_equal(t->c.done, 0);
	rt_wait_done(t);
	assert_true(t->c.has_error);
	assert_string_equal(t->c.error, want);
	assert_int_equal(t->c.n, 0);
}

static void
test_follow_receives_appended_lines(struct rt *t)
{
	rt_follow_after(t, 0, 1, 3);
	run_loop_for(t->f->base, 10);
	assert_true(dump_contains("logreader_follow"));
	assert_true(dump_contains("log growth"));
	assert_int_equal(jsonfile_subscribers(t->jf), 1);
	writer_entries(t->jf, 3, 5);
	wait_for(t->f, &t->c, 5);
	/* A torn write shows up only once completed. */
	jsonfile_write(t->jf, LOGLINE_STDOUT, "line 005", 8, 1, t0() + 5 * SEC);
	jsonfile_flush(t->jf);
	rt_following(t, 6);
	rt_drop(t);
	assert_int_equal(jsonfile_subscribers(t->jf), 0);
}

static void
test_writer_closed_ends_follow_after_the_last_line(struct rt *t)
{
	rt_writer(t, 0, 1);
	rt_follow(t);
	run_loop_for(t->f->base, 10);
	jsonfile_write(t->jf, LOGLINE_STDOUT, "line 000", 8, 1, t0());
	jsonfile_write(t->jf, LOGLINE_STDOUT, "line 001", 8, 1, t0());
	jsonfile_close(t->jf);			/* flushes, then CLOSED */
	t->jf = NULL;
	rt_ended_with(t, 0, 2);
}

static int
collector_refused_or_40(void *arg)
{
	struct collector	*c = arg;

	return (c->readies_refused > 0 || c->n >= 40);
}

static void
test_with_a_slow_consumer_pauses_and_delivers_all(struct rt *t)
{
	writer_entries(rt_writer(t, 790, 3), 0, 15);
	t->o.max_file = 3;
	t->c.budget = 4;
	rt_follow(t);
	while (t->c.n < 40) {
		assert_true(run_loop_until(t->f->base, collector_refused_or_40,
		    &t->c, 5000));
		if (t->c.n >= 40)
			break;
		assert_int_equal(t->c.n, t->c.budget);
		assert_true(dump_contains("client writable"));
		run_loop_for(t->f->base, 5);	/* paused: nothing moves */
		assert_int_equal(t->c.n, t->c.budget);
		if (t->c.n == 8)		/* rotations while paused */
			writer_entries(t->jf, 15, 40);
		t->c.readies_refused = 0;
		t->c.budget += 4;
		logreader_resume(t->r);
		logreader_resume(t->r);
	}
	assert_lines(&t->c, 0, 40);
}

static void
test_cancel_during_backlog_releases_everything(struct rt *t)
{
	struct cancel	*stream;
	size_t		 n;
	uint64_t	 live;

	stream = cancel_new(t->root, "stream");
	append_entries(t->path, 0, 20000);
	t->r = rt_reader(t, stream, NULL, &t->c);
	logreader_start(t->r);
	event_base_loop(t->f->base, EVLOOP_ONCE);
	assert_true(t->c.n > 0 && t->c.n < 20000);
	live = cancel_live();
	cancel_fire(t->root, CANCEL_CLIENT_GONE);
	assert_null(logreader_task(t->r));
	assert_int_equal(cancel_live(), live - 1);	/* its context */
	n = t->c.n;
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.n, n);
	assert_int_equal(t->c.done, 0);
	cancel_fire(t->root, CANCEL_SHUTDOWN);	/* twice: nothing */
	logreader_finish(t->r);
	rt_drop(t);
	cancel_free(stream);
}

static void
test_cancel_during_follow_releases_everything(struct rt *t)
{
	struct logreader	*r2;
	struct collector	 c2 = { 0 };

	writer_entries(rt_writer(t, 0, 1), 0, 2);
	rt_follow(t);
	/* And one without a writer: inotify fd and watches go too. */
	r2 = rt_reader(t, t->root, NULL, &c2);
	logreader_start(r2);
	wait_for(t->f, &t->c, 2);
	wait_for(t->f, &c2, 2);
	cancel_fire(t->root, CANCEL_CLIENT_GONE);
	cancel_fire(t->root, CANCEL_CLIENT_GONE);
	assert_int_equal(jsonfile_subscribers(t->jf), 0);
	writer_entries(t->jf, 2, 4);
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.n, 2);
	assert_int_equal(c2.n, 2);
	assert_int_equal(t->c.done + c2.done, 0);
	assert_int_equal(task_count_kind("logdriver.logreader"), 0);
	logreader_free(r2);
	collector_clear(&c2);
}

static void
test_cancel_after_natural_end_is_a_noop(struct rt *t)
{
	append_entries(t->path, 0, 3);
	rt_start(t);
	rt_wait_done(t);
	cancel_fire(t->root, CANCEL_CLIENT_GONE);
	logreader_finish(t->r);
	run_loop_for(t->f->base, 10);
	assert_int_equal(t->c.done, 1);
	assert_lines(&t->c, 0, 3);
}

static void
test_cancel_racing_the_last_entry_wins_over_done(struct rt *t)
{
	append_entries(t->path, 0, 3);
	t->c.cancel_at = 3;			/* in the last entry() */
	t->c.cancel = t->root;
	rt_start(t);
	rt_stopped_at(t, 3);
}

static void
test_cancelled_before_start_never_calls_the_sink(struct rt *t)
{
	append_entries(t->path, 0, 3);
	t->r = rt_reader(t, t->root, NULL, &t->c);
	cancel_fire(t->root, CANCEL_SHUTDOWN);
	logreader_start(t->r);
	run_loop_for(t->f->base, 10);
	assert_int_equal(t->c.n + (size_t)t->c.done, 0);
	logreader_free(t->r);
	/* Born cancelled and freed without a start: nothing left either. */
	logreader_free(rt_reader(t, t->root, NULL, &t->c));
	/* Born under a cancelled parent: finished by start, labelled before. */
	t->r = rt_reader(t, t->root, NULL, &t->c);
	assert_non_null(logreader_task(t->r));
	task_label(logreader_task(t->r), "for=test");
	logreader_start(t->r);
	assert_null(logreader_task(t->r));
	run_loop_for(t->f->base, 10);
	assert_int_equal(t->c.n + (size_t)t->c.done, 0);
}

static void
test_finish_from_inside_entry_makes_no_more_calls(struct rt *t)
{
	append_entries(t->path, 0, 10);
	t->c.stop_at = 3;
	rt_start(t);
	rt_stopped_at(t, 3);
}

/*
 * Freed from inside done(): the reader's own callback is still on the
 * stack; the reap frees it after that callback has returned.
 */
static void
test_may_be_freed_from_inside_done(struct rt *t)
{
	append_entries(t->path, 0, 2);
	t->c.free_in_done = 1;
	rt_start(t);
	rt_wait_done(t);
	assert_null(t->c.r);
	assert_lines(&t->c, 0, 2);
	t->r = NULL;				/* the sink freed it */
}

/*
 * Freed from inside entry(): the reader still checks its state when the
 * sink returns, so the memory must outlive the call (the reap frees it on
 * the next loop pass); no sink call comes after.
 */
static void
test_may_be_freed_from_inside_entry(struct rt *t)
{
	append_entries(t->path, 0, 10);
	t->c.free_at = 3;
	rt_start(t);
	t->r = NULL;				/* the sink frees it */
	rt_stopped_at(t, 3);
	assert_null(t->c.r);
	assert_int_equal(reap_pending(), 0);
}

/*
 * inotify instances are per user and shared with every other program: a
 * follow that cannot get one must poll, not fail. The fd limit makes the
 * reader's inotify_init1 fail once its log file is open.
 */
static void
test_follow_without_inotify_polls_instead(struct rt *t)
{
	struct rlimit	saved, tight;
	int		probe;

	append_entries(t->path, 0, 1);
	t->o.follow = 1;
	t->r = rt_reader(t, t->root, NULL, &t->c);
	/* Room for exactly one more fd: the log file, not inotify. */
	probe = open("/dev/null", O_RDONLY);
	assert_true(probe >= 0);
	close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	tight = saved;
	tight.rlim_cur = (rlim_t)probe + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
	logreader_start(t->r);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	wait_for(t->f, &t->c, 1);
	append_entries(t->path, 1, 3);
	rt_following(t, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RT_TEST(test_reads_every_entry_then_done),
		RT_TEST(test_reads_in_slices_and_yields_to_the_loop),
		RT_TEST(test_snapshot_ignores_entries_written_after_start),
		RT_TEST(test_skips_broken_and_mistyped_lines_and_goes_on),
		RT_TEST(test_delivers_a_line_longer_than_its_buffer),
		RT_TEST(test_reports_a_missing_file_in_band),
		RT_TEST(test_follow_receives_appended_lines),
		RT_TEST(test_writer_closed_ends_follow_after_the_last_line),
		RT_TEST(test_with_a_slow_consumer_pauses_and_delivers_all),
		RT_TEST(test_cancel_during_backlog_releases_everything),
		RT_TEST(test_cancel_during_follow_releases_everything),
		RT_TEST(test_cancel_after_natural_end_is_a_noop),
		RT_TEST(test_cancel_racing_the_last_entry_wins_over_done),
		RT_TEST(test_cancelled_before_start_never_calls_the_sink),
		RT_TEST(test_finish_from_inside_entry_makes_no_more_calls),
		RT_TEST(test_may_be_freed_from_inside_done),
		RT_TEST(test_may_be_freed_from_inside_entry),
		RT_TEST(test_follow_without_inotify_polls_instead),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
