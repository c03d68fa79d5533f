/* SPDX-License-Identifier: MIT */
/*
 * Task registry and its dumps: the shapes scripts written for Go daemons
 * grep for (goroutine N [state]:, function line, tab + file:line, created
 * by), counts by kind, and weak references by id.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

static char *
dump(int level)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	task_dump_text(b, level);
	len = evbuffer_get_length(b);
	s = test_malloc(len + 1);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return (s);
}

static void
test_registry_counts_live_tasks_by_kind(void **state)
{
	struct task	*a = task_new("api.logs_container");
	struct task	*b = task_new("api.logs_container");
	struct task	*c = task_new("logdriver.logreader");

	(void)state;
	assert_int_equal(task_count(), 3);
	assert_int_equal(task_count_kind("api.logs_container"), 2);
	assert_int_equal(task_count_kind("logdriver.logreader"), 1);
	assert_int_equal(task_count_kind("nope"), 0);
	uint64_t	 bid = task_id(b);

	assert_ptr_equal(task_find(bid), b);
	task_free(b);
	assert_null(task_find(bid));
	assert_ptr_equal(task_find(task_id(c)), c);
	assert_int_equal(task_count_kind("api.logs_container"), 1);
	task_free(a);
	task_free(c);
	assert_int_equal(task_count(), 0);
}

static void
test_debug2_dump_reads_like_a_go_goroutine_dump(void **state)
{
	struct task	*t = task_new("api.logs_container");
	char		*s, line[128];

	(void)state;
	task_label(t, "req=7");
	task_push(t);
	task_wait(t, "log growth");
	s = dump(2);
	assert_non_null(strstr(s, "goroutine profile: total 1\n"));
	snprintf(line, sizeof line, "goroutine %llu [wait: log growth]:\n",
	    (unsigned long long)task_id(t));
	assert_non_null(strstr(s, line));
	/* Innermost frame first, each followed by a tab-indented file:line. */
	assert_non_null(strstr(s, "]:\nlogpouch/tests."
	    "test_debug2_dump_reads_like_a_go_goroutine_dump(req=7)\n"
	    "\ttests/test_task.c:"));
	assert_non_null(strstr(s, "logpouch/api.logs_container(req=7)\n"
	    "\ttests/test_task.c:"));
	assert_non_null(strstr(s, "created by logpouch/tests."
	    "test_debug2_dump_reads_like_a_go_goroutine_dump\n"
	    "\ttests/test_task.c:"));
	test_free(s);
	task_pop(t);
	task_wait(t, NULL);
	s = dump(2);
	assert_non_null(strstr(s, " [running]:\nlogpouch/api."
	    "logs_container(req=7)\n"));
	test_free(s);
	task_free(t);
}

static void
test_debug1_dump_groups_identical_stacks(void **state)
{
	struct task	*t[3];
	char		*s;

	(void)state;
	for (int i = 0; i < 3; i++) {
		t[i] = task_new("api.wait_container");
		task_wait(t[i], "container exit");
	}
	s = dump(1);
	assert_non_null(strstr(s, "goroutine profile: total 3\n"));
	assert_non_null(strstr(s, "3 @ api.wait_container "
	    "[wait: container exit]\n#\tlogpouch/api.wait_container\t"));
	test_free(s);
	for (int i = 0; i < 3; i++)
		task_free(t[i]);
}

struct seen {
	int			 n;
	char			 kind[64];
	char			 state[64];
	int			 nframes;
	char			 created[64];
};

static void
seen_cb(const struct task_view *v, void *arg)
{
	struct seen	*s = arg;

	s->n++;
	snprintf(s->kind, sizeof s->kind, "%s", v->kind);
	snprintf(s->state, sizeof s->state, "%s", v->state);
	s->nframes = v->nframes;
	snprintf(s->created, sizeof s->created, "%s", v->created->func);
}

static void
test_views_list_state_frames_and_creator(void **state)
{
	struct task	*t = task_new("daemon.copier");
	struct seen	 s = { 0 };

	(void)state;
	task_wait(t, "container output");
	task_foreach(seen_cb, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.kind, "daemon.copier");
	assert_string_equal(s.state, "wait: container output");
	assert_int_equal(s.nframes, 1);
	assert_string_equal(s.created,
	    "test_views_list_state_frames_and_creator");
	task_free(t);
}

static void
test_pushes_beyond_the_frame_array_pop_back_cleanly(void **state)
{
	struct task	*t = task_new("api.deep");
	struct seen	 s = { 0 };

	(void)state;
	for (int i = 0; i < TASK_MAX_FRAMES + 5; i++)
		task_push(t);
	task_foreach(seen_cb, &s);
	assert_int_equal(s.nframes, TASK_MAX_FRAMES);
	for (int i = 0; i < TASK_MAX_FRAMES + 5; i++)
		task_pop(t);
	s.n = 0;
	task_foreach(seen_cb, &s);
	assert_int_equal(s.nframes, 1);
	task_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, lp_setup, lp_teardown)
		T(test_registry_counts_live_tasks_by_kind),
		T(test_debug2_dump_reads_like_a_go_goroutine_dump),
		T(test_debug1_dump_groups_identical_stacks),
		T(test_views_list_state_frames_and_creator),
		T(test_pushes_beyond_the_frame_array_pop_back_cleanly),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
