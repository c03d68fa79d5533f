/* SPDX-License-Identifier: MIT */
/*
 * The attach point: fan-out to every subscriber, a subscriber leaving from
 * inside its own callback, StdinOnce's EOF (also before the run), the
 * run's end coming only after its output, and the hold a full subscriber
 * puts on the output.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/attach.h"
#include "tests/helpers.h"

struct seen {
	struct attach_sub	*sub;
	char			 out[256];
	size_t			 len;
	int			 ends;
	int			 leave_on_output;
	int			 ended_after;	/* bytes seen when end came */
};

static void
seen_output_cb(struct attach_sub *s, int stream, const void *buf, size_t n,
    void *arg)
{
	struct seen	*v = arg;

	(void)stream;
	memcpy(v->out + v->len, buf, n);
	v->len += n;
	if (v->leave_on_output) {
		attach_sub_free(s);
		v->sub = NULL;
	}
}

static void
seen_end_cb(struct attach_sub *s, void *arg)
{
	struct seen	*v = arg;

	v->ends++;
	v->ended_after = (int)v->len;
	attach_sub_free(s);	/* leaving from inside the end */
	v->sub = NULL;
}

static struct attach_sub *
sub(struct attach *a, struct seen *v, int out, int err)
{
	struct attach_sub_opts	o = { out, err, seen_output_cb, seen_end_cb,
				    NULL, v };

	return (v->sub = attach_sub_new(a, &o));
}

static void
test_fan_out(void **state)
{
	struct lp_fixture	*f = *state;
	struct attach		*a = attach_new(f->base);
	struct seen		 v[3];

	memset(v, 0, sizeof v);
	sub(a, &v[0], 1, 1);
	sub(a, &v[1], 1, 0);
	sub(a, &v[2], 0, 1);
	attach_run_start(a, -1, 0, 0);
	attach_output(a, 1, "out\n", 4);
	attach_output(a, 2, "err\n", 4);
	assert_int_equal(v[0].len, 8);
	assert_memory_equal(v[0].out, "out\nerr\n", 8);
	assert_int_equal(v[1].len, 4);
	assert_memory_equal(v[1].out, "out\n", 4);
	assert_memory_equal(v[2].out, "err\n", 4);
	assert_int_equal(attach_subs_live(), 3);
	attach_run_end(a);
	assert_int_equal(v[0].ends + v[1].ends + v[2].ends, 3);
	assert_int_equal(v[0].ended_after, 8);	/* all output, then the end */
	assert_int_equal(attach_subs_live(), 0);
	attach_free(a);
}

static void
test_leave_inside_callback(void **state)
{
	struct lp_fixture	*f = *state;
	struct attach		*a = attach_new(f->base);
	struct seen		 v[3];

	memset(v, 0, sizeof v);
	sub(a, &v[0], 1, 1);
	sub(a, &v[1], 1, 1);
	sub(a, &v[2], 1, 1);
	v[1].leave_on_output = 1;
	attach_run_start(a, -1, 0, 0);
	attach_output(a, 1, "a", 1);
	/* The one that left got its byte; the one after it too. */
	assert_int_equal(v[1].len, 1);
	assert_int_equal(v[2].len, 1);
	assert_null(v[1].sub);
	attach_output(a, 1, "b", 1);
	assert_int_equal(v[0].len, 2);
	assert_int_equal(v[1].len, 1);
	assert_int_equal(v[2].len, 2);
	attach_run_end(a);
	assert_int_equal(v[1].ends, 0);
	assert_int_equal(v[0].ends + v[2].ends, 2);
	assert_int_equal(attach_subs_live(), 0);
	attach_free(a);
}

/* Reads what the container side of the stdin pipe got; -1 at EOF. */
static int
drain(int fd, char *buf, size_t max)
{
	ssize_t	n = read(fd, buf, max);

	return (n == 0 ? -1 : (int)n);
}

static void
test_stdin_once(void **state)
{
	struct lp_fixture	*f = *state;
	struct attach		*a = attach_new(f->base);
	struct evbuffer		*in = evbuffer_new();
	struct seen		 v;
	char			 buf[64];
	int			 p[2];

	memset(&v, 0, sizeof v);
	sub(a, &v, 1, 1);
	/* Before the run: the bytes wait (backpressure), nothing is lost. */
	evbuffer_add(in, "hi\n", 3);
	assert_int_equal(attach_stdin_write(v.sub, in), 1);
	assert_int_equal(evbuffer_get_length(in), 3);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	attach_run_start(a, p[1], 1, 1);
	assert_int_equal(attach_stdin_write(v.sub, in), 0);
	assert_int_equal(drain(p[0], buf, sizeof buf), 3);
	assert_memory_equal(buf, "hi\n", 3);
	/* StdinOnce: the client's EOF is the container's. */
	attach_stdin_eof(v.sub);
	assert_int_equal(drain(p[0], buf, sizeof buf), -1);
	evbuffer_add(in, "late", 4);
	assert_int_equal(attach_stdin_write(v.sub, in), -1);
	attach_run_end(a);
	close(p[0]);

	/* An EOF before the run: the run starts with its stdin closed. */
	sub(a, &v, 1, 1);
	attach_stdin_eof(v.sub);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	attach_run_start(a, p[1], 1, 1);
	assert_int_equal(drain(p[0], buf, sizeof buf), -1);
	attach_run_end(a);
	close(p[0]);
	evbuffer_free(in);
	attach_free(a);
}

static void
test_stdin_stays_open(void **state)
{
	struct lp_fixture	*f = *state;
	struct attach		*a = attach_new(f->base);
	struct evbuffer		*in = evbuffer_new();
	struct seen		 v[2];
	char			 buf[64];
	int			 p[2];

	memset(v, 0, sizeof v);
	sub(a, &v[0], 1, 1);
	sub(a, &v[1], 1, 1);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	attach_run_start(a, p[1], 1, 0);
	attach_stdin_eof(v[0].sub);	/* not StdinOnce: stays open */
	evbuffer_add(in, "x", 1);
	assert_int_equal(attach_stdin_write(v[1].sub, in), 0);
	assert_int_equal(drain(p[0], buf, sizeof buf), 1);
	attach_run_end(a);	/* the run's end closes it */
	assert_int_equal(drain(p[0], buf, sizeof buf), -1);
	close(p[0]);
	evbuffer_free(in);
	attach_free(a);
}

static void
hold_cb(void *arg, int hold)
{
	int	*calls = arg;

	/* Alternates: 1 at the first hold, 0 at the last release. */
	assert_int_equal(hold, *calls % 2 == 0);
	(*calls)++;
}

/* The output stops at the first hold and starts when nobody holds. */
static void
test_hold_until_the_last_lets_go(void **state)
{
	struct lp_fixture	*f = *state;
	struct attach		*a = attach_new(f->base);
	struct seen		 v[2];
	int			 calls = 0;

	memset(v, 0, sizeof v);
	attach_set_hold(a, hold_cb, &calls);
	sub(a, &v[0], 1, 1);
	sub(a, &v[1], 1, 1);
	attach_sub_hold(v[0].sub, 1);
	attach_sub_hold(v[0].sub, 1);	/* idempotent */
	attach_sub_hold(v[1].sub, 1);
	assert_int_equal(calls, 1);
	assert_true(attach_held(a));
	attach_sub_hold(v[0].sub, 0);
	assert_int_equal(calls, 1);	/* v[1] still holds */
	attach_sub_free(v[1].sub);	/* leaving lets go */
	v[1].sub = NULL;
	assert_int_equal(calls, 2);
	assert_false(attach_held(a));
	attach_sub_hold(NULL, 1);
	attach_sub_free(v[0].sub);
	assert_int_equal(calls, 2);
	attach_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fan_out, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(test_leave_inside_callback,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(test_stdin_once, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(test_stdin_stays_open,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(test_hold_until_the_last_lets_go,
		    lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
