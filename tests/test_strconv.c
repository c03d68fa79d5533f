/* SPDX-License-Identifier: MIT */
/*
 * Go's integer rules, as dockerd applies them to ?t=, max-file, resize
 * and since/until: what strtol would accept and Go refuses is refused.
 */
#include <string.h>

#include "daemon/base/strconv.h"
#include "tests/helpers.h"

static void
test_atoi_accepts_what_go_accepts(void **state)
{
	struct err	e = { 0 };
	int		v = 0;

	(void)state;
	assert_int_equal(strconv_atoi("+5", &v, &e), 0);
	assert_int_equal(v, 5);
	assert_int_equal(strconv_atoi("-0", &v, &e), 0);
	assert_int_equal(v, 0);
	assert_int_equal(strconv_atoi("-2147483648", &v, &e), 0);
	assert_int_equal(v, -2147483647 - 1);
	assert_int_equal(strconv_atoi("007", &v, &e), 0);
	assert_int_equal(v, 7);
}

static void
test_atoi_refuses_with_go_texts(void **state)
{
	struct err	e = { 0 };
	int		v = 42;

	(void)state;
	assert_int_equal(strconv_atoi(" 5", &v, &e), -1);
	assert_string_equal(e.msg, "strconv.Atoi: parsing \" 5\": invalid "
	    "syntax");
	assert_int_equal(e.code, ERR_INVALID);
	assert_int_equal(strconv_atoi("0x1", &v, &e), -1);
	assert_int_equal(strconv_atoi("", &v, &e), -1);
	assert_int_equal(strconv_atoi("-", &v, &e), -1);
	assert_int_equal(strconv_atoi(NULL, &v, &e), -1);
	assert_int_equal(strconv_atoi("2147483648", &v, &e), -1);
	assert_string_equal(e.msg, "strconv.Atoi: parsing \"2147483648\": "
	    "value out of range");
	assert_int_equal(v, 42);
}

static void
test_parse_int64_takes_a_length_and_go_syntax(void **state)
{
	int64_t	v = 0;

	(void)state;
	assert_int_equal(strconv_parse_int64("1795746497.5", 10, &v), 0);
	assert_true(v == 1795746497);
	assert_int_equal(strconv_parse_int64("-1", 2, &v), 0);
	assert_true(v == -1);
	assert_int_equal(strconv_parse_int64("+", 1, &v), -1);
	assert_int_equal(strconv_parse_int64(" 1", 2, &v), -1);
	assert_int_equal(strconv_parse_int64("1e9", 3, &v), -1);
	assert_int_equal(strconv_parse_int64("99999999999999999999", 20, &v),
	    -1);
	assert_int_equal(strconv_parse_int64("", 0, &v), -1);
}

static void
test_parse_bool_takes_go_spellings_only(void **state)
{
	static const char *yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *no[] = { "0", "f", "F", "FALSE", "false", "False" };
	struct err	 e = { 0, "" };
	int		 v;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		v = 0;
		assert_int_equal(strconv_parse_bool(yes[i], &v, &e), 0);
		assert_int_equal(v, 1);
		assert_int_equal(strconv_parse_bool(no[i], &v, &e), 0);
		assert_int_equal(v, 0);
	}
	v = 7;
	assert_int_equal(strconv_parse_bool("yes", &v, &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.msg, "strconv.ParseBool: parsing \"yes\": "
	    "invalid syntax");
	assert_int_equal(v, 7);
	assert_int_equal(strconv_parse_bool("tRUE", &v, NULL), -1);
	assert_int_equal(strconv_parse_bool("", &v, NULL), -1);
}

/* dockerd's BoolValue: only the listed words (trimmed, any case) are false. */
static void
test_bool_value_is_dockerds(void **state)
{
	static const char *falsy[] = { NULL, "", "0", "no", "false", "none",
	    " FaLsE\t", "\nNO\r", "  " };
	static const char *truthy[] = { "1", "yes", "true", "x", "00", "f",
	    "nonex", "-1" };

	(void)state;
	for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++)
		assert_int_equal(strconv_bool_value(falsy[i]), 0);
	for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++)
		assert_int_equal(strconv_bool_value(truthy[i]), 1);
}

/* go-units RAMInBytes: binary multiples, dockerd's max-buffer-size. */
static void
test_ram_in_bytes_is_go_units_binary(void **state)
{
	struct err	e = { 0 };
	int64_t		v = 0;

	(void)state;
	assert_int_equal(strconv_ram_in_bytes("4k", &v, &e), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(strconv_ram_in_bytes("1m", &v, &e), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(strconv_ram_in_bytes("1.5 KiB", &v, &e), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(strconv_ram_in_bytes("2GB", &v, &e), 0);
	assert_int_equal(v, 2147483648LL);
	assert_int_equal(strconv_ram_in_bytes("0", &v, &e), 0);
	assert_int_equal(v, 0);
	assert_int_equal(strconv_ram_in_bytes("100", &v, &e), 0);
	assert_int_equal(v, 100);
	assert_int_equal(strconv_ram_in_bytes("9000000p", &v, &e), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(strconv_ram_in_bytes("1k5", &v, &e), -1);
	assert_string_equal(e.msg, "invalid size: '1k5'");
	assert_int_equal(e.code, ERR_INVALID);
	assert_int_equal(strconv_ram_in_bytes("-1", &v, &e), -1);
	assert_string_equal(e.msg, "invalid size: '-1'");
	assert_int_equal(strconv_ram_in_bytes("1.", &v, &e), -1);
	assert_int_equal(strconv_ram_in_bytes("", &v, &e), -1);
	assert_int_equal(strconv_ram_in_bytes("1  k", &v, &e), -1);
	assert_int_equal(strconv_ram_in_bytes("1.2.3m", &v, &e), -1);
	assert_string_equal(e.msg, "strconv.ParseFloat: parsing \"1.2.3\": "
	    "invalid syntax");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_atoi_accepts_what_go_accepts),
		T(test_atoi_refuses_with_go_texts),
		T(test_parse_int64_takes_a_length_and_go_syntax),
		T(test_parse_bool_takes_go_spellings_only),
		T(test_bool_value_is_dockerds),
		T(test_ram_in_bytes_is_go_units_binary),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
