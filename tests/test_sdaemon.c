/* SPDX-License-Identifier: MIT */
/*
 * Socket activation and readiness: which environments are ours, dockerd's
 * fd:// rules and words, the variables gone from the environment, and the
 * datagrams a notify socket receives (path and abstract).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/base/sdaemon.h"
#include "tests/helpers.h"

static void
assert_env_cleared(void)
{
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
	assert_null(getenv("NOTIFY_SOCKET"));
}

static void
set_listen_env(const char *pid, const char *fds)
{
	char	self[32];

	if (pid == NULL) {
		snprintf(self, sizeof self, "%ld", (long)getpid());
		pid = self;
	}
	assert_int_equal(setenv("LISTEN_PID", pid, 1), 0);
	assert_int_equal(setenv("LISTEN_FDS", fds, 1), 0);
	assert_int_equal(setenv("LISTEN_FDNAMES", "api", 1), 0);
}

static void
test_no_environment_means_no_sockets_and_no_notify(void **state)
{
	struct sdaemon	sd;
	struct err	e = { 0 };
	int		fds[4];

	(void)state;
	assert_int_equal(sdaemon_init(&sd, &e), 0);
	assert_int_equal(sd.nfds, 0);
	assert_int_equal(sdaemon_take(&sd, "", fds, 4, &e), -1);
	assert_string_equal(e.msg, "no sockets found via socket activation: "
	    "make sure the service was started by systemd");
	assert_int_equal(sdaemon_notify(&sd, "READY=1", &e), 0);
}

static void
test_another_pids_sockets_are_ignored_and_cleared(void **state)
{
	struct sdaemon	sd;
	struct err	e = { 0 };

	(void)state;
	set_listen_env("1", "2");
	assert_int_equal(sdaemon_init(&sd, &e), 0);
	assert_int_equal(sd.nfds, 0);
	assert_env_cleared();
	set_listen_env("12x", "1");
	assert_int_equal(sdaemon_init(&sd, &e), 0);
	assert_int_equal(sd.nfds, 0);
	assert_env_cleared();
}

static void
test_a_bad_count_for_us_is_an_error_and_cleared(void **state)
{
	static const char *bad[] = { "x", "-1", "1 ", "", "17" };
	struct sdaemon	sd;
	struct err	e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		set_listen_env(NULL, bad[i]);
		assert_int_equal(sdaemon_init(&sd, &e), -1);
		assert_non_null(strstr(e.msg, "invalid LISTEN_FDS"));
		assert_env_cleared();
	}
	set_listen_env(NULL, "0");
	assert_int_equal(sdaemon_init(&sd, &e), 0);
	assert_int_equal(sd.nfds, 0);
	assert_env_cleared();
}

/* A pool as sdaemon_init would leave it, over real sockets. */
static void
pool(struct sdaemon *sd, int n)
{
	memset(sd, 0, sizeof *sd);
	for (int i = 0; i < SDAEMON_MAX_FDS; i++)
		sd->fds[i] = -1;
	for (int i = 0; i < n; i++)
		sd->fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sd->nfds = n;
}

static void
test_fd_n_takes_one_and_the_rest_are_closed(void **state)
{
	struct sdaemon	sd;
	struct err	e = { 0 };
	int		fds[4], third;

	(void)state;
	pool(&sd, 3);
	third = sd.fds[2];
	assert_int_equal(sdaemon_take(&sd, "5", fds, 4, &e), 1);
	assert_int_equal(fds[0], third);
	assert_int_equal(sdaemon_take(&sd, "5", fds, 4, &e), -1);
	assert_string_equal(e.msg, "fd 5 is taken by another -H fd://");
	assert_int_equal(sdaemon_take(&sd, "6", fds, 4, &e), -1);
	assert_string_equal(e.msg, "too few socket activated files passed "
	    "in by systemd");
	assert_int_equal(sdaemon_take(&sd, "2", fds, 4, &e), -1);
	assert_string_equal(e.msg, "too few socket activated files passed "
	    "in by systemd");
	assert_int_equal(sdaemon_take(&sd, "three", fds, 4, &e), -1);
	assert_string_equal(e.msg, "failed to parse systemd fd address: "
	    "should be a number: three");
	assert_int_equal(sdaemon_take(&sd, "+3", fds, 4, &e), -1);
	close(third);
	sdaemon_close_rest(&sd);	/* the fixture counts the fds */
	assert_int_equal(sd.fds[0], -1);
	assert_int_equal(sd.fds[1], -1);
}

static void
test_fd_all_takes_what_is_left(void **state)
{
	struct sdaemon	sd;
	struct err	e = { 0 };
	int		fds[4], n;

	(void)state;
	pool(&sd, 3);
	assert_int_equal(sdaemon_take(&sd, "4", fds, 4, &e), 1);
	close(fds[0]);
	n = sdaemon_take(&sd, "*", fds, 4, &e);
	assert_int_equal(n, 2);
	assert_int_equal(sdaemon_take(&sd, "", fds + 2, 2, &e), -1);
	assert_string_equal(e.msg, "no sockets left for fd://: an earlier "
	    "-H fd:// took them all");
	close(fds[0]);
	close(fds[1]);
	pool(&sd, 3);
	assert_int_equal(sdaemon_take(&sd, "", fds, 2, &e), -1);
	assert_string_equal(e.msg, "too many socket activated files (at most "
	    "2)");
	close(fds[0]);
	close(fds[1]);
	sdaemon_close_rest(&sd);
}

/* A datagram socket at addr; returns its fd. */
static int
listener(const struct sockaddr_un *sun, socklen_t len)
{
	int	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)sun, len), 0);
	return (fd);
}

static void
assert_received(int fd, const char *want)
{
	char	buf[64];
	ssize_t	n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void
test_notify_reaches_a_path_socket_after_the_env_is_gone(void **state)
{
	struct lp_fixture	*f = *state;
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct sdaemon		 sd;
	struct err		 e = { 0 };
	int			 fd;

	assert_true(strlen(f->dir) + sizeof "/notify" <= sizeof sun.sun_path);
	memcpy(sun.sun_path, f->dir, strlen(f->dir));
	strcat(sun.sun_path, "/notify");
	fd = listener(&sun, sizeof sun);
	assert_int_equal(setenv("NOTIFY_SOCKET", sun.sun_path, 1), 0);
	assert_int_equal(sdaemon_init(&sd, &e), 0);
	assert_env_cleared();
	assert_int_equal(sdaemon_notify(&sd, "READY=1", &e), 0);
	assert_received(fd, "READY=1");
	assert_int_equal(sdaemon_notify(&sd, "STOPPING=1", &e), 0);
	assert_received(fd, "STOPPING=1");
	close(fd);
	unlink(sun.sun_path);
	/* Nobody listens any more: the caller hears of it. */
	assert_int_equal(sdaemon_notify(&sd, "STOPPING=1", &e), -1);
	assert_non_null(strstr(e.msg, "notify "));
}

static void
test_notify_reaches_an_abstract_socket(void **state)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct sdaemon		 sd;
	struct err		 e = { 0 };
	char			 name[64];
	int			 fd, n;

	(void)state;
	n = snprintf(name, sizeof name, "@lp-test-sdaemon-%ld",
	    (long)getpid());
	memcpy(sun.sun_path, name, (size_t)n);
	sun.sun_path[0] = '\0';
	fd = listener(&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + (size_t)n));
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	assert_int_equal(sdaemon_init(&sd, &e), 0);
	assert_int_equal(sdaemon_notify(&sd, "READY=1", &e), 0);
	assert_received(fd, "READY=1");
	close(fd);
}

static void
test_a_notify_socket_we_cannot_use_is_an_error(void **state)
{
	static const char *bad[] = { "vsock:2:1234", "relative/path", "@" };
	struct sdaemon	sd;
	struct err	e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(setenv("NOTIFY_SOCKET", bad[i], 1), 0);
		assert_int_equal(sdaemon_init(&sd, &e), -1);
		assert_non_null(strstr(e.msg, "unsupported NOTIFY_SOCKET"));
		assert_env_cleared();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_no_environment_means_no_sockets_and_no_notify),
		T(test_another_pids_sockets_are_ignored_and_cleared),
		T(test_a_bad_count_for_us_is_an_error_and_cleared),
		T(test_fd_n_takes_one_and_the_rest_are_closed),
		T(test_fd_all_takes_what_is_left),
		T(test_notify_reaches_a_path_socket_after_the_env_is_gone),
		T(test_notify_reaches_an_abstract_socket),
		T(test_a_notify_socket_we_cannot_use_is_an_error),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
