/* SPDX-License-Identifier: MIT */
/*
 * Log reader: a producer streaming json-file records (rotated files first)
 * to a sink in bounded slices from the loop; in follow mode it waits for
 * the writer's notifications (or inotify) and follows rotations. No HTTP.
 */
#ifndef LP_LOGREADER_H
#define LP_LOGREADER_H

#include <stdint.h>

#include "logdriver/logline.h"

struct cancel;
struct err;
struct event_base;
struct jsonfile;
struct logreader;
struct task;

/*
 * Follow with a writer: appends and rotations come from its notifications.
 * A follower that has read everything takes each write from the writer's
 * buffer as it happens and holds up to 1 MiB its client has not taken,
 * so it loses nothing whatever max-size is. One further behind holds the
 * files of the rotations since (up to 32, each up to max-size on disk);
 * past that it skips to the oldest file still on disk, and the sink's
 * notice() says how many entries and bytes were lost, a warning is
 * logged and the totals count it; then it keeps following. CLOSED ends
 * the stream once everything is read. Without a writer: inotify,
 * rotation found by inode, truncation restarts at offset 0.
 */
struct logreader_opts {
	int	follow;		/* keep going after EOF */
	int64_t	tail;		/* -1 all; N last file entries; 0 none */
	int	has_since;
	int64_t	since_ns;	/* inclusive: skip earlier entries */
	int	has_until;
	int64_t	until_ns;	/* inclusive: stop at the first later one */
	int	max_file;	/* path, path.1 .. path.(max_file-1) */
	/*
	 * 1: find since by decoding every entry from the start, as dockerd
	 * does, instead of bisecting (logseek.h): the reference the tests
	 * compare the seek with.
	 */
	int	no_seek;
};

struct logreader_sink {
	/* One record; stream filtering is the sink's job. */
	void	(*entry)(void *arg, const struct logline *);
	/* 0: the consumer is full; the reader pauses until _resume(). */
	int	(*ready)(void *arg);
	/*
	 * End of data (snapshot read, until passed, writer closed and
	 * drained), error non-NULL for an in-band error text. At most once,
	 * never after logreader_finish(); the reader may be freed inside.
	 */
	void	(*done)(void *arg, const char *error);
	/*
	 * A follower lost entries behind rotation (one text line saying how
	 * many and why); more records follow. NULL: not told.
	 */
	void	(*notice)(void *arg, const char *text);
	void	*arg;
};

/* Every reader's losses behind rotation, for /debug/vars. */
struct logreader_losses {
	uint64_t	gaps;		/* skips told to a client */
	uint64_t	entries;
	uint64_t	bytes;
};

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
