/* SPDX-License-Identifier: MIT */
/*
 * What a log reader is asked for and whom it tells: its options, its sink
 * and the losses it counts. Apart from logreader.h so that the reader's own
 * parts (logreader_int.h, logreader_state.h) share them without including
 * the public API that sits above them.
 */
#ifndef LP_LOGREADER_TYPES_H
#define LP_LOGREADER_TYPES_H

#include <stdint.h>

#include "logdriver/logline.h"

struct logshare;

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
	/*
	 * Optional: one whole append of the current file, taken at the head
	 * and decoded once for every follower there (logshare.h). The sink
	 * sends all of logshare_entries() as entry() would each (its stream
	 * filter included); the share is borrowed for the call. Offered only
	 * when no time filter applies to them and nothing is read before
	 * them; ready() was asked first.
	 */
	void	(*shared)(void *arg, struct logshare *);
	void	*arg;
};

/* Every reader's losses behind rotation, for /debug/vars. */
struct logreader_losses {
	uint64_t	gaps;		/* skips told to a client */
	uint64_t	entries;
	uint64_t	bytes;
};

#endif
