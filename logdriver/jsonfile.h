/* SPDX-License-Identifier: MIT */
/*
 * json-file writer, owned by a container's log copier: buffers encoded
 * entries, writes them out, rotates by size and tells followers about
 * appends, rotations and the close.
 */
#ifndef LP_JSONFILE_H
#define LP_JSONFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "logdriver/logline.h"

struct err;
struct jsonfile;

struct jsonfile_opts {
	int64_t	max_size;	/* bytes; 0 = no rotation */
	int	max_file;	/* >= 1 */
	int	compress;	/* gzip rotated files (max_file >= 2) */
};

enum jsonfile_event {
	JSONFILE_APPEND,
	JSONFILE_ROTATED,
	JSONFILE_CLOSED,
};

/* Entries and bytes encoded since the writer was opened, up to a point. */
struct jsonfile_mark {
	uint64_t	entries;
	int64_t		bytes;
};

typedef void (*jsonfile_cb)(void *arg, enum jsonfile_event);

TAILQ_HEAD(jsonfile_subq, jsonfile_sub);

/* A follower's hook, embedded in its own struct; zeroed = not subscribed. */
struct jsonfile_sub {
	TAILQ_ENTRY(jsonfile_sub)	 entry;
	struct jsonfile_subq		*head;	/* borrowed; NULL: off */
	struct jsonfile			*jf;	/* borrowed */
	jsonfile_cb			 cb;
	void				*arg;
};

/*
 * Parses dockerd's max-size ("1k" = 1000, "1.5k", "1 kb", "2MiB"); errors
 * read "invalid size: '1k5'" and "max-size must be a positive number".
 */
int		 jsonfile_parse_size(const char *, int64_t *out, struct err *);

/*
 * Opens (O_APPEND|O_CREAT, 0640, continuing an existing file) a writer;
 * the caller frees it with jsonfile_close().
 */
struct jsonfile	*jsonfile_open(const char *path, const struct jsonfile_opts *,
		     struct err *);
/*
 * Sets the attrs written into every entry (5.6), e.g. from labels and env;
 * the pairs are copied. n = 0 removes them.
 */
void		 jsonfile_set_attrs(struct jsonfile *, const char *const *keys,
		     const char *const *values, size_t n);
/*
 * Adds one entry (msg without its newline; complete when the line ended
 * with one) to the buffer; writes out when the buffer is full and rotates
 * first when the file has reached max-size. Write errors drop entries and
 * are counted, never returned: returns 0.
 */
int		 jsonfile_write(struct jsonfile *, enum logline_stream,
		     const char *msg, size_t len, int complete,
		     int64_t time_ns);
/* Writes out what is buffered, then notifies JSONFILE_APPEND. */
int		 jsonfile_flush(struct jsonfile *);
/* Flushes, notifies JSONFILE_CLOSED, frees. Accepts NULL. */
/* Waits until a rotated file being compressed (compress) is done. */
void		 jsonfile_settle(struct jsonfile *);
void		 jsonfile_close(struct jsonfile *);

const char	*jsonfile_path(const struct jsonfile *);
/* +1 per rotation: a reader holding generation g finds g + 1 by name. */
uint64_t	 jsonfile_generation(const struct jsonfile *);
/*
 * Files a follower may find on disk: path and path.1 .. path.(n-1). At
 * least 2, since max-file=1 keeps the previous file as path.1 (5.7).
 */
int		 jsonfile_kept_files(const struct jsonfile *);
/* Bytes in the current file, buffered ones included. */
int64_t		 jsonfile_size(const struct jsonfile *);
/*
 * For followers of the current file: the bytes written to it so far (not
 * the buffered ones), and *p pointing at the bytes from off on that the
 * last write took from the writer's buffer, still there until the next
 * jsonfile_write(). Returns how many (0: read the file). Borrowed.
 */
int64_t		 jsonfile_written(const struct jsonfile *);
size_t		 jsonfile_peek(const struct jsonfile *, int64_t off,
		     const char **p);
/*
 * The latest APPEND notification's id, unique in the process: what its
 * subscribers share (logshare.h) is known by it.
 */
uint64_t	 jsonfile_append_id(const struct jsonfile *);
/*
 * Whether an entry this writer wrote in generation gen or later has an
 * earlier time than the one before it (the clock stepped back): readers
 * then cannot bisect those files for since (logseek.h). What the file
 * held before the writer opened it is not known here.
 */
int		 jsonfile_stepped_back(const struct jsonfile *, uint64_t gen);
/* Bytes encoded since open: the copier's measure of its work. */
uint64_t	 jsonfile_bytes(const struct jsonfile *);
/* Where everything encoded so far ends (buffered entries included). */
void		 jsonfile_mark(const struct jsonfile *, struct jsonfile_mark *);
/*
 * Generations remembered past the kept ones: a follower may still hold
 * this many deleted files open (logfiles.h's LOGFILES_MAXPIN), and when it
 * finally skips from one of them it must know where that one began.
 */
#define JSONFILE_MARKS_BEHIND	32

/*
 * Where generation gen began, for the kept generations, the current one
 * and JSONFILE_MARKS_BEHIND older ones (generation 0 began at open: what
 * the file held before is not counted). -1 when gen is older. A follower that skips deleted files
 * tells its client how much it lost from these.
 */
int		 jsonfile_gen_start(const struct jsonfile *, uint64_t gen,
		     struct jsonfile_mark *);
/* Entries dropped by failed writes: this writer, and all writers. */
uint64_t	 jsonfile_write_errors(const struct jsonfile *);
uint64_t	 jsonfile_total_write_errors(void);

/* Every writer's work since the daemon started, for /metrics. */
struct jsonfile_totals {
	uint64_t	entries_written;	/* whole entries on disk */
	uint64_t	bytes_written;
	uint64_t	rotations;
	uint64_t	write_errors;		/* entries dropped */
};
void		 jsonfile_totals(struct jsonfile_totals *);

/*
 * Subscribes sub (embedded in the follower) to the writer's events. The
 * callback must be cheap (schedule work; on APPEND it may copy what
 * jsonfile_peek shows, which is there only during the callback when the
 * write was a flush inside jsonfile_write) and must not free the writer;
 * it may unsubscribe itself or others.
 */
void		 jsonfile_subscribe(struct jsonfile *, struct jsonfile_sub *,
		     jsonfile_cb, void *arg);
/* Idempotent; safe from inside a callback; CLOSED unsubscribes everyone. */
void		 jsonfile_unsubscribe(struct jsonfile_sub *);
size_t		 jsonfile_subscribers(const struct jsonfile *);

#endif
