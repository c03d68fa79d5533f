/* SPDX-License-Identifier: MIT */
/*
 * Flags and config file: dockerd's names, flags win over the file, and a
 * clear message for every mistake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/options.h"
#include "daemon/options_man.h"
#include "daemon/options_reload.h"
#include "daemon/options_table.h"
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


static void
write_str(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* dockerd's --log-driver/--log-opt and "log-driver"/"log-opts". */
static void
test_log_defaults_from_flags_and_file(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];
	const char		*json = "{\"log-driver\":\"none\","
	    "\"log-opts\":{\"max-size\":\"1m\"}}";

	assert_int_equal(parse(&o, &e, (const char *)NULL), 0);
	assert_string_equal(o.log_driver, "json-file");
	assert_int_equal(json_object_size(o.log_opts), 0);
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--log-opt", "max-size=10m",
	    "--log-opt", "max-file=3", "--log-opt", "max-file=4"), 0);
	assert_string_equal(json_string_value(json_object_get(o.log_opts,
	    "max-size")), "10m");
	assert_string_equal(json_string_value(json_object_get(o.log_opts,
	    "max-file")), "4");
	options_free(&o);
	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, json, strlen(json));
	assert_int_equal(PARSE(&o, &e, "--config", path), 0);
	assert_string_equal(o.log_driver, "none");
	assert_string_equal(json_string_value(json_object_get(o.log_opts,
	    "max-size")), "1m");
	options_free(&o);
	/* Flags win: the file's opts go as a whole, as the flags' would. */
	assert_int_equal(PARSE(&o, &e, "--config", path, "--log-opt",
	    "max-file=2", "--log-driver", "json-file"), 0);
	assert_string_equal(o.log_driver, "json-file");
	assert_int_equal(json_object_size(o.log_opts), 1);
	assert_null(json_object_get(o.log_opts, "max-size"));
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--log-opt", "max-size"), -1);
	assert_non_null(strstr(e.msg, "want KEY=VALUE"));
	options_free(&o);
	write_str(path, "{\"log-opts\":{\"max-size\":1}}");
	assert_int_equal(PARSE(&o, &e, "--config", path), -1);
	assert_non_null(strstr(e.msg, "invalid value for \"log-opts\""));
	options_free(&o);
}

/* An explicit level wins over --debug's, from the file as from a flag. */
static void
test_log_level_flag_wins_over_file(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	char			 path[PATH_MAX + 32];
	const char		*json = "{\"log-level\":\"error\"}";

	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, json, strlen(json));
	assert_int_equal(PARSE(&o, &e, "--config", path, "-l", "warn"), 0);
	assert_int_equal(o.log_level, LOG_LEVEL_WARN);
	options_free(&o);
	assert_int_equal(PARSE(&o, &e, "--config", path, "-D"), 0);
	assert_int_equal(o.log_level, LOG_LEVEL_ERROR);
	assert_true(o.debug);
	options_free(&o);
}

struct notes {
	char	applied[256];
	char	ignored[256];
};

static void
note_cb(const char *key, enum options_reload_what what, void *arg)
{
	struct notes	*n = arg;
	char		*s = what == OPTIONS_RELOAD_APPLIED ? n->applied :
			    n->ignored;

	snprintf(s + strlen(s), sizeof n->applied - strlen(s), "%s ", key);
}

static int
refuse_cb(const struct options *fresh, void *arg, struct err *err)
{
	(void)arg;
	return (err_set(err, EINVAL, "refused %s", fresh->log_driver));
}

/* argv for options_reload, which keeps parsing it: writable copies. */
struct args {
	char	 bufs[8][PATH_MAX + 32];
	char	*argv[9];
	int	 argc;
};

static void
args_make(struct args *a, const char *const *v)
{
	for (a->argc = 0; v[a->argc] != NULL; a->argc++) {
		snprintf(a->bufs[a->argc], sizeof a->bufs[0], "%s",
		    v[a->argc]);
		a->argv[a->argc] = a->bufs[a->argc];
	}
	a->argv[a->argc] = NULL;
}

static void
test_reload_applies_reloadable_keys_and_notes_the_rest(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	struct notes		 n = { "", "" };
	struct args		 a;
	char			 path[PATH_MAX + 32];
	const char		*v1 = "{\"data-root\":\"/tmp/a\","
	    "\"log-opts\":{\"max-size\":\"1m\"},\"ui\":\"127.0.0.1:1\"}";
	const char		*v2 = "{\"data-root\":\"/tmp/b\","
	    "\"debug\":true,\"log-level\":\"warn\",\"shutdown-timeout\":3,"
	    "\"log-opts\":{\"max-size\":\"2m\",\"max-file\":\"5\"},"
	    "\"log-driver\":\"none\",\"hosts\":[\"unix:///tmp/z.sock\"]}";

	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, v1, strlen(v1));
	args_make(&a, (const char *const[]){ "logpouchd", "--config", path,
	    "-H", "unix:///tmp/y.sock", NULL });
	assert_int_equal(options_parse(&o, a.argc, a.argv, &e), 0);
	assert_false(o.debug);
	/* Nothing changed: nothing to say. */
	assert_int_equal(options_reload(&o, a.argc, a.argv, NULL, note_cb, &n,
	    &e), 0);
	assert_string_equal(n.applied, "");
	assert_string_equal(n.ignored, "");

	write_file(path, v2, strlen(v2));
	assert_int_equal(options_reload(&o, a.argc, a.argv, NULL, note_cb, &n,
	    &e), 5);
	assert_string_equal(n.applied, "debug log-level shutdown-timeout "
	    "log-driver log-opts ");
	/* The -H flag wins over the file's hosts, so those did not change. */
	assert_string_equal(n.ignored, "data-root ui ");
	assert_true(o.debug);
	assert_int_equal(o.log_level, LOG_LEVEL_WARN);
	assert_int_equal(o.shutdown_timeout, 3);
	assert_string_equal(o.log_driver, "none");
	assert_string_equal(json_string_value(json_object_get(o.log_opts,
	    "max-size")), "2m");
	assert_string_equal(json_string_value(json_object_get(o.log_opts,
	    "max-file")), "5");
	assert_string_equal(o.data_root, "/tmp/a");
	assert_string_equal(o.ui, "127.0.0.1:1");
	assert_int_equal(o.nhosts, 1);
	assert_string_equal(o.hosts[0], "unix:///tmp/y.sock");

	/* Back to a file without them: the defaults come back. */
	write_file(path, v1, strlen(v1));
	n.applied[0] = n.ignored[0] = '\0';
	assert_int_equal(options_reload(&o, a.argc, a.argv, NULL, note_cb, &n,
	    &e), 5);
	assert_false(o.debug);
	assert_int_equal(o.log_level, LOG_LEVEL_INFO);
	assert_int_equal(o.shutdown_timeout, 15);
	assert_string_equal(o.log_driver, "json-file");
	assert_int_equal(json_object_size(o.log_opts), 1);
	assert_string_equal(n.ignored, "");
	options_free(&o);
}

static void
test_reload_of_a_broken_file_changes_nothing(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	struct notes		 n = { "", "" };
	struct args		 a;
	char			 path[PATH_MAX + 32];
	const char		*good = "{\"log-opts\":{\"max-size\":\"1m\"}}";
	const char *const	 bad[] = { "{\"debug\":", "{\"debug\":\"yes\"}",
	    "{\"log-level\":\"loud\"}", "{\"colour\":1}", "[1]",
	    "{\"log-opts\":[\"max-size=2m\"]}" };

	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_file(path, good, strlen(good));
	args_make(&a, (const char *const[]){ "logpouchd", "--config", path,
	    NULL });
	assert_int_equal(options_parse(&o, a.argc, a.argv, &e), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.msg[0] = '\0';
		write_file(path, bad[i], strlen(bad[i]));
		assert_int_equal(options_reload(&o, a.argc, a.argv, NULL,
		    note_cb, &n, &e), -1);
		assert_non_null(strstr(e.msg, path));
	}
	unlink(path);
	assert_int_equal(options_reload(&o, a.argc, a.argv, NULL, note_cb, &n,
	    &e), -1);
	/* A valid file the caller's check refuses changes nothing either. */
	write_str(path, "{\"debug\":true,\"log-driver\":\"x\"}");
	assert_int_equal(options_reload(&o, a.argc, a.argv, refuse_cb,
	    note_cb, &n, &e), -1);
	assert_string_equal(e.msg, "refused x");
	assert_string_equal(n.applied, "");
	assert_false(o.debug);
	assert_string_equal(o.log_driver, "json-file");
	assert_string_equal(json_string_value(json_object_get(o.log_opts,
	    "max-size")), "1m");
	options_free(&o);
}

/* Flags win on a reload too: -D stays, whatever the file says now. */
static void
test_reload_keeps_what_flags_set(void **state)
{
	struct lp_fixture	*f = *state;
	struct options		 o;
	struct err		 e = { 0 };
	struct notes		 n = { "", "" };
	struct args		 a;
	char			 path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/daemon.json", f->dir);
	write_str(path, "{}");
	args_make(&a, (const char *const[]){ "logpouchd", "--config", path,
	    "-D", "--log-opt", "max-file=2", NULL });
	assert_int_equal(options_parse(&o, a.argc, a.argv, &e), 0);
	write_str(path, "{\"debug\":false,\"log-opts\":{}}");
	assert_int_equal(options_reload(&o, a.argc, a.argv, NULL, note_cb, &n,
	    &e), 0);
	assert_true(o.debug);
	assert_int_equal(json_object_size(o.log_opts), 1);
	assert_string_equal(n.applied, "");
	options_free(&o);
}

static char *
capture(int what)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	if (what == 0)
		options_table_help(fp);
	else
		assert_int_equal(options_man_write(fp, what, "test"), 0);
	fclose(fp);
	return (buf);
}

/* --help, logpouchd(8) and logpouch.json(5) come from the one table. */
static void
test_help_and_man_pages_list_the_table(void **state)
{
	char	*help = capture(0), *man8 = capture(8), *man5 = capture(5);
	char	 flag[64], roff[96], key[64];
	FILE	*fp = fopen("/dev/null", "w");

	(void)state;
	for (size_t i = 0; i < options_nspecs; i++) {
		const struct options_spec	*s = &options_specs[i];
		char				*p = roff;

		snprintf(flag, sizeof flag, "--%s", s->name);
		p += sprintf(p, "\\fB\\-\\-");
		for (const char *c = s->name; *c != '\0'; c++)
			p += *c == '-' ? sprintf(p, "\\-") : sprintf(p, "%c",
			    *c);
		sprintf(p, "\\fR");
		if (s->flags & OPTIONS_SPEC_HIDDEN) {
			snprintf(flag, sizeof flag, "--%s ", s->name);
			assert_null(strstr(help, flag));
			continue;
		}
		assert_non_null(strstr(help, flag));
		assert_non_null(strstr(man8, roff));
		if (s->key != NULL) {
			p = key + sprintf(key, ".TP\n\\fB");
			for (const char *c = s->key; *c != '\0'; c++)
				p += *c == '-' ? sprintf(p, "\\-") :
				    sprintf(p, "%c", *c);
			assert_non_null(strstr(man5, key));
		}
	}
	assert_non_null(strstr(man5, "\\fBlog\\-opts\\fR (object of strings)"));
	assert_non_null(strstr(man5, "\\fBhosts\\fR"));
	assert_int_equal(options_man_write(fp, 1, "test"), -1);
	fclose(fp);
	free(help);
	free(man8);
	free(man5);
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
		T(test_log_defaults_from_flags_and_file),
		T(test_log_level_flag_wins_over_file),
		T(test_reload_applies_reloadable_keys_and_notes_the_rest),
		T(test_reload_of_a_broken_file_changes_nothing),
		T(test_reload_keeps_what_flags_set),
		T(test_help_and_man_pages_list_the_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
