/* SPDX-License-Identifier: MIT */
/*
 * Log tail: finds where the last N entries of a reader's snapshot begin by
 * scanning its files backwards, one bounded slice per loop callback.
 */
#ifndef LP_LOGTAIL_H
#define LP_LOGTAIL_H

#include <stdint.h>

struct logreader;

/* Starts the scan at the end of the newest file, to count n entries. */
void	logtail_init(struct logreader *, int64_t n);
/*
 * One slice of the scan; returns 1 when the start is found, at *off in
 * file tail_file (the reader then reads from there), 0 to go on in a
 * later callback.
 */
int	logtail_slice(struct logreader *, int64_t *off);

#endif
