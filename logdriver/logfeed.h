/* SPDX-License-Identifier: MIT */
/*
 * Log feed: what a reader does with its writer's notifications (append,
 * rotated, closed), and reading the current file from the writer's buffer
 * instead of the disk.
 */
#ifndef LP_LOGFEED_H
#define LP_LOGFEED_H

#include <stddef.h>
#include <sys/types.h>

#include "logdriver/jsonfile.h"

struct logfile;
struct logreader;

/* The reader's jsonfile subscription callback (arg: the reader). */
void	logfeed_cb(void *arg, enum jsonfile_event);
/*
 * Copies up to want bytes of f at f->off from the writer's buffer to the
 * end of the reader's buffer. Returns the bytes copied (0 at the end), or
 * -1: the writer cannot help, read the file.
 */
ssize_t	logfeed_fill(struct logreader *, struct logfile *f, size_t want);

#endif
