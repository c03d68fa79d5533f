/* SPDX-License-Identifier: MIT */
/*
 * The hijacked connection without evhttp: a duplex over a socketpair (or a
 * loopback TCP pair), its client played by the test. Every lifetime order
 * that matters: a quiet client closing, a reset with data queued, cancel
 * racing the natural end both ways, a half-close, a slow reader paused or
 * dropped, and the owner freeing the duplex from inside its callbacks. Each
 * test ends back at baseline: tasks, contexts, events, fds, frees, memory.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/duplex.h"
#include "api/frame.h"
#include "daemon/base/cancel.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "tests/helpers.h"

#define KIND	"test.duplex"

struct owner {
	struct lp_fixture	*f;
	struct cancel		*root;
	struct duplex		*d;		/* NULL once freed */
	int			 client;	/* the test's end */
	int			 ends;
	enum cancel_reason	 why;
	int			 eofs;
	int			 drains;
	int			 inputs;
	struct evbuffer		*got;		/* what the owner took */
	struct evbuffer		*seen;		/* what the client read */
	int			 client_eof;
	int			 free_in_input;
	int			 free_in_eof;
	int			 finish_in_end;	/* the natural end races */
	int			 fire_in_end;	/* the cancel races */
};

static void
own_input_cb(struct duplex *d, struct evbuffer *in, void *arg)
{
	struct owner	*o = arg;

	o->inputs++;
	evbuffer_add_buffer(o->got, in);
	if (o->free_in_input) {
		duplex_free(d);
		o->d = NULL;
	}
}

static void
own_eof_cb(struct duplex *d, void *arg)
{
	struct owner	*o = arg;

	o->eofs++;
	if (o->free_in_eof) {
		duplex_free(d);
		o->d = NULL;
	}
}

static void
own_drained_cb(struct duplex *d, void *arg)
{
	struct owner	*o = arg;

	(void)d;
	o->drains++;
}

static void
own_end_cb(struct duplex *d, enum cancel_reason why, void *arg)
{
	struct owner	*o = arg;

	o->ends++;
	o->why = why;
	assert_true(duplex_finished(d));
	if (o->finish_in_end) {
		duplex_end(d);
		duplex_finish(d, CANCEL_NONE);
	}
	if (o->fire_in_end)
		cancel_fire(o->root, CANCEL_SHUTDOWN);
	duplex_free(d);
	duplex_free(d);		/* a second free is harmless */
	o->d = NULL;
}

static void
own_opts(struct owner *o, struct duplex_opts *op)
{
	memset(op, 0, sizeof *op);
	op->kind = KIND;
	op->input = own_input_cb;
	op->eof = own_eof_cb;
	op->drained = own_drained_cb;
	op->end = own_end_cb;
	op->arg = o;
}

static void
own_init(struct owner *o, struct lp_fixture *f)
{
	memset(o, 0, sizeof *o);
	o->f = f;
	o->root = cancel_new_root(f->base, "test");
	o->got = evbuffer_new();
	o->seen = evbuffer_new();
	o->client = -1;
}

/* A duplex on one end of a socketpair; the other is o->client. */
static void
own_new(struct owner *o, const struct duplex_opts *op,
    struct evbuffer *pending, struct evbuffer *early)
{
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv), 0);
	o->client = sv[1];
	o->d = duplex_new(o->f->base, o->root, sv[0], pending, early, op);
}

/* The same over loopback TCP, where a close needs a probe to be seen. */
static void
own_new_tcp(struct owner *o, const struct duplex_opts *op)
{
	struct sockaddr_in	sa = { .sin_family = AF_INET };
	socklen_t		len = sizeof sa;
	int			l, c, s;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(s >= 0);
	close(l);
	o->client = c;
	o->d = duplex_new(o->f->base, o->root, s, NULL, NULL, op);
}

static void
own_done(struct owner *o)
{
	duplex_free(o->d);
	o->d = NULL;
	if (o->client != -1)
		close(o->client);
	cancel_free(o->root);
	/* cmocka checks the test's blocks before the teardown runs. */
	reap_drain(o->f->base);
	evbuffer_free(o->got);
	evbuffer_free(o->seen);
}

static int
ended(void *arg)
{
	return (((struct owner *)arg)->ends > 0);
}

static int
eofed(void *arg)
{
	return (((struct owner *)arg)->eofs > 0);
}

/* Reads what the client can without blocking; true once it saw EOF. */
static int
client_drain(void *arg)
{
	struct owner	*o = arg;
	char		 buf[65536];
	ssize_t		 n;

	while ((n = recv(o->client, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		evbuffer_add(o->seen, buf, (size_t)n);
	if (n == 0)
		o->client_eof = 1;
	return (o->client_eof);
}

/* Reads what is there; true once the client has some bytes. */
static int
client_drain_some(void *arg)
{
	client_drain(arg);
	return (evbuffer_get_length(((struct owner *)arg)->seen) > 0);
}

static void
test_duplex_notices_a_quiet_client_close_at_once(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	assert_int_equal(task_count_kind(KIND), 1);
	run_loop_for(o.f->base, 30);
	assert_int_equal(o.ends, 0);		/* quiet is not gone */
	close(o.client);
	o.client = -1;
	/* Nothing is written: the read side alone must see it. */
	assert_true(run_loop_until(o.f->base, ended, &o, 100));
	assert_int_equal(o.why, CANCEL_CLIENT_GONE);
	assert_int_equal(o.ends, 1);
	assert_int_equal(task_count_kind(KIND), 0);
	assert_null(o.d);
	own_done(&o);
}

static void
test_duplex_reset_with_data_queued_ends_it(void **state)
{
	struct owner		o;
	struct duplex_opts	op;
	char			chunk[65536];
	struct duplex_totals	t0, t1;

	own_init(&o, *state);
	own_opts(&o, &op);
	op.high_water = 64 * 1024 * 1024;
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	/* Not read: only the failing write can tell. */
	duplex_input_pause(o.d);
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 64; i++)
		assert_int_equal(duplex_frame(o.d, FRAME_STDOUT, chunk,
		    sizeof chunk), 0);
	run_loop_for(o.f->base, 20);
	assert_true(duplex_queued(o.d) > 0);	/* the kernel is full */
	duplex_totals(&t0);
	/* Closing with unread data resets the connection. */
	close(o.client);
	o.client = -1;
	assert_true(run_loop_until(o.f->base, ended, &o, 1000));
	assert_true(o.why == CANCEL_WRITE_ERROR ||
	    o.why == CANCEL_CLIENT_GONE);
	duplex_totals(&t1);
	assert_true(t1.bytes_out >= t0.bytes_out);
	own_done(&o);
}

static void
test_duplex_cancel_wins_over_the_owner_finishing_in_its_callback(
    void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	o.finish_in_end = 1;
	duplex_start(o.d);
	duplex_frame(o.d, FRAME_STDOUT, "last", 4);
	duplex_end(o.d);			/* the natural end, pending */
	cancel_fire(o.root, CANCEL_SHUTDOWN);	/* ... and the cancel */
	assert_int_equal(o.ends, 1);
	assert_int_equal(o.why, CANCEL_SHUTDOWN);
	run_loop_for(o.f->base, 20);
	assert_int_equal(o.ends, 1);
	own_done(&o);
}

static void
test_duplex_natural_end_wins_over_a_cancel_in_its_callback(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	o.fire_in_end = 1;
	duplex_start(o.d);
	duplex_frame(o.d, FRAME_STDOUT, "bye", 3);
	duplex_end(o.d);
	assert_int_equal(o.ends, 0);		/* from the loop, not here */
	assert_true(run_loop_until(o.f->base, ended, &o, 500));
	assert_int_equal(o.why, CANCEL_NONE);
	assert_int_equal(o.ends, 1);
	assert_true(cancel_is_cancelled(o.root));
	/* Everything queued went out, then the FIN. */
	assert_true(run_loop_until(o.f->base, client_drain, &o, 500));
	assert_int_equal(evbuffer_get_length(o.seen), 11);
	assert_memory_equal(evbuffer_pullup(o.seen, -1),
	    "\001\0\0\0\0\0\0\003bye", 11);
	own_done(&o);
}

static void
test_duplex_half_close_is_eof_and_output_keeps_flowing(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	assert_int_equal(write(o.client, "abc", 3), 3);
	assert_int_equal(shutdown(o.client, SHUT_WR), 0);
	assert_true(run_loop_until(o.f->base, eofed, &o, 500));
	assert_int_equal(evbuffer_get_length(o.got), 3);
	assert_memory_equal(evbuffer_pullup(o.got, -1), "abc", 3);
	/* Half-closed is not gone: probes run, the duplex lives on. */
	run_loop_for(o.f->base, 300);
	assert_int_equal(o.ends, 0);
	assert_int_equal(duplex_frame(o.d, FRAME_STDERR, "out", 3), 0);
	duplex_end(o.d);
	assert_true(run_loop_until(o.f->base, client_drain, &o, 500));
	assert_int_equal(o.why, CANCEL_NONE);
	assert_memory_equal(evbuffer_pullup(o.seen, -1),
	    "\002\0\0\0\0\0\0\003out", 11);
	own_done(&o);
}

static void
test_duplex_tcp_close_after_half_close_is_found_by_the_probe(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new_tcp(&o, &op);
	assert_false(duplex_is_unix(o.d));
	duplex_start(o.d);
	assert_int_equal(shutdown(o.client, SHUT_WR), 0);
	assert_true(run_loop_until(o.f->base, eofed, &o, 500));
	run_loop_for(o.f->base, 100);
	assert_int_equal(o.ends, 0);
	close(o.client);
	o.client = -1;
	/* An empty frame meets the closed socket, the reset comes back. */
	assert_true(run_loop_until(o.f->base, ended, &o, 1500));
	assert_true(o.why == CANCEL_CLIENT_GONE ||
	    o.why == CANCEL_WRITE_ERROR);
	own_done(&o);
}

static void
test_duplex_slow_reader_pauses_at_the_high_water_mark(void **state)
{
	struct owner		o;
	struct duplex_opts	op;
	char			chunk[16384];
	int			rc = 0, writes = 0;

	own_init(&o, *state);
	own_opts(&o, &op);
	op.high_water = 64 * 1024;
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	memset(chunk, 'y', sizeof chunk);
	while (rc == 0 && writes < 10000) {
		rc = duplex_write(o.d, chunk, sizeof chunk);
		writes++;
		run_loop_for(o.f->base, 1);
	}
	assert_int_equal(rc, 1);
	assert_true(duplex_queued(o.d) >= 64 * 1024);
	assert_int_equal(o.drains, 0);
	/* The reader catches up: the producer hears it may go on. */
	for (int i = 0; i < 200 && o.drains == 0; i++) {
		client_drain(&o);
		run_loop_for(o.f->base, 2);
	}
	assert_int_equal(o.drains, 1);
	assert_int_equal(duplex_queued(o.d), 0);
	for (int i = 0; i < 200 && evbuffer_get_length(o.seen) <
	    (size_t)writes * sizeof chunk; i++) {
		client_drain(&o);
		run_loop_for(o.f->base, 1);
	}
	assert_int_equal(evbuffer_get_length(o.seen),
	    (size_t)writes * sizeof chunk);
	assert_int_equal(o.ends, 0);
	own_done(&o);
	assert_int_equal(o.why, CANCEL_RELEASED);
}

static void
test_duplex_slow_reader_is_dropped_when_asked(void **state)
{
	struct owner		o;
	struct duplex_opts	op;
	struct duplex_totals	t0, t1;
	char			chunk[16384];
	int			rc = 0, writes = 0;

	own_init(&o, *state);
	own_opts(&o, &op);
	op.high_water = 64 * 1024;
	op.full = DUPLEX_FULL_DROP;
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	duplex_totals(&t0);
	memset(chunk, 'z', sizeof chunk);
	for (;;) {
		rc = duplex_write(o.d, chunk, sizeof chunk);
		writes++;
		if (rc != 0 || writes > 10000)
			break;
		run_loop_for(o.f->base, 1);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(o.ends, 0);		/* never inside the write */
	assert_int_equal(duplex_queued(o.d), 0);	/* memory back now */
	assert_int_equal(duplex_write(o.d, "x", 1), -1);
	duplex_totals(&t1);
	assert_int_equal(t1.dropped, t0.dropped + 1);
	assert_true(run_loop_until(o.f->base, ended, &o, 200));
	assert_int_equal(o.why, CANCEL_WRITE_ERROR);
	assert_true(run_loop_until(o.f->base, client_drain, &o, 500));
	own_done(&o);
}

static void
test_duplex_owner_may_free_it_inside_its_input_callback(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	o.free_in_input = 1;
	duplex_start(o.d);
	assert_int_equal(write(o.client, "x", 1), 1);
	assert_true(run_loop_until(o.f->base, ended, &o, 500));
	assert_int_equal(o.inputs, 1);
	assert_int_equal(o.why, CANCEL_RELEASED);
	assert_null(o.d);
	/* More bytes and the close reach nothing freed. */
	(void)write(o.client, "yz", 2);
	run_loop_for(o.f->base, 20);
	assert_int_equal(o.inputs, 1);
	own_done(&o);
}

static void
test_duplex_owner_may_free_it_inside_its_eof_callback(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new_tcp(&o, &op);
	o.free_in_eof = 1;
	duplex_start(o.d);
	assert_int_equal(shutdown(o.client, SHUT_WR), 0);
	assert_true(run_loop_until(o.f->base, ended, &o, 500));
	assert_int_equal(o.eofs, 1);
	assert_int_equal(o.why, CANCEL_RELEASED);
	/* The probe timer armed before the callback went with the finish. */
	run_loop_for(o.f->base, 300);
	assert_int_equal(o.ends, 1);
	own_done(&o);
}

static void
test_duplex_sends_pending_first_and_offers_early_input_after_start(
    void **state)
{
	struct owner		o;
	struct duplex_opts	op;
	struct evbuffer		*pending = evbuffer_new();
	struct evbuffer		*early = evbuffer_new();

	own_init(&o, *state);
	own_opts(&o, &op);
	op.tty = 1;
	evbuffer_add(pending, "HEAD", 4);
	evbuffer_add(early, "early", 5);
	own_new(&o, &op, pending, early);
	assert_int_equal(evbuffer_get_length(pending), 0);
	duplex_frame(o.d, FRAME_STDOUT, "raw", 3);
	run_loop_for(o.f->base, 20);
	client_drain(&o);
	assert_int_equal(evbuffer_get_length(o.seen), 0);	/* not armed */
	assert_int_equal(o.inputs, 0);
	duplex_start(o.d);
	assert_int_equal(o.inputs, 0);		/* from the loop */
	run_loop_for(o.f->base, 20);
	assert_int_equal(o.inputs, 1);
	assert_memory_equal(evbuffer_pullup(o.got, -1), "early", 5);
	client_drain(&o);
	assert_int_equal(evbuffer_get_length(o.seen), 7);
	assert_memory_equal(evbuffer_pullup(o.seen, -1), "HEADraw", 7);
	evbuffer_free(pending);
	evbuffer_free(early);
	own_done(&o);
}

static void
test_duplex_paused_input_waits_and_a_close_is_still_seen(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	duplex_input_pause(o.d);
	assert_int_equal(write(o.client, "held", 4), 4);
	run_loop_for(o.f->base, 30);
	assert_int_equal(o.inputs, 0);
	duplex_input_resume(o.d);
	run_loop_for(o.f->base, 30);
	assert_int_equal(o.inputs, 1);
	assert_memory_equal(evbuffer_pullup(o.got, -1), "held", 4);
	/* Paused again, the client leaves: the probe still sees it. */
	duplex_input_pause(o.d);
	close(o.client);
	o.client = -1;
	assert_true(run_loop_until(o.f->base, ended, &o, 1000));
	assert_int_equal(o.why, CANCEL_CLIENT_GONE);
	own_done(&o);
}

static void
test_duplex_born_cancelled_ends_from_the_loop(void **state)
{
	struct owner		o;
	struct duplex_opts	op;

	own_init(&o, *state);
	own_opts(&o, &op);
	cancel_fire(o.root, CANCEL_SHUTDOWN);
	own_new(&o, &op, NULL, NULL);
	duplex_start(o.d);
	assert_int_equal(o.ends, 0);
	assert_true(run_loop_until(o.f->base, ended, &o, 200));
	assert_int_equal(o.why, CANCEL_SHUTDOWN);
	own_done(&o);
}

/*
 * docker-py reads the reply head with one buffered 8 KiB read and the
 * stream from the raw socket after it: whatever came with the head is
 * lost. So the head goes alone, and the stream waits until it was read.
 */
static void
test_duplex_holds_the_stream_until_the_client_read_the_head(void **state)
{
	struct owner		o;
	struct duplex_opts	op;
	struct evbuffer		*head = evbuffer_new();
	char			buf[8192];
	ssize_t			n;

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	evbuffer_add(head, "HTTP/1.1 101 UPGRADED\r\n\r\n", 25);
	duplex_send_head(o.d, head);
	assert_int_equal(evbuffer_get_length(head), 0);
	assert_int_equal(duplex_frame(o.d, FRAME_STDOUT, "replayed", 8), 0);
	duplex_start(o.d);
	run_loop_for(o.f->base, 50);
	assert_int_equal(duplex_queued(o.d), 8 + FRAME_HEADER_LEN);
	n = recv(o.client, buf, sizeof buf, MSG_DONTWAIT);
	assert_int_equal(n, 25);		/* the head, and only it */
	assert_memory_equal(buf, "HTTP/1.1 101 UPGRADED\r\n\r\n", 25);
	assert_true(run_loop_until(o.f->base, client_drain_some, &o, 200));
	assert_int_equal(evbuffer_get_length(o.seen), 8 + FRAME_HEADER_LEN);
	assert_memory_equal((char *)evbuffer_pullup(o.seen, -1) +
	    FRAME_HEADER_LEN, "replayed", 8);
	/* A natural end while held still sends all, then FIN. */
	duplex_end(o.d);
	assert_true(run_loop_until(o.f->base, ended, &o, 200));
	assert_int_equal(o.why, CANCEL_NONE);
	evbuffer_free(head);
	own_done(&o);
}

/* A client that does not read its head gets the stream after a second. */
static void
test_duplex_stops_holding_for_a_client_that_never_reads(void **state)
{
	struct owner		o;
	struct duplex_opts	op;
	struct evbuffer		*head = evbuffer_new();

	own_init(&o, *state);
	own_opts(&o, &op);
	own_new(&o, &op, NULL, NULL);
	evbuffer_add(head, "HEAD", 4);
	duplex_send_head(o.d, head);
	duplex_frame(o.d, FRAME_STDOUT, "x", 1);
	duplex_start(o.d);
	run_loop_for(o.f->base, 500);
	assert_true(duplex_queued(o.d) > 0);
	run_loop_for(o.f->base, 700);
	assert_int_equal(duplex_queued(o.d), 0);
	client_drain(&o);
	assert_int_equal(evbuffer_get_length(o.seen), 4 + 1 + FRAME_HEADER_LEN);
	evbuffer_free(head);
	own_done(&o);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_duplex_notices_a_quiet_client_close_at_once),
		T(test_duplex_reset_with_data_queued_ends_it),
		T(test_duplex_cancel_wins_over_the_owner_finishing_in_its_callback),
		T(test_duplex_natural_end_wins_over_a_cancel_in_its_callback),
		T(test_duplex_half_close_is_eof_and_output_keeps_flowing),
		T(test_duplex_tcp_close_after_half_close_is_found_by_the_probe),
		T(test_duplex_slow_reader_pauses_at_the_high_water_mark),
		T(test_duplex_slow_reader_is_dropped_when_asked),
		T(test_duplex_owner_may_free_it_inside_its_input_callback),
		T(test_duplex_owner_may_free_it_inside_its_eof_callback),
		T(test_duplex_sends_pending_first_and_offers_early_input_after_start),
		T(test_duplex_paused_input_waits_and_a_close_is_still_seen),
		T(test_duplex_born_cancelled_ends_from_the_loop),
		T(test_duplex_holds_the_stream_until_the_client_read_the_head),
		T(test_duplex_stops_holding_for_a_client_that_never_reads),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
