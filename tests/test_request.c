/* SPDX-License-Identifier: MIT */
/*
 * A streamed reply (api/request.c over the server and the connection
 * owner, a real unix socket) whose producer ends in the same loop pass as
 * the client closes: the producer's end and the request's cancel race,
 * in both orders. The request must end once and leave nothing behind
 * (the fixture's leak check, ASan for a double free), and the server
 * must forget the request.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>

#include "api/request.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "tests/helpers.h"

enum trace_end {
	TRACE_RUNNING,
	TRACE_PRODUCER,		/* the producer's source ran dry */
	TRACE_CANCEL,		/* the request's context fired */
};

struct trace {
	struct lp_fixture	*f;
	struct cancel		*root;
	struct server		*srv;
	struct sockaddr_un	 sun;
	int			 fd;		/* the client's end */
	struct event		 src_ev;	/* the producer's last step */
	struct cancel_hook	 hook;		/* on the request's ctx */
	struct api_req		*r;		/* NULL once ended */
	enum trace_end		 end;
	int			 ends;		/* api_stream_end calls */
	int			 late;		/* triggers after the end */
	size_t			 got;
};

/* The test under way, for the handler (the server passes only the request). */
static struct trace	*trace_cur;

/* The one end, whichever trigger comes first (STYLE.md §4.3). */
static void
trace_finish(struct trace *t, enum trace_end why)
{
	struct api_req	*r = t->r;

	if (r == NULL) {
		t->late++;
		return;
	}
	t->r = NULL;
	t->end = why;
	event_del(&t->src_ev);
	cancel_hook_del(&t->hook);
	t->ends++;
	api_stream_end(r);	/* r is freed memory from here */
}

static void
trace_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	(void)ctx;
	(void)why;
	trace_finish(arg, TRACE_CANCEL);
}

/* The producer's last record, then its natural end. */
static void
trace_src_cb(evutil_socket_t fd, short what, void *arg)
{
	struct trace	*t = arg;
	struct evbuffer	*buf;

	(void)fd;
	(void)what;
	if (t->r == NULL) {
		t->late++;
		return;
	}
	buf = evbuffer_new();
	evbuffer_add_printf(buf, "last\n");
	api_stream_write(t->r, buf, NULL, NULL);
	evbuffer_free(buf);
	trace_finish(t, TRACE_PRODUCER);
}

static void
trace_handler(struct api_req *r)
{
	struct trace	*t = trace_cur;
	struct evbuffer	*buf = evbuffer_new();

	t->r = r;
	api_stream_start(r, 200, "text/plain");
	evbuffer_add_printf(buf, "first\n");
	api_stream_write(r, buf, NULL, NULL);
	evbuffer_free(buf);
	event_assign(&t->src_ev, t->f->base, -1, 0, trace_src_cb, t);
	assert_int_equal(cancel_hook_add(api_req_ctx(r), &t->hook,
	    trace_cancel_cb, t), 0);
}

static void
trace_request_cb(struct evhttp_request *req, void *arg)
{
	struct server	*srv = arg;
	char		*params[API_MAX_PARAMS] = { NULL };

	api_req_dispatch(srv, req, trace_handler, "test.trace", params,
	    API_VERSION_MAX);
}

static void
trace_open(struct trace *t, struct lp_fixture *f)
{
	struct server_config	 cfg = { .header_timeout = 30,
	    .write_timeout = 10, .max_body = 1 << 20, .max_upload = 1 << 20,
	    .max_headers = 64 << 10 };
	struct err		 err;
	const char		*req = "GET /trace HTTP/1.1\r\nHost: x\r\n\r\n";
	char			 path[sizeof f->dir + 4];

	memset(t, 0, sizeof *t);
	t->f = f;
	t->root = cancel_new_root(f->base, "root");
	trace_cur = t;
	cfg.data_root = f->dir;
	t->srv = server_new(f->base, t->root, NULL, &cfg, &err);
	assert_non_null(t->srv);
	evhttp_set_gencb(t->srv->http, trace_request_cb, t->srv);
	snprintf(path, sizeof path, "%s/s", f->dir);
	assert_true(strlen(path) < sizeof t->sun.sun_path);
	t->sun.sun_family = AF_UNIX;
	memcpy(t->sun.sun_path, path, strlen(path) + 1);
	assert_int_equal(server_listen(t->srv, path, 0, &err), 0);
	t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(t->fd >= 0);
	assert_int_equal(connect(t->fd, (struct sockaddr *)&t->sun,
	    sizeof t->sun), 0);
	assert_int_equal(fcntl(t->fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(write(t->fd, req, strlen(req)), (ssize_t)strlen(req));
}

static void
trace_close(struct trace *t)
{
	if (t->fd != -1)
		close(t->fd);
	server_free(t->srv);
	cancel_free(t->root);
}

/* The client has the headers and the first record: the stream is live. */
static int
trace_streaming(void *arg)
{
	struct trace	*t = arg;
	char		 buf[4096];
	ssize_t		 n;

	while ((n = read(t->fd, buf, sizeof buf)) > 0)
		t->got += (size_t)n;
	return (t->r != NULL && t->got > 0 && t->srv->streams == 1);
}

static int
trace_released(void *arg)
{
	struct trace	*t = arg;

	return (t->srv->in_flight == 0 && t->srv->streams == 0);
}

/*
 * Both triggers are due in the next loop pass: the client's close (an EOF
 * the poll returns) and the producer's last step. Made active before the
 * pass, the producer runs ahead of what the poll finds; as a zero timer
 * it runs after (libevent activates timers after the poll's events).
 */
static void
trace_race(struct trace *t, int producer_first)
{
	struct timeval	 now = { 0, 0 };

	assert_true(run_loop_until(t->f->base, trace_streaming, t, 5000));
	close(t->fd);
	t->fd = -1;
	if (producer_first)
		event_active(&t->src_ev, EV_TIMEOUT, 0);
	else
		event_add(&t->src_ev, &now);
	event_base_loop(t->f->base, EVLOOP_ONCE);
	/* Both were ready for that one pass: it ended the request. */
	assert_int_not_equal(t->end, TRACE_RUNNING);
	assert_null(t->r);
	assert_int_equal(t->ends, 1);
	assert_true(run_loop_until(t->f->base, trace_released, t, 2000));
	/* Whatever of the close is still to come, let it come. */
	run_loop_for(t->f->base, 100);
	/* The trigger that lost found nothing to end, or never ran. */
	assert_int_equal(t->late, 0);
	assert_int_equal(t->ends, 1);
}

static void
test_request_producer_end_and_client_close_in_one_pass(void **state)
{
	struct trace	t;

	trace_open(&t, *state);
	trace_race(&t, 1);
	assert_int_equal(t.end, TRACE_PRODUCER);
	trace_close(&t);
}

static void
test_request_client_close_and_producer_end_in_one_pass(void **state)
{
	struct trace	t;

	trace_open(&t, *state);
	trace_race(&t, 0);
	assert_int_equal(t.end, TRACE_CANCEL);
	trace_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_request_producer_end_and_client_close_in_one_pass),
		T(test_request_client_close_and_producer_end_in_one_pass),
	};

	/* As the daemon (main.c): a write to a gone client is EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
