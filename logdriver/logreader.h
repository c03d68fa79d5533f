/* SPDX-License-Identifier: MIT */
/*
 * Log reader: a producer streaming json-file records (rotated files first)
 * to a sink in bounded slices from the loop; in follow mode it waits for
 * the writer's notifications (or inotify) and follows rotations. No HTTP.
 */
#ifndef LP_LOGREADER_H
#define LP_LOGREADER_H

#include <stdint.h>

#include "logdriver/logreader_types.h"

struct cancel;
struct err;
struct event_base;
struct jsonfile;
struct logreader;
struct task;

/*
 * Creates a reader with its own task and a cancel context under parent
 * (cancelling parent stops it; NULL: a root of its own). writer (borrowed,
 * may be NULL) is the live file's writer when there is one. A parent
 * already cancelled gives a stopped reader. The owner frees it with
 * logreader_free.
 */
struct logreader	*logreader_new(struct event_base *,
			     struct cancel *parent, const char *path,
			     struct jsonfile *writer,
			     const struct logreader_opts *,
			     const struct logreader_sink *, struct err *);
/* Opens the files and schedules the first slice; no sink call from here. */
void			 logreader_start(struct logreader *);
/* Continues after ready() returned 0. */
void			 logreader_resume(struct logreader *);
/*
 * Detaches: releases everything the reader holds (files, events, watch,
 * subscription, context, task); no sink call after. Idempotent, and a
 * reader that ended by itself (done()) is already finished.
 */
void			 logreader_finish(struct logreader *);
/*
 * Finish, then free later through the reap (docs/lifetimes.md); accepts
 * NULL; safe from inside the reader's sink, whose caller keeps reading
 * the reader until it returns.
 */
void			 logreader_free(struct logreader *);

/*
 * The reader's task, NULL once finished or done (a reader born under a
 * cancelled parent keeps it until start, finish or free).
 */
struct task		*logreader_task(struct logreader *);
uint64_t		 logreader_id(const struct logreader *);
/* Records delivered to the sink, and lines skipped as unreadable. */
uint64_t		 logreader_delivered(const struct logreader *);
uint64_t		 logreader_skipped(const struct logreader *);
/* Entries lost behind rotation (told with notice()). */
uint64_t		 logreader_lost_entries(const struct logreader *);
void			 logreader_total_losses(struct logreader_losses *);

#endif
