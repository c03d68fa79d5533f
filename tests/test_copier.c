/* SPDX-License-Identifier: MIT */
/*
 * Log copier: dockerd's line splitting (spec 5.5) through the real
 * json-file writer, fragments sharing the first fragment's time, the EOF
 * remainder, and the "none" driver discarding.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "logdriver/copier.h"
#include "daemon/base/err.h"
#include "daemon/base/xalloc.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logring.h"
#include "tests/helpers.h"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ	1031	/* Linux; hidden without _GNU_SOURCE */
#endif

struct eof_seen {
	int	done;
};

static void
eof_cb(struct copier *cp, void *arg)
{
	(void)cp;
	((struct eof_seen *)arg)->done = 1;
}

static int
at_eof(void *arg)
{
	return (((struct eof_seen *)arg)->done);
}

/* Writes data to a pipe from a child, copies it into path; returns lines. */
static json_t *
copy_through(struct lp_fixture *f, const char *data, size_t len, int none)
{
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct eof_seen		 e = { 0 };
	struct jsonfile		*w = NULL;
	struct copier		*cp;
	struct err		 err;
	char			 path[4200], *text, *line, *next;
	int			 p[2];
	pid_t			 pid;
	json_t			*out = json_array();

	snprintf(path, sizeof path, "%s", lp_path(f, "c-json.log"));
	unlink(path);
	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if ((pid = fork()) == 0) {
		close(p[0]);
		for (size_t off = 0; off < len; ) {
			ssize_t n = write(p[1], data + off, len - off);

			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	if (!none) {
		w = jsonfile_open(path, &opts, &err);
		assert_non_null(w);
	}
	cp = copier_new(f->base, p[0], LOGLINE_STDOUT, w, eof_cb, &e);
	copier_start(cp, NULL, NULL);
	assert_true(run_loop_until(f->base, at_eof, &e, 5000));
	assert_true(copier_eof(cp));
	assert_int_equal(copier_bytes(cp), len);
	copier_free(cp);
	jsonfile_close(w);
	while (waitpid(pid, NULL, 0) == -1)
		;
	if (none) {
		assert_int_not_equal(access(path, F_OK), 0);
		return (out);
	}
	text = read_file(path, NULL);
	for (line = text; *line != '\0'; line = next) {
		json_error_t	 jerr;
		json_t		*j;

		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		j = json_loads(line, 0, &jerr);
		assert_non_null(j);
		json_array_append_new(out, j);
	}
	test_free(text);
	return (out);
}

static size_t
loglen(json_t *lines, size_t i)
{
	return (strlen(json_string_value(json_object_get(json_array_get(lines,
	    i), "log"))));
}

static const char *
logtime(json_t *lines, size_t i)
{
	return (json_string_value(json_object_get(json_array_get(lines, i),
	    "time")));
}

static int
ends_nl(json_t *lines, size_t i)
{
	const char	*s = json_string_value(json_object_get(
			    json_array_get(lines, i), "log"));

	return (s[strlen(s) - 1] == '\n');
}

static void
test_copier_splits_lines_and_strips_nothing_else(void **state)
{
	struct lp_fixture	*f = *state;
	const char		*in = "one\n\ntwo\nthree";
	json_t			*l = copy_through(f, in, strlen(in), 0);

	assert_int_equal(json_array_size(l), 4);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(l, 0), "log")), "one\n");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(l, 1), "log")), "\n");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(l, 2), "log")), "two\n");
	/* EOF remainder: a partial entry without "\n". */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(l, 3), "log")), "three");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(l, 0), "stream")), "stdout");
	json_decref(l);
}

/* The table of spec 5.5, in one stream. */
static void
test_copier_cuts_long_lines_into_16384_byte_partials(void **state)
{
	struct lp_fixture	*f = *state;
	size_t			 len = 16384 + 16385 + 40001 + 20000;
	char			*in = xmalloc(len), *p = in;
	json_t			*l;

	memset(p, 'a', 16383), p += 16383, *p++ = '\n';
	memset(p, 'b', 16384), p += 16384, *p++ = '\n';
	memset(p, 'c', 40000), p += 40000, *p++ = '\n';
	memset(p, 'd', 20000);
	l = copy_through(f, in, len, 0);
	xfree(in);

	assert_int_equal(json_array_size(l), 8);
	assert_int_equal(loglen(l, 0), 16384);	/* 16383 + "\n" */
	assert_true(ends_nl(l, 0));
	assert_int_equal(loglen(l, 1), 16384);
	assert_false(ends_nl(l, 1));
	assert_int_equal(loglen(l, 2), 1);	/* "\n" alone */
	assert_string_equal(logtime(l, 1), logtime(l, 2));
	assert_int_equal(loglen(l, 3), 16384);
	assert_int_equal(loglen(l, 4), 16384);
	assert_int_equal(loglen(l, 5), 7233);
	assert_true(ends_nl(l, 5));
	assert_string_equal(logtime(l, 3), logtime(l, 5));
	assert_int_equal(loglen(l, 6), 16384);
	assert_false(ends_nl(l, 6));
	assert_int_equal(loglen(l, 7), 3616);
	assert_false(ends_nl(l, 7));
	assert_string_equal(logtime(l, 6), logtime(l, 7));
	json_decref(l);
}

static void
test_copier_many_lines_arrive_in_order(void **state)
{
	struct lp_fixture	*f = *state;
	size_t			 n = 20000, len = 0;
	char			*in = xmalloc(n * 8), want[16];
	json_t			*l;

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(in + len, "%06zu\n", i);
	l = copy_through(f, in, len, 0);
	xfree(in);
	assert_int_equal(json_array_size(l), n);
	for (size_t i = 0; i < n; i += 997) {
		snprintf(want, sizeof want, "%06zu\n", i);
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(l, i), "log")), want);
	}
	json_decref(l);
}

/*
 * Fairness: a pipe full of short lines (one read of it is ~1.5 MB of
 * JSON) is written at most COPIER_PASS_BYTES (and the entry that crosses
 * it) per loop pass, so followers that send more than that per pass keep
 * up; every line still arrives, in order, and the pipe is emptied.
 */
static void
test_copier_writes_a_bounded_amount_per_loop_pass(void **state)
{
	struct lp_fixture	*f = *state;
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct eof_seen		 e = { 0 };
	struct jsonfile		*w;
	struct copier		*cp;
	char			 path[4200], data[60000];
	uint64_t		 prev = 0, most = 0;
	int			 p[2], passes = 0;

	for (size_t i = 0; i < sizeof data; i += 3)
		memcpy(data + i, "ab\n", 3);
	snprintf(path, sizeof path, "%s", lp_path(f, "fair-json.log"));
	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(p[1], data, sizeof data), (ssize_t)sizeof data);
	close(p[1]);
	w = jsonfile_open(path, &opts, NULL);
	cp = copier_new(f->base, p[0], LOGLINE_STDOUT, w, eof_cb, &e);
	copier_start(cp, NULL, NULL);
	while (!e.done && passes < 10000) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (jsonfile_bytes(w) - prev > most)
			most = jsonfile_bytes(w) - prev;
		prev = jsonfile_bytes(w);
		passes++;
	}
	assert_true(e.done);
	assert_true(most > 0);
	assert_true(most <= COPIER_PASS_BYTES + 200);
	assert_true(passes > 20);
	assert_int_equal(copier_entries(cp), sizeof data / 3);
	copier_free(cp);
	jsonfile_close(w);
}

/* A copier made but not started leaves its pipe alone. */
static void
test_copier_reads_nothing_until_started(void **state)
{
	struct lp_fixture	*f = *state;
	struct eof_seen		 e = { 0 };
	struct copier		*cp;
	int			 p[2];

	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(p[1], "a\n", 2), 2);
	close(p[1]);
	cp = copier_new(f->base, p[0], LOGLINE_STDOUT, NULL, eof_cb, &e);
	for (int i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(copier_bytes(cp), 0);
	assert_false(e.done);
	copier_start(cp, NULL, NULL);
	assert_true(run_loop_until(f->base, at_eof, &e, 5000));
	assert_int_equal(copier_bytes(cp), 2);
	copier_free(cp);
}

static void
test_copier_without_writer_discards(void **state)
{
	struct lp_fixture	*f = *state;
	json_t			*l = copy_through(f, "x\ny\n", 4, 1);

	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
}

/* Numbered lines "%06u\n", n of them, in a caller-freed buffer. */
static char *
numbered(unsigned n, size_t *len)
{
	char	*data = test_malloc((size_t)n * 7 + 1);

	for (unsigned i = 0; i < n; i++)
		snprintf(data + i * 7, 8, "%06u\n", i % 1000000);
	*len = (size_t)n * 7;
	return (data);
}

/*
 * Checks the stored lines: each one of the written, whole, in order.
 * Returns how many.
 */
static size_t
check_numbered(const char *path, unsigned n)
{
	char		*text = read_file(path, NULL), *line, *next;
	size_t		 got = 0;
	long		 prev = -1;

	for (line = text; *line != '\0'; line = next) {
		json_t		*j;
		const char	*log;
		char		*end;
		long		 v;

		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		log = json_string_value(json_object_get(j, "log"));
		assert_int_equal(strlen(log), 7);
		v = strtol(log, &end, 10);
		assert_true(end == log + 6 && *end == '\n');
		assert_true(v > prev && v < (long)n);
		prev = v;
		got++;
		json_decref(j);
	}
	test_free(text);
	return (got);
}

/*
 * Non-blocking: the copier empties the pipe in a pass although it
 * writes only COPIER_PASS_BYTES of JSON; with a small ring the rest is
 * dropped and counted, what is stored is whole and in order.
 */
static void
test_copier_nonblocking_drains_the_pipe_and_drops_on_a_full_ring(
    void **state)
{
	struct lp_fixture	*f = *state;
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct eof_seen		 e = { 0 };
	struct logring		*ring = logring_new(4096);
	struct jsonfile		*w;
	struct copier		*cp;
	char			 path[4200], *data;
	size_t			 len, got;
	uint64_t		 before = copier_total_dropped();
	int			 p[2], left = -1;

	/* 196000 bytes: more than one read, so only the ring empties it. */
	data = numbered(28000, &len);
	snprintf(path, sizeof path, "%s", lp_path(f, "nb-json.log"));
	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[0], F_SETPIPE_SZ, 256 * 1024) >= 256 * 1024);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(p[1], data, len), (ssize_t)len);
	w = jsonfile_open(path, &opts, NULL);
	cp = copier_new(f->base, p[0], LOGLINE_STDOUT, w, eof_cb, &e);
	copier_set_ring(cp, ring, "test");
	copier_start(cp, NULL, NULL);
	event_base_loop(f->base, EVLOOP_ONCE);
	assert_int_equal(ioctl(p[0], FIONREAD, &left), 0);
	assert_int_equal(left, 0);
	assert_true(jsonfile_bytes(w) <= COPIER_PASS_BYTES + 200);
	close(p[1]);
	assert_true(run_loop_until(f->base, at_eof, &e, 5000));
	assert_int_equal(copier_entries(cp), 28000);
	assert_true(copier_dropped(cp) > 0);
	assert_int_equal(logring_count(ring), 0);
	copier_free(cp);
	jsonfile_close(w);
	got = check_numbered(path, 28000);
	assert_true(got < 28000);
	assert_int_equal(got + logring_dropped(ring), 28000);
	assert_int_equal(got + copier_total_dropped() - before, 28000);
	logring_free(ring);
	test_free(data);
}

/*
 * A ring large enough loses nothing: what waits in it at EOF is written
 * before the EOF callback, as the blocking copier writes its buffer.
 */
static void
test_copier_nonblocking_flushes_the_ring_at_eof(void **state)
{
	struct lp_fixture	*f = *state;
	struct jsonfile_opts	 opts = { 0, 1, 0 };
	struct eof_seen		 e = { 0 };
	struct logring		*ring = logring_new(1000000);
	struct jsonfile		*w;
	struct copier		*cp;
	char			 path[4200], *data;
	size_t			 len;
	int			 p[2];

	data = numbered(9000, &len);
	snprintf(path, sizeof path, "%s", lp_path(f, "nb-all-json.log"));
	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	w = jsonfile_open(path, &opts, NULL);
	cp = copier_new(f->base, p[0], LOGLINE_STDOUT, w, eof_cb, &e);
	copier_set_ring(cp, ring, "test");
	copier_start(cp, NULL, NULL);
	assert_true(run_loop_until(f->base, at_eof, &e, 5000));
	assert_int_equal(copier_dropped(cp), 0);
	assert_int_equal(logring_count(ring), 0);
	assert_int_equal(check_numbered(path, 9000), 9000);
	copier_free(cp);
	jsonfile_close(w);
	logring_free(ring);
	test_free(data);
}

struct holder {
	struct copier	*cp;
	int		 tees;
};

/* The attach's case: a client that is full holds from inside the tee. */
static void
hold_tee(void *arg, int stream, const void *buf, size_t n)
{
	struct holder	*h = arg;

	(void)stream;
	(void)buf;
	(void)n;
	if (h->tees++ == 0)
		copier_hold(h->cp, 1);
}

static int
read_four(void *arg)
{
	return (copier_bytes(arg) == 4);
}

/* Held: the pipe is not read, so the writer waits; the drain reads anyway. */
static void
test_copier_held_reads_nothing_until_let_go(void **state)
{
	struct lp_fixture	*f = *state;
	struct eof_seen		 e = { 0 };
	struct holder		 h = { 0 };
	int			 p[2];

	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(p[1], "a\n", 2), 2);
	h.cp = copier_new(f->base, p[0], LOGLINE_STDOUT, NULL, eof_cb, &e);
	copier_start(h.cp, hold_tee, &h);
	run_loop_for(f->base, 20);
	assert_int_equal(h.tees, 1);
	assert_int_equal(write(p[1], "b\n", 2), 2);
	run_loop_for(f->base, 20);
	assert_int_equal(copier_bytes(h.cp), 2);	/* "b\n" waits */
	copier_hold(h.cp, 0);
	assert_true(run_loop_until(f->base, read_four, h.cp, 5000));
	copier_hold(h.cp, 1);
	assert_int_equal(write(p[1], "c\n", 2), 2);
	close(p[1]);
	run_loop_for(f->base, 20);
	assert_false(e.done);
	assert_int_equal(copier_bytes(h.cp), 4);
	/* After the process died: what is there goes in, held or not. */
	copier_drain(h.cp);
	assert_int_equal(copier_bytes(h.cp), 6);
	assert_true(copier_eof(h.cp));
	copier_free(h.cp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_copier_splits_lines_and_strips_nothing_else,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_cuts_long_lines_into_16384_byte_partials,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_many_lines_arrive_in_order,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_writes_a_bounded_amount_per_loop_pass,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_reads_nothing_until_started,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_without_writer_discards,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_nonblocking_drains_the_pipe_and_drops_on_a_full_ring,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_nonblocking_flushes_the_ring_at_eof,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_copier_held_reads_nothing_until_let_go,
		    lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
