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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_as_go_reads_them),
		cmocka_unit_test(test_bad_durations_get_gos_words),
		cmocka_unit_test(test_timestamps_in_every_shape),
		cmocka_unit_test(test_bad_timestamps_get_gos_words),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
