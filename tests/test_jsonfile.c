/* SPDX-License-Identifier: MIT */
/*
 * jsonfile: max-size grammar, the bytes written, buffering, rotation names
 * and sizes, write error counting, a short write that must not tear the
 * file, and subscriber notification that survives callbacks changing the
 * list.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/err.h"
#include "daemon/base/timeutil.h"
#include "logdriver/jsonfile.h"
#include "tests/helpers.h"

static void
test_parse_size_accepts_dockers_decimal_grammar(void **state)
{
	static const struct {
		const char	*in;
		int64_t		 want;
	} ok[] = {
		{ "1k", 1000 }, { "1K", 1000 }, { "1kb", 1000 },
		{ "1KB", 1000 }, { "1KiB", 1000 }, { "1 k", 1000 },
		{ "0.001m", 1000 }, { "1024", 1024 }, { "1.5k", 1500 },
		{ "1b", 1 }, { "10m", 10000000 }, { "2g", 2000000000 },
		{ "1t", 1000000000000LL }, { "1p", 1000000000000000LL },
	};
	struct err	err = { 0 };
	int64_t		v;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		v = -1;
		if (jsonfile_parse_size(ok[i].in, &v, &err) != 0)
			fail_msg("%s: %s", ok[i].in, err.msg);
		if (v != ok[i].want)
			fail_msg("%s: %lld", ok[i].in, (long long)v);
	}
}

static void
test_parse_size_rejects_with_dockers_messages(void **state)
{
	static const struct {
		const char	*in;
		const char	*msg;
	} bad[] = {
		{ "1k5", "invalid size: '1k5'" },
		{ "-1k", "invalid size: '-1k'" },
		{ "1kk", "invalid size: '1kk'" },
		{ "", "invalid size: ''" },
		{ "k", "invalid size: 'k'" },
		{ "1  k", "invalid size: '1  k'" },
		{ "0", "max-size must be a positive number" },
		{ "0.1", "max-size must be a positive number" },
		{ "1.2.3", "strconv.ParseFloat: parsing \"1.2.3\": "
		    "invalid syntax" },
	};
	struct err	err;
	int64_t		v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(jsonfile_parse_size(bad[i].in, &v, &err), -1);
		assert_string_equal(err.msg, bad[i].msg);
		assert_int_equal(err.code, ERR_INVALID);
	}
	assert_int_equal(v, 7);
}

static void
test_writer_appends_golden_lines_after_existing_content(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct err		 err = { 0 };
	struct jsonfile		*jf;
	struct stat		 st;
	char			*path = lp_path(*state, "c-json.log"), *got;
	size_t			 len;
	static const char	 want[] = "old\n"
	    "{\"log\":\"out1\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:27:47.686402722Z\"}\n"
	    "{\"log\":\"nonl\",\"stream\":\"stderr\","
	    "\"time\":\"2026-11-27T02:27:47.686402722Z\"}\n";

	(void)state;
	write_file(path, "old\n", 4);
	jf = jsonfile_open(path, &opts, &err);
	assert_non_null(jf);
	assert_string_equal(jsonfile_path(jf), path);
	jsonfile_write(jf, LOGLINE_STDOUT, "out1", 4, 1, t0());
	jsonfile_write(jf, LOGLINE_STDERR, "nonl", 4, 0, t0());
	/* Buffered, not yet written. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(jsonfile_size(jf), (int64_t)sizeof want - 1);
	jsonfile_flush(jf);
	got = read_file(path, &len);
	assert_int_equal(len, sizeof want - 1);
	assert_memory_equal(got, want, len);
	test_free(got);
	jsonfile_close(jf);
	jsonfile_close(NULL);
}

static void
test_writer_creates_the_file_with_mode_0640(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	struct stat		 st;
	char			*path = lp_path(*state, "new-json.log");

	jf = jsonfile_open(path, &opts, NULL);
	assert_non_null(jf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	jsonfile_close(jf);
}

static void
test_writer_open_reports_a_missing_directory(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct err		 err = { 0 };
	char			*path = lp_path(*state, "no/such/x.log");

	assert_null(jsonfile_open(path, &opts, &err));
	assert_non_null(strstr(err.msg, "open "));
}

static void
test_writer_flushes_by_itself_when_the_buffer_is_full(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	struct stat		 st;
	char			*path = lp_path(*state, "big-json.log");
	char			 msg[1000];

	memset(msg, 'x', sizeof msg);
	jf = jsonfile_open(path, &opts, NULL);
	for (int i = 0; i < 200; i++)
		jsonfile_write(jf, LOGLINE_STDOUT, msg, sizeof msg, 1, t0());
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);
	assert_true(jsonfile_size(jf) - st.st_size <= 64 * 1024);
	jsonfile_close(jf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size % 200, 0);
}

/* What a follower sees through the peek, checked against the file. */
struct peek_check {
	struct jsonfile	*jf;
	int		 appends;
	int		 bad;
};

static void
peek_file_matches(struct peek_check *pc, int64_t off)
{
	const char	*p;
	char		*disk;
	size_t		 n;
	int		 fd;

	if ((n = jsonfile_peek(pc->jf, off, &p)) == 0)
		return;
	disk = test_malloc(n);
	fd = open(jsonfile_path(pc->jf), O_RDONLY);
	assert_true(fd != -1);
	if (pread(fd, disk, n, off) != (ssize_t)n || memcmp(disk, p, n) != 0)
		pc->bad++;
	close(fd);
	test_free(disk);
}

static void
peek_check_cb(void *arg, enum jsonfile_event ev)
{
	struct peek_check	*pc = arg;

	if (ev != JSONFILE_APPEND)
		return;
	pc->appends++;
	peek_file_matches(pc, jsonfile_written(pc->jf) - 1);
}

/*
 * A write that flushes a full buffer by itself: during the APPEND the
 * peek shows the bytes just written; after it, the buffer holds the new
 * entry, not on disk yet, so the peek must show nothing (it used to show
 * the new entry as if it were the file's bytes at the old offset).
 */
static void
test_peek_never_shows_bytes_not_on_disk(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct peek_check	 pc = { 0 };
	struct jsonfile_sub	 sub = { 0 };
	char			*path = lp_path(*state, "peek-json.log");
	char			 msg[1000];
	int64_t			 before;
	int			 flushes = 0;

	pc.jf = jsonfile_open(path, &opts, NULL);
	jsonfile_subscribe(pc.jf, &sub, peek_check_cb, &pc);
	for (int i = 0; i < 200; i++) {
		memset(msg, 'a' + i % 26, sizeof msg);
		before = jsonfile_written(pc.jf);
		jsonfile_write(pc.jf, LOGLINE_STDOUT, msg, sizeof msg, 1, t0());
		if (jsonfile_written(pc.jf) == before)
			continue;
		flushes++;
		/* Every offset of the last write, as a follower might ask. */
		for (int64_t off = before; off < jsonfile_written(pc.jf);
		    off += 997)
			peek_file_matches(&pc, off);
	}
	assert_true(flushes >= 2);
	assert_int_equal(pc.appends, flushes);
	assert_int_equal(pc.bad, 0);
	/* After an explicit flush the peek is good until the next write. */
	before = jsonfile_written(pc.jf);
	jsonfile_flush(pc.jf);
	assert_true(jsonfile_peek(pc.jf, before, &(const char *){ NULL }) > 0);
	peek_file_matches(&pc, before);
	assert_int_equal(pc.bad, 0);
	jsonfile_close(pc.jf);
}

static off_t
file_size(const char *path)
{
	struct stat	st;

	if (stat(path, &st) != 0)
		return (-1);
	return (st.st_size);
}

static void
test_writer_rotates_before_the_entry_that_reaches_max_size(void **state)
{
	struct jsonfile_opts	 opts = { 1000, 3, 0 };
	struct jsonfile		*jf;
	char			*path = lp_path(*state, "r-json.log");
	char			 name[PATH_MAX + 80], msg[64];
	size_t			 entry;
	off_t			 sz;

	jf = jsonfile_open(path, &opts, NULL);
	/* 100 entries of 80 bytes: 13 per file (13 * 80 = 1040 >= 1000). */
	for (int i = 0; i < 100; i++) {
		snprintf(msg, sizeof msg, "line %04d", i);
		jsonfile_write(jf, LOGLINE_STDOUT, msg, strlen(msg), 1, t0());
		if (i % 7 == 0)
			jsonfile_flush(jf);
	}
	jsonfile_flush(jf);
	entry = 80;
	assert_int_equal(jsonfile_generation(jf), 100 / 13);
	assert_int_equal(jsonfile_kept_files(jf), 3);
	for (int k = 1; k <= 2; k++) {
		snprintf(name, sizeof name, "%s.%d", path, k);
		sz = file_size(name);
		assert_int_equal(sz, 13 * entry);
	}
	snprintf(name, sizeof name, "%s.3", path);
	assert_int_equal(file_size(name), -1);
	assert_int_equal(file_size(path), (100 % 13) * entry);
	jsonfile_close(jf);
}

static void
test_writer_with_max_file_one_keeps_only_a_stale_dot_one(void **state)
{
	struct jsonfile_opts	 opts = { 500, 1, 0 };
	struct jsonfile		*jf;
	char			*path = lp_path(*state, "one-json.log");
	char			 name[PATH_MAX + 80];

	jf = jsonfile_open(path, &opts, NULL);
	for (int i = 0; i < 30; i++)
		jsonfile_write(jf, LOGLINE_STDOUT, "line 0000", 9, 1, t0());
	jsonfile_close(jf);
	snprintf(name, sizeof name, "%s.1", path);
	assert_int_equal(file_size(name), 7 * 80);
	snprintf(name, sizeof name, "%s.2", path);
	assert_int_equal(file_size(name), -1);
	assert_int_equal(file_size(path), 2 * 80);
}

static void
test_writer_counts_write_errors_and_goes_on(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	uint64_t		 total = jsonfile_total_write_errors();

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	jf = jsonfile_open("/dev/full", &opts, NULL);
	assert_non_null(jf);
	for (int i = 0; i < 3; i++)
		jsonfile_write(jf, LOGLINE_STDOUT, "x", 1, 1, t0());
	assert_int_equal(jsonfile_flush(jf), 0);
	assert_int_equal(jsonfile_write_errors(jf), 3);
	jsonfile_write(jf, LOGLINE_STDERR, "y", 1, 0, t0());
	jsonfile_flush(jf);
	assert_int_equal(jsonfile_write_errors(jf), 4);
	assert_int_equal(jsonfile_total_write_errors(), total + 4);
	jsonfile_close(jf);
}

/* Each line of buf is one whole entry whose log is "<n>\n"; 0 when not. */
static int
entries_are_whole(const char *buf, size_t len, int *numbers, int max)
{
	const char	*p = buf, *end = buf + len, *nl;
	int		 n = 0, v;
	char		 line[256];

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
		    (size_t)(nl - p) >= sizeof line || n == max)
			return (-1);
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (sscanf(line, "{\"log\":\"%d\\n\",\"stream\":\"stdout\","
		    "\"time\":\"2026-11-27T02:27:47.686402722Z\"}", &v) != 1 ||
		    strchr(line + 1, '{') != NULL)
			return (-1);
		numbers[n++] = v;
		p = nl + 1;
	}
	return (n);
}

static void
write_numbered(struct jsonfile *jf, int from, int to)
{
	char	msg[16];

	for (int i = from; i <= to; i++) {
		snprintf(msg, sizeof msg, "%d", i);
		jsonfile_write(jf, LOGLINE_STDOUT, msg, strlen(msg), 1, t0());
	}
}

/*
 * RLIMIT_FSIZE makes the kernel stop a write at the limit (a short write,
 * then EFBIG), exactly as a full disk does with ENOSPC: deterministic and
 * without a mount.
 */
static void
test_writer_short_write_leaves_no_torn_entry(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	struct rlimit		 old, lim;
	char			*path = lp_path(*state, "full-json.log"), *got;
	uint64_t		 total = jsonfile_total_write_errors();
	size_t			 len, one;
	int			 nums[64], n;
	void			(*oldsig)(int);

	jf = jsonfile_open(path, &opts, NULL);
	assert_non_null(jf);
	write_numbered(jf, 100, 100);
	jsonfile_flush(jf);
	one = (size_t)file_size(path);		/* every entry is this long */
	write_numbered(jf, 101, 110);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)(3 * one + one / 2);	/* 2.5 more fit */
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	jsonfile_flush(jf);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	/* 101 and 102 fit; half of 103 was written and must be gone. */
	assert_int_equal(file_size(path), (off_t)(3 * one));
	assert_int_equal(jsonfile_write_errors(jf), 8);
	assert_int_equal(jsonfile_total_write_errors(), total + 8);
	assert_int_equal(jsonfile_written(jf), (int64_t)(3 * one));

	/* Space is back: the next entries are whole lines of their own. */
	write_numbered(jf, 230, 232);
	jsonfile_flush(jf);
	got = read_file(path, &len);
	n = entries_are_whole(got, len, nums, 64);
	test_free(got);
	assert_int_equal(n, 6);
	assert_int_equal(nums[0], 100);
	assert_int_equal(nums[2], 102);
	assert_int_equal(nums[3], 230);
	assert_int_equal(nums[5], 232);
	assert_int_equal(jsonfile_write_errors(jf), 8);
	jsonfile_close(jf);
}

/* A crash after a short write left half an entry: start a new line. */
static void
test_writer_opening_a_torn_file_starts_on_a_new_line(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	char			*path = lp_path(*state, "torn-json.log"), *got;
	static const char	 torn[] = "{\"log\":\"113\\n\",\"stream\":\"std";
	size_t			 len;
	int			 nums[4];

	write_file(path, torn, sizeof torn - 1);
	jf = jsonfile_open(path, &opts, NULL);
	assert_non_null(jf);
	write_numbered(jf, 230, 231);
	jsonfile_close(jf);
	got = read_file(path, &len);
	assert_true(len > sizeof torn);
	assert_memory_equal(got, torn, sizeof torn - 1);
	assert_int_equal(got[sizeof torn - 1], '\n');
	assert_int_equal(entries_are_whole(got + sizeof torn,
	    len - sizeof torn, nums, 4), 2);
	assert_int_equal(nums[0], 230);
	assert_int_equal(nums[1], 231);
	test_free(got);
}

struct counter {
	int			 append;
	int			 rotated;
	int			 closed;
	struct jsonfile_sub	 sub;
	struct jsonfile_sub	*victim;	/* unsubscribed from our cb */
	struct jsonfile		*jf;
	struct counter		*late;		/* subscribed from our cb */
};

static void
counter_cb(void *arg, enum jsonfile_event ev)
{
	struct counter	*c = arg;

	if (ev == JSONFILE_APPEND)
		c->append++;
	else if (ev == JSONFILE_ROTATED)
		c->rotated++;
	else
		c->closed++;
	if (c->victim != NULL) {
		jsonfile_unsubscribe(c->victim);
		jsonfile_unsubscribe(&c->sub);
		jsonfile_unsubscribe(&c->sub);
	}
	if (c->late != NULL) {
		jsonfile_subscribe(c->jf, &c->late->sub, counter_cb, c->late);
		c->late = NULL;
	}
}

static void
test_subscribers_hear_append_rotated_and_closed(void **state)
{
	struct jsonfile_opts	 opts = { 100, 2, 0 };
	struct jsonfile		*jf;
	struct counter		 a = { 0 }, b = { 0 };
	char			*path = lp_path(*state, "s-json.log");

	jf = jsonfile_open(path, &opts, NULL);
	jsonfile_subscribe(jf, &a.sub, counter_cb, &a);
	jsonfile_subscribe(jf, &b.sub, counter_cb, &b);
	assert_int_equal(jsonfile_subscribers(jf), 2);
	jsonfile_flush(jf);			/* nothing to write: quiet */
	assert_int_equal(a.append, 0);
	jsonfile_write(jf, LOGLINE_STDOUT, "one", 3, 1, t0());
	jsonfile_flush(jf);
	assert_int_equal(a.append, 1);
	assert_int_equal(b.append, 1);
	jsonfile_write(jf, LOGLINE_STDOUT, "two", 3, 1, t0());
	assert_int_equal(a.rotated, 0);
	/* 2 x 67 buffered and written bytes >= 100: rotate first. */
	jsonfile_write(jf, LOGLINE_STDOUT, "three", 5, 1, t0());
	assert_int_equal(a.rotated, 1);
	assert_int_equal(b.rotated, 1);
	assert_int_equal(a.append, 2);		/* flushed before rotating */
	jsonfile_unsubscribe(&b.sub);
	jsonfile_unsubscribe(&b.sub);
	jsonfile_close(jf);
	assert_int_equal(a.closed, 1);
	assert_int_equal(b.closed, 0);
	assert_null(a.sub.head);
	jsonfile_unsubscribe(&a.sub);
}

static void
test_callbacks_may_unsubscribe_others_and_subscribe_new(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	struct counter		 a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	char			*path = lp_path(*state, "u-json.log");

	jf = jsonfile_open(path, &opts, NULL);
	jsonfile_subscribe(jf, &a.sub, counter_cb, &a);
	jsonfile_subscribe(jf, &b.sub, counter_cb, &b);
	jsonfile_subscribe(jf, &c.sub, counter_cb, &c);
	a.victim = &b.sub;		/* a drops b (not yet called) and a */
	a.jf = jf;
	a.late = &d;			/* and adds d: not called this round */
	jsonfile_write(jf, LOGLINE_STDOUT, "x", 1, 1, t0());
	jsonfile_flush(jf);
	assert_int_equal(a.append, 1);
	assert_int_equal(b.append, 0);
	assert_int_equal(c.append, 1);
	assert_int_equal(d.append, 0);
	assert_int_equal(jsonfile_subscribers(jf), 2);
	jsonfile_write(jf, LOGLINE_STDOUT, "y", 1, 1, t0());
	jsonfile_flush(jf);
	assert_int_equal(a.append, 1);
	assert_int_equal(c.append, 2);
	assert_int_equal(d.append, 1);
	jsonfile_close(jf);
	assert_int_equal(c.closed, 1);
	assert_int_equal(d.closed, 1);
}

static void
test_notifying_ten_thousand_followers_calls_each_once(void **state)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct jsonfile		*jf;
	struct counter		*cs = test_calloc(10000, sizeof *cs);
	char			*path = lp_path(*state, "many-json.log");

	jf = jsonfile_open(path, &opts, NULL);
	for (int i = 0; i < 10000; i++)
		jsonfile_subscribe(jf, &cs[i].sub, counter_cb, &cs[i]);
	for (int n = 0; n < 10; n++) {
		jsonfile_write(jf, LOGLINE_STDOUT, "x", 1, 1, t0());
		jsonfile_flush(jf);
	}
	for (int i = 0; i < 10000; i += 1111)
		assert_int_equal(cs[i].append, 10);
	for (int i = 0; i < 10000; i += 2)
		jsonfile_unsubscribe(&cs[i].sub);
	jsonfile_close(jf);
	assert_int_equal(cs[0].closed, 0);
	assert_int_equal(cs[9999].closed, 1);
	test_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, lp_setup, lp_teardown)
		T(test_parse_size_accepts_dockers_decimal_grammar),
		T(test_parse_size_rejects_with_dockers_messages),
		T(test_writer_appends_golden_lines_after_existing_content),
		T(test_writer_creates_the_file_with_mode_0640),
		T(test_writer_open_reports_a_missing_directory),
		T(test_writer_flushes_by_itself_when_the_buffer_is_full),
		T(test_peek_never_shows_bytes_not_on_disk),
		T(test_writer_rotates_before_the_entry_that_reaches_max_size),
		T(test_writer_with_max_file_one_keeps_only_a_stale_dot_one),
		T(test_writer_counts_write_errors_and_goes_on),
		T(test_writer_short_write_leaves_no_torn_entry),
		T(test_writer_opening_a_torn_file_starts_on_a_new_line),
		T(test_subscribers_hear_append_rotated_and_closed),
		T(test_callbacks_may_unsubscribe_others_and_subscribe_new),
		T(test_notifying_ten_thousand_followers_calls_each_once),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
