/* SPDX-License-Identifier: MIT */
/*
 * The event bus: the ring keeps the last 256, fan-out shares one encoded
 * line, subscribers may leave from inside a callback, replay follows
 * dockerd's since/until rules, the encoding is Go's, container events carry
 * dockerd's attributes, and the filters parse and match as dockerd's do.
 * Each test under the leak check (memory, tasks, fds, events).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/events.h"
#include "daemon/base/cancel.h"
#include "daemon/base/filters.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "tests/helpers.h"

#define NSUBS	100

struct rec {
	int				 calls;
	const struct events_msg		*last;
	const char			*json;
	uint64_t			 seq[EVENTS_RING + 64];
	struct events_sub		*other;	/* to drop, or NULL */
	struct events_sub		*self;
};

static void
rec_cb(const struct events_msg *m, void *arg)
{
	struct rec	*r = arg;

	if (r->calls < (int)(sizeof r->seq / sizeof r->seq[0]))
		r->seq[r->calls] = m->seq;
	r->calls++;
	r->last = m;
	r->json = m->json;
	if (r->self != NULL)
		events_unsubscribe(r->self);
	if (r->other != NULL)
		events_unsubscribe(r->other);
}

static void
publish(struct events *ev, const char *action)
{
	const char	*k[] = { "name" }, *v[] = { "c1" };

	events_publish(ev, "container", action, "abc", k, v, 1);
}

static void
test_events_ring_keeps_the_last_256(void **state)
{
	struct events	*ev = events_new();
	struct rec	 r;
	char		 a[16];

	(void)state;
	memset(&r, 0, sizeof r);
	for (int i = 0; i < 300; i++) {
		snprintf(a, sizeof a, "a%d", i);
		publish(ev, a);
	}
	events_replay(ev, 0, 0, rec_cb, &r);
	assert_int_equal(r.calls, EVENTS_RING);
	assert_int_equal(r.seq[0], 300 - EVENTS_RING + 1);
	assert_int_equal(r.seq[EVENTS_RING - 1], 300);
	assert_int_equal(events_published(ev), 300);
	events_free(ev);
}

static void
test_events_fan_out_shares_one_encoded_line(void **state)
{
	struct events		*ev = events_new();
	struct events_sub	 subs[NSUBS];
	static struct rec	 r[NSUBS];

	(void)state;
	memset(subs, 0, sizeof subs);
	memset(r, 0, sizeof r);
	for (int i = 0; i < NSUBS; i++)
		events_subscribe(ev, &subs[i], rec_cb, &r[i]);
	assert_int_equal(events_subscribers(ev), NSUBS);
	publish(ev, "start");
	for (int i = 0; i < NSUBS; i++) {
		assert_int_equal(r[i].calls, 1);
		/* The same message and the same bytes: encoded once. */
		assert_ptr_equal(r[i].last, r[0].last);
		assert_ptr_equal(r[i].json, r[0].json);
	}
	for (int i = 0; i < NSUBS; i++)
		events_unsubscribe(&subs[i]);
	assert_int_equal(events_subscribers(ev), 0);
	events_free(ev);
}

static void
test_events_unsubscribe_from_inside_the_callback(void **state)
{
	struct events		*ev = events_new();
	struct events_sub	 a, b, c, d;
	struct rec		 ra, rb, rc, rd;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	memset(&d, 0, sizeof d);
	memset(&ra, 0, sizeof ra);
	memset(&rb, 0, sizeof rb);
	memset(&rc, 0, sizeof rc);
	memset(&rd, 0, sizeof rd);
	ra.self = &a;		/* a leaves itself */
	rb.other = &c;		/* b removes c, next in the walk */
	events_subscribe(ev, &a, rec_cb, &ra);
	events_subscribe(ev, &b, rec_cb, &rb);
	events_subscribe(ev, &c, rec_cb, &rc);
	events_subscribe(ev, &d, rec_cb, &rd);
	publish(ev, "start");
	assert_int_equal(ra.calls, 1);
	assert_int_equal(rb.calls, 1);
	assert_int_equal(rc.calls, 0);	/* gone before its turn */
	assert_int_equal(rd.calls, 1);
	assert_int_equal(events_subscribers(ev), 2);
	rb.other = NULL;
	publish(ev, "die");
	assert_int_equal(ra.calls, 1);
	assert_int_equal(rb.calls, 2);
	assert_int_equal(rd.calls, 2);
	/* Twice, and after the fact: harmless. */
	events_unsubscribe(&a);
	events_unsubscribe(&c);
	events_unsubscribe(&b);
	events_unsubscribe(&d);
	events_free(ev);
}

static void
test_events_replay_follows_since_and_until(void **state)
{
	struct events	*ev = events_new();
	struct rec	 r;
	int64_t		 t[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		publish(ev, "x");
		memset(&r, 0, sizeof r);
		events_replay(ev, 0, 0, rec_cb, &r);
		t[i] = r.last->time_ns;
	}
	memset(&r, 0, sizeof r);
	events_replay(ev, t[1], 0, rec_cb, &r);
	assert_int_equal(r.calls, 2);
	memset(&r, 0, sizeof r);
	events_replay(ev, 0, t[1], rec_cb, &r);
	assert_int_equal(r.calls, 2);
	memset(&r, 0, sizeof r);
	events_replay(ev, t[1], t[1], rec_cb, &r);
	assert_int_equal(r.calls, 1);
	memset(&r, 0, sizeof r);
	events_replay(ev, t[2] + 1, 0, rec_cb, &r);
	assert_int_equal(r.calls, 0);
	events_free(ev);
}

static void
test_events_encoding_is_gos(void **state)
{
	struct events	*ev = events_new();
	struct rec	 r;
	const char	*k[] = { "name", "z", "a", "image", "a" };
	const char	*v[] = { "web", "<&>", "1", "busy\"box", "2" };
	char		 want[512];

	(void)state;
	memset(&r, 0, sizeof r);
	events_publish(ev, "container", "exec_start: sh -c \"x\"", "id1", k, v,
	    5);
	events_replay(ev, 0, 0, rec_cb, &r);
	snprintf(want, sizeof want, "{\"status\":\"exec_start: sh -c "
	    "\\\"x\\\"\",\"id\":\"id1\",\"from\":\"busy\\\"box\",\"Type\":"
	    "\"container\",\"Action\":\"exec_start: sh -c \\\"x\\\"\","
	    "\"Actor\":{\"ID\":\"id1\",\"Attributes\":{\"a\":\"2\",\"image\":"
	    "\"busy\\\"box\",\"name\":\"web\",\"z\":\"\\u003c\\u0026\\u003e\"}"
	    "},\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}\n",
	    (long long)(r.last->time_ns / 1000000000),
	    (long long)r.last->time_ns);
	assert_string_equal(r.last->json, want);
	assert_int_equal(r.last->jsonlen, strlen(want));
	/* Not a container: no legacy fields. */
	events_publish(ev, "network", "connect", "n1", k, v, 1);
	events_replay(ev, 0, 0, rec_cb, &r);
	assert_true(strncmp(r.last->json, "{\"Type\":\"network\"", 17) == 0);
	events_free(ev);
}

static struct container *
make(struct container_store *st, const char *name, json_t *labels)
{
	struct err	err;
	json_t		*config, *hc;

	config = json_pack("{s:s, s:[s], s:n, s:[], s:s, s:b, s:o, s:b, s:b}",
	    "Image", "busybox", "Cmd", "true", "Entrypoint", "Env",
	    "WorkingDir", "", "Tty", 0, "Labels", labels, "AttachStdout", 0,
	    "AttachStderr", 0);
	hc = json_pack("{s:{s:s, s:{}}, s:b}", "LogConfig", "Type",
	    "json-file", "Config", "AutoRemove", 0);
	return (container_store_create(st, name, config, hc, &err));
}

static void
test_events_container_attributes_as_dockerd(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct container_store	*st;
	struct container	*c;
	struct rec		 r;
	struct err		 err;

	lp_store_open(&x, f);
	st = x.st;
	memset(&r, 0, sizeof r);
	/* A label named like an attribute: labels override, name wins. */
	c = make(st, "web", json_pack("{s:s, s:s}", "exitCode", "lbl", "name",
	    "lbl"));
	assert_non_null(c);
	events_replay(container_store_events(st), 0, 0, rec_cb, &r);
	assert_string_equal(r.last->action, "create");
	assert_string_equal(events_msg_attr(r.last, "name"), "web");
	assert_string_equal(events_msg_attr(r.last, "image"), "busybox");
	container_event_int(c, "die", "exitCode", 3);
	events_replay(container_store_events(st), 0, 0, rec_cb, &r);
	assert_string_equal(events_msg_attr(r.last, "exitCode"), "lbl");
	assert_int_equal(container_remove(c, 0, &err), 0);
	events_replay(container_store_events(st), 0, 0, rec_cb, &r);
	assert_string_equal(r.last->action, "destroy");
	run_loop_for(f->base, 10);
	lp_store_close(&x);
}

static void
test_events_exec_action_has_dockerds_trailing_space(void **state)
{
	struct lp_fixture	*f = *state;
	struct lp_store		 x;
	struct container_store	*st;
	struct container	*c;
	char			 t[] = "true", sh[] = "sh", dc[] = "-c";
	char			 x3[] = "exit 3";
	char			*argv1[] = { t, NULL };
	char			*argv3[] = { sh, dc, x3, NULL };
	struct rec		 r;

	lp_store_open(&x, f);
	st = x.st;
	c = make(st, "ex1", json_object());
	memset(&r, 0, sizeof r);
	container_event_exec(c, "exec_create", argv1, "e1", -1);
	events_replay(container_store_events(st), 0, 0, rec_cb, &r);
	assert_string_equal(r.last->action, "exec_create: true ");
	assert_string_equal(events_msg_attr(r.last, "execID"), "e1");
	assert_null(events_msg_attr(r.last, "exitCode"));
	container_event_exec(c, "exec_start", argv3, "e1", -1);
	events_replay(container_store_events(st), 0, 0, rec_cb, &r);
	assert_string_equal(r.last->action, "exec_start: sh -c exit 3");
	container_event_exec(c, "exec_die", NULL, "e1", 3);
	events_replay(container_store_events(st), 0, 0, rec_cb, &r);
	assert_string_equal(r.last->action, "exec_die");
	assert_string_equal(events_msg_attr(r.last, "exitCode"), "3");
	lp_store_close(&x);
}

static void
expect_parse_error(const char *text, const char *msg)
{
	struct err	err = { 0, "" };

	assert_null(filters_parse(text, &err));
	assert_int_equal(err.code, ERR_INTERNAL);
	assert_string_equal(err.msg, msg);
}

static void
test_filters_parse_errors_are_gos(void **state)
{
	(void)state;
	expect_parse_error("xx", "invalid character 'x' looking for beginning "
	    "of value");
	expect_parse_error("{\"type\":\"container\"}", "json: cannot "
	    "unmarshal string into Go value of type map[string]bool");
	expect_parse_error("\"abc\"", "json: cannot unmarshal string into Go "
	    "value of type map[string]map[string]bool");
	expect_parse_error("{\"a\":{\"b\":1}}", "json: cannot unmarshal "
	    "number into Go value of type bool");
	expect_parse_error("{\"a\":[1]}", "json: cannot unmarshal array into "
	    "Go value of type map[string]bool");
	expect_parse_error("{\"a\":{\"b\":true}", "unexpected end of JSON "
	    "input");
	expect_parse_error("{\"a\":[\"x\"],}", "invalid character '}' looking "
	    "for beginning of object key string");
	expect_parse_error("{\"a\":tru}", "invalid character '}' in literal "
	    "true (expecting 'e')");
	expect_parse_error("nul", "invalid character ' ' in literal null "
	    "(expecting 'l')");
	expect_parse_error("{\"a\":01}", "invalid character '1' after object "
	    "key:value pair");
	expect_parse_error("{\"a\":\"\x01\"}", "invalid character '\\x01' in "
	    "string literal");
	expect_parse_error("{} x", "invalid character 'x' after top-level "
	    "value");
}

static struct events_msg *
msg(struct events *ev, const char *type, const char *action,
    const char *id, const char *name, const char *label)
{
	const char	*k[] = { "name", "image", "env" };
	const char	*v[] = { name, "busybox:latest", label };
	struct rec	 r;

	memset(&r, 0, sizeof r);
	events_publish(ev, type, action, id, k, v, label != NULL ? 3 : 2);
	events_replay(ev, 0, 0, rec_cb, &r);
	return ((struct events_msg *)r.last);
}

static int
incl(const char *filters, const struct events_msg *m)
{
	struct err	 err;
	struct filters	*f = filters_parse(filters, &err);
	int		 ok;

	assert_non_null(f);
	ok = events_api_include(f, m);
	filters_free(f);
	return (ok);
}

static void
test_filters_match_events_as_dockerd(void **state)
{
	struct events		*ev = events_new();
	struct events_msg	*start, *exec, *net;

	(void)state;
	start = msg(ev, "container", "start", "abcdef", "web", "prod");
	assert_true(incl("{\"type\":[\"container\"]}", start));
	assert_true(incl("{\"type\":{\"container\":true}}", start));
	assert_false(incl("{\"type\":{\"container\":false}}", start));
	assert_false(incl("{\"type\":[\"image\"]}", start));
	/* A prefix of the id or the name. */
	assert_true(incl("{\"container\":[\"abc\"]}", start));
	assert_true(incl("{\"container\":[\"we\"]}", start));
	assert_false(incl("{\"container\":[\"db\"]}", start));
	assert_true(incl("{\"label\":[\"env=prod\"]}", start));
	assert_true(incl("{\"label\":[\"env\"]}", start));
	assert_false(incl("{\"label\":[\"env=dev\"]}", start));
	assert_true(incl("{\"image\":[\"busybox\"]}", start));
	assert_true(incl("{\"image\":[\"busybox:latest\"]}", start));
	assert_false(incl("{\"image\":[\"alpine\"]}", start));
	assert_true(incl("{\"event\":[\"start\",\"die\"]}", start));
	assert_false(incl("{\"event\":[\"sta\"]}", start));
	exec = msg(ev, "container", "exec_start: sh -c x", "abcdef", "web",
	    NULL);
	assert_true(incl("{\"event\":[\"exec_start\"]}", exec));
	assert_false(incl("{\"label\":[\"env\"]}", exec));
	net = msg(ev, "network", "connect", "n1", "none", NULL);
	/* dockerd applies a container filter to every type's actor. */
	assert_false(incl("{\"container\":[\"web\"]}", net));
	assert_true(incl("{\"bogus\":[\"x\"]}", net));
	events_free(ev);
}

static void
test_filters_image_name_is_familiar(void **state)
{
	char	b[256];

	(void)state;
	filters_image_name("docker.io/library/busybox:1.36", b, sizeof b);
	assert_string_equal(b, "busybox");
	filters_image_name("busybox@sha256:abcd", b, sizeof b);
	assert_string_equal(b, "busybox");
	filters_image_name("localhost:5000/a/b:tag", b, sizeof b);
	assert_string_equal(b, "localhost:5000/a/b");
	filters_image_name("docker.io/grafana/loki", b, sizeof b);
	assert_string_equal(b, "grafana/loki");
	filters_image_name("Upper", b, sizeof b);
	assert_string_equal(b, "Upper");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_events_ring_keeps_the_last_256, lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_fan_out_shares_one_encoded_line, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_unsubscribe_from_inside_the_callback, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_replay_follows_since_and_until, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(test_events_encoding_is_gos,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_container_attributes_as_dockerd, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_exec_action_has_dockerds_trailing_space,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_filters_parse_errors_are_gos, lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_filters_match_events_as_dockerd, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_filters_image_name_is_familiar, lp_setup, lp_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
