/* SPDX-License-Identifier: MIT */
/*
 * Task registry and its dumps. The registry is global, like Go's scheduler:
 * tasks are listed in creation order so the dump reads oldest first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>

#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"

struct task {
	uint64_t		 id;
	const char		*kind;
	const char		*wait;		/* NULL: running */
	int64_t			 born_ns;
	int64_t			 since_ns;	/* entered the current state */
	struct task_frame	 created;
	struct task_frame	 frames[TASK_MAX_FRAMES];
	int			 nframes;
	int			 overflow;	/* pushes beyond the array */
	char			 label[96];
	TAILQ_ENTRY(task)	 entry;
};

struct task_kind {
	const char	*kind;
	size_t		 count;
	uint64_t	 started;
};

TAILQ_HEAD(task_head, task);
static struct task_head	  task_list = TAILQ_HEAD_INITIALIZER(task_list);
static uint64_t		  task_next_id = 1;
static size_t		  task_total;
static struct task_kind	 *task_kinds;
static size_t		  task_nkinds;

static struct task_kind *
task_kind_slot(const char *kind, int create)
{
	for (size_t i = 0; i < task_nkinds; i++) {
		if (task_kinds[i].kind == kind ||
		    strcmp(task_kinds[i].kind, kind) == 0)
			return (&task_kinds[i]);
	}
	if (!create)
		return (NULL);
	/* Kinds are a small fixed set; this array is never freed. */
	task_kinds = realloc(task_kinds, (task_nkinds + 1) *
	    sizeof *task_kinds);
	if (task_kinds == NULL)
		abort();
	task_kinds[task_nkinds].kind = kind;
	task_kinds[task_nkinds].count = 0;
	task_kinds[task_nkinds].started = 0;
	return (&task_kinds[task_nkinds++]);
}

struct task *
task_new_at(const char *kind, const char *func, const char *file, int line)
{
	struct task	*t = xcalloc(1, sizeof *t);
	struct task_kind *k;

	t->id = task_next_id++;
	t->kind = kind;
	t->born_ns = t->since_ns = timeutil_mono_ns();
	t->created.func = func;
	t->created.file = file;
	t->created.line = line;
	/* The bottom frame is the task's own body, named by its kind. */
	t->frames[0].func = kind;
	t->frames[0].file = file;
	t->frames[0].line = line;
	t->nframes = 1;
	TAILQ_INSERT_TAIL(&task_list, t, entry);
	task_total++;
	k = task_kind_slot(kind, 1);
	k->count++;
	k->started++;
	return (t);
}

void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	TAILQ_REMOVE(&task_list, t, entry);
	task_total--;
	task_kind_slot(t->kind, 0)->count--;
	xfree(t);
}

void
task_wait(struct task *t, const char *what)
{
	if (t->wait == what)
		return;
	t->wait = what;
	t->since_ns = timeutil_mono_ns();
}

void
task_push_at(struct task *t, const char *func, const char *file, int line)
{
	if (t->nframes == TASK_MAX_FRAMES) {
		t->overflow++;
		return;
	}
	t->frames[t->nframes].func = func;
	t->frames[t->nframes].file = file;
	t->frames[t->nframes].line = line;
	t->nframes++;
}

void
task_pop(struct task *t)
{
	if (t->overflow > 0)
		t->overflow--;
	else if (t->nframes > 1)
		t->nframes--;
}

void
task_label(struct task *t, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vsnprintf(t->label, sizeof t->label, fmt, ap) >=
	    (int)sizeof t->label)
		t->label[utf8_trim_partial(t->label, sizeof t->label - 1)] =
		    '\0';
	va_end(ap);
}

uint64_t
task_id(const struct task *t)
{
	return (t->id);
}

const char *
task_kind(const struct task *t)
{
	return (t->kind);
}

struct task *
task_find(uint64_t id)
{
	struct task	*t;

	TAILQ_FOREACH_REVERSE(t, &task_list, task_head, entry) {
		if (t->id == id)
			return (t);
		if (t->id < id)
			break;
	}
	return (NULL);
}

size_t
task_count(void)
{
	return (task_total);
}

size_t
task_count_kind(const char *kind)
{
	struct task_kind	*k = task_kind_slot(kind, 0);

	return (k != NULL ? k->count : 0);
}

void
task_foreach_kind(void (*cb)(const char *, size_t, void *), void *arg)
{
	for (size_t i = 0; i < task_nkinds; i++) {
		if (task_kinds[i].count > 0)
			cb(task_kinds[i].kind, task_kinds[i].count, arg);
	}
}

void
task_foreach_kind_total(void (*cb)(const char *, size_t, uint64_t, void *),
    void *arg)
{
	for (size_t i = 0; i < task_nkinds; i++)
		cb(task_kinds[i].kind, task_kinds[i].count,
		    task_kinds[i].started, arg);
}

/*
 * "api.logs_container" -> "logpouch/api.logs_container"; a plain function
 * name gets its directory from the file ("api/server.c" -> "api.").
 */
static void
task_print_func(struct evbuffer *out, const struct task_frame *f)
{
	const char	*slash;

	if (strchr(f->func, '.') != NULL) {
		evbuffer_add_printf(out, "logpouch/%s", f->func);
		return;
	}
	slash = strrchr(f->file, '/');
	if (slash == NULL)
		evbuffer_add_printf(out, "logpouch/%s", f->func);
	else
		evbuffer_add_printf(out, "logpouch/%.*s.%s",
		    (int)(slash - f->file), f->file, f->func);
}

static const char *
task_state(const struct task *t, char *buf, size_t len)
{
	if (t->wait == NULL)
		return ("running");
	snprintf(buf, len, "wait: %s", t->wait);
	return (buf);
}

static void
task_dump_one(struct evbuffer *out, const struct task *t, int64_t now)
{
	char	state[128];
	int64_t	minutes = (now - t->since_ns) / 60000000000LL;

	evbuffer_add_printf(out, "goroutine %llu [%s", (unsigned long long)t->id,
	    task_state(t, state, sizeof state));
	if (t->wait != NULL && minutes >= 1)
		evbuffer_add_printf(out, ", %lld minute%s", (long long)minutes,
		    minutes == 1 ? "" : "s");
	evbuffer_add(out, "]:\n", 3);
	for (int i = t->nframes - 1; i >= 0; i--) {
		task_print_func(out, &t->frames[i]);
		evbuffer_add_printf(out, "(%s)\n\t%s:%d\n", t->label,
		    t->frames[i].file, t->frames[i].line);
	}
	evbuffer_add(out, "created by ", 11);
	task_print_func(out, &t->created);
	evbuffer_add_printf(out, "\n\t%s:%d\n\n", t->created.file,
	    t->created.line);
}

static int
task_same_stack(const struct task *a, const struct task *b)
{
	if (a->nframes != b->nframes || a->wait != b->wait ||
	    a->created.line != b->created.line ||
	    strcmp(a->created.file, b->created.file) != 0)
		return (0);
	for (int i = 0; i < a->nframes; i++) {
		if (a->frames[i].line != b->frames[i].line ||
		    strcmp(a->frames[i].func, b->frames[i].func) != 0 ||
		    strcmp(a->frames[i].file, b->frames[i].file) != 0)
			return (0);
	}
	return (1);
}

/* debug=1: identical stacks grouped with their counts, most common first. */
static void
task_dump_grouped(struct evbuffer *out)
{
	const struct task	**reps;
	size_t			 *counts, nreps = 0, i, j;
	struct task		 *t;

	reps = xcalloc(task_total + 1, sizeof *reps);
	counts = xcalloc(task_total + 1, sizeof *counts);
	TAILQ_FOREACH(t, &task_list, entry) {
		for (i = 0; i < nreps; i++) {
			if (task_same_stack(reps[i], t))
				break;
		}
		if (i == nreps)
			reps[nreps++] = t;
		counts[i]++;
	}
	for (i = 1; i < nreps; i++) {		/* stable insertion sort */
		for (j = i; j > 0 && counts[j] > counts[j - 1]; j--) {
			size_t		 c = counts[j];
			const struct task *r = reps[j];

			counts[j] = counts[j - 1];
			reps[j] = reps[j - 1];
			counts[j - 1] = c;
			reps[j - 1] = r;
		}
	}
	for (i = 0; i < nreps; i++) {
		char	state[128];

		evbuffer_add_printf(out, "%zu @ %s [%s]\n", counts[i],
		    reps[i]->kind, task_state(reps[i], state, sizeof state));
		for (int k = reps[i]->nframes - 1; k >= 0; k--) {
			evbuffer_add(out, "#\t", 2);
			task_print_func(out, &reps[i]->frames[k]);
			evbuffer_add_printf(out, "\t%s:%d\n",
			    reps[i]->frames[k].file, reps[i]->frames[k].line);
		}
		evbuffer_add(out, "#\tcreated by ", 13);
		task_print_func(out, &reps[i]->created);
		evbuffer_add_printf(out, "\t%s:%d\n\n", reps[i]->created.file,
		    reps[i]->created.line);
	}
	xfree(counts);
	xfree(reps);
}

void
task_dump_text(struct evbuffer *out, int debug)
{
	struct task	*t;
	int64_t		 now = timeutil_mono_ns();

	evbuffer_add_printf(out, "goroutine profile: total %zu\n", task_total);
	if (debug < 2) {
		task_dump_grouped(out);
		return;
	}
	evbuffer_add(out, "\n", 1);
	TAILQ_FOREACH(t, &task_list, entry)
		task_dump_one(out, t, now);
}

void
task_foreach(void (*cb)(const struct task_view *, void *), void *arg)
{
	struct task	*t;
	struct task_view v;
	int64_t		 now = timeutil_mono_ns();
	char		 state[128];

	TAILQ_FOREACH(t, &task_list, entry) {
		v.id = t->id;
		v.kind = t->kind;
		v.state = task_state(t, state, sizeof state);
		v.label = t->label;
		v.state_ns = now - t->since_ns;
		v.age_ns = now - t->born_ns;
		v.frames = t->frames;
		v.nframes = t->nframes;
		v.created = &t->created;
		cb(&v, arg);
	}
}
