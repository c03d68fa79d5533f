/* SPDX-License-Identifier: MIT */
/*
 * Flags and config file: dockerd's names, flags win over the file, and a
 * clear message for every mistake.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/options.h"
#include "tests/helpers.h"

/* getopt wants writable strings; copy the literals into an argv. */
static int
parse(struct options *o, struct err *e, ...)
{
	static char	 bufs[16][PATH_MAX + 32];
	char		*argv[17];
	const char	*a;
	int		 argc = 0;
	va_list		 ap;

	va_start(ap, e);
	snprintf(bufs[argc], sizeof bufs[argc], "logpouchd");
	argv[argc] = bufs[argc];
	argc++;
	while ((a = va_arg(ap, const char *)) != NULL) {
		snprintf(bufs[argc], sizeof bufs[argc], "%s", a);
		argv[argc] = bufs[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	return (options_parse(o, argc, argv, e));
}
#define PARSE(o, e, ...) parse((o), (e), __VA_ARGS__, (const char *)NULL)

static void
test_flags_named_like_dockerd_are_parsed(void **state)
{
	struct options	o;
	struct err	e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "-H", "unix:///tmp/a.sock", "--host",
	    "tcp://127.0.0.1:2375", "--data-root", "/tmp/d", "--debug",
	    "--log-level", "warn"), 0);
	assert_int_equal(o.nhosts, 2);
	assert_string_equal(o.hosts[1], "tcp://127.0.0.1:2375");
	assert_string_equal(o.data_root, "/tmp/d");
	assert_true(o.debug);
	assert_int_equal(o.log_level, LOG_LEVEL_WARN);
	options_free(&o);
}

static void
test_defaults_fill_host_and_data_root(void **state)
{
	struct options	o;
	struct err	e = { 0 };

	(void)state;
	assert_int_equal(parse(&o, &e, (const char *)NULL), 0);
	assert_int_equal(o.nhosts, 1);
	assert_true(strncmp(o.hosts[0], "unix://", 7) == 0);
	assert_non_null(o.data_root);
	assert_int_equal(o.write_timeout, 300);
	options_free(&o);
}

static void
test_bad_flags_say_what_is_wrong(void **state)
{
	struct options	o;
	struct err	e = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--bogus"), -1);
	assert_non_null(strstr(e.msg, "unknown flag: --bogus"));
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--log-level", "loud"), -1);
	assert_non_null(strstr(e.msg, "unknown log level \"loud\""));
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--data-root"), -1);
	assert_non_null(strstr(e.msg, "needs an argument"));
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--debug-no-close-notify"), -1);
	assert_non_null(strstr(e.msg, "needs --debug"));
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--stream-write-timeout", "soon"), -1);
	assert_non_null(strstr(e.msg, "whole number"));
	options_free(&o);
}

static void
test_config_file_fills_what_flags_did_not_set(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];
	const char		*json = "{\"hosts\":[\"unix:///tmp/c.sock\"],"
	    "\"data-root\":\"/tmp/from-file\",\"debug\":true}";

	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, json, strlen(json));
	assert_int_equal(PARSE(&o, &e, "--config", path, "--data-root",
	    "/tmp/from-flag"), 0);
	assert_string_equal(o.data_root, "/tmp/from-flag");
	assert_int_equal(o.nhosts, 1);
	assert_string_equal(o.hosts[0], "unix:///tmp/c.sock");
	assert_true(o.debug);
	options_free(&o);
}

static void
test_config_file_errors_name_the_file(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/bad.json", f->dir);
	write_file(path, "{\"debug\":", 9);
	assert_int_equal(PARSE(&o, &e, "--config", path), -1);
	assert_non_null(strstr(e.msg, path));
	options_free(&o);
	write_file(path, "{\"colour\":1}", 12);
	assert_int_equal(PARSE(&o, &e, "--config", path), -1);
	assert_non_null(strstr(e.msg, "unknown key \"colour\""));
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--config", "/nonexistent/x.json"), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/x.json"));
	options_free(&o);
}

static void
test_runtimes_as_dockerd_names_them(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];
	const char		*json = "{\"default-runtime\":\"filed\","
	    "\"runtimes\":{\"filed\":{\"path\":\"/usr/bin/filed\"}}}";

	(void)state;
	assert_int_equal(PARSE(&o, &e, "--default-runtime", "mine",
	    "--add-runtime", "mine=/opt/mine", "--add-runtime", "b=/b"), 0);
	assert_string_equal(o.default_runtime, "mine");
	assert_int_equal(o.nruntimes, 2);
	assert_string_equal(o.runtime_names[0], "mine");
	assert_string_equal(o.runtime_paths[0], "/opt/mine");
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--add-runtime", "nopath"), -1);
	assert_string_equal(e.msg, "invalid runtime \"nopath\": want "
	    "name=path");
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--add-runtime", "a=/x",
	    "--add-runtime", "a=/y"), -1);
	assert_string_equal(e.msg, "runtime name 'a' is already defined");
	options_free(&o);
	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, json, strlen(json));
	assert_int_equal(PARSE(&o, &e, "--config", path), 0);
	assert_string_equal(o.default_runtime, "filed");
	assert_int_equal(o.nruntimes, 1);
	assert_string_equal(o.runtime_paths[0], "/usr/bin/filed");
	options_free(&o);
}

/* The log viewer is off unless asked for; flag over file, as the rest. */
static void
test_ui_is_off_by_default_and_flag_wins(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];
	const char		*json = "{\"ui\":\"127.0.0.1:9001\"}";

	assert_int_equal(PARSE(&o, &e, "-H", "unix:///tmp/a.sock"), 0);
	assert_null(o.ui);
	options_free(&o);
	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, json, strlen(json));
	assert_int_equal(PARSE(&o, &e, "--config", path), 0);
	assert_string_equal(o.ui, "127.0.0.1:9001");
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--config", path, "--ui",
	    "127.0.0.1:8099"), 0);
	assert_string_equal(o.ui, "127.0.0.1:8099");
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--ui"), -1);
	assert_non_null(strstr(e.msg, "--ui"));
	options_free(&o);
	write_file(path, "{\"ui\":8099}", 11);
	assert_int_equal(PARSE(&o, &e, "--config", path), -1);
	assert_non_null(strstr(e.msg, "\"ui\""));
	options_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_flags_named_like_dockerd_are_parsed),
		T(test_defaults_fill_host_and_data_root),
		T(test_bad_flags_say_what_is_wrong),
		T(test_config_file_fills_what_flags_did_not_set),
		T(test_config_file_errors_name_the_file),
		T(test_runtimes_as_dockerd_names_them),
		T(test_ui_is_off_by_default_and_flag_wins),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
