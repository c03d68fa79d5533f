/* SPDX-License-Identifier: MIT */
/*
 * logfiles (through the reader): rotated files read oldest first, a follow
 * across rotations (bursts, a stalled follower, one past what is held for
 * it and told what it skipped), the end of a followed run, and rotation
 * and truncation seen through inotify.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/cancel.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logreader.h"
#include "tests/helpers_logdriver.h"

static void
test_reads_rotated_files_oldest_first(struct rt *t)
{
	writer_entries(rt_writer(t, 790, 3), 0, 45);	/* .2 holds 20..29 */
	jsonfile_close(t->jf);
	t->jf = NULL;
	t->o.max_file = 3;
	rt_read(t, 20, 45);
	/* max-file=1 reads the current file only (spec 5.7 quirk). */
	t->o.max_file = 1;
	rt_read(t, 40, 45);
}

/*
 * A restart: the run's writer closes and the next run's writer appends to
 * the same file before the follower has read the end. The follow ends at
 * the last entry of the run it followed (dockerd's ends when the container
 * stops); it used to read on into the next run and stop anywhere.
 */
static void
test_follow_ends_at_the_run_it_followed(struct rt *t)
{
	t->c.budget = 3;				/* behind at the stop */
	rt_follow_after(t, 0, 1, 3);
	writer_entries(t->jf, 3, 40);
	jsonfile_close(t->jf);			/* the run stops */
	rt_writer(t, 0, 1);			/* and starts again */
	writer_entries(t->jf, 100, 140);
	t->c.budget = 0;
	logreader_resume(t->r);
	rt_ended_with(t, 0, 40);
}

static void
test_follow_across_rotations_delivers_every_line_once(struct rt *t)
{
	/* 10 entries a file; .1 and .2 in the backlog. */
	rt_follow_after(t, 790, 3, 25);
	/* Keeping up: the loop runs between writes. */
	for (int i = 25; i < 100; i++) {
		writer_entries(t->jf, i, i + 1);
		if (i % 3 == 0)
			run_loop_for(t->f->base, 1);
	}
	wait_for(t->f, &t->c, 100);
	/* A burst of two rotations with no loop run: still every line. */
	writer_entries(t->jf, 100, 118);
	wait_for(t->f, &t->c, 118);
	jsonfile_close(t->jf);
	t->jf = NULL;
	rt_ended_with(t, 0, 118);
}

static void
test_follow_loses_nothing_in_a_burst_of_rotations(struct rt *t)
{
	rt_follow_after(t, 790, 2, 5);
	/*
	 * Twelve rotations with max-file 2 before the reader runs: the
	 * files are deleted by then, but the reader holds them open.
	 */
	writer_entries(t->jf, 5, 125);
	rt_following(t, 125);
}

static void
test_inotify_follow_handles_rotation_and_truncation(struct rt *t)
{
	char		old[PATH_MAX + 80];

	snprintf(old, sizeof old, "%s.1", t->path);
	append_entries(t->path, 0, 2);
	rt_follow(t);				/* no writer: inotify */
	wait_for(t->f, &t->c, 2);
	append_entries(t->path, 2, 4);
	wait_for(t->f, &t->c, 4);
	/* A torn entry waits for its end. */
	append_raw(t->path, "{\"log\":\"line 004\\n\",\"stream\":\"stdout\",");
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.n, 4);
	append_raw(t->path, "\"time\":\"2026-11-27T02:27:51Z\"}\n");
	wait_for(t->f, &t->c, 5);

	/* Rotation: rename, write the tail of the old file, new file. */
	assert_int_equal(rename(t->path, old), 0);
	append_entries(old, 5, 6);
	append_entries(t->path, 6, 8);
	wait_for(t->f, &t->c, 8);

	/* Truncation: the new content is read from offset 0. */
	assert_int_equal(truncate(t->path, 0), 0);
	run_loop_for(t->f->base, 20);
	append_entries(t->path, 8, 9);
	rt_following(t, 9);
}

/*
 * Fairness: a follower whose client stalls while the writer rotates a
 * thousand times (max-file 2 keeps 1.6 KB) loses nothing: it took every
 * write from the writer as it happened and holds it until the client
 * takes it. Before, it had to find the files on disk and lost most.
 */
static void
test_stalled_follower_holds_what_it_was_fed(struct rt *t)
{
	t->c.budget = 5;			/* paused: falls behind */
	rt_follow_after(t, 790, 2, 5);
	writer_entries(t->jf, 5, 1000);		/* 99 rotations */
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.n, 5);
	assert_true(jsonfile_generation(t->jf) >= 99);
	t->c.budget = 0;
	logreader_resume(t->r);
	writer_entries(t->jf, 1000, 1001);
	wait_for(t->f, &t->c, 1001);
	assert_lines(&t->c, 0, 1001);
	assert_int_equal(t->c.notices, 0);
	assert_int_equal(t->c.done, 0);
}

/*
 * Past what is held for it (1 MiB unsent, 32 rotated files) a stalled
 * follower skips to the oldest file on disk, and is told: one notice, in
 * order where the gap is, whose count makes received + skipped = written;
 * the totals for /debug/vars count it. It goes on following.
 */
static void
test_far_behind_is_told_what_it_skipped(struct rt *t)
{
	struct logreader_losses	 before, after;
	unsigned long long	 told = 0, bytes = 0;
	int			 last = -1, v, total = 20001;

	logreader_total_losses(&before);
	t->c.budget = 5;
	rt_follow_after(t, 790, 2, 5);
	writer_entries(t->jf, 5, total - 1);	/* ~1.6 MB, 2000 rotations */
	run_loop_for(t->f->base, 20);
	assert_int_equal(t->c.n, 5);
	t->c.budget = 0;
	logreader_resume(t->r);
	writer_entries(t->jf, total - 1, total);
	run_loop_for(t->f->base, 200);
	assert_int_equal(t->c.done, 0);
	assert_int_equal(t->c.notices, 1);
	assert_int_equal(sscanf(t->c.notice, "logpouch: skipped %llu entries "
	    "(%llu bytes)", &told, &bytes), 2);
	assert_true(told > 0);
	assert_true(bytes > told * 60);		/* ~80 bytes an entry */
	assert_int_equal(t->c.n + told, (size_t)total);
	assert_int_equal(logreader_lost_entries(t->r), told);
	for (size_t i = 0; i < t->c.n; i++) {
		assert_int_equal(sscanf(t->c.lines[i], "line %d", &v), 1);
		/* In order, no repeats; the gap is where the notice came. */
		assert_int_equal(v, i < t->c.notice_at ? (int)i :
		    (int)(i + told));
		last = v;
	}
	assert_int_equal(last, total - 1);
	logreader_total_losses(&after);
	assert_int_equal(after.gaps - before.gaps, 1);
	assert_int_equal(after.entries - before.entries, told);
	assert_int_equal(after.bytes - before.bytes, bytes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RT_TEST(test_reads_rotated_files_oldest_first),
		RT_TEST(test_follow_ends_at_the_run_it_followed),
		RT_TEST(test_follow_across_rotations_delivers_every_line_once),
		RT_TEST(test_follow_loses_nothing_in_a_burst_of_rotations),
		RT_TEST(test_inotify_follow_handles_rotation_and_truncation),
		RT_TEST(test_stalled_follower_holds_what_it_was_fed),
		RT_TEST(test_far_behind_is_told_what_it_skipped),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
