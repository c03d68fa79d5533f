/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 with Go's rules: which bytes are characters, where a fixed buffer
 * may cut a text, and the sanitizer that makes any bytes JSON-safe the way
 * Go's encoding/json does (one U+FFFD per invalid byte).
 */
#include <string.h>

#include <jansson.h>

#include "daemon/base/err.h"
#include "daemon/base/utf8.h"
#include "daemon/jsontext.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

#define R	UTF8_REPLACEMENT

static void
test_decode_follows_go(void **state)
{
	int32_t	r;

	(void)state;
	assert_int_equal(utf8_decode("A", 1, &r), 1);
	assert_int_equal(r, 'A');
	assert_int_equal(utf8_decode("\xc3\xa9", 2, &r), 2);
	assert_int_equal(r, 0xe9);
	assert_int_equal(utf8_decode("\xe2\x82\xac", 3, &r), 3);
	assert_int_equal(r, 0x20ac);
	assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 4, &r), 4);
	assert_int_equal(r, 0x1f600);
	/* Overlong, surrogate, past U+10FFFF, stray, cut short: 1 byte. */
	assert_int_equal(utf8_decode("\xc0\x80", 2, &r), 1);
	assert_int_equal(r, -1);
	assert_int_equal(utf8_decode("\xe0\x80\x80", 3, &r), 1);
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &r), 1);
	assert_int_equal(r, -1);
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &r), 1);
	assert_int_equal(utf8_decode("\x80", 1, &r), 1);
	assert_int_equal(utf8_decode("\xc3", 1, &r), 1);
	assert_int_equal(r, -1);
	assert_int_equal(utf8_decode("\xff", 1, &r), 1);
	assert_true(utf8_valid("h\xc3\xa9llo \xe2\x82\xac", 10));
	assert_false(utf8_valid("a\xff", 2));
	assert_false(utf8_valid("\xed\xbf\xbf", 3));
}

static void
test_sanitize_replaces_each_invalid_byte_as_go(void **state)
{
	char	*s;
	size_t	 n;

	(void)state;
	/* Go: json.Marshal(string([]byte{0xe2, 0x82, 'x', 0xff})) */
	s = utf8_sanitize("\xe2\x82x\xff", 4, &n);
	assert_string_equal(s, R R "x" R);
	assert_int_equal(n, 10);
	assert_int_equal(utf8_sanitized_len("\xe2\x82x\xff", 4), 10);
	xfree(s);
	s = utf8_sanitize("ok \xc3\xa9", 5, NULL);
	assert_string_equal(s, "ok \xc3\xa9");
	xfree(s);
	/* An embedded NUL is kept: the length says where the text ends. */
	s = utf8_sanitize("a\0b", 3, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 3);
	xfree(s);
}

static void
test_cuts_fall_on_character_boundaries(void **state)
{
	char	buf[6];

	(void)state;
	/* "ab" then half of an e-acute: the half goes. */
	assert_int_equal(utf8_trim_partial("ab\xc3", 3), 2);
	assert_int_equal(utf8_trim_partial("ab\xe2\x82", 4), 2);
	assert_int_equal(utf8_trim_partial("\xf0\x9f\x98", 3), 0);
	/* Complete characters and invalid bytes stay. */
	assert_int_equal(utf8_trim_partial("ab\xc3\xa9", 4), 4);
	assert_int_equal(utf8_trim_partial("ab\xff", 3), 3);
	assert_int_equal(utf8_trim_partial("ab\xe0\x80", 4), 4);
	assert_int_equal(utf8_trim_partial("\x80\x80\x80\x80", 4), 4);
	assert_int_equal(utf8_cut("\xc3\xa9\xc3\xa9", 4, 3), 2);
	assert_int_equal(utf8_cut("\xc3\xa9\xc3\xa9", 4, 9), 4);
	/* Into a small buffer: whole (replaced) characters only. */
	assert_int_equal(utf8_sanitize_buf(buf, sizeof buf, "a\xff\xc3\xa9",
	    4), 4);
	assert_string_equal(buf, "a" R);
}

static void
test_json_strings_never_fail(void **state)
{
	json_t	*j;
	char	*s;

	(void)state;
	/* json_string() refuses this; the daemon must not. */
	assert_null(json_string("\xff\xfe"));
	j = jsontext_new("\xff\xfe");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), R R);
	s = json_dumps(j, JSON_ENCODE_ANY);
	assert_string_equal(s, "\"" R R "\"");
	xfree(s);
	json_decref(j);
	j = jsontext_new(NULL);
	assert_string_equal(json_string_value(j), "");
	json_decref(j);
}

/* The original crash: a message cut in the middle of a character. */
static void
test_err_never_splits_a_character(void **state)
{
	struct err	e = { 0 };
	char		cmd[600];
	json_t		*j;
	size_t		 i;

	(void)state;
	memcpy(cmd, "x", 1);
	for (i = 1; i + 2 < sizeof cmd; i += 2)
		memcpy(cmd + i, "\xc3\xa9", 2);
	cmd[i] = '\0';
	for (int shift = 0; shift < 4; shift++) {
		err_set(&e, 1, "%.*sexec: \"%s\"", shift, "abc", cmd);
		assert_true(strlen(e.msg) < sizeof e.msg);
		assert_true(strlen(e.msg) >= sizeof e.msg - 4);
		assert_true(utf8_valid(e.msg, strlen(e.msg)));
		err_wrap(&e, "start %.*s%s", shift, "abc", cmd);
		assert_true(utf8_valid(e.msg, strlen(e.msg)));
		j = json_string(e.msg);
		assert_non_null(j);
		json_decref(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_decode_follows_go),
		T(test_sanitize_replaces_each_invalid_byte_as_go),
		T(test_cuts_fall_on_character_boundaries),
		T(test_json_strings_never_fail),
		T(test_err_never_splits_a_character),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
