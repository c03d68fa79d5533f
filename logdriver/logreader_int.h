/* SPDX-License-Identifier: MIT */
/*
 * The reader's state, shared by the modules that make up the producer,
 * which call each other one way, top first: logreader.c (the stage
 * machine and the public API), logfeed.c (the writer's notifications),
 * logtail.c (the backwards tail scan), logbuf.c (the read buffer and
 * delivery), logfiles.c (the rotated-file set), logreader_state.c (the
 * in-band error, scheduling, the losses). A lower one reports what the
 * stage machine must do (end, begin, drop a torn entry) by its return
 * value. logwatch.c (inotify or polling) knows nothing of the reader.
 * Private to logdriver/: nothing else includes it.
 */
#ifndef LP_LOGREADER_INT_H
#define LP_LOGREADER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event_struct.h>

#include "daemon/base/cancel.h"
#include "daemon/base/reap.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logdecode.h"
#include "logdriver/logreader_types.h"
#include "logdriver/logwatch.h"

/* Bytes read per loop callback: one reader never holds the loop long. */
#define LOGREADER_SLICE		(64 * 1024)
/* Longer lines are skipped (dockerd never writes more than ~100 KiB). */
#define LOGREADER_MAXLINE	(4 * 1024 * 1024)
/*
 * Bytes a follower at the head may take from the writer and hold while its
 * client catches up (logfeed_take): with a tiny max-size the disk keeps
 * almost nothing, so this is what a follower that keeps up relies on.
 */
#define LOGREADER_HOLD		(1024 * 1024)

enum logreader_state {
	LOGREADER_NEW,
	LOGREADER_TAIL,		/* scanning backwards for the tail start */
	LOGREADER_BACKLOG,	/* reading what existed at start */
	LOGREADER_FOLLOW,	/* reading what is appended */
	LOGREADER_DONE,		/* done() called; released */
	LOGREADER_STOPPED,	/* finished by its owner; released */
};

struct logfile;

struct logreader {
	uint64_t		 id;
	enum logreader_state	 state;
	struct event_base	*base;		/* borrowed */
	struct cancel		*cancel;	/* owned */
	struct cancel_hook	 hook;
	struct task		*task;		/* owned */
	char			*path;		/* owned */
	struct jsonfile		*writer;	/* borrowed; NULL once closed */
	struct jsonfile_sub	 sub;
	uint64_t		 wgen;		/* writer's generation */
	int			 kept;		/* writer's kept files */
	int			 closed;	/* writer sent CLOSED */
	int64_t			 close_off;	/* its last byte in gen wgen */
	struct logreader_opts	 opts;
	struct logreader_sink	 sink;

	struct event		 work_ev;	/* logreader_work_cb */
	struct reap		 reap;		/* logreader_reap_cb */
	int			 paused;	/* ready() said 0 */
	int			 frame;		/* a stage frame is pushed */
	int			 born_cancelled; /* parent was cancelled */
	int			 idle_armed;	/* park timer set, no data */
	int			 parked;	/* files[cur] closed, idle */
	int			 kicked;	/* work_ev runs next pass */

	struct logwatch		 watch;		/* follow without a writer */

	/*
	 * Owned, LOGFILES_MAXPIN slots, allocated at the first pin and freed
	 * when the last one is taken: a follower that keeps up (nearly all of
	 * them) never carries the 1.5 KiB array.
	 */
	struct logfile		*pins;
	int			 npins;
	int			 at_head;	/* fed up to the writer's end */
	/*
	 * A rotation found the pins full: from gap_gen on nothing is held
	 * (no pin is taken until the reader gets there, so what is held
	 * stays one run), and gap is where gap_gen began, to count a loss.
	 */
	int			 gapped;
	uint64_t		 gap_gen;
	struct jsonfile_mark	 gap;
	/* Owned: the writer's marks of the kept generations, once closed. */
	struct jsonfile_mark	*marks;
	int			 nmarks;	/* for wgen - nmarks + 1 .. */
	struct logfile		*files;		/* owned: oldest first */
	int			 nfiles;
	int			 cur;

	int			 seeking;	/* logseek before the tail */
	/*
	 * Where the seek put the start for since: the tail scan stops there
	 * (nothing before it is sent). 0, 0 without a seek.
	 */
	int			 floor_file;
	int64_t			 floor_off;
	int64_t			 tail_left;	/* entries still to count */
	int			 tail_file;
	int64_t			 tail_pos;	/* scan from here backwards */
	int			 tail_nl;	/* met a newline in tail_file */
	int			 draining;	/* replaced: read once more */

	/*
	 * One reference, or NULL: an append taken whole at the head and not
	 * yet delivered. It comes before the buffer, which is empty while
	 * it is held (the next append puts its bytes there first).
	 */
	struct logshare		*share;
	char			*buf;		/* owned/NULL: [start, end) */
	size_t			 cap;
	size_t			 start;
	size_t			 end;
	int			 skipping;	/* dropping an overlong line */
	struct logdecode	 dec;

	char			*error;	/* pending in-band error, or NULL */
	uint64_t		 delivered;
	uint64_t		 skipped;
	uint64_t		 lost_entries;	/* skipped behind rotation */
	int64_t			 lost_bytes;
};

/*
 * Reading, tail scan or following: the sink may still be called. Inline:
 * asked around every delivered line.
 */
static inline int
logreader_active(const struct logreader *r)
{
	return (r->state == LOGREADER_TAIL || r->state == LOGREADER_BACKLOG ||
	    r->state == LOGREADER_FOLLOW);
}

#endif
