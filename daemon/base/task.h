/* SPDX-License-Identifier: MIT */
/*
 * Task registry, the counterpart of goroutines: every activity that outlives
 * one callback (a request, a log stream, a producer, a pump, a monitor) is a
 * task with a kind, what it waits for, a stack of logical frames and the
 * place that created it. Dumped like Go's /debug/pprof/goroutine.
 *
 * Ownership: the object doing the work owns its task and calls task_free()
 * when it ends; everything else refers to a task by id (task_find()).
 * Strings passed in (kind, wait, frame names) must be static.
 */
#ifndef LP_TASK_H
#define LP_TASK_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct task;

#define TASK_MAX_FRAMES	12

struct task_frame {
	const char	*func;
	const char	*file;
	int		 line;
};

/*
 * A read-only view of one task for the dumps of the layers above (the
 * JSON at /debug/tasks); valid only during the callback.
 */
struct task_view {
	uint64_t		 id;
	const char		*kind;
	const char		*state;		/* "running", "wait: ..." */
	const char		*label;
	int64_t			 state_ns;	/* time in the current state */
	int64_t			 age_ns;
	const struct task_frame	*frames;	/* [0] outermost */
	int			 nframes;
	const struct task_frame	*created;
};

/* Registers a task of kind ("api.logs_container"); created by the caller. */
struct task	*task_new_at(const char *kind, const char *func,
		     const char *file, int line);
#define task_new(kind) task_new_at((kind), __func__, __FILE__, __LINE__)
void		 task_free(struct task *);

/* Sets what the task waits for ("log growth"); NULL means running. */
void		 task_wait(struct task *, const char *what);
/* Enters a stage: a frame for the calling function, popped by task_pop(). */
void		 task_push_at(struct task *, const char *func, const char *file,
		     int line);
#define task_push(t) task_push_at((t), __func__, __FILE__, __LINE__)
void		 task_pop(struct task *);
/* A short note shown as the frames' arguments ("container=3f2a9c"). */
void		 task_label(struct task *, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));

uint64_t	 task_id(const struct task *);
const char	*task_kind(const struct task *);
struct task	*task_find(uint64_t id);

size_t		 task_count(void);
size_t		 task_count_kind(const char *kind);
/* Calls cb for every kind with live tasks. */
void		 task_foreach_kind(void (*cb)(const char *kind, size_t n,
		     void *), void *arg);
/*
 * Calls cb for every kind ever registered, in the order first seen, with
 * its live tasks (maybe 0) and how many were started (/metrics).
 */
void		 task_foreach_kind_total(void (*cb)(const char *kind,
		     size_t live, uint64_t started, void *), void *arg);
/* Calls cb for every live task, oldest first; cb must not free tasks. */
void		 task_foreach(void (*cb)(const struct task_view *, void *),
		     void *arg);

/* Go's debug=1 (grouped stacks) or debug=2 (one stanza per task). */
void		 task_dump_text(struct evbuffer *, int debug);

#endif
