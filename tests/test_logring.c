/* SPDX-License-Identifier: MIT */
/*
 * Log ring: entries come out whole and in order, a full ring refuses the
 * new entry (dockerd's rule) and counts it, an empty one takes any entry,
 * and wrapping round the buffer keeps everything intact.
 */
#include <stdio.h>
#include <string.h>

#include "logdriver/logring.h"
#include "tests/helpers.h"

#define OV	LOGRING_ENTRY_OVERHEAD

static void
expect(struct logring *r, const char *msg, int complete, int64_t ns)
{
	struct logring_entry	e;

	assert_int_equal(logring_peek(r, &e), 1);
	assert_int_equal(e.len, strlen(msg));
	assert_memory_equal(e.msg, msg, e.len);
	assert_int_equal(e.complete, complete);
	assert_int_equal(e.time_ns, ns);
	logring_pop(r);
}

static void
test_logring_gives_entries_back_in_order(void **state)
{
	struct logring		*r = logring_new(1000);
	struct logring_entry	 e;

	(void)state;
	assert_int_equal(logring_peek(r, &e), 0);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "one", 3, 1, 10), 0);
	assert_int_equal(logring_push(r, LOGLINE_STDERR, "", 0, 1, 11), 0);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "part", 4, 0, 12), 0);
	assert_int_equal(logring_count(r), 3);
	assert_int_equal(logring_used(r), 3 * OV + 7);
	assert_int_equal(logring_peek(r, &e), 1);
	assert_int_equal(e.stream, LOGLINE_STDOUT);
	expect(r, "one", 1, 10);
	assert_int_equal(logring_peek(r, &e), 1);
	assert_int_equal(e.stream, LOGLINE_STDERR);
	expect(r, "", 1, 11);
	expect(r, "part", 0, 12);
	assert_int_equal(logring_count(r), 0);
	assert_int_equal(logring_used(r), 0);
	assert_int_equal(logring_peek(r, &e), 0);
	logring_pop(r);			/* empty: nothing happens */
	assert_int_equal(logring_dropped(r), 0);
	logring_free(r);
}

/* Full: the new entry goes, the held ones stay (moby's messageRing). */
static void
test_logring_full_drops_the_new_entry(void **state)
{
	struct logring	*r = logring_new(2 * (OV + 4));

	(void)state;
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "aaaa", 4, 1, 1), 0);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "bbbb", 4, 1, 2), 0);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "c", 1, 1, 3), -1);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "", 0, 1, 4), -1);
	assert_int_equal(logring_dropped(r), 2);
	assert_int_equal(logring_count(r), 2);
	assert_true(logring_used(r) <= logring_cap(r));
	expect(r, "aaaa", 1, 1);
	/* Room again: the next entry is taken. */
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "dddd", 4, 1, 5), 0);
	expect(r, "bbbb", 1, 2);
	expect(r, "dddd", 1, 5);
	logring_free(r);
}

/* Empty lines cost their header: they cannot grow the ring without end. */
static void
test_logring_empty_entries_are_bounded_too(void **state)
{
	struct logring	*r = logring_new(10 * OV);
	int		 taken = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		taken += logring_push(r, LOGLINE_STDOUT, "", 0, 1, i) == 0;
	assert_int_equal(taken, 10);
	assert_int_equal(logring_dropped(r), 90);
	logring_free(r);
}

/*
 * An empty ring takes an entry longer than its capacity (dockerd's
 * ring too, so a tiny max-buffer-size still passes long lines one at a
 * time); nothing more is taken until it is gone.
 */
static void
test_logring_empty_ring_takes_an_oversized_entry(void **state)
{
	struct logring	*r = logring_new(0);
	char		 big[16384];

	(void)state;
	memset(big, 'x', sizeof big);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, big, sizeof big, 0,
	    1), 0);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "y", 1, 1, 2), -1);
	assert_int_equal(logring_count(r), 1);
	logring_pop(r);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "y", 1, 1, 3), 0);
	expect(r, "y", 1, 3);
	logring_free(r);
}

/*
 * Many rounds of push-some, pop-some with varying lengths: the buffer
 * wraps often; every entry that was taken comes out intact, in order,
 * and the ring never holds more than its capacity.
 */
static void
test_logring_wraps_and_keeps_order(void **state)
{
	struct logring		*r = logring_new(700);
	struct logring_entry	 e;
	char			 msg[64], want[64];
	unsigned		 seed = 7, next = 0, out = 0, taken[4096];
	size_t			 ntaken = 0, head = 0;

	(void)state;
	for (int round = 0; round < 400; round++) {
		int pushes = (int)((seed = seed * 1103515245 + 12345) >> 16) % 6;
		int pops = (int)((seed = seed * 1103515245 + 12345) >> 16) % 6;

		for (int i = 0; i < pushes; i++, next++) {
			int n = snprintf(msg, sizeof msg, "%u:%.*s", next,
			    (int)(next % 40), "abcdefghijklmnopqrstuvwxyz"
			    "0123456789abcd");

			if (logring_push(r, LOGLINE_STDOUT, msg, (size_t)n, 1,
			    next) == 0) {
				assert_true(ntaken < 4096);
				taken[ntaken++] = next;
			}
			assert_true(logring_used(r) <= logring_cap(r));
		}
		for (int i = 0; i < pops && logring_peek(r, &e); i++) {
			unsigned id = taken[head++];
			int n = snprintf(want, sizeof want, "%u:%.*s", id,
			    (int)(id % 40), "abcdefghijklmnopqrstuvwxyz"
			    "0123456789abcd");

			assert_int_equal(e.len, (size_t)n);
			assert_memory_equal(e.msg, want, e.len);
			assert_int_equal(e.time_ns, id);
			logring_pop(r);
			out++;
		}
	}
	while (logring_peek(r, &e)) {
		assert_int_equal(e.time_ns, taken[head++]);
		logring_pop(r);
		out++;
	}
	assert_int_equal(out, ntaken);
	assert_int_equal(ntaken + logring_dropped(r), next);
	assert_true(logring_dropped(r) > 0);
	logring_free(r);
}

static void
test_logring_free_accepts_null_and_a_full_ring(void **state)
{
	struct logring	*r = logring_new(100);

	(void)state;
	logring_free(NULL);
	assert_int_equal(logring_push(r, LOGLINE_STDOUT, "left", 4, 1, 1), 0);
	logring_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_logring_gives_entries_back_in_order),
		T(test_logring_full_drops_the_new_entry),
		T(test_logring_empty_entries_are_bounded_too),
		T(test_logring_empty_ring_takes_an_oversized_entry),
		T(test_logring_wraps_and_keeps_order),
		T(test_logring_free_accepts_null_and_a_full_ring),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
