/* SPDX-License-Identifier: MIT */
/*
 * The runtime registry (dockerd's names and errors) and how a runtime's
 * failures become dockerd's messages, with a fake runtime script standing
 * in for runc (it writes runc's JSON log line and fails).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "daemon/ociruntime.h"
#include "daemon/ociversion.h"
#include "tests/helpers.h"

static void
test_registry_knows_dockerds_names(void **state)
{
	struct lp_fixture	*f = *state;
	struct ociruntimes	*s = ociruntimes_new(f->dir);
	struct ociruntime	*rt = (void *)1;
	struct err		 e = { 0 };

	assert_string_equal(ociruntimes_default(s), OCIRUNTIME_PROCESS);
	assert_int_equal(ociruntimes_lookup(s, "", &rt, &e), 0);
	assert_null(rt);
	ociruntimes_add(s, "fake", "/nonexistent/fake");
	assert_int_equal(ociruntimes_lookup(s, "fake", &rt, &e), 0);
	assert_non_null(rt);
	assert_string_equal(ociruntime_name(rt), "fake");
	assert_int_equal(ociruntimes_lookup(s, "nosuch", &rt, &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.msg, "Unknown runtime specified nosuch");
	assert_int_equal(ociruntimes_setup(s, "nosuch", &e), -1);
	assert_int_equal(ociruntimes_setup(s, "fake", &e), 0);
	assert_string_equal(ociruntimes_default(s), "fake");
	assert_int_equal(ociruntimes_lookup(s, NULL, &rt, &e), 0);
	assert_string_equal(ociruntime_name(rt), "fake");
	ociruntimes_free(s);
}

static void
test_create_failure_gives_the_runtimes_words(void **state)
{
	struct lp_fixture	*f = *state;
	struct ociruntimes	*s = ociruntimes_new(f->dir);
	struct ociruntime	*rt;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];
	FILE			*fp;

	/* runc's --log=PATH, then its error record, then exit 1. */
	snprintf(path, sizeof path, "%s/fake-runc", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\nfor a; do case $a in --log=*) log=${a#--log=};; "
	    "esac; done\nprintf '%s\\n' '{\"level\":\"error\",\"msg\":\"runc "
	    "create failed: unable to start container process: exec: "
	    "\\\"nosuch\\\": executable file not found in $PATH\"}' >\"$log\""
	    "\necho noise >&2\nexit 1\n", fp);
	fclose(fp);
	chmod(path, 0755);
	ociruntimes_add(s, "fake", path);
	assert_int_equal(ociruntimes_lookup(s, "fake", &rt, &e), 0);
	assert_int_equal(ociruntime_create(rt, f->dir, "c1", -1, -1, -1, NULL,
	    &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.msg, "exec: \"nosuch\": executable file not "
	    "found in $PATH");
	assert_int_equal(ociruntime_command(rt, "start", "c1", &e), -1);
	assert_non_null(strstr(e.msg, "executable file not found"));
	ociruntimes_free(s);
}

/* What runc and crun print, and what /version and /info show of it. */
static void
test_version_read_as_dockerd_reads_it(void **state)
{
	static const char *const out[][3] = {
		{ "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\n"
		    "spec: 1.0.2-dev\ngo: go1.19.8\n", "1.1.5+ds1",
		    "1.1.5+ds1-1+deb12u1" },
		{ "crun version 1.8.1\ncommit: f8a096be06\nrundir: /run/crun"
		    "\nspec: 1.0.0\n+SYSTEMD +SELINUX\n", "1.8.1",
		    "f8a096be06" },
		{ "mystery\n", NULL, NULL },
	};
	struct lp_fixture	*f = *state;
	struct ociruntimes	*s = ociruntimes_new(f->dir);
	struct err		 e = { 0 };
	const char		*ver, *commit;
	char			*v, *c, path[PATH_MAX + 32];
	FILE			*fp;

	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
		ociversion_parse(out[i][0], &v, &c);
		if (out[i][1] == NULL)
			assert_null(v);
		else
			assert_string_equal(v, out[i][1]);
		if (out[i][2] == NULL)
			assert_null(c);
		else
			assert_string_equal(c, out[i][2]);
		xfree(v);
		xfree(c);
	}
	/* The process runtime has no binary to ask. */
	assert_int_equal(ociruntimes_default_version(s, &ver, &commit), -1);
	snprintf(path, sizeof path, "%s/fake-runc", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\n[ \"$1\" = --version ] && printf 'fake version "
	    "9.9\\ncommit: abc\\n'\n", fp);
	fclose(fp);
	chmod(path, 0755);
	ociruntimes_add(s, "fake", path);
	assert_int_equal(ociruntimes_setup(s, "fake", &e), 0);
	assert_int_equal(ociruntimes_default_version(s, &ver, &commit), 0);
	assert_string_equal(ver, "9.9");
	assert_string_equal(commit, "abc");
	ociruntimes_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_registry_knows_dockerds_names),
		T(test_create_failure_gives_the_runtimes_words),
		T(test_version_read_as_dockerd_reads_it),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
