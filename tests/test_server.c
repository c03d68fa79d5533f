/* SPDX-License-Identifier: MIT */
/*
 * The unix socket is made 0660 without a chmod by path: chmod follows a
 * symlink, and whoever can write the socket's directory could swap the
 * fresh socket for a link to any file between bind and chmod. The test
 * links with --wrap=chmod and plays that race on every chmod the server
 * makes: the path becomes a symlink to a victim file first. And the log
 * viewer's listener tells its real port and stays on loopback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

static void
test_server_ui_listener_names_its_port_and_stays_on_loopback(void **state)
{
	struct lp_fixture	*f = *state;
	struct server_config	 cfg = { .header_timeout = 30 };
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct server		*srv;
	struct err		 err = { 0 };
	char			 url[128];
	long			 port;

	srv = server_new(f->base, root, NULL, &cfg, &err);
	assert_non_null(srv);
	assert_int_equal(server_listen_ui(srv, "127.0.0.1:0", 0, url,
	    sizeof url, &err), 0);
	assert_int_equal(strncmp(url, "http://127.0.0.1:", 17), 0);
	port = strtol(url + 17, NULL, 10);
	assert_true(port > 0 && port < 65536);
	assert_non_null(strstr(url, "/ui/"));
	assert_int_equal(server_listen_ui(srv, "tcp://[::1]:0", 0, url,
	    sizeof url, &err) == 0 || err.code == EADDRNOTAVAIL, 1);
	assert_int_equal(server_listen_ui(srv, "0.0.0.0:0", 0, url,
	    sizeof url, &err), -1);
	assert_int_equal(err.code, EPERM);
	assert_non_null(strstr(err.msg, "--allow-remote-tcp"));
	server_free(srv);
	cancel_free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_server_socket_is_0660_and_never_chmodded_by_path),
		T(test_server_ui_listener_names_its_port_and_stays_on_loopback),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
