/* SPDX-License-Identifier: MIT */
/*
 * The leak check: the C counterpart of runtime.NumGoroutine() before and
 * after a test, and of goleak.VerifyNone.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/base/cancel.h"
#include "daemon/base/procinfo.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "tests/helpers.h"

int
count_open_fds(void)
{
	return (procinfo_open_fds());
}

int
count_children(void)
{
	char	 path[64], buf[4096];
	FILE	*fp;
	int	 n = 0;
	size_t	 len;

	snprintf(path, sizeof path, "/proc/self/task/%d/children",
	    (int)getpid());
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	len = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	for (char *p = strtok(buf, " \n"); p != NULL; p = strtok(NULL, " \n"))
		n++;
	return (n);
}

static int
lp_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

struct lp_loop_deadline {
	int	expired;
};

static void
lp_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lp_loop_deadline	*d = arg;

	(void)fd;
	(void)what;
	d->expired = 1;
}

int
run_loop_until(struct event_base *base, int (*pred)(void *), void *arg,
    int ms)
{
	struct lp_loop_deadline	 d = { 0 };
	struct event		*ev;
	struct timeval		 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (pred != NULL && pred(arg))
		return (1);
	ev = evtimer_new(base, lp_deadline_cb, &d);
	evtimer_add(ev, &tv);
	while (!d.expired && (pred == NULL || !pred(arg)))
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return (pred != NULL ? pred(arg) : 1);
}

void
run_loop_for(struct event_base *base, int ms)
{
	run_loop_until(base, NULL, NULL, ms);
}

void
write_file(const char *path, const char *data, size_t len)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

char *
read_file(const char *path, size_t *lenp)
{
	int		 fd = open(path, O_RDONLY);
	struct stat	 st;
	char		*buf;
	ssize_t		 n;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = test_malloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size);
	assert_int_equal(n, st.st_size);
	buf[n] = '\0';
	close(fd);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return (buf);
}

int
lp_setup(void **state)
{
	struct lp_fixture	*f = test_calloc(1, sizeof *f);
	const char		*tmp = getenv("TMPDIR");

	xalloc_init_jansson();
	f->fds = count_open_fds();
	f->tasks = task_count();
	f->contexts = cancel_live();
	f->children = count_children();
	f->base = event_base_new();
	assert_non_null(f->base);
	f->events = event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED);
	snprintf(f->dir, sizeof f->dir, "%s/lptest.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return (0);
}

struct lp_counts {
	struct lp_fixture	*f;
};

static int
lp_back_to_baseline(void *arg)
{
	struct lp_fixture	*f = arg;

	return (task_count() == f->tasks && cancel_live() == f->contexts &&
	    reap_pending() == 0 &&
	    event_base_get_num_events(f->base, EVENT_BASE_COUNT_ADDED) ==
	    f->events && count_children() == f->children);
}

int
lp_teardown(void **state)
{
	struct lp_fixture	*f = *state;
	int			 ok;

	ok = run_loop_until(f->base, lp_back_to_baseline, f, 500);
	if (!ok) {
		struct evbuffer	*dump = evbuffer_new();

		task_dump_text(dump, 2);
		fprintf(stderr, "leak: tasks %zu (was %zu), contexts %llu "
		    "(was %llu), frees pending %llu, events %d (was %d), "
		    "children %d (was %d)\n", task_count(), f->tasks,
		    (unsigned long long)cancel_live(),
		    (unsigned long long)f->contexts,
		    (unsigned long long)reap_pending(),
		    event_base_get_num_events(f->base,
		    EVENT_BASE_COUNT_ADDED), f->events,
		    count_children(), f->children);
		fprintf(stderr, "%.*s", (int)evbuffer_get_length(dump),
		    (const char *)evbuffer_pullup(dump, -1));
		evbuffer_free(dump);
	}
	reap_base_free(f->base);
	event_base_free(f->base);
	nftw(f->dir, lp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	if (ok && count_open_fds() != f->fds)
		fprintf(stderr, "leak: fds %d (was %d)\n", count_open_fds(),
		    f->fds);
	ok = ok && count_open_fds() == f->fds;
	test_free(f);
	assert_true(ok);
	return (0);
}

/* Logdriver test helpers. */

int64_t
t0(void)
{
	int64_t	ns;

	assert_int_equal(timeutil_parse(LP_T0_TEXT, sizeof LP_T0_TEXT - 1,
	    &ns, NULL), 0);
	return (ns);
}

char *
lp_path(struct lp_fixture *f, const char *name)
{
	static char	path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return (path);
}
