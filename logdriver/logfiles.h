/* SPDX-License-Identifier: MIT */
/*
 * Log files: a reader's set of json-file files, path.(max_file-1) .. path:
 * their names and writer generations, the files held open (pinned) ahead
 * of a follower so rotation cannot delete them unread, the switch to the
 * next generation, parking an idle follower's file, and counting what a
 * follower lost when it fell further behind than that.
 */
#ifndef LP_LOGFILES_H
#define LP_LOGFILES_H

#include <stddef.h>
#include <stdint.h>

#include "logdriver/jsonfile.h"

struct logreader;

/*
 * Files a follower holds open ahead of its position, so that a burst of
 * rotations cannot delete a file before it is read (see logfiles_pin).
 * Each holds up to max-size bytes of disk.
 */
#define LOGFILES_MAXPIN	32
/* Skips from a pinned file are counted from the writer's marks. */
_Static_assert(LOGFILES_MAXPIN <= JSONFILE_MARKS_BEHIND,
    "the writer must remember every generation a follower can pin");

struct logfile {
	int		 fd;
	int64_t		 off;		/* next byte to read */
	int64_t		 limit;		/* snapshot end; -1: to EOF */
	int64_t		 size0;		/* size when opened */
	uint64_t	 gen;		/* writer generation (follow) */
	int		 k;		/* 0 = path, k = path.k at open */
};

/* Closes f's fd if open; f stays. */
void	logfiles_close(struct logfile *);
/*
 * Opens the snapshot: the rotated files that exist and the current one
 * (last). -1 with errno when the current file cannot be opened.
 */
int	logfiles_open_all(struct logreader *);
/* Closes and frees every file, pin and mark the reader holds. */
void	logfiles_release(struct logreader *);

/* Writer follow: a rotation made a new current file (pin it). */
void	logfiles_pin(struct logreader *);
/*
 * Writer follow, the reader has all of the generation that was just
 * rotated away: go over to the new file; 0 when it could not.
 */
int	logfiles_head_rotated(struct logreader *);
/* The parked file was renamed to path.1: reopen it there. */
void	logfiles_unpark_rotated(struct logreader *);
/* The writer closed: keep its generation marks if they may be needed. */
void	logfiles_keep_marks(struct logreader *);
/* After CLOSED, the closed generation is read up to the close only. */
void	logfiles_limit_closed(struct logreader *);
/*
 * Writer follow at the end of an old generation: go to the next one. 0, or
 * -1 with the reader's error set (or the reader finished by the sink).
 */
int	logfiles_next_gen(struct logreader *);

enum logfiles_check {
	LOGFILES_WAIT,		/* nothing new: wait */
	LOGFILES_AGAIN,		/* replaced: read the old file once more */
	LOGFILES_TRUNCATED,	/* read again from 0 */
	LOGFILES_REPLACED,	/* now on the new file, from 0 */
};
/*
 * inotify follow at EOF: truncation or replacement? After the last two
 * the buffer's torn entry belongs to no file (the caller drops it).
 */
enum logfiles_check logfiles_check_file(struct logreader *);
/*
 * Reopens the parked current file: 0 when open again, 1 when it is to
 * read as ended, -1 with the reader's error set.
 */
int	logfiles_unpark(struct logreader *);

#endif
