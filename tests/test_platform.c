/* SPDX-License-Identifier: MIT */
/*
 * ?platform= as containerd reads it: names normalised, a lone OS on this
 * machine's architecture, containerd's words for what it refuses, and
 * the match create makes against an image.
 */
#include <string.h>

#include "daemon/base/platform.h"
#include "tests/helpers.h"

static void
test_specifiers_normalised(void **state)
{
	struct platform	p;
	struct err	e = { 0 };
	char		buf[96];

	(void)state;
	assert_int_equal(platform_parse("Linux/X86_64", &p, &e), 0);
	platform_format(&p, buf, sizeof buf);
	assert_string_equal(buf, "linux/amd64");
	assert_int_equal(platform_parse("linux/aarch64/v8", &p, &e), 0);
	platform_format(&p, buf, sizeof buf);
	assert_string_equal(buf, "linux/arm64/v8");
	assert_int_equal(platform_parse("linux/aarch64", &p, &e), 0);
	platform_format(&p, buf, sizeof buf);
	assert_string_equal(buf, "linux/arm64");
	assert_int_equal(platform_parse("linux/armhf", &p, &e), 0);
	platform_format(&p, buf, sizeof buf);
	assert_string_equal(buf, "linux/arm/v7");
	assert_int_equal(platform_parse("arm64", &p, &e), 0);
	platform_format(&p, buf, sizeof buf);
	assert_string_equal(buf, "linux/arm64");
	assert_int_equal(platform_parse("linux", &p, &e), 0);
	assert_string_equal(p.os, "linux");
	assert_true(*p.arch != '\0');
	assert_true(platform_match(&p, "linux", p.arch, NULL));
	assert_false(platform_match(&p, "windows", p.arch, NULL));
}

static void
test_bad_specifiers_get_containerds_words(void **state)
{
	struct platform	p;
	struct err	e = { 0 };

	(void)state;
	assert_int_equal(platform_parse("a/b/c/d", &p, &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.msg, "\"a/b/c/d\": cannot parse platform "
	    "specifier: invalid argument");
	assert_int_equal(platform_parse("linux//amd64", &p, &e), -1);
	assert_string_equal(e.msg, "\"\" is an invalid component of "
	    "\"linux//amd64\": platform specifier component must match "
	    "\"^[A-Za-z0-9_-]+$\": invalid argument");
	assert_int_equal(platform_parse("plan10", &p, &e), -1);
	assert_string_equal(e.msg, "\"plan10\": unknown operating system or "
	    "architecture: invalid argument");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specifiers_normalised),
		cmocka_unit_test(test_bad_specifiers_get_containerds_words),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
