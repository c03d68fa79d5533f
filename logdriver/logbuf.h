/* SPDX-License-Identifier: MIT */
/*
 * Log buffer: a reader's read buffer; filled from the current file in
 * bounded pieces, cut into lines, each decoded, filtered and delivered.
 */
#ifndef LP_LOGBUF_H
#define LP_LOGBUF_H

#include <stddef.h>

struct logreader;

/* Allocates the read buffer if it is not there (it goes when idle). */
void	logbuf_alloc(struct logreader *);
/*
 * Reads the next piece of the current file (from the writer's buffer when
 * it still holds it), at most *budget bytes, taken off *budget. 1 when
 * bytes came, 0 at the end of the file (or its snapshot), -1 when it
 * cannot read: the reader's error is set, the caller ends it.
 */
int	logbuf_fill(struct logreader *, size_t *budget);
/*
 * Delivers the complete lines in the buffer: 0 when all are delivered, -1
 * when the reader must return (the sink is full, finished or freed it), 1
 * when until was passed (the caller ends the reader).
 */
int	logbuf_lines(struct logreader *);
/*
 * Delivers the share the reader holds, whole: 0 when delivered (or none),
 * -1 when the reader must return (not ready: paused; or finished).
 */
int	logbuf_share(struct logreader *);
/* Puts the held share's bytes in the buffer instead, to read as usual. */
void	logbuf_unshare(struct logreader *);
/* Forgets a torn entry left at the end of a file we are leaving. */
void	logbuf_drop_partial(struct logreader *, const char *why);

#endif
