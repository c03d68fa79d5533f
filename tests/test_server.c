/* SPDX-License-Identifier: MIT */
/*
 * The unix socket is made 0660 without a chmod by path: chmod follows a
 * symlink, and whoever can write the socket's directory could swap the
 * fresh socket for a link to any file between bind and chmod. The test
 * links with --wrap=chmod and plays that race on every chmod the server
 * makes: the path becomes a symlink to a victim file first.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/server.h"
#include "daemon/base/cancel.h"
#include "tests/helpers.h"

int	__real_chmod(const char *, mode_t);
int	__wrap_chmod(const char *, mode_t);

static char	victim[4200];
static int	chmods;

int
__wrap_chmod(const char *path, mode_t mode)
{
	chmods++;
	if (victim[0] != '\0' && unlink(path) == 0 &&
	    symlink(victim, path) != 0)
		return (-1);
	return (__real_chmod(path, mode));
}

static void
test_server_socket_is_0660_and_never_chmodded_by_path(void **state)
{
	struct lp_fixture	*f = *state;
	struct server_config	 cfg = { .header_timeout = 30 };
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct server		*srv;
	struct err		 err;
	struct stat		 st;
	char			 sock[4200];

	snprintf(victim, sizeof victim, "%s/victim", f->dir);
	snprintf(sock, sizeof sock, "%s/sock", f->dir);
	write_file(victim, "secret", 6);
	assert_int_equal(__real_chmod(victim, 0600), 0);
	chmods = 0;
	srv = server_new(f->base, root, NULL, &cfg, &err);
	assert_non_null(srv);
	assert_int_equal(server_listen(srv, sock, 0, &err), 0);
	assert_int_equal(lstat(victim, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(chmods, 0);
	server_free(srv);
	cancel_free(root);
	victim[0] = '\0';
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_server_socket_is_0660_and_never_chmodded_by_path),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
