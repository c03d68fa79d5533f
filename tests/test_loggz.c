/* SPDX-License-Identifier: MIT */
/*
 * compress=true: rotated files become path.k.gz with dockerd's header, the
 * current file stays plain, and readers (all, tail, since, follow from a
 * compressed backlog and across rotations) read the .gz files as if they
 * were plain: every line exactly once, as without compress. A corrupt or
 * missing file fails cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "logdriver/jsonfile.h"
#include "logdriver/loggz.h"
#include "logdriver/logreader.h"
#include "tests/helpers_logdriver.h"

static char *
name_k(struct rt *t, const char *suffix)
{
	static char	buf[PATH_MAX + 80];

	snprintf(buf, sizeof buf, "%s%s", t->path, suffix);
	return (buf);
}

static int
exists(const char *path)
{
	return (access(path, F_OK) == 0);
}

static void
gz_writer(struct rt *t, int64_t max_size, int max_file)
{
	struct jsonfile_opts	jo = { max_size, max_file, 1 };

	t->jf = jsonfile_open(t->path, &jo, NULL);
	assert_non_null(t->jf);
	t->o.max_file = max_file;
}

/* The bytes of a gzip file decompressed, test-owned; *len set. */
static char *
gunzip(const char *path, size_t *len)
{
	char	*buf;
	off_t	 end;
	int	 fd = loggz_open(path);

	assert_true(fd != -1);
	end = lseek(fd, 0, SEEK_END);
	assert_true(end >= 0);
	buf = test_malloc((size_t)end + 1);
	assert_int_equal(pread(fd, buf, (size_t)end, 0), end);
	buf[end] = '\0';
	close(fd);
	*len = (size_t)end;
	return (buf);
}

static void
test_rotated_files_are_gzipped_as_dockerd_names_them(struct rt *t)
{
	static const unsigned char	hd[] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0,
					    0, 0xff };
	char				*raw, *text;
	size_t				 len, tlen;

	gz_writer(t, 790, 3);
	writer_entries(t->jf, 0, 45);	/* .2 holds 20..29, .1 30..39 */
	jsonfile_settle(t->jf);
	assert_true(exists(t->path));
	assert_true(exists(name_k(t, ".1.gz")));
	assert_true(exists(name_k(t, ".2.gz")));
	assert_false(exists(name_k(t, ".1")));
	assert_false(exists(name_k(t, ".2")));
	assert_false(exists(name_k(t, ".3.gz")));
	assert_false(exists(name_k(t, ".1.gz.tmp")));
	/* dockerd's header: FEXTRA, MTIME 0, OS 255, lastTime in JSON. */
	raw = read_file(name_k(t, ".1.gz"), &len);
	assert_true(len > 12 + 14);
	assert_memory_equal(raw, hd, sizeof hd);
	assert_memory_equal(raw + 12, "{\"lastTime\":\"", 13);
	test_free(raw);
	text = gunzip(name_k(t, ".1.gz"), &tlen);
	assert_non_null(strstr(text, "\"line 030\\n\""));
	assert_non_null(strstr(text, "\"line 039\\n\""));
	assert_null(strstr(text, "\"line 040\\n\""));
	assert_int_equal(text[tlen - 1], '\n');
	test_free(text);
	/* The current file is plain JSON lines. */
	raw = read_file(t->path, &len);
	assert_memory_equal(raw, "{\"log\":\"line 040", 16);
	test_free(raw);
}

static void
test_all_tail_and_since_read_through_gz(struct rt *t)
{
	gz_writer(t, 790, 3);
	writer_entries(t->jf, 0, 45);
	jsonfile_close(t->jf);		/* waits for the compression */
	t->jf = NULL;
	rt_read(t, 20, 45);
	t->o.tail = 12;			/* 33..44: back into .1.gz */
	rt_read(t, 33, 45);
	t->o.tail = -1;
	t->o.has_since = 1;
	t->o.since_ns = t0() + 25 * SEC;	/* inside .2.gz */
	rt_read(t, 25, 45);
	t->o.no_seek = 1;		/* the scan agrees with the bisection */
	rt_read(t, 25, 45);
}

/* A plain .1 (compression failed, or not done yet) is read as well. */
static void
test_plain_and_gz_rotated_files_mix(struct rt *t)
{
	struct jsonfile_opts	jo = { 790, 3, 0 };

	t->jf = jsonfile_open(t->path, &jo, NULL);
	assert_non_null(t->jf);
	writer_entries(t->jf, 0, 45);
	jsonfile_close(t->jf);
	t->jf = NULL;
	assert_int_equal(loggz_compress(name_k(t, ".2"), t0()), 0);
	assert_false(exists(name_k(t, ".2")));
	t->o.max_file = 3;
	rt_read(t, 20, 45);
}

static void
test_follow_from_gz_backlog_across_rotations(struct rt *t)
{
	gz_writer(t, 790, 3);
	writer_entries(t->jf, 0, 45);
	jsonfile_settle(t->jf);
	rt_follow(t);
	wait_for(t->f, &t->c, 25);		/* 20..44 */
	for (int i = 45; i < 150; i++) {	/* ten more rotations */
		writer_entries(t->jf, i, i + 1);
		if (i % 4 == 0)
			run_loop_for(t->f->base, 1);
	}
	writer_entries(t->jf, 150, 170);	/* a burst, no loop run */
	wait_for(t->f, &t->c, 150);
	jsonfile_close(t->jf);
	t->jf = NULL;
	rt_ended_with(t, 20, 170);
	assert_int_equal(t->c.notices, 0);
	assert_true(exists(name_k(t, ".2.gz")));
}

static void
test_corrupt_or_missing_files_fail_cleanly(struct rt *t)
{
	char	gz[PATH_MAX + 80];
	int	fds = count_open_fds();

	snprintf(gz, sizeof gz, "%s.1.gz", t->path);
	write_file(gz, "\x1f\x8b\x08\x00garbage", 11);
	errno = 0;
	assert_int_equal(loggz_open(gz), -1);
	assert_int_equal(errno, EINVAL);
	write_file(gz, "", 0);
	assert_int_equal(loggz_open(gz), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loggz_open(name_k(t, ".9.gz")), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(loggz_compress(name_k(t, ".9"), t0()), -1);
	assert_int_equal(errno, ENOENT);
	assert_false(exists(name_k(t, ".9.gz.tmp")));
	assert_false(exists(name_k(t, ".9.gz")));
	assert_int_equal(count_open_fds(), fds);
	/* A thread job on a missing file: logged, freed, nothing left. */
	loggz_finish(loggz_start(name_k(t, ".8"), t0()));
	assert_false(exists(name_k(t, ".8.gz")));
	assert_int_equal(count_open_fds(), fds);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		RT_TEST(test_rotated_files_are_gzipped_as_dockerd_names_them),
		RT_TEST(test_all_tail_and_since_read_through_gz),
		RT_TEST(test_plain_and_gz_rotated_files_mix),
		RT_TEST(test_follow_from_gz_backlog_across_rotations),
		RT_TEST(test_corrupt_or_missing_files_fail_cleanly),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
