/* SPDX-License-Identifier: MIT */
/*
 * The unix socket is made 0660 without a chmod by path: chmod follows a
 * symlink, and whoever can write the socket's directory could swap the
 * fresh socket for a link to any file between bind and chmod. The test
 * links with --wrap=chmod and plays that race on every chmod the server
 * makes: the path becomes a symlink to a victim file first.
 * Sockets handed over (-H fd://): served, refused, closed, never unlinked.
 * And the log viewer's listener tells its real port and stays on loopback.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

/* A socket of type bound to path (AF_UNIX) or to addr:0 (AF_INET). */
static int
passed_socket(int type, const char *path, uint32_t addr, int do_listen)
{
	int	fd = socket(path != NULL ? AF_UNIX : AF_INET, type, 0);

	assert_true(fd >= 0);
	if (path != NULL) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		assert_true(strlen(path) < sizeof sun.sun_path);
		memcpy(sun.sun_path, path, strlen(path));
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun),
		    0);
	} else {
		struct sockaddr_in in = { .sin_family = AF_INET,
		    .sin_addr.s_addr = htonl(addr) };

		assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof in),
		    0);
	}
	if (do_listen)
		assert_int_equal(listen(fd, 8), 0);
	return (fd);
}

static void
test_server_passed_socket_serves_and_its_file_stays(void **state)
{
	struct lp_fixture	*f = *state;
	struct server_config	 cfg = { .header_timeout = 30 };
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct server		*srv = server_new(f->base, root, NULL, &cfg,
				     NULL);
	struct err		 err;
	struct stat		 st;
	char			 path[4200], name[256];

	snprintf(path, sizeof path, "%s/passed", f->dir);
	assert_int_equal(server_listen_fd(srv, passed_socket(SOCK_STREAM,
	    path, 0, 1), 0, name, sizeof name, &err), 0);
	assert_string_equal(name, path);
	assert_int_equal(server_listen_fd(srv, passed_socket(SOCK_STREAM,
	    NULL, INADDR_LOOPBACK, 1), 0, name, sizeof name, &err), 0);
	assert_int_equal(strncmp(name, "127.0.0.1:", 10), 0);
	assert_int_equal(srv->nlisteners, 2);
	server_free(srv);	/* closes both: the fixture counts fds */
	cancel_free(root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
}

static void
test_server_passed_socket_not_ours_is_refused_and_closed(void **state)
{
	struct lp_fixture	*f = *state;
	struct server_config	 cfg = { .header_timeout = 30 };
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct server		*srv = server_new(f->base, root, NULL, &cfg,
				     NULL);
	struct err		 err;
	char			 path[4200], name[256];
	int			 fd;

	snprintf(path, sizeof path, "%s/dgram", f->dir);
	fd = passed_socket(SOCK_DGRAM, path, 0, 0);
	assert_int_equal(server_listen_fd(srv, fd, 0, name, sizeof name,
	    &err), -1);
	assert_non_null(strstr(err.msg, "failed to listen on systemd "
	    "activated file: fd "));
	snprintf(path, sizeof path, "%s/unlistened", f->dir);
	assert_int_equal(server_listen_fd(srv, passed_socket(SOCK_STREAM,
	    path, 0, 0), 0, name, sizeof name, &err), -1);
	assert_int_equal(server_listen_fd(srv, passed_socket(SOCK_STREAM,
	    NULL, INADDR_ANY, 1), 0, name, sizeof name, &err), -1);
	assert_int_equal(err.code, EPERM);
	assert_non_null(strstr(err.msg, "not a loopback address"));
	assert_int_equal(srv->nlisteners, 0);
	assert_int_equal(server_listen_fd(srv, passed_socket(SOCK_STREAM,
	    NULL, INADDR_ANY, 1), 1, name, sizeof name, &err), 0);
	server_free(srv);
	cancel_free(root);
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
		T(test_server_passed_socket_serves_and_its_file_stays),
		T(test_server_passed_socket_not_ours_is_refused_and_closed),
		T(test_server_ui_listener_names_its_port_and_stays_on_loopback),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
