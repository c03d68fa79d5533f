/* SPDX-License-Identifier: MIT */
/*
 * The one environment builder, for a container's process and an exec:
 * dockerd's CreateDaemonEnvironment order (PATH, HOSTNAME, TERM with a
 * tty), then the container's Env (the image's with the user's merged over
 * it at create), then an exec's own Env, each replacing keys in place.
 */
#include <string.h>

#include <jansson.h>

#include "daemon/execenv.h"
#include "tests/helpers.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
assert_env(char **env, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(env[i]);
		assert_string_equal(env[i], want[i]);
	}
	assert_null(env[i]);
	execenv_free(env);
}

static void
test_execenv_defaults_come_first(void **state)
{
	json_t		*cfg = json_pack("{s:[]}", "Env");
	const char	*plain[] = { "PATH=" EXECENV_DEFAULT_PATH,
			    "HOSTNAME=0123456789ab", "HOME=/root", NULL };
	const char	*tty[] = { "PATH=" EXECENV_DEFAULT_PATH,
			    "HOSTNAME=0123456789ab", "TERM=xterm", "HOME=/root",
			    NULL };

	(void)state;
	assert_env(execenv_build(cfg, ID, 0, NULL), plain);
	assert_env(execenv_build(cfg, ID, 1, NULL), tty);
	json_decref(cfg);
}

static void
test_execenv_later_keys_replace_in_place(void **state)
{
	/* An image's PATH and A, the user's A and B after them. */
	json_t		*cfg = json_pack("{s:[s,s,s,s,s]}", "Env",
			    "PATH=/img/bin", "A=image", "A=user", "B=b",
			    "HOSTNAME=mine");
	const char	*container[] = { "PATH=/img/bin", "HOSTNAME=mine",
			    "TERM=xterm", "A=user", "B=b", "HOME=/root", NULL };
	const char	*over[] = { "B=exec", "A", "TERM=vt100", "HOME=/h",
			    "C", NULL };
	const char	*exec[] = { "PATH=/img/bin", "HOSTNAME=mine",
			    "TERM=vt100", "B=exec", "HOME=/h", NULL };

	(void)state;
	assert_env(execenv_build(cfg, ID, 1, NULL), container);
	assert_env(execenv_build(cfg, ID, 1, over), exec);
	json_decref(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_execenv_defaults_come_first),
		T(test_execenv_later_keys_replace_in_place),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
