/* SPDX-License-Identifier: MIT */
/*
 * A logs stream through the whole edge (server, dispatch, request,
 * connection owner, stream, reader) over a unix socket: a client that
 * leaves a quiet follow, one that leaves mid-backlog with output unread
 * (a write error), and a keep-alive request after a finished
 * stream. Each must leave nothing behind (the fixture's leak check) and
 * the server serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "api/conn.h"
#include "api/dispatch.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/timeutil.h"
#include "daemon/container.h"
#include "tests/helpers.h"

struct tstream {
	struct lp_fixture	*f;
	struct lp_store		 store;
	struct cancel		*root;		/* the store's */
	struct container_store	*st;		/* the store's */
	struct server		*srv;
	struct sockaddr_un	 sun;
	int			 fd;
	size_t			 got;
	char			 tail[8];
	int			 closed;
	struct container	*c;
};

static void
tstream_open(struct tstream *t, struct lp_fixture *f, int header_timeout)
{
	struct server_config	 cfg = { .header_timeout = header_timeout,
	    .write_timeout = 10, .max_body = 1 << 20, .max_upload = 1 << 20,
	    .max_headers = 64 << 10 };
	struct err		 err;
	char			 path[sizeof f->dir + 4];

	memset(t, 0, sizeof *t);
	t->f = f;
	t->fd = -1;
	lp_store_open(&t->store, f);
	t->st = t->store.st;
	t->root = t->store.root;
	cfg.data_root = f->dir;
	t->srv = server_new(f->base, t->root, t->st, &cfg, &err);
	assert_non_null(t->srv);
	dispatch_attach(t->srv);
	snprintf(path, sizeof path, "%s/s", f->dir);
	assert_true(strlen(path) < sizeof t->sun.sun_path);
	t->sun.sun_family = AF_UNIX;
	memcpy(t->sun.sun_path, path, strlen(path) + 1);
	assert_int_equal(server_listen(t->srv, path, 0, &err), 0);
}

static int
tstream_not_running(void *arg)
{
	return (!container_running(arg));
}

static void
tstream_close(struct tstream *t)
{
	struct err	err;

	if (t->fd != -1)
		close(t->fd);
	if (t->c != NULL) {
		if (container_running(t->c))
			container_kill(t->c, 9, &err);
		assert_true(run_loop_until(t->f->base, tstream_not_running,
		    t->c, 5000));
	}
	server_free(t->srv);
	lp_store_close(&t->store);
}

static void
tstream_container(struct tstream *t, const char *name, const char *script,
    int wait_exit)
{
	struct err	 err;
	json_t		*config, *hc;

	config = json_pack("{s:s, s:[s,s,s], s:n, s:[], s:s, s:b, s:{},"
	    " s:b, s:b}", "Image", "busybox", "Cmd", "sh", "-c", script,
	    "Entrypoint", "Env", "WorkingDir", "", "Tty", 0, "Labels",
	    "AttachStdout", 1, "AttachStderr", 1);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	t->c = container_store_create(t->st, name, config, hc, &err);
	assert_non_null(t->c);
	assert_int_equal(container_start(t->c, &err), 0);
	if (wait_exit)
		assert_true(run_loop_until(t->f->base, tstream_not_running,
		    t->c, 10000));
}

static void
tstream_connect(struct tstream *t, const char *request)
{
	t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(t->fd >= 0);
	assert_int_equal(connect(t->fd, (struct sockaddr *)&t->sun,
	    sizeof t->sun), 0);
	assert_int_equal(fcntl(t->fd, F_SETFL, O_NONBLOCK), 0);
	t->got = 0;
	t->closed = 0;
	memset(t->tail, 0, sizeof t->tail);
	assert_int_equal(write(t->fd, request, strlen(request)),
	    (ssize_t)strlen(request));
}

/* Reads what is there; true at the final chunk or EOF. */
static int
tstream_read(void *arg)
{
	struct tstream	*t = arg;
	char		 buf[65536];
	ssize_t		 n;

	while ((n = read(t->fd, buf, sizeof buf)) > 0) {
		t->got += (size_t)n;
		if (n >= 7)
			memcpy(t->tail, buf + n - 7, 7);
		else {
			memmove(t->tail, t->tail + n, 7 - (size_t)n);
			memcpy(t->tail + 7 - n, buf, (size_t)n);
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN))
		t->closed = 1;
	return (t->closed || memcmp(t->tail, "\r\n0\r\n\r\n", 7) == 0);
}

static int
tstream_got_some(void *arg)
{
	struct tstream	*t = arg;

	tstream_read(t);
	return (t->got > 0 && t->srv->streams == 1);
}

static int
tstream_released(void *arg)
{
	struct tstream	*t = arg;

	return (t->srv->streams == 0 && t->srv->in_flight == 0);
}

static void
test_stream_client_gone_during_a_quiet_follow(void **state)
{
	struct tstream	t;

	tstream_open(&t, *state, 30);
	tstream_container(&t, "quiet", "echo hi; exec sleep 1000", 0);
	tstream_connect(&t, "GET /containers/quiet/logs?stdout=1&follow=1 "
	    "HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(run_loop_until(t.f->base, tstream_got_some, &t, 5000));
	/* Quiet now: nothing is written, only the close can end it. */
	run_loop_for(t.f->base, 200);
	assert_int_equal(t.srv->streams, 1);
	close(t.fd);
	t.fd = -1;
	assert_true(run_loop_until(t.f->base, tstream_released, &t, 2000));
	tstream_close(&t);
}

static void
test_stream_write_error_mid_backlog(void **state)
{
	struct tstream	t;

	tstream_open(&t, *state, 30);
	/* ~1.3 MB framed: far more than the socket buffers hold. */
	tstream_container(&t, "chatty", "seq 1 100000", 1);
	tstream_connect(&t, "GET /containers/chatty/logs?stdout=1 "
	    "HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(run_loop_until(t.f->base, tstream_got_some, &t, 5000));
	/*
	 * The client leaves with the daemon's output unread: its writes
	 * fail (EPIPE) while the reader still has most of the log to go.
	 */
	close(t.fd);
	t.fd = -1;
	assert_true(run_loop_until(t.f->base, tstream_released, &t, 5000));
	assert_true(t.got < 1000000);
	tstream_close(&t);
}

static int
tstream_dropped(void *arg)
{
	struct tstream	*t = arg;

	tstream_read(t);
	return (t->closed);
}

static void
test_stream_keepalive_after_finished_stream_has_a_deadline(void **state)
{
	struct tstream	 t;
	const char	*slow = "GET /_ping HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaa";
	char		 one[1];
	int64_t		 start;

	tstream_open(&t, *state, 1);
	tstream_container(&t, "done", "echo one; echo two", 1);
	tstream_connect(&t, "GET /containers/done/logs?stdout=1 "
	    "HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(run_loop_until(t.f->base, tstream_read, &t, 5000));
	assert_false(t.closed);
	assert_true(run_loop_until(t.f->base, tstream_released, &t, 2000));
	start = timeutil_mono_ns();
	for (const char *p = slow; *p != '\0' && !t.closed; p++) {
		one[0] = *p;
		if (write(t.fd, one, 1) != 1)
			break;
		run_loop_for(t.f->base, 200);
		tstream_read(&t);
	}
	if (!t.closed)
		run_loop_until(t.f->base, tstream_dropped, &t, 1000);
	assert_true(t.closed);
	assert_true(timeutil_mono_ns() - start < 2000000000LL);
	assert_true(conn_table_drops(t.srv->conns) >= 1);
	tstream_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_stream_client_gone_during_a_quiet_follow),
		T(test_stream_write_error_mid_backlog),
		T(test_stream_keepalive_after_finished_stream_has_a_deadline),
	};

	/* As the daemon (main.c): a write to a gone client is EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
