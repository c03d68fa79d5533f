/* SPDX-License-Identifier: MIT */
/*
 * Cancellation contexts: propagation, exactly-once, hooks that reshape the
 * tree while it fires, deadlines — and that nothing is left behind.
 */
#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

struct counter {
	int			 calls;
	enum cancel_reason	 why;
	struct cancel		*ctx;	/* a context the hook acts on */
	struct cancel_hook	*other;	/* a hook the hook removes */
	struct cancel_hook	 hook;
};

static void
count_cb(struct cancel *c, enum cancel_reason why, void *arg)
{
	struct counter	*n = arg;

	(void)c;
	n->calls++;
	n->why = why;
}

static void
test_cancel_reaches_every_descendant_once(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a = cancel_new(root, "a");
	struct cancel		*b = cancel_new(a, "b");
	struct cancel		*c = cancel_new(root, "c");
	struct counter		 na = { 0 }, nb = { 0 }, nc = { 0 };

	assert_int_equal(cancel_hook_add(a, &na.hook, count_cb, &na), 0);
	assert_int_equal(cancel_hook_add(b, &nb.hook, count_cb, &nb), 0);
	assert_int_equal(cancel_hook_add(c, &nc.hook, count_cb, &nc), 0);
	cancel_fire(root, CANCEL_CLIENT_GONE);
	cancel_fire(root, CANCEL_SHUTDOWN);
	cancel_fire(b, CANCEL_TIMEOUT);
	assert_int_equal(na.calls, 1);
	assert_int_equal(nb.calls, 1);
	assert_int_equal(nc.calls, 1);
	assert_int_equal(nb.why, CANCEL_CLIENT_GONE);
	assert_int_equal(cancel_reason(b), CANCEL_CLIENT_GONE);
	cancel_free(b);
	cancel_free(a);
	cancel_free(c);
	cancel_free(root);
}

static void
test_cancel_of_child_leaves_parent_and_siblings_live(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a = cancel_new(root, "a");
	struct cancel		*b = cancel_new(root, "b");
	struct counter		 nb = { 0 };

	cancel_hook_add(b, &nb.hook, count_cb, &nb);
	cancel_fire(a, CANCEL_WRITE_ERROR);
	assert_false(cancel_is_cancelled(root));
	assert_false(cancel_is_cancelled(b));
	/* A cancelled child ahead of a live one must not hide it. */
	cancel_fire(root, CANCEL_SHUTDOWN);
	assert_int_equal(nb.calls, 1);
	assert_int_equal(cancel_reason(a), CANCEL_WRITE_ERROR);
	cancel_free(a);
	cancel_free(b);
	cancel_free(root);
}

static void
test_child_of_cancelled_parent_is_born_cancelled(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a;
	struct counter		 n = { 0 };

	cancel_fire(root, CANCEL_SHUTDOWN);
	a = cancel_new(root, "late");
	assert_true(cancel_is_cancelled(a));
	assert_int_equal(cancel_reason(a), CANCEL_SHUTDOWN);
	assert_int_equal(cancel_hook_add(a, &n.hook, count_cb, &n), -1);
	assert_int_equal(n.calls, 0);
	cancel_free(a);
	cancel_free(root);
}

static void
free_self_cb(struct cancel *c, enum cancel_reason why, void *arg)
{
	struct counter	*n = arg;

	(void)why;
	n->calls++;
	cancel_free(c);
}

static void
test_hook_may_free_its_own_context(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a = cancel_new(root, "a");
	struct counter		 n1 = { 0 }, n2 = { 0 };

	cancel_hook_add(a, &n1.hook, free_self_cb, &n1);
	cancel_hook_add(a, &n2.hook, count_cb, &n2);
	cancel_fire(root, CANCEL_CLIENT_GONE);
	/* Newest first: n2 ran, then n1 freed a; nothing else ran on a. */
	assert_int_equal(n1.calls, 1);
	assert_int_equal(n2.calls, 1);
	cancel_free(root);
}

static void
free_parent_cb(struct cancel *c, enum cancel_reason why, void *arg)
{
	struct counter	*n = arg;

	(void)c;
	(void)why;
	n->calls++;
	cancel_free(n->ctx);
	n->ctx = NULL;
}

static void
test_hook_may_free_the_parent_being_fired(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*mid = cancel_new(root, "mid");
	struct cancel		*leaf = cancel_new(mid, "leaf");
	struct cancel		*leaf2 = cancel_new(mid, "leaf2");
	struct counter		 n = { .ctx = mid }, n2 = { 0 };

	cancel_hook_add(leaf, &n.hook, free_parent_cb, &n);
	cancel_hook_add(leaf2, &n2.hook, count_cb, &n2);
	cancel_fire(root, CANCEL_SHUTDOWN);
	assert_int_equal(n.calls, 1);
	/* leaf2 was detached by mid's free before mid reached it. */
	assert_int_equal(n2.calls, 0);
	cancel_free(leaf);
	cancel_free(leaf2);
	cancel_free(root);
}

static void
del_other_cb(struct cancel *c, enum cancel_reason why, void *arg)
{
	struct counter	*n = arg;

	(void)c;
	(void)why;
	n->calls++;
	cancel_hook_del(n->other);
}

static void
test_hook_may_remove_another_hook(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct counter		 victim = { 0 }, killer = { 0 };

	cancel_hook_add(root, &victim.hook, count_cb, &victim);
	killer.other = &victim.hook;
	cancel_hook_add(root, &killer.hook, del_other_cb, &killer);
	cancel_fire(root, CANCEL_SHUTDOWN);
	assert_int_equal(killer.calls, 1);
	assert_int_equal(victim.calls, 0);
	cancel_free(root);
}

static void
test_unregister_after_fire_and_twice_is_harmless(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct counter		 n = { 0 }, never = { 0 };

	cancel_hook_add(root, &n.hook, count_cb, &n);
	cancel_hook_add(root, &never.hook, count_cb, &never);
	cancel_hook_del(&never.hook);
	cancel_hook_del(&never.hook);
	cancel_fire(root, CANCEL_SHUTDOWN);
	cancel_hook_del(&n.hook);
	assert_int_equal(n.calls, 1);
	assert_int_equal(never.calls, 0);
	cancel_free(root);
}

static void
test_freeing_child_before_parent_unlinks_it(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a = cancel_new(root, "a");
	struct counter		 n = { 0 };

	cancel_hook_add(a, &n.hook, count_cb, &n);
	cancel_free(a);
	/* The freed child's owner learns of its own release... */
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.why, CANCEL_RELEASED);
	/* ...and the parent no longer reaches it. */
	cancel_fire(root, CANCEL_SHUTDOWN);
	cancel_free(root);
}

static void
test_freeing_parent_first_detaches_children(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a = cancel_new(root, "a");

	cancel_free(root);
	assert_true(cancel_is_cancelled(a));
	assert_int_equal(cancel_reason(a), CANCEL_RELEASED);
	cancel_free(a);
}

static void
test_deadline_cancels_with_timeout(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct cancel		*a = cancel_new(root, "a");
	struct counter		 n = { 0 };
	struct timeval		 tv = { 0, 20000 };

	cancel_hook_add(a, &n.hook, count_cb, &n);
	assert_int_equal(cancel_set_deadline(a, &tv), 0);
	run_loop_for(f->base, 100);
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.why, CANCEL_TIMEOUT);
	assert_false(cancel_is_cancelled(root));
	cancel_free(a);
	cancel_free(root);
}

static void
test_deadline_is_disarmed_by_earlier_cancel(void **state)
{
	struct lp_fixture	*f = *state;
	struct cancel		*root = cancel_new_root(f->base, "root");
	struct counter		 n = { 0 };
	struct timeval		 tv = { 0, 10000 };

	cancel_hook_add(root, &n.hook, count_cb, &n);
	cancel_set_deadline(root, &tv);
	cancel_fire(root, CANCEL_CLIENT_GONE);
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), f->events);
	run_loop_for(f->base, 30);
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.why, CANCEL_CLIENT_GONE);
	cancel_free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_cancel_reaches_every_descendant_once),
		T(test_cancel_of_child_leaves_parent_and_siblings_live),
		T(test_child_of_cancelled_parent_is_born_cancelled),
		T(test_hook_may_free_its_own_context),
		T(test_hook_may_free_the_parent_being_fired),
		T(test_hook_may_remove_another_hook),
		T(test_unregister_after_fire_and_twice_is_harmless),
		T(test_freeing_child_before_parent_unlinks_it),
		T(test_freeing_parent_first_detaches_children),
		T(test_deadline_cancels_with_timeout),
		T(test_deadline_is_disarmed_by_earlier_cancel),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
