/* SPDX-License-Identifier: MIT */
/*
 * Deferred free: never synchronous, exactly once however often it is
 * asked for, in the order asked on each loop, and still in time at
 * shutdown.
 */
#include <event2/event.h>

#include "daemon/base/reap.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

struct thing {
	struct reap	 reap;
	int		*freed;
};

static void
thing_free_cb(void *arg)
{
	struct thing	*t = arg;

	(*t->freed)++;
	xfree(t);
}

static struct thing *
thing_new(struct lp_fixture *f, int *freed)
{
	struct thing	*t = xcalloc(1, sizeof *t);

	t->freed = freed;
	reap_init(&t->reap, f->base, thing_free_cb, t);
	return (t);
}

static int
is_positive(void *arg)
{
	return (*(int *)arg > 0);
}

static void
test_reap_frees_after_the_caller_returns_and_only_once(void **state)
{
	struct lp_fixture	*f = *state;
	int			 freed = 0;
	struct thing		*t = thing_new(f, &freed);

	reap_later(&t->reap);
	reap_later(&t->reap);
	assert_int_equal(freed, 0);	/* t is still safe to touch here */
	assert_true(reap_scheduled(&t->reap));
	assert_int_equal(reap_pending(), 1);
	assert_true(run_loop_until(f->base, is_positive, &freed, 1000));
	run_loop_for(f->base, 10);
	assert_int_equal(freed, 1);
	assert_int_equal(reap_pending(), 0);
}

struct chain {
	struct reap	 reap;
	struct thing	*next;	/* owned: scheduled from our own free */
	int		*freed;
};

static void
chain_free_cb(void *arg)
{
	struct chain	*c = arg;

	(*c->freed)++;
	reap_later(&c->next->reap);
	xfree(c);
}

static void
test_reap_drain_runs_frees_that_schedule_frees(void **state)
{
	struct lp_fixture	*f = *state;
	int			 freed = 0;
	struct chain		*c = xcalloc(1, sizeof *c);

	c->freed = &freed;
	c->next = thing_new(f, &freed);
	reap_init(&c->reap, f->base, chain_free_cb, c);
	reap_later(&c->reap);
	assert_int_equal(reap_drain(f->base), 2);
	assert_int_equal(freed, 2);
	assert_int_equal(reap_pending(), 0);
}

struct ordered {
	struct reap	 reap;
	int		*log;	/* the order frees ran in */
	int		*n;
	int		 id;
};

static void
ordered_free_cb(void *arg)
{
	struct ordered	*o = arg;

	o->log[(*o->n)++] = o->id;
	xfree(o);
}

static struct ordered *
ordered_new(struct event_base *base, int *log, int *n, int id)
{
	struct ordered	*o = xcalloc(1, sizeof *o);

	o->log = log;
	o->n = n;
	o->id = id;
	reap_init(&o->reap, base, ordered_free_cb, o);
	return (o);
}

/* One reaper per loop: frees run in the order asked, each on its own loop. */
static void
test_reap_runs_in_order_and_only_on_its_own_loop(void **state)
{
	struct lp_fixture	*f = *state;
	struct event_base	*other = event_base_new();
	int			 log[4] = { 0 }, n = 0;
	struct ordered		*o[4];

	for (int i = 0; i < 4; i++)
		o[i] = ordered_new(i == 2 ? other : f->base, log, &n, i + 1);
	reap_later(&o[3]->reap);
	reap_later(&o[0]->reap);
	reap_later(&o[2]->reap);
	reap_later(&o[1]->reap);
	assert_int_equal(reap_drain(f->base), 3);
	assert_int_equal(n, 3);
	assert_int_equal(log[0], 4);
	assert_int_equal(log[1], 1);
	assert_int_equal(log[2], 2);
	assert_int_equal(reap_pending(), 1);	/* the other loop's */
	reap_base_free(other);
	event_base_free(other);
	assert_int_equal(n, 4);
	assert_int_equal(log[3], 3);
	assert_int_equal(reap_pending(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_reap_frees_after_the_caller_returns_and_only_once,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_reap_drain_runs_frees_that_schedule_frees,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_reap_runs_in_order_and_only_on_its_own_loop,
		    lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
