/* SPDX-License-Identifier: MIT */
/*
 * Go's durations and dockerd's GetTimestamp shapes, for prune's `until`:
 * what each form means, which zone a zoneless time is in, and Go's words
 * when it is none of them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/base/gotime.h"
#include "tests/helpers.h"

#define S	1000000000LL
/* 2026-12-01T10:30:00Z */
#define NOW	(1796121000LL * S + 250000000)

static void
test_durations_as_go_reads_them(void **state)
{
	int64_t	ns;

	(void)state;
	assert_int_equal(gotime_duration("300ms", &ns, NULL), 0);
	assert_true(ns == 300000000);
	assert_int_equal(gotime_duration("-1.5h", &ns, NULL), 0);
	assert_true(ns == -5400 * S);
	assert_int_equal(gotime_duration("2h45m", &ns, NULL), 0);
	assert_true(ns == 9900 * S);
	assert_int_equal(gotime_duration("1\xc2\xb5s", &ns, NULL), 0);
	assert_true(ns == 1000);
	assert_int_equal(gotime_duration("0", &ns, NULL), 0);
	assert_true(ns == 0);
	assert_int_equal(gotime_duration("10", &ns, NULL), -1);	/* no unit */
	assert_int_equal(gotime_duration("1d", &ns, NULL), -1);
	assert_int_equal(gotime_duration("", &ns, NULL), -1);
	assert_int_equal(gotime_duration(".h", &ns, NULL), -1);
}

static void
test_bad_durations_get_gos_words(void **state)
{
	struct err	e = { 0 };
	int64_t		ns;

	(void)state;
	assert_int_equal(gotime_duration("x", &ns, &e), -1);
	assert_string_equal(e.msg, "time: invalid duration \"x\"");
	assert_int_equal(gotime_duration("10", &ns, &e), -1);
	assert_string_equal(e.msg, "time: missing unit in duration \"10\"");
	assert_int_equal(gotime_duration("1d", &ns, &e), -1);
	assert_string_equal(e.msg, "time: unknown unit \"d\" in duration "
	    "\"1d\"");
}

static void
test_timestamps_in_every_shape(void **state)
{
	struct err	e = { 0 };
	int64_t		ns;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* A duration: now minus it, in whole seconds. */
	assert_int_equal(gotime_timestamp("24h", NOW, &ns, &e), 0);
	assert_true(ns == (1796121000LL - 86400) * S);
	/* Unix times pass as they are. */
	assert_int_equal(gotime_timestamp("1796083200.5", NOW, &ns, &e), 0);
	assert_true(ns == 1796083200LL * S + 500000000);
	assert_int_equal(gotime_timestamp("0", NOW, &ns, &e), 0);
	assert_true(ns == 0);
	assert_int_equal(gotime_timestamp("2026-12-01", NOW, &ns, &e), 0);
	assert_true(ns == 1796083200LL * S);
	assert_int_equal(gotime_timestamp("2026-12-01T10:30:00Z", NOW, &ns,
	    &e), 0);
	assert_true(ns == 1796121000LL * S);
	assert_int_equal(gotime_timestamp("2026-12-01T12:30:00+02:00", NOW,
	    &ns, &e), 0);
	assert_true(ns == 1796121000LL * S);
	assert_int_equal(gotime_timestamp("2026-12-01T10:30", NOW, &ns, &e),
	    0);
	assert_true(ns == 1796121000LL * S);
	assert_int_equal(gotime_timestamp("2026-12-01T10:30:00.25", NOW, &ns,
	    &e), 0);
	assert_true(ns == 1796121000LL * S + 250000000);
	/* Without a zone: the daemon's, here five hours behind UTC. */
	setenv("TZ", "EST5", 1);
	tzset();
	assert_int_equal(gotime_timestamp("2026-12-01T05", NOW, &ns, &e), 0);
	assert_true(ns == 1796121000LL * S - 1800 * S);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
test_bad_timestamps_get_gos_words(void **state)
{
	struct err	e = { 0 };
	int64_t		ns;

	(void)state;
	assert_int_equal(gotime_timestamp("yesterday", NOW, &ns, &e), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_string_equal(e.msg, "failed to parse value as time or "
	    "duration: \"yesterday\"");
	assert_int_equal(gotime_timestamp("2026-13-01", NOW, &ns, &e), -1);
	assert_string_equal(e.msg, "parsing time \"2026-13-01\": month out "
	    "of range");
	assert_int_equal(gotime_timestamp("2026-02-30", NOW, &ns, &e), -1);
	assert_string_equal(e.msg, "parsing time \"2026-02-30\": day out of "
	    "range");
	assert_int_equal(gotime_timestamp("2026-1-01", NOW, &ns, &e), -1);
	assert_string_equal(e.msg, "parsing time \"2026-1-01\" as "
	    "\"2006-01-02\": cannot parse \"1-01\" as \"01\"");
	assert_int_equal(gotime_timestamp("2026-12-01x", NOW, &ns, &e), -1);
	assert_string_equal(e.msg, "parsing time \"2026-12-01x\": extra "
	    "text: \"x\"");
}

/* time.Duration.String, as in dockerd's "exceeded timeout (50ms)". */
static void
test_durations_as_go_writes_them(void **state)
{
	static const struct {
		int64_t		 ns;
		const char	*want;
	} cases[] = {
		{ 0, "0s" }, { 1, "1ns" }, { 999, "999ns" },
		{ 1500, "1.5\xc2\xb5s" }, { 50000000, "50ms" },
		{ 1500000, "1.5ms" }, { 30 * S, "30s" }, { 1500000000, "1.5s" },
		{ 90 * S, "1m30s" }, { 3600 * S, "1h0m0s" },
		{ 3723 * S + 500000000, "1h2m3.5s" }, { -2 * S, "-2s" },
		{ 100 * 3600 * S, "100h0m0s" },
	};
	char	buf[GOTIME_DURATION_BUFSZ];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gotime_duration_string(buf, cases[i].ns);
		assert_string_equal(buf, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_as_go_reads_them),
		cmocka_unit_test(test_bad_durations_get_gos_words),
		cmocka_unit_test(test_durations_as_go_writes_them),
		cmocka_unit_test(test_timestamps_in_every_shape),
		cmocka_unit_test(test_bad_timestamps_get_gos_words),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
