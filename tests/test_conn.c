/* SPDX-License-Identifier: MIT */
/*
 * The connection owner (api/conn.c) driven by a real evhttp over a unix
 * socket: a keep-alive request after a streamed reply is held to the
 * header deadline (a trickled byte a tick does not save it), and the rest
 * of a finished stream reaches a slow reader with its final chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/conn.h"
#include "daemon/base/timeutil.h"
#include "tests/helpers.h"

struct tconn {
	struct conn_table	*t;
	struct evhttp		*http;
	size_t			 body;	/* bytes per streamed reply */
	int			 requests;
	int			 fd;	/* the client's end */
	size_t			 got;	/* bytes the client read */
	char			 tail[8];	/* its last bytes */
	int			 closed;	/* the client saw EOF */
	int			 hijack;	/* the handler takes the socket */
	int			 hijacked_fd;
	struct evbuffer		*pending_out;	/* what evhttp had to send */
	struct evbuffer		*early_in;	/* what the client sent on */
	int			 write_now;	/* chunks by conn_write_now */
	int			 direct;	/* ... that it took */
	int			 queued;	/* ... that it left to evhttp */
	int			 drained;	/* drain callbacks */
	struct evbuffer		*raw;		/* what the client read */
	struct event_base	*base;
	struct evhttp_request	*req;		/* the write_now one */
	struct conn		*c;
};

/* dockerd's Hijacker as api/exec.c uses it: a 101, then the raw socket. */
static void
tconn_hijack(struct tconn *tc, struct evhttp_request *req, struct conn *c)
{
	evhttp_send_reply_start(req, 101, "UPGRADED");
	tc->pending_out = evbuffer_new();
	tc->early_in = evbuffer_new();
	tc->hijacked_fd = conn_hijack(c, tc->pending_out, tc->early_in);
}

static void
tconn_drained_cb(struct evhttp_connection *evcon, void *arg)
{
	struct tconn	*tc = arg;

	(void)evcon;
	tc->drained++;
}

/*
 * Once evhttp has sent a small chunk (and holds the drain callback): four
 * 1 MiB chunks of 'b', 'c', 'd', 'e' through conn_write_now, far more
 * than the socket takes, so the first is sent in part and its rest
 * queued, and the next find output queued and go through evhttp.
 */
static void
tconn_write_now_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tconn	*tc = arg;
	struct evbuffer	*buf = evbuffer_new();
	char		*block = test_malloc(1024 * 1024);

	(void)fd;
	(void)what;
	for (int i = 0; i < 4; i++) {
		memset(block, 'b' + i, 1024 * 1024);
		evbuffer_add(buf, block, 1024 * 1024);
		if (conn_write_now(tc->c, buf, 1) == 0)
			tc->direct++;
		else {
			tc->queued++;
			evhttp_send_reply_chunk_with_cb(tc->req, buf,
			    tconn_drained_cb, tc);
		}
		assert_int_equal(evbuffer_get_length(buf), 0);
	}
	test_free(block);
	evbuffer_free(buf);
	conn_request_end(tc->c);
	evhttp_send_reply_end(tc->req);
}

static void
tconn_write_now(struct tconn *tc, struct evhttp_request *req, struct conn *c)
{
	struct evbuffer		*buf = evbuffer_new();
	struct timeval		 tv = { 0, 50000 };

	evhttp_send_reply_start(req, 200, "OK");
	conn_stream_begin(c);
	evbuffer_add(buf, "a", 1);
	evhttp_send_reply_chunk_with_cb(req, buf, tconn_drained_cb, tc);
	evbuffer_free(buf);
	tc->req = req;
	tc->c = c;
	event_base_once(tc->base, -1, EV_TIMEOUT, tconn_write_now_cb, tc,
	    &tv);
}

/* A streamed reply (chunked), ended at once as a finished backlog is. */
static void
tconn_handler(struct evhttp_request *req, void *arg)
{
	struct tconn	*tc = arg;
	struct conn	*c = conn_request_begin(tc->t, req, NULL, NULL);
	struct evbuffer	*buf = evbuffer_new();
	char		 block[4096];

	assert_non_null(c);
	tc->requests++;
	if (tc->hijack) {
		evbuffer_free(buf);
		tconn_hijack(tc, req, c);
		return;
	}
	if (tc->write_now) {
		evbuffer_free(buf);
		tconn_write_now(tc, req, c);
		return;
	}
	evhttp_send_reply_start(req, 200, "OK");
	conn_stream_begin(c);
	memset(block, 'x', sizeof block);
	for (size_t n = 0; n < tc->body; n += sizeof block)
		evbuffer_add(buf, block, sizeof block);
	evhttp_send_reply_chunk(req, buf);
	evbuffer_free(buf);
	conn_request_end(c);
	evhttp_send_reply_end(req);
}

static void
tconn_open(struct lp_fixture *f, struct tconn *tc, int header_timeout,
    size_t body)
{
	struct conn_config	 cfg = { header_timeout, 30 };
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 lfd;
	char			 path[sizeof f->dir + 4];

	memset(tc, 0, sizeof *tc);
	tc->body = body;
	tc->base = f->base;
	snprintf(path, sizeof path, "%s/s", f->dir);
	assert_true(strlen(path) < sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(lfd, 8), 0);
	tc->http = evhttp_new(f->base);
	tc->t = conn_table_new(f->base, &cfg);
	conn_table_attach(tc->t, tc->http);
	evhttp_set_timeout(tc->http, header_timeout);
	evhttp_set_gencb(tc->http, tconn_handler, tc);
	assert_non_null(evhttp_accept_socket_with_handle(tc->http, lfd));
	tc->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(tc->fd, (struct sockaddr *)&sun, sizeof sun),
	    0);
	assert_int_equal(fcntl(tc->fd, F_SETFL, O_NONBLOCK), 0);
}

static void
tconn_close(struct tconn *tc)
{
	close(tc->fd);
	evhttp_free(tc->http);
	conn_table_free(tc->t);
}

/* Reads what the client has; true once the final chunk or EOF came. */
static int
tconn_read(void *arg)
{
	struct tconn	*tc = arg;
	char		 buf[65536];
	ssize_t		 n;

	while ((n = read(tc->fd, buf, sizeof buf)) > 0) {
		tc->got += (size_t)n;
		if (tc->raw != NULL)
			evbuffer_add(tc->raw, buf, (size_t)n);
		if (n >= 7)
			memcpy(tc->tail, buf + n - 7, 7);
		else {
			memmove(tc->tail, tc->tail + n, 7 - (size_t)n);
			memcpy(tc->tail + 7 - n, buf, (size_t)n);
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN))
		tc->closed = 1;
	return (tc->closed || memcmp(tc->tail, "\r\n0\r\n\r\n", 7) == 0);
}

static void
tconn_send(struct tconn *tc, const char *s)
{
	assert_int_equal(write(tc->fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void
test_conn_keepalive_after_stream_held_to_header_deadline(void **state)
{
	struct lp_fixture	*f = *state;
	struct tconn		 tc;
	const char		*slow = "GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	int64_t			 start;
	char			 one[2] = { 0 };

	tconn_open(f, &tc, 1, 4096);
	tconn_send(&tc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(run_loop_until(f->base, tconn_read, &tc, 2000));
	assert_false(tc.closed);
	assert_int_equal(tc.requests, 1);
	/* One byte each 200 ms: evhttp's 1 s idle timer never fires. */
	start = timeutil_mono_ns();
	for (const char *p = slow; *p != '\0' && !tc.closed; p++) {
		one[0] = *p;
		if (write(tc.fd, one, 1) != 1)
			break;
		run_loop_for(f->base, 200);
		tconn_read(&tc);
	}
	if (!tc.closed)
		run_loop_until(f->base, tconn_read, &tc, 500);
	assert_true(tc.closed);
	/* The deadline is 1 s from the reply's end, swept every 250 ms. */
	assert_true(timeutil_mono_ns() - start < 2000000000LL);
	assert_int_equal(tc.requests, 1);
	tconn_close(&tc);
}

static void
test_conn_slow_reader_gets_the_rest_of_a_finished_stream(void **state)
{
	struct lp_fixture	*f = *state;
	struct tconn		 tc;

	/* Far more than the socket buffers hold: most waits in evhttp. */
	tconn_open(f, &tc, 1, 4 * 1024 * 1024);
	tconn_send(&tc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	/* The reply has ended; the reader is away longer than 1 s. */
	run_loop_for(f->base, 2500);
	assert_int_equal(tc.requests, 1);
	assert_true(run_loop_until(f->base, tconn_read, &tc, 10000));
	assert_false(tc.closed);
	assert_true(tc.got > 4 * 1024 * 1024);
	assert_memory_equal(tc.tail, "\r\n0\r\n\r\n", 7);
	tconn_close(&tc);
}

/*
 * The hand-over: the status line evhttp had not yet sent and the bytes
 * the client sent past its request go to the new owner, the socket works
 * both ways on the new fd, and the connection and request are freed (the
 * leak check): nothing of evhttp's is left on the socket.
 */
static void
test_conn_hijack_hands_over_output_and_early_input(void **state)
{
	struct lp_fixture	*f = *state;
	struct tconn		 tc;
	char			 buf[256];
	ssize_t			 n;
	size_t			 len;

	tconn_open(f, &tc, 30, 0);
	tc.hijack = 1;
	tc.hijacked_fd = -2;
	tconn_send(&tc, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
	    "\r\nEARLY");
	run_loop_for(f->base, 300);
	assert_int_equal(tc.requests, 1);
	assert_true(tc.hijacked_fd >= 0);
	len = evbuffer_get_length(tc.early_in);
	assert_int_equal(len, 5);
	assert_memory_equal(evbuffer_pullup(tc.early_in, -1), "EARLY", 5);
	len = evbuffer_get_length(tc.pending_out);
	assert_true(len > 12);
	assert_memory_equal(evbuffer_pullup(tc.pending_out, -1),
	    "HTTP/1.1 101", 12);
	/* evhttp wrote none of it: the client has nothing yet. */
	run_loop_for(f->base, 100);
	assert_int_equal(read(tc.fd, buf, sizeof buf), -1);
	assert_int_equal(errno, EAGAIN);
	/* The socket is the new owner's, both ways. */
	assert_int_equal(write(tc.hijacked_fd, "out", 3), 3);
	run_loop_for(f->base, 50);
	assert_int_equal(read(tc.fd, buf, sizeof buf), 3);
	assert_memory_equal(buf, "out", 3);
	tconn_send(&tc, "in");
	run_loop_for(f->base, 50);
	n = read(tc.hijacked_fd, buf, sizeof buf);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "in", 2);
	close(tc.hijacked_fd);
	run_loop_for(f->base, 50);
	assert_int_equal(read(tc.fd, buf, sizeof buf), 0);	/* EOF */
	evbuffer_free(tc.pending_out);
	evbuffer_free(tc.early_in);
	tconn_close(&tc);
}

/* The body of a chunked reply in raw (after its head), into body. */
static void
dechunk(struct evbuffer *raw, struct evbuffer *body)
{
	struct evbuffer_ptr	 p;
	char			*line;
	size_t			 len;
	unsigned long		 size;

	p = evbuffer_search(raw, "\r\n\r\n", 4, NULL);
	assert_true(p.pos >= 0);
	evbuffer_drain(raw, (size_t)p.pos + 4);
	for (;;) {
		line = evbuffer_readln(raw, &len, EVBUFFER_EOL_CRLF_STRICT);
		assert_non_null(line);
		size = strtoul(line, NULL, 16);
		free(line);
		if (size == 0)
			break;
		assert_true(evbuffer_get_length(raw) >= size + 2);
		evbuffer_remove_buffer(raw, body, size);
		assert_memory_equal(evbuffer_pullup(raw, 2), "\r\n", 2);
		evbuffer_drain(raw, 2);
	}
}

/*
 * conn_write_now frames its chunks as evhttp would, and what the socket
 * did not take goes out after it, in order, before anything queued
 * later: the client de-chunks exactly "a", then 1 MiB each of b..e.
 */
static void
test_conn_write_now_keeps_chunks_whole_and_in_order(void **state)
{
	struct lp_fixture	*f = *state;
	struct tconn		 tc;
	struct evbuffer		*body = evbuffer_new();
	const unsigned char	*p;

	tconn_open(f, &tc, 30, 0);
	tc.write_now = 1;
	tc.raw = evbuffer_new();
	tconn_send(&tc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(run_loop_until(f->base, tconn_read, &tc, 10000));
	assert_false(tc.closed);
	assert_int_equal(tc.direct, 1);		/* the socket was empty */
	assert_int_equal(tc.queued, 3);		/* its rest was queued */
	assert_true(tc.drained >= 1);
	dechunk(tc.raw, body);
	assert_int_equal(evbuffer_get_length(body), 1 + 4 * 1024 * 1024);
	p = evbuffer_pullup(body, -1);
	assert_int_equal(p[0], 'a');
	for (size_t i = 0; i < 4 * 1024 * 1024; i++)
		if (p[1 + i] != 'b' + i / (1024 * 1024))
			fail_msg("body byte %zu is '%c'", i + 1, p[1 + i]);
	evbuffer_free(body);
	evbuffer_free(tc.raw);
	tconn_close(&tc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_conn_keepalive_after_stream_held_to_header_deadline),
		T(test_conn_slow_reader_gets_the_rest_of_a_finished_stream),
		T(test_conn_hijack_hands_over_output_and_early_input),
		T(test_conn_write_now_keeps_chunks_whole_and_in_order),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
