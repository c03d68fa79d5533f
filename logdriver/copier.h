/* SPDX-License-Identifier: MIT */
/*
 * Log copier: pumps one container output fd (pipe or pty) into the json-file
 * writer, split into entries the way dockerd's copier splits them: one per
 * line, 16384-byte partial entries for longer lines, a partial remainder at
 * EOF. No allocation per line and one flush per read.
 */
#ifndef LP_COPIER_H
#define LP_COPIER_H

#include <stddef.h>
#include <stdint.h>

#include "logdriver/logline.h"

struct event_base;
struct copier;
struct jsonfile;
struct logring;

/* Longest entry; longer lines become partial entries of exactly this. */
#define COPIER_LINE_MAX		16384
/* Bytes asked for per read(2). */
#define COPIER_READ_MAX		65536
/*
 * JSON written for one stream per loop pass; what else a read brought
 * waits for the next pass. Below what a follower sends per pass
 * (STREAM_HIGH_WATER), so a follower whose client keeps up keeps up.
 */
#define COPIER_PASS_BYTES	(32 * 1024)

/* Called once from the loop when fd reached EOF (or a pty's EIO). */
typedef void (*copier_eof_cb)(struct copier *, void *arg);

/*
 * A copier of fd (owned from now on, non-blocking) into writer (borrowed;
 * NULL reads and discards, for the "none" driver); nothing is read until
 * copier_start(). Freed with copier_free(); it is a task of kind
 * "daemon.copier".
 */
struct copier	*copier_new(struct event_base *, int fd, enum logline_stream,
		     struct jsonfile *writer, copier_eof_cb, void *arg);
/*
 * The tee: every read's raw bytes, before they become entries, for live
 * readers (attach). stream is the copier's (1 stdout, 2 stderr). The
 * callback must not free the copier.
 */
typedef void (*copier_tee_cb)(void *arg, int stream, const void *buf,
		    size_t n);
/*
 * mode=non-blocking, before copier_start(): the fd is drained whenever
 * readable into ring (borrowed, may be shared by the container's two
 * copiers, outlives them), which is drained into the writer; a full ring
 * drops new entries (copier_dropped). who (borrowed, e.g. the container
 * id) names the copier in the warning. Ignored without a writer.
 */
void		 copier_set_ring(struct copier *, struct logring *ring,
		     const char *who);
/*
 * Arms the read event (once): fd is read from the loop until EOF, each
 * read also given to tee (NULL: none), so no byte is read before the tee
 * is there.
 */
void		 copier_start(struct copier *, copier_tee_cb tee, void *arg);
/*
 * hold 1: the fd is not read until hold 0, so the container's writes wait
 * in its pipe, as dockerd's do for an attached client; what was read goes
 * on into the log. For an attached client that reads slower than the
 * container writes (its owner bounds how long). Idempotent; NULL is fine.
 */
void		 copier_hold(struct copier *, int hold);
/*
 * Reads whatever is readable now, held or not, without waiting and
 * without calling the EOF callback; for the bounded drain after the
 * process died.
 */
void		 copier_drain(struct copier *);
int		 copier_eof(const struct copier *);
/*
 * Stores an unfinished line as a partial entry, empties the ring into the
 * writer, flushes, closes the fd and frees. Call before closing the writer. NULL is fine.
 */
void		 copier_free(struct copier *);

/* Entries cut from the output (dropped ones too), and bytes read. */
uint64_t	 copier_entries(const struct copier *);
uint64_t	 copier_bytes(const struct copier *);
/* Entries a full ring refused: this copier's, and every copier's. */
uint64_t	 copier_dropped(const struct copier *);
uint64_t	 copier_total_dropped(void);

#endif
