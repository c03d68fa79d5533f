/* SPDX-License-Identifier: MIT */
/*
 * Fixtures for the logdriver tests (tests/helpers_logdriver.h). Linked
 * with the logdriver layer; the leak-checked fixture itself is helpers.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logline.h"
#include "logdriver/logshare.h"
#include "tests/helpers_logdriver.h"

const struct logreader_opts all_opts = { 0, -1, 0, 0, 0, 0, 1, 0 };

void
append_entries(const char *path, int from, int to)
{
	char	msg[64], buf[512];
	int	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0640);
	size_t	n;

	assert_true(fd >= 0);
	for (int i = from; i < to; i++) {
		snprintf(msg, sizeof msg, "line %03d", i);
		n = logline_encode(buf, i % 2 ? LOGLINE_STDERR : LOGLINE_STDOUT,
		    msg, strlen(msg), 1, t0() + i * SEC, NULL, 0);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
	close(fd);
}

void
append_raw(const char *path, const char *data)
{
	int	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

void
writer_entries(struct jsonfile *jf, int from, int to)
{
	char	msg[64];

	for (int i = from; i < to; i++) {
		snprintf(msg, sizeof msg, "line %03d", i);
		jsonfile_write(jf, i % 2 ? LOGLINE_STDERR : LOGLINE_STDOUT,
		    msg, strlen(msg), 1, t0() + i * SEC);
		jsonfile_flush(jf);
	}
}

int
dump_contains(const char *needle)
{
	struct evbuffer	*eb = evbuffer_new();
	int		 found;

	task_dump_text(eb, 2);
	evbuffer_add(eb, "", 1);
	found = strstr((const char *)evbuffer_pullup(eb, -1), needle) != NULL;
	evbuffer_free(eb);
	return (found);
}

static void
collector_grow(struct collector *c)
{
	size_t	 ncap = c->cap == 0 ? 64 : c->cap * 2;
	char	**nl = test_calloc(ncap, sizeof *nl);
	int	 *ns = test_calloc(ncap, sizeof *ns);
	int64_t	 *nt = test_calloc(ncap, sizeof *nt);

	if (c->n > 0) {
		memcpy(nl, c->lines, c->n * sizeof *nl);
		memcpy(ns, c->streams, c->n * sizeof *ns);
		memcpy(nt, c->times, c->n * sizeof *nt);
		test_free(c->lines);
		test_free(c->streams);
		test_free(c->times);
	}
	c->lines = nl;
	c->streams = ns;
	c->times = nt;
	c->cap = ncap;
}

static void
collector_entry(void *arg, const struct logline *ll)
{
	struct collector	*c = arg;

	if (c->stopped)
		c->after_stop++;
	if (c->n == c->cap)
		collector_grow(c);
	c->lines[c->n] = test_malloc(ll->loglen + 1);
	memcpy(c->lines[c->n], ll->log, ll->loglen);
	c->lines[c->n][ll->loglen] = '\0';
	c->streams[c->n] = ll->stream;
	c->times[c->n] = ll->time_ns;
	c->n++;
	if (c->stop_at != 0 && c->n == c->stop_at) {
		logreader_finish(c->r);
		c->stopped = 1;
	}
	if (c->free_at != 0 && c->n == c->free_at) {
		logreader_free(c->r);
		c->r = NULL;
		c->stopped = 1;
	}
	if (c->cancel_at != 0 && c->n == c->cancel_at) {
		cancel_fire(c->cancel, CANCEL_CLIENT_GONE);
		c->stopped = 1;
	}
}

/* A share is its entries, one by one, as entry() would have had them. */
static void
collector_shared(void *arg, struct logshare *sh)
{
	struct collector	*c = arg;
	const struct logline	*e;
	size_t			 n;

	if (c->nshares++ == 0)
		c->first_share = sh;
	e = logshare_entries(sh, &n);
	for (size_t i = 0; i < n && !c->stopped; i++)
		collector_entry(c, &e[i]);
}

static int
collector_ready(void *arg)
{
	struct collector	*c = arg;

	if (c->stopped)
		c->after_stop++;
	if (c->budget != 0 && c->n >= c->budget) {
		c->readies_refused++;
		return (0);
	}
	return (1);
}

static void
collector_done(void *arg, const char *error)
{
	struct collector	*c = arg;

	if (c->stopped)
		c->after_stop++;
	c->done++;
	if (error != NULL) {
		c->has_error = 1;
		snprintf(c->error, sizeof c->error, "%s", error);
	}
	if (c->free_in_done) {
		logreader_free(c->r);
		c->r = NULL;
	}
}

static void
collector_notice(void *arg, const char *text)
{
	struct collector	*c = arg;

	c->notices++;
	c->notice_at = c->n;
	snprintf(c->notice, sizeof c->notice, "%s", text);
}

void
collector_clear(struct collector *c)
{
	for (size_t i = 0; i < c->n; i++)
		test_free(c->lines[i]);
	if (c->cap > 0) {
		test_free(c->lines);
		test_free(c->streams);
		test_free(c->times);
	}
	memset(c, 0, sizeof *c);
}

int
collector_is_done(void *arg)
{
	return (((struct collector *)arg)->done != 0);
}

void
assert_lines(struct collector *c, int a, int b)
{
	char	want[64];

	if (c->n != (size_t)(b - a))
		fail_msg("got %zu entries, wanted %d (%d..%d); first '%s'",
		    c->n, b - a, a, b - 1, c->n ? c->lines[0] : "");
	for (int i = a; i < b; i++) {
		snprintf(want, sizeof want, "line %03d\n", i);
		if (strcmp(c->lines[i - a], want) != 0)
			fail_msg("entry %d is '%s', wanted '%s'", i - a,
			    c->lines[i - a], want);
	}
}

struct want_n {
	struct collector	*c;
	size_t			 n;
};

static int
collector_has(void *arg)
{
	struct want_n	*w = arg;

	return (w->c->n >= w->n);
}

void
wait_for(struct lp_fixture *f, struct collector *c, size_t n)
{
	struct want_n	w = { c, n };

	if (!run_loop_until(f->base, collector_has, &w, 5000))
		fail_msg("got %zu entries, wanted %zu", c->n, n);
}

/* The case being run: setup finds it in *state, which lp_setup takes. */
static const struct rt_case	*rt_current;

int
rt_setup(void **state)
{
	rt_current = *state;
	return (lp_setup(state));
}

void
rt_run(void **state)
{
	struct rt	t;

	memset(&t, 0, sizeof t);
	t.f = *state;
	t.root = cancel_new_root(t.f->base, "test");
	t.o = all_opts;
	snprintf(t.path, sizeof t.path, "%s", lp_path(t.f, "c-json.log"));
	rt_current->fn(&t);
	rt_end(&t);
}

struct jsonfile *
rt_writer(struct rt *t, int64_t max_size, int max_file)
{
	struct jsonfile_opts	jo = { max_size, max_file, 0 };

	t->jf = jsonfile_open(t->path, &jo, NULL);
	assert_non_null(t->jf);
	return (t->jf);
}

struct logreader *
rt_reader(struct rt *t, struct cancel *parent, struct jsonfile *writer,
    struct collector *c)
{
	static struct logreader_sink	 sink;
	struct err			 err = { 0 };
	struct logreader		*r;

	sink.notice = collector_notice;
	sink.entry = collector_entry;
	sink.ready = collector_ready;
	sink.done = collector_done;
	sink.shared = c->shared ? collector_shared : NULL;
	sink.arg = c;
	r = logreader_new(t->f->base, parent, t->path, writer, &t->o, &sink,
	    &err);
	assert_non_null(r);
	c->r = r;
	return (r);
}

struct logreader *
rt_start(struct rt *t)
{
	t->r = rt_reader(t, t->root, NULL, &t->c);
	logreader_start(t->r);
	return (t->r);
}

struct logreader *
rt_follow(struct rt *t)
{
	t->o.follow = 1;
	t->r = rt_reader(t, t->root, t->jf, &t->c);
	logreader_start(t->r);
	return (t->r);
}

void
rt_follow_after(struct rt *t, int64_t max_size, int max_file, int n)
{
	writer_entries(rt_writer(t, max_size, max_file), 0, n);
	t->o.max_file = max_file;
	rt_follow(t);
	wait_for(t->f, &t->c, (size_t)n);
}

void
rt_wait_done(struct rt *t)
{
	assert_true(run_loop_until(t->f->base, collector_is_done, &t->c,
	    5000));
}

void
rt_ended_with(struct rt *t, int a, int b)
{
	rt_wait_done(t);
	assert_lines(&t->c, a, b);
	assert_false(t->c.has_error);
}

void
rt_following(struct rt *t, int n)
{
	wait_for(t->f, &t->c, (size_t)n);
	assert_lines(&t->c, 0, n);
	assert_int_equal(t->c.done, 0);
}

void
rt_stopped_at(struct rt *t, int n)
{
	run_loop_for(t->f->base, 20);
	assert_lines(&t->c, 0, n);
	assert_int_equal(t->c.done, 0);
	assert_int_equal(t->c.after_stop, 0);
}

void
rt_read(struct rt *t, int a, int b)
{
	rt_start(t);
	rt_wait_done(t);
	assert_lines(&t->c, a, b);
	rt_drop(t);
}

void
rt_drop(struct rt *t)
{
	logreader_free(t->r);
	t->r = NULL;
	collector_clear(&t->c);
}

void
rt_end(struct rt *t)
{
	rt_drop(t);
	if (t->jf != NULL)
		jsonfile_close(t->jf);
	t->jf = NULL;
	cancel_free(t->root);
	/* The test's memory is checked when it returns: free it now. */
	reap_drain(t->f->base);
}
