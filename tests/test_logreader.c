/* SPDX-License-Identifier: MIT */
/*
 * logreader: snapshot reads, tail across rotated files, since/until, torn
 * and broken lines, follow with a writer (appends, rotations, close) and
 * with inotify (rotation, truncation), slow consumers, and every stop and
 * cancel path; the fixture checks that nothing is left behind.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logline.h"
#include "logdriver/logreader.h"
#include "tests/helpers.h"

#define SEC	((int64_t)1000000000)

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
	size_t		  stop_at;	/* logreader_stop from entry() */
	size_t		  cancel_at;	/* cancel_fire(cancel) from entry() */
	struct cancel	 *cancel;
	int		  free_in_done;
	int		  after_stop;	/* sink calls after we stopped */
	int		  stopped;
	int		  notices;
	char		  notice[400];	/* the last one */
	size_t		  notice_at;	/* n when it came */
};

static int64_t
t0(void)
{
	int64_t	ns;

	assert_int_equal(timeutil_parse("2026-11-27T02:27:47.686402722Z", 30,
	    &ns, NULL), 0);
	return (ns);
}

static void
collector_entry(void *arg, const struct logline *ll)
{
	struct collector	*c = arg;

	if (c->stopped)
		c->after_stop++;
	if (c->n == c->cap) {
		size_t	 ncap = c->cap == 0 ? 64 : c->cap * 2;
		char	**nl = test_calloc(ncap, sizeof *nl);
		int	 *ns = test_calloc(ncap, sizeof *ns);
		int64_t	 *nt = test_calloc(ncap, sizeof *nt);

		if (c->n > 0) {
			memcpy(nl, c->lines, c->n * sizeof *nl);
			memcpy(ns, c->streams, c->n * sizeof *ns);
			memcpy(nt, c->times, c->n * sizeof *nt);
			test_free(c->lines);
			test_free(c->streams);
			test_free(c->times);
		}
		c->lines = nl;
		c->streams = ns;
		c->times = nt;
		c->cap = ncap;
	}
	c->lines[c->n] = test_malloc(ll->loglen + 1);
	memcpy(c->lines[c->n], ll->log, ll->loglen);
	c->lines[c->n][ll->loglen] = '\0';
	c->streams[c->n] = ll->stream;
	c->times[c->n] = ll->time_ns;
	c->n++;
	if (c->stop_at != 0 && c->n == c->stop_at) {
		logreader_stop(c->r);
		c->stopped = 1;
	}
	if (c->cancel_at != 0 && c->n == c->cancel_at) {
		cancel_fire(c->cancel, CANCEL_CLIENT_GONE);
		c->stopped = 1;
	}
}

static int
collector_ready(void *arg)
{
	struct collector	*c = arg;

	if (c->stopped)
		c->after_stop++;
	if (c->budget != 0 && c->n >= c->budget) {
		c->readies_refused++;
		return (0);
	}
	return (1);
}

static void
collector_done(void *arg, const char *error)
{
	struct collector	*c = arg;

	if (c->stopped)
		c->after_stop++;
	c->done++;
	if (error != NULL) {
		c->has_error = 1;
		snprintf(c->error, sizeof c->error, "%s", error);
	}
	if (c->free_in_done) {
		logreader_free(c->r);
		c->r = NULL;
	}
}

static void
collector_clear(struct collector *c)
{
	for (size_t i = 0; i < c->n; i++)
		test_free(c->lines[i]);
	if (c->cap > 0) {
		test_free(c->lines);
		test_free(c->streams);
		test_free(c->times);
	}
	memset(c, 0, sizeof *c);
}

static int
collector_is_done(void *arg)
{
	return (((struct collector *)arg)->done != 0);
}

struct want_n {
	struct collector	*c;
	size_t			 n;
};

static int
collector_has(void *arg)
{
	struct want_n	*w = arg;

	return (w->c->n >= w->n);
}

static void
wait_for(struct lp_fixture *f, struct collector *c, size_t n)
{
	struct want_n	w = { c, n };

	if (!run_loop_until(f->base, collector_has, &w, 5000))
		fail_msg("got %zu entries, wanted %zu", c->n, n);
}

static void
collector_notice(void *arg, const char *text)
{
	struct collector	*c = arg;

	c->notices++;
	c->notice_at = c->n;
	snprintf(c->notice, sizeof c->notice, "%s", text);
}

static const struct logreader_sink *
sink_for(struct collector *c)
{
	static struct logreader_sink	sink;

	sink.notice = collector_notice;
	sink.entry = collector_entry;
	sink.ready = collector_ready;
	sink.done = collector_done;
	sink.arg = c;
	return (&sink);
}

static char *
fpath(struct lp_fixture *f, const char *name)
{
	static char	path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return (path);
}

/* Appends entries "line NNN\n" for N in [from, to) stamped t0 + N s. */
static void
append_entries(const char *path, int from, int to)
{
	char	msg[64], buf[512];
	int	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0640);
	size_t	n;

	assert_true(fd >= 0);
	for (int i = from; i < to; i++) {
		snprintf(msg, sizeof msg, "line %03d", i);
		n = logline_encode(buf, i % 2 ? LOGLINE_STDERR : LOGLINE_STDOUT,
		    msg, strlen(msg), 1, t0() + i * SEC, NULL, 0);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
	close(fd);
}

static void
append_raw(const char *path, const char *data)
{
	int	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* Asserts the collector holds "line a" .. "line b-1", in order. */
static void
assert_lines(struct collector *c, int a, int b)
{
	char	want[64];

	if (c->n != (size_t)(b - a))
		fail_msg("got %zu entries, wanted %d (%d..%d); first '%s'",
		    c->n, b - a, a, b - 1, c->n ? c->lines[0] : "");
	for (int i = a; i < b; i++) {
		snprintf(want, sizeof want, "line %03d\n", i);
		if (strcmp(c->lines[i - a], want) != 0)
			fail_msg("entry %d is '%s', wanted '%s'", i - a,
			    c->lines[i - a], want);
	}
}

static struct logreader *
reader(struct lp_fixture *f, struct cancel *parent, const char *path,
    struct jsonfile *writer, const struct logreader_opts *opts,
    struct collector *c)
{
	struct err		 err = { 0 };
	struct logreader	*r;

	r = logreader_new(f->base, parent, path, writer, opts, sink_for(c),
	    &err);
	assert_non_null(r);
	c->r = r;
	return (r);
}

static const struct logreader_opts all_opts = { 0, -1, 0, 0, 0, 0, 1 };

static void
test_reader_reads_every_entry_then_done(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "a-json.log");

	append_entries(path, 0, 5);
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	assert_int_equal(c.n, 0);		/* never from start itself */
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 0, 5);
	assert_int_equal(c.streams[0], LOGLINE_STDOUT);
	assert_int_equal(c.streams[1], LOGLINE_STDERR);
	assert_true(c.times[4] == t0() + 4 * SEC);
	assert_int_equal(c.done, 1);
	assert_false(c.has_error);
	assert_null(logreader_task(r));		/* released at done */
	assert_int_equal(logreader_delivered(r), 5);
	run_loop_for(f->base, 20);
	assert_int_equal(c.done, 1);
	logreader_free(r);
	logreader_free(NULL);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_reads_in_slices_and_yields_to_the_loop(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "big-json.log");

	append_entries(path, 0, 20000);
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	event_base_loop(f->base, EVLOOP_ONCE);
	assert_true(c.n > 0);
	assert_true(c.n < 20000);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 0, 20000);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_snapshot_ignores_entries_written_after_start(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "snap-json.log");

	append_entries(path, 0, 3);
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	append_entries(path, 3, 6);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 0, 3);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

/* Writes entries [from, to) through a writer, flushing each. */
static void
writer_entries(struct jsonfile *jf, int from, int to)
{
	char	msg[64];

	for (int i = from; i < to; i++) {
		snprintf(msg, sizeof msg, "line %03d", i);
		jsonfile_write(jf, i % 2 ? LOGLINE_STDERR : LOGLINE_STDOUT,
		    msg, strlen(msg), 1, t0() + i * SEC);
		jsonfile_flush(jf);
	}
}

static void
test_reader_reads_rotated_files_oldest_first(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 3 };	/* 10 entries a file */
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "rot-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 45);		/* .2 holds 20..29 */
	jsonfile_close(jf);
	o.max_file = 3;
	r = reader(f, root, path, NULL, &o, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 20, 45);
	logreader_free(r);
	collector_clear(&c);

	/* max-file=1 reads the current file only (spec 5.7 quirk). */
	o.max_file = 1;
	r = reader(f, root, path, NULL, &o, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 40, 45);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_tail_counts_across_rotated_files(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 3 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "tail-json.log");
	static const struct {
		int64_t	tail;
		int	first;
	} cases[] = {
		{ 1, 44 }, { 3, 42 }, { 5, 40 }, { 6, 39 }, { 15, 30 },
		{ 16, 29 }, { 25, 20 }, { 26, 20 }, { 1000, 20 }, { -1, 20 },
		{ 0, 45 },
	};

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 45);
	jsonfile_close(jf);
	o.max_file = 3;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		o.tail = cases[i].tail;
		r = reader(f, root, path, NULL, &o, &c);
		logreader_start(r);
		assert_true(run_loop_until(f->base, collector_is_done, &c,
		    5000));
		assert_lines(&c, cases[i].first, 45);
		logreader_free(r);
		collector_clear(&c);
	}
	cancel_free(root);
}

static void
test_reader_skips_a_torn_last_line(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "torn-json.log");

	append_entries(path, 0, 4);
	/* Valid JSON, but no newline yet: it may be half written. */
	append_raw(path, "{\"log\":\"line 004\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:27:51Z\"}");
	for (int pass = 0; pass < 2; pass++) {
		o.tail = pass == 0 ? -1 : 2;	/* not counted by tail */
		r = reader(f, root, path, NULL, &o, &c);
		logreader_start(r);
		assert_true(run_loop_until(f->base, collector_is_done, &c,
		    5000));
		assert_lines(&c, pass == 0 ? 0 : 2, 4);
		assert_false(c.has_error);
		logreader_free(r);
		collector_clear(&c);
	}
	cancel_free(root);
}

static void
test_reader_since_and_until_are_inclusive(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "su-json.log");

	append_entries(path, 0, 10);
	append_entries(path, 2, 3);		/* an earlier time, later */
	o.has_since = 1;
	o.since_ns = t0() + 3 * SEC;
	o.has_until = 1;
	o.until_ns = t0() + 6 * SEC;
	r = reader(f, root, path, NULL, &o, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 3, 7);			/* stops at 7: not "line 2" */
	logreader_free(r);
	collector_clear(&c);

	o.since_ns = t0() + 3 * SEC + 1;
	o.until_ns = t0() + 6 * SEC - 1;
	r = reader(f, root, path, NULL, &o, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 4, 6);
	logreader_free(r);
	collector_clear(&c);

	/* tail first, then since (spec 4.2). */
	o.tail = 4;
	o.has_until = 0;
	o.since_ns = t0() + 8 * SEC;
	r = reader(f, root, path, NULL, &o, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 8, 10);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_skips_broken_and_mistyped_lines_and_goes_on(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "broken-json.log");

	append_entries(path, 0, 2);
	append_raw(path, "{\"log\":\"unterminated\n");
	append_raw(path, "{\"log\":5,\"time\":\"2026-11-27T02:27:47Z\"}\n");
	append_raw(path, "{\"log\":\"x\",\"time\":\"not a time\"}\n");
	append_raw(path, "\n");
	append_entries(path, 2, 4);
	append_raw(path, "{\"stream\":\"stdout\"}\n");	/* no time, no log */
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_int_equal(c.n, 5);
	assert_string_equal(c.lines[2], "line 002\n");
	assert_string_equal(c.lines[3], "line 003\n");
	assert_string_equal(c.lines[4], "");
	assert_true(c.times[4] == LOGLINE_NO_TIME);
	assert_int_equal(logreader_skipped(r), 4);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_delivers_a_line_longer_than_its_buffer(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "long-json.log");
	size_t			 len = 300 * 1024, n;
	char			*msg = test_malloc(len), *buf;

	memset(msg, '<', len);			/* 6 bytes each encoded */
	buf = test_malloc(logline_encode_bound(len, 0));
	n = logline_encode(buf, LOGLINE_STDOUT, msg, len, 0, t0(), NULL, 0);
	write_file(path, buf, n);
	append_entries(path, 0, 1);
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_int_equal(c.n, 2);
	assert_int_equal(strlen(c.lines[0]), len);
	assert_memory_equal(c.lines[0], msg, len);
	assert_string_equal(c.lines[1], "line 000\n");
	logreader_free(r);
	collector_clear(&c);
	test_free(msg);
	test_free(buf);
	cancel_free(root);
}

static void
test_reader_reports_a_missing_file_in_band(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "none-json.log");
	char			 want[PATH_MAX + 128];

	snprintf(want, sizeof want, "open %s: no such file or directory",
	    path);
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	assert_int_equal(c.done, 0);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_true(c.has_error);
	assert_string_equal(c.error, want);
	assert_int_equal(c.n, 0);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static int
dump_contains(const char *needle)
{
	struct evbuffer	*eb = evbuffer_new();
	int		 found;

	task_dump_text(eb, 2);
	evbuffer_add(eb, "", 1);
	found = strstr((const char *)evbuffer_pullup(eb, -1), needle) != NULL;
	evbuffer_free(eb);
	return (found);
}

static void
test_reader_follow_receives_appended_lines(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 0, 1 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "f-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 3);
	o.follow = 1;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 3);
	run_loop_for(f->base, 10);
	assert_true(dump_contains("logreader_follow"));
	assert_true(dump_contains("log growth"));
	assert_int_equal(jsonfile_subscribers(jf), 1);
	writer_entries(jf, 3, 5);
	wait_for(f, &c, 5);
	/* A torn write shows up only once completed. */
	jsonfile_write(jf, LOGLINE_STDOUT, "line 005", 8, 1, t0() + 5 * SEC);
	jsonfile_flush(jf);
	wait_for(f, &c, 6);
	assert_lines(&c, 0, 6);
	assert_int_equal(c.done, 0);
	logreader_free(r);
	assert_int_equal(jsonfile_subscribers(jf), 0);
	jsonfile_close(jf);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_follow_with_tail_zero_sends_only_new_lines(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 0, 1 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "t0-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 3);
	o.follow = 1;
	o.tail = 0;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	run_loop_for(f->base, 20);
	assert_int_equal(c.n, 0);
	writer_entries(jf, 3, 5);
	wait_for(f, &c, 2);
	assert_lines(&c, 3, 5);
	logreader_free(r);
	jsonfile_close(jf);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_writer_closed_ends_follow_after_the_last_line(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 0, 1 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "cl-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	o.follow = 1;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	run_loop_for(f->base, 10);
	jsonfile_write(jf, LOGLINE_STDOUT, "line 000", 8, 1, t0());
	jsonfile_write(jf, LOGLINE_STDOUT, "line 001", 8, 1, t0());
	jsonfile_close(jf);			/* flushes, then CLOSED */
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 0, 2);
	assert_false(c.has_error);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

/*
 * A restart: the run's writer closes and the next run's writer appends to
 * the same file before the follower has read the end. The follow ends at
 * the last entry of the run it followed (dockerd's ends when the container
 * stops); it used to read on into the next run and stop anywhere.
 */
static void
test_reader_follow_ends_at_the_run_it_followed(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 0, 1 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf, *next;
	struct logreader	*r;
	char			*path = fpath(f, "rs-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 3);
	o.follow = 1;
	c.budget = 3;				/* behind at the stop */
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 3);
	writer_entries(jf, 3, 40);
	jsonfile_close(jf);			/* the run stops */
	next = jsonfile_open(path, &jo, NULL);	/* and starts again */
	writer_entries(next, 100, 140);
	c.budget = 0;
	logreader_resume(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 0, 40);
	assert_false(c.has_error);
	logreader_free(r);
	jsonfile_close(next);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_follow_across_rotations_delivers_every_line_once(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 3 };	/* 10 entries a file */
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "fr-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 25);		/* .1 and .2 in the backlog */
	o.follow = 1;
	o.max_file = 3;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 25);
	/* Keeping up: the loop runs between writes. */
	for (int i = 25; i < 100; i++) {
		writer_entries(jf, i, i + 1);
		if (i % 3 == 0)
			run_loop_for(f->base, 1);
	}
	wait_for(f, &c, 100);
	/* A burst of two rotations with no loop run: still every line. */
	writer_entries(jf, 100, 118);
	wait_for(f, &c, 118);
	jsonfile_close(jf);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_lines(&c, 0, 118);
	assert_false(c.has_error);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_follow_loses_nothing_in_a_burst_of_rotations(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 2 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "fb-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 5);
	o.follow = 1;
	o.max_file = 2;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 5);
	/*
	 * Twelve rotations with max-file 2 before the reader runs: the
	 * files are deleted by then, but the reader holds them open.
	 */
	writer_entries(jf, 5, 125);
	wait_for(f, &c, 125);
	assert_lines(&c, 0, 125);
	assert_int_equal(c.done, 0);
	logreader_free(r);
	jsonfile_close(jf);
	collector_clear(&c);
	cancel_free(root);
}

/*
 * Fairness: a follower whose client stalls while the writer rotates a
 * thousand times (max-file 2 keeps 1.6 KB) loses nothing: it took every
 * write from the writer as it happened and holds it until the client
 * takes it. Before, it had to find the files on disk and lost most.
 */
static void
test_reader_stalled_follower_holds_what_it_was_fed(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 2 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "fs-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 5);
	o.follow = 1;
	o.max_file = 2;
	c.budget = 5;				/* paused: falls behind */
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 5);
	writer_entries(jf, 5, 1000);		/* 99 rotations */
	run_loop_for(f->base, 20);
	assert_int_equal(c.n, 5);
	assert_true(jsonfile_generation(jf) >= 99);
	c.budget = 0;
	logreader_resume(r);
	writer_entries(jf, 1000, 1001);
	wait_for(f, &c, 1001);
	assert_lines(&c, 0, 1001);
	assert_int_equal(c.notices, 0);
	assert_int_equal(c.done, 0);
	logreader_free(r);
	jsonfile_close(jf);
	collector_clear(&c);
	cancel_free(root);
}

/*
 * Past what is held for it (1 MiB unsent, 32 rotated files) a stalled
 * follower skips to the oldest file on disk, and is told: one notice, in
 * order where the gap is, whose count makes received + skipped = written;
 * the totals for /debug/vars count it. It goes on following.
 */
static void
test_reader_far_behind_is_told_what_it_skipped(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 2 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct logreader_losses	 before, after;
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "ft-json.log");
	unsigned long long	 told = 0, bytes = 0;
	int			 last = -1, v, total = 20001;

	logreader_total_losses(&before);
	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 5);
	o.follow = 1;
	o.max_file = 2;
	c.budget = 5;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 5);
	writer_entries(jf, 5, total - 1);	/* ~1.6 MB, 2000 rotations */
	run_loop_for(f->base, 20);
	assert_int_equal(c.n, 5);
	c.budget = 0;
	logreader_resume(r);
	writer_entries(jf, total - 1, total);
	run_loop_for(f->base, 200);
	assert_int_equal(c.done, 0);
	assert_int_equal(c.notices, 1);
	assert_int_equal(sscanf(c.notice, "logpouch: skipped %llu entries "
	    "(%llu bytes)", &told, &bytes), 2);
	assert_true(told > 0);
	assert_true(bytes > told * 60);		/* ~80 bytes an entry */
	assert_int_equal(c.n + told, (size_t)total);
	assert_int_equal(logreader_lost_entries(r), told);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(sscanf(c.lines[i], "line %d", &v), 1);
		/* In order, no repeats; the gap is where the notice came. */
		assert_int_equal(v, i < c.notice_at ? (int)i : (int)(i + told));
		last = v;
	}
	assert_int_equal(last, total - 1);
	logreader_total_losses(&after);
	assert_int_equal(after.gaps - before.gaps, 1);
	assert_int_equal(after.entries - before.entries, told);
	assert_int_equal(after.bytes - before.bytes, bytes);
	logreader_free(r);
	jsonfile_close(jf);
	collector_clear(&c);
	cancel_free(root);
}

static int
collector_refused_or_40(void *arg)
{
	struct collector	*c = arg;

	return (c->readies_refused > 0 || c->n >= 40);
}

static void
test_reader_with_a_slow_consumer_pauses_and_delivers_all(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 790, 3 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r;
	char			*path = fpath(f, "slow-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 15);
	o.follow = 1;
	o.max_file = 3;
	c.budget = 4;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	while (c.n < 40) {
		assert_true(run_loop_until(f->base, collector_refused_or_40,
		    &c, 5000));
		if (c.n >= 40)
			break;
		assert_int_equal(c.n, c.budget);
		assert_true(dump_contains("client writable"));
		run_loop_for(f->base, 5);	/* paused: nothing moves */
		assert_int_equal(c.n, c.budget);
		if (c.n == 8)			/* rotations while paused */
			writer_entries(jf, 15, 40);
		c.readies_refused = 0;
		c.budget += 4;
		logreader_resume(r);
		logreader_resume(r);
	}
	assert_lines(&c, 0, 40);
	logreader_free(r);
	jsonfile_close(jf);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_cancel_during_backlog_releases_everything(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct cancel		*stream = cancel_new(root, "stream");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "cb-json.log");
	size_t			 n;
	uint64_t		 live;

	append_entries(path, 0, 20000);
	r = reader(f, stream, path, NULL, &all_opts, &c);
	logreader_start(r);
	event_base_loop(f->base, EVLOOP_ONCE);
	assert_true(c.n > 0 && c.n < 20000);
	live = cancel_live();
	cancel_fire(root, CANCEL_CLIENT_GONE);
	assert_null(logreader_task(r));
	assert_int_equal(cancel_live(), live - 1);	/* its context */
	n = c.n;
	run_loop_for(f->base, 20);
	assert_int_equal(c.n, n);
	assert_int_equal(c.done, 0);
	cancel_fire(root, CANCEL_SHUTDOWN);	/* twice: nothing */
	logreader_stop(r);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(stream);
	cancel_free(root);
}

static void
test_reader_cancel_during_follow_releases_everything(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct jsonfile_opts	 jo = { 0, 1 };
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct jsonfile		*jf;
	struct logreader	*r, *r2;
	struct collector	 c2 = { 0 };
	char			*path = fpath(f, "cf-json.log");

	jf = jsonfile_open(path, &jo, NULL);
	writer_entries(jf, 0, 2);
	o.follow = 1;
	r = reader(f, root, path, jf, &o, &c);
	logreader_start(r);
	/* And one without a writer: inotify fd and watches go too. */
	r2 = reader(f, root, path, NULL, &o, &c2);
	logreader_start(r2);
	wait_for(f, &c, 2);
	wait_for(f, &c2, 2);
	cancel_fire(root, CANCEL_CLIENT_GONE);
	cancel_fire(root, CANCEL_CLIENT_GONE);
	assert_int_equal(jsonfile_subscribers(jf), 0);
	writer_entries(jf, 2, 4);
	run_loop_for(f->base, 20);
	assert_int_equal(c.n, 2);
	assert_int_equal(c2.n, 2);
	assert_int_equal(c.done + c2.done, 0);
	assert_int_equal(task_count_kind("logdriver.logreader"), 0);
	logreader_free(r);
	logreader_free(r2);
	jsonfile_close(jf);
	collector_clear(&c);
	collector_clear(&c2);
	cancel_free(root);
}

static void
test_reader_cancel_after_natural_end_is_a_noop(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "ce-json.log");

	append_entries(path, 0, 3);
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	cancel_fire(root, CANCEL_CLIENT_GONE);
	logreader_stop(r);
	run_loop_for(f->base, 10);
	assert_int_equal(c.done, 1);
	assert_lines(&c, 0, 3);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_cancel_racing_the_last_entry_wins_over_done(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "cr-json.log");

	append_entries(path, 0, 3);
	c.cancel_at = 3;			/* in the last entry() */
	c.cancel = root;
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	run_loop_for(f->base, 20);
	assert_lines(&c, 0, 3);
	assert_int_equal(c.done, 0);
	assert_int_equal(c.after_stop, 0);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_cancelled_before_start_never_calls_the_sink(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "cs-json.log");

	append_entries(path, 0, 3);
	r = reader(f, root, path, NULL, &all_opts, &c);
	cancel_fire(root, CANCEL_SHUTDOWN);
	logreader_start(r);
	run_loop_for(f->base, 10);
	assert_int_equal(c.n + (size_t)c.done, 0);
	logreader_free(r);
	/* Born cancelled and freed without a start: nothing left either. */
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_free(r);
	/* Born under a cancelled parent: stopped by start, labelled before. */
	r = reader(f, root, path, NULL, &all_opts, &c);
	assert_non_null(logreader_task(r));
	task_label(logreader_task(r), "for=test");
	logreader_start(r);
	assert_null(logreader_task(r));
	run_loop_for(f->base, 10);
	assert_int_equal(c.n + (size_t)c.done, 0);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_stop_from_inside_entry_makes_no_more_calls(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "st-json.log");

	append_entries(path, 0, 10);
	c.stop_at = 3;
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	run_loop_for(f->base, 20);
	assert_lines(&c, 0, 3);
	assert_int_equal(c.done, 0);
	assert_int_equal(c.after_stop, 0);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_may_be_freed_from_inside_done(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			*path = fpath(f, "fd-json.log");

	append_entries(path, 0, 2);
	c.free_in_done = 1;
	r = reader(f, root, path, NULL, &all_opts, &c);
	logreader_start(r);
	assert_true(run_loop_until(f->base, collector_is_done, &c, 5000));
	assert_null(c.r);
	assert_lines(&c, 0, 2);
	collector_clear(&c);
	cancel_free(root);
}

static void
test_reader_inotify_follow_handles_rotation_and_truncation(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct logreader	*r;
	char			 path[PATH_MAX + 64], old[PATH_MAX + 80];

	snprintf(path, sizeof path, "%s", fpath(f, "in-json.log"));
	snprintf(old, sizeof old, "%s.1", path);
	append_entries(path, 0, 2);
	o.follow = 1;
	r = reader(f, root, path, NULL, &o, &c);
	logreader_start(r);
	wait_for(f, &c, 2);
	append_entries(path, 2, 4);
	wait_for(f, &c, 4);
	/* A torn entry waits for its end. */
	append_raw(path, "{\"log\":\"line 004\\n\",\"stream\":\"stdout\",");
	run_loop_for(f->base, 20);
	assert_int_equal(c.n, 4);
	append_raw(path, "\"time\":\"2026-11-27T02:27:51Z\"}\n");
	wait_for(f, &c, 5);

	/* Rotation: rename, write the tail of the old file, new file. */
	assert_int_equal(rename(path, old), 0);
	append_entries(old, 5, 6);
	append_entries(path, 6, 8);
	wait_for(f, &c, 8);

	/* Truncation: the new content is read from offset 0. */
	assert_int_equal(truncate(path, 0), 0);
	run_loop_for(f->base, 20);
	append_entries(path, 8, 9);
	wait_for(f, &c, 9);
	assert_lines(&c, 0, 9);
	assert_int_equal(c.done, 0);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

/*
 * inotify instances are per user and shared with every other program: a
 * follow that cannot get one must poll, not fail. The fd limit makes the
 * reader's inotify_init1 fail once its log file is open.
 */
static void
test_reader_follow_without_inotify_polls_instead(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "test");
	struct logreader_opts	 o = all_opts;
	struct collector	 c = { 0 };
	struct logreader	*r;
	struct rlimit		 saved, tight;
	char			 path[PATH_MAX + 64];
	int			 probe;

	snprintf(path, sizeof path, "%s", fpath(f, "poll-json.log"));
	append_entries(path, 0, 1);
	o.follow = 1;
	r = reader(f, root, path, NULL, &o, &c);
	/* Room for exactly one more fd: the log file, not inotify. */
	probe = open("/dev/null", O_RDONLY);
	assert_true(probe >= 0);
	close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	tight = saved;
	tight.rlim_cur = (rlim_t)probe + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
	logreader_start(r);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	wait_for(f, &c, 1);
	append_entries(path, 1, 3);
	wait_for(f, &c, 3);
	assert_lines(&c, 0, 3);
	assert_int_equal(c.done, 0);
	logreader_free(r);
	collector_clear(&c);
	cancel_free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, lp_setup, lp_teardown)
		T(test_reader_reads_every_entry_then_done),
		T(test_reader_reads_in_slices_and_yields_to_the_loop),
		T(test_reader_snapshot_ignores_entries_written_after_start),
		T(test_reader_reads_rotated_files_oldest_first),
		T(test_reader_tail_counts_across_rotated_files),
		T(test_reader_skips_a_torn_last_line),
		T(test_reader_since_and_until_are_inclusive),
		T(test_reader_skips_broken_and_mistyped_lines_and_goes_on),
		T(test_reader_delivers_a_line_longer_than_its_buffer),
		T(test_reader_reports_a_missing_file_in_band),
		T(test_reader_follow_receives_appended_lines),
		T(test_reader_follow_with_tail_zero_sends_only_new_lines),
		T(test_reader_writer_closed_ends_follow_after_the_last_line),
		T(test_reader_follow_ends_at_the_run_it_followed),
		T(test_reader_follow_across_rotations_delivers_every_line_once),
		T(test_reader_follow_loses_nothing_in_a_burst_of_rotations),
		T(test_reader_stalled_follower_holds_what_it_was_fed),
		T(test_reader_far_behind_is_told_what_it_skipped),
		T(test_reader_with_a_slow_consumer_pauses_and_delivers_all),
		T(test_reader_cancel_during_backlog_releases_everything),
		T(test_reader_cancel_during_follow_releases_everything),
		T(test_reader_cancel_after_natural_end_is_a_noop),
		T(test_reader_cancel_racing_the_last_entry_wins_over_done),
		T(test_reader_cancelled_before_start_never_calls_the_sink),
		T(test_reader_stop_from_inside_entry_makes_no_more_calls),
		T(test_reader_may_be_freed_from_inside_done),
		T(test_reader_inotify_follow_handles_rotation_and_truncation),
		T(test_reader_follow_without_inotify_polls_instead),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
