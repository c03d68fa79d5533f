/* SPDX-License-Identifier: MIT */
/*
 * logseek: since found by bisecting the files sends exactly what the scan
 * from the start sends (random logs: equal times, rotated files, torn
 * and broken lines, since with tail and until); the seek's own answer is
 * a line start with nothing at or after since before it, close to the
 * first entry it must send; logs out of order are scanned.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logdriver/jsonfile.h"
#include "logdriver/logdecode.h"
#include "logdriver/logfiles.h"
#include "logdriver/logline.h"
#include "logdriver/logreader.h"
#include "logdriver/logseek.h"
#include "tests/helpers_logdriver.h"

/* logseek.c's window, plus the longest entry the generator writes. */
#define SEEK_SLACK	(16 * 1024 + 2048)
#define MAXFILES	4

/* A generated log: every timed entry, where it is, oldest first. */
struct glog {
	int	 nfiles;
	int64_t	 size[MAXFILES];	/* files[0] is the oldest */
	int	 n;
	int	 file[20000];
	int64_t	 off[20000];
	int64_t	 t[20000];
};

static uint64_t	rng_state;
/* Seeks that bisected a file (more reads than first entries). */
static int	bisected;

static uint32_t
rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((uint32_t)(rng_state >> 33));
}

static void
file_name(struct rt *t, int nfiles, int i, char *buf, size_t len)
{
	int	k = nfiles - 1 - i;	/* files[0] is path.(nfiles-1) */

	if (k == 0)
		snprintf(buf, len, "%s", t->path);
	else
		snprintf(buf, len, "%s.%d", t->path, k);
}

/*
 * Writes a random log of nfiles files, times never going back: steps of
 * 0 (equal times), a few ns, a second or an hour; texts with escapes and
 * UTF-8; now and then a broken line, an entry without a time, a torn last
 * line, an empty file.
 */
static void
glog_make(struct rt *t, struct glog *g, int nfiles, int max_entries)
{
	static const char	*bits[] = { "x", "\"", "\\", "\t", "é", "<>",
				    "\x01", "日本", " ", "abcdefgh" };
	char			 name[PATH_MAX + 80], msg[512], buf[4096];
	int64_t			 now = t0();
	size_t			 len, m;
	int			 fd, entries;

	memset(g, 0, sizeof *g);
	g->nfiles = nfiles;
	for (int i = 0; i < nfiles; i++) {
		file_name(t, nfiles, i, name, sizeof name);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0640);
		assert_true(fd >= 0);
		entries = rng() % 8 == 0 ? 0 : (int)(rng() %
		    (uint32_t)max_entries);
		for (int e = 0; e < entries && g->n < 19990; e++) {
			switch (rng() % 20) {
			case 0:
				len = (size_t)snprintf(buf, sizeof buf,
				    "not json %u\n", rng());
				break;
			case 1:
				len = (size_t)snprintf(buf, sizeof buf,
				    "{\"log\":\"no time\\n\",\"stream\":"
				    "\"stdout\"}\n");
				break;
			default:
				switch (rng() % 10) {
				case 0: case 1: case 2: case 3:
					break;			/* equal */
				case 4: case 5: case 6:
					now += 1 + rng() % 1000;
					break;
				case 7: case 8:
					now += SEC;
					break;
				default:
					now += 3600 * SEC;
				}
				m = 0;
				for (int w = (int)(rng() % 40); w > 0; w--) {
					const char *b = bits[rng() % 10];

					memcpy(msg + m, b, strlen(b));
					m += strlen(b);
				}
				len = logline_encode(buf, rng() % 2 ?
				    LOGLINE_STDERR : LOGLINE_STDOUT, msg, m,
				    rng() % 4 != 0, now, NULL, 0);
				g->file[g->n] = i;
				g->off[g->n] = g->size[i];
				g->t[g->n] = now;
				g->n++;
			}
			assert_int_equal(write(fd, buf, len), (ssize_t)len);
			g->size[i] += (int64_t)len;
		}
		if (rng() % 3 == 0) {
			/* Torn: a whole entry but its newline, or half. */
			len = logline_encode(buf, LOGLINE_STDOUT, "torn", 4, 1,
			    now + SEC, NULL, 0) - 1;
			if (rng() % 2)
				len /= 2;
			assert_int_equal(write(fd, buf, len), (ssize_t)len);
			g->size[i] += (int64_t)len;
		}
		close(fd);
	}
}

/* since: an entry's time, one ns either side, or outside the log. */
static int64_t
pick_time(const struct glog *g)
{
	int64_t	base;

	if (g->n == 0 || rng() % 10 == 0)
		return (t0() + (rng() % 2 ? -SEC : 1000000 * SEC));
	base = g->t[rng() % (uint32_t)g->n];
	return (base + (int64_t)(rng() % 3) - 1);
}

/* Reads the log with t->o into t->c, to the end. */
static void
read_all(struct rt *t)
{
	rt_start(t);
	rt_wait_done(t);
	assert_false(t->c.has_error);
}

/* The seek's answer on the files as they are, checked against g. */
static void
check_seek(struct rt *t, const struct glog *g, int64_t since)
{
	struct logfile		files[MAXFILES];
	struct logdecode	dec;
	struct logseek_stats	st;
	char			name[PATH_MAX + 80];
	int64_t			off, dist;
	int			file, first = -1;

	logdecode_init(&dec);
	for (int i = 0; i < g->nfiles; i++) {
		memset(&files[i], 0, sizeof files[i]);
		file_name(t, g->nfiles, i, name, sizeof name);
		files[i].fd = open(name, O_RDONLY);
		assert_true(files[i].fd >= 0);
		files[i].size0 = g->size[i];
	}
	if (logseek_since(files, g->nfiles, since, &dec, &file, &off,
	    &st) != 0)
		fail_msg("seek gave up on an ordered log: %s", st.why);
	if (st.probes > g->nfiles)
		bisected++;
	/* A line start, and nothing at or after since before it. */
	assert_true(off >= 0 && off <= g->size[file]);
	if (off > 0) {
		char	c;

		assert_int_equal(pread(files[file].fd, &c, 1, off - 1), 1);
		assert_int_equal(c, '\n');
	}
	for (int e = 0; e < g->n; e++) {
		if (g->file[e] < file || (g->file[e] == file &&
		    g->off[e] < off)) {
			if (g->t[e] >= since)
				fail_msg("entry %d (t %" PRId64 ") is before "
				    "the start but not before since", e,
				    g->t[e]);
		} else if (first == -1 && g->t[e] >= since)
			first = e;
	}
	/* Close to the first entry to send: the scan does the last bit. */
	if (first != -1) {
		dist = g->off[first] - off;
		for (int i = file; i < g->file[first]; i++)
			dist += g->size[i];
		assert_true(dist >= 0);
		if (dist > SEEK_SLACK)
			fail_msg("start %" PRId64 " bytes before the first "
			    "entry", dist);
	}
	for (int i = 0; i < g->nfiles; i++)
		close(files[i].fd);
	logdecode_clear(&dec);
}

static void
assert_same(const struct collector *a, const struct collector *b)
{
	if (a->n != b->n)
		fail_msg("seek sent %zu entries, the scan %zu", b->n, a->n);
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->lines[i], b->lines[i]) != 0 ||
		    a->streams[i] != b->streams[i] ||
		    a->times[i] != b->times[i])
			fail_msg("entry %zu differs: '%s' vs '%s'", i,
			    b->lines[i], a->lines[i]);
	}
}

/* Reads with t->o by scanning, then by seeking: the same entries. */
static void
assert_seek_reads_as_the_scan(struct rt *t)
{
	struct collector	ref;

	t->o.no_seek = 1;
	read_all(t);
	ref = t->c;
	memset(&t->c, 0, sizeof t->c);
	logreader_free(t->r);
	t->r = NULL;
	t->o.no_seek = 0;
	read_all(t);
	assert_same(&ref, &t->c);
	collector_clear(&ref);
	rt_drop(t);
}

static void
test_random_logs_seek_to_what_the_scan_sends(struct rt *t)
{
	static struct glog	g;
	int			checked = 0;

	rng_state = 15;
	for (int round = 0; round < 30; round++) {
		glog_make(t, &g, 1 + (int)(rng() % MAXFILES), 1500);
		t->o.max_file = g.nfiles;
		for (int q = 0; q < 6; q++) {
			t->o.has_since = 1;
			t->o.since_ns = pick_time(&g);
			t->o.has_until = rng() % 3 == 0;
			t->o.until_ns = rng() % 4 == 0 ? pick_time(&g) :
			    t->o.since_ns + (int64_t)(rng() % 100) * SEC;
			t->o.tail = rng() % 2 ? -1 : (int64_t)(rng() % 2000);
			check_seek(t, &g, t->o.since_ns);
			assert_seek_reads_as_the_scan(t);
			checked++;
		}
	}
	assert_int_equal(checked, 180);
	assert_true(bisected > 100);
}

static void
test_equal_times_start_at_the_first_of_them(struct rt *t)
{
	static struct glog	g;
	char			msg[64], buf[256];
	size_t			len;
	int			fd = open(t->path, O_WRONLY | O_CREAT, 0640);

	/* 3,000 entries, a thousand of each time: bisecting meets many. */
	memset(&g, 0, sizeof g);
	g.nfiles = 1;
	for (int i = 0; i < 3000; i++) {
		snprintf(msg, sizeof msg, "line %03d", i);
		len = logline_encode(buf, LOGLINE_STDOUT, msg, strlen(msg), 1,
		    t0() + (i / 1000) * SEC, NULL, 0);
		g.file[g.n] = 0;
		g.off[g.n] = g.size[0];
		g.t[g.n++] = t0() + (i / 1000) * SEC;
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
		g.size[0] += (int64_t)len;
	}
	close(fd);
	t->o.has_since = 1;
	t->o.since_ns = t0() + SEC;
	check_seek(t, &g, t->o.since_ns);
	t->o.has_until = 1;
	t->o.until_ns = t0() + SEC;
	rt_read(t, 1000, 2000);
	assert_seek_reads_as_the_scan(t);
}

/* With tail, reading begins at the later of the tail's and since's. */
static void
test_since_with_tail_starts_at_the_later_start(struct rt *t)
{
	static const struct {
		int64_t	tail;
		int	first;
	} cases[] = {
		{ 1, 2999 }, { 998, 2002 }, { 999, 2001 }, { 1000, 2000 },
		{ 1001, 2000 }, { 1002, 2000 }, { 2500, 2000 }, { -1, 2000 },
	};

	writer_entries(rt_writer(t, 64 * 1024, 4), 0, 3000);
	jsonfile_close(t->jf);
	t->jf = NULL;
	t->o.max_file = 4;
	t->o.has_since = 1;
	for (int s = 0; s < 3; s++) {
		/* Exactly an entry's time, and one ns either side. */
		t->o.since_ns = t0() + 2000 * SEC + s - 1;
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			t->o.tail = cases[i].tail;
			rt_read(t, cases[i].first + (s == 2 &&
			    cases[i].first == 2000), 3000);
			assert_seek_reads_as_the_scan(t);
		}
	}
}

/*
 * A file being written: its last line is torn when the follower starts.
 * Every whole entry is before since, so the start is that line's start,
 * and it is sent once its writer finishes it.
 */
static void
test_a_torn_last_line_finished_later_is_sent(struct rt *t)
{
	char	buf[256];
	size_t	len;
	int	fd;

	append_entries(t->path, 0, 1000);
	len = logline_encode(buf, LOGLINE_STDOUT, "line 1000", 9, 1,
	    t0() + 1000 * SEC, NULL, 0);
	fd = open(t->path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, buf, len / 2), (ssize_t)(len / 2));
	t->o.follow = 1;
	t->o.has_since = 1;
	t->o.since_ns = t0() + 1000 * SEC;
	rt_start(t);
	run_loop_for(t->f->base, 50);
	assert_int_equal(t->c.n, 0);
	assert_int_equal(write(fd, buf + len / 2, len - len / 2),
	    (ssize_t)(len - len / 2));
	close(fd);
	wait_for(t->f, &t->c, 1);
	assert_string_equal(t->c.lines[0], "line 1000\n");
	append_entries(t->path, 1001, 1003);
	wait_for(t->f, &t->c, 3);
	assert_string_equal(t->c.lines[2], "line 1002\n");
}

/* Entries whose time goes back where a probe looks: scanned, as before. */
static void
test_out_of_order_where_it_probes_is_scanned(struct rt *t)
{
	struct logfile		files[2];
	struct logdecode	dec;
	struct logseek_stats	st;
	char			old[PATH_MAX + 80];
	int64_t			off;
	int			file;

	/* path.1 begins after path: max-file 2, files in the wrong order. */
	append_entries(t->path, 0, 500);
	snprintf(old, sizeof old, "%s.1", t->path);
	assert_int_equal(rename(t->path, old), 0);
	append_entries(t->path, 0, 10);
	memset(files, 0, sizeof files);
	files[0].fd = open(old, O_RDONLY);
	files[1].fd = open(t->path, O_RDONLY);
	files[0].size0 = lseek(files[0].fd, 0, SEEK_END);
	files[1].size0 = lseek(files[1].fd, 0, SEEK_END);
	logdecode_init(&dec);
	assert_int_equal(logseek_since(files, 2, t0() + 400 * SEC, &dec,
	    &file, &off, &st), -1);
	assert_string_equal(st.why, "entries out of time order");
	close(files[0].fd);
	close(files[1].fd);
	logdecode_clear(&dec);
	t->o.max_file = 2;
	t->o.has_since = 1;
	t->o.since_ns = t0() + 5 * SEC;
	assert_seek_reads_as_the_scan(t);
}

/*
 * The clock stepped back between two probes: an entry from after the step
 * lies before the start. With the writer that wrote it, the reader knows
 * and scans; a log it did not write is read from where the probes say
 * (docs/api.md says so).
 */
static void
test_a_clock_step_back_the_writer_saw_is_scanned(struct rt *t)
{
	struct collector	ref;
	char			msg[64];

	rt_writer(t, 0, 1);
	for (int i = 0; i < 3000; i++) {
		/* Entry 300 is an hour ahead; the clock then steps back. */
		snprintf(msg, sizeof msg, "line %03d", i);
		jsonfile_write(t->jf, LOGLINE_STDOUT, msg, strlen(msg), 1,
		    t0() + i * SEC + (i == 300 ? 3600 * SEC : 0));
	}
	jsonfile_flush(t->jf);
	assert_true(jsonfile_stepped_back(t->jf, 0));
	t->o.has_since = 1;
	t->o.since_ns = t0() + 2000 * SEC;

	t->o.no_seek = 1;
	read_all(t);
	assert_int_equal(t->c.n, 1001);		/* 300, then 2000 .. 2999 */
	ref = t->c;
	memset(&t->c, 0, sizeof t->c);
	logreader_free(t->r);

	t->o.no_seek = 0;
	t->r = rt_reader(t, t->root, t->jf, &t->c);
	logreader_start(t->r);
	rt_wait_done(t);
	assert_same(&ref, &t->c);
	rt_drop(t);

	/* Without the writer nothing says so: the probes missed entry 300. */
	rt_start(t);
	rt_wait_done(t);
	assert_int_equal(t->c.n, 1000);
	assert_string_equal(t->c.lines[0], "line 2000\n");
	collector_clear(&ref);
}

/* A follower with since starts there and then takes what is appended. */
static void
test_follow_with_since_across_rotated_files(struct rt *t)
{
	writer_entries(rt_writer(t, 20000, 5), 0, 900);
	t->o.max_file = 5;
	t->o.has_since = 1;
	t->o.since_ns = t0() + 700 * SEC;
	rt_follow(t);
	wait_for(t->f, &t->c, 200);
	assert_string_equal(t->c.lines[0], "line 700\n");
	writer_entries(t->jf, 900, 950);
	wait_for(t->f, &t->c, 250);
	assert_string_equal(t->c.lines[249], "line 949\n");
	assert_int_equal(t->c.done, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RT_TEST(test_random_logs_seek_to_what_the_scan_sends),
		RT_TEST(test_equal_times_start_at_the_first_of_them),
		RT_TEST(test_since_with_tail_starts_at_the_later_start),
		RT_TEST(test_a_torn_last_line_finished_later_is_sent),
		RT_TEST(test_out_of_order_where_it_probes_is_scanned),
		RT_TEST(test_a_clock_step_back_the_writer_saw_is_scanned),
		RT_TEST(test_follow_with_since_across_rotated_files),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
