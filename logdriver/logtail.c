/* SPDX-License-Identifier: MIT */
/*
 * Log tail: the backwards scan for the start of the last N entries, across
 * the rotated files of the reader's snapshot. Cost grows with N, not with
 * the size of the files.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "logdriver/logbuf.h"
#include "logdriver/logfiles.h"
#include "logdriver/logreader_int.h"
#include "logdriver/logtail.h"

/* Bytes scanned backwards per callback while looking for the tail. */
#define LOGTAIL_SLICE	(1024 * 1024)

void
logtail_init(struct logreader *r, int64_t n)
{
	r->tail_left = n;
	r->tail_file = r->nfiles - 1;
	r->tail_pos = r->files[r->tail_file].size0;
	r->tail_nl = 0;
}

/*
 * Counts complete entries (each ends in '\n') from the end of the
 * snapshot, across rotated files, before any filtering (spec 4.2): the
 * last newline of a file closes its last complete entry (bytes after it
 * are a torn entry, not counted), every newline before it starts one more
 * entry, and so does the file's start. With N = 0 it finds the end of the
 * last complete entry of the current file. It never goes back past the
 * floor the since seek set (logseek.h): with since, the later of the two
 * starts is where reading begins.
 */
int
logtail_slice(struct logreader *r, int64_t *off)
{
	struct logfile	*f;
	int64_t		 budget = LOGTAIL_SLICE, from, pos;
	size_t		 n;
	ssize_t		 got;

	for (;;) {
		f = &r->files[r->tail_file];
		if (r->tail_file == r->floor_file &&
		    r->tail_pos <= r->floor_off) {
			*off = r->floor_off;	/* nothing before it is sent */
			return (1);
		}
		if (r->tail_pos == 0) {
			if (r->tail_nl && r->tail_left > 0)
				r->tail_left--;
			if (r->tail_left == 0 || r->tail_file == 0) {
				*off = 0;
				return (1);
			}
			r->tail_file--;
			r->tail_pos = r->files[r->tail_file].size0;
			r->tail_nl = 0;
			continue;
		}
		if (budget <= 0)
			return (0);
		logbuf_alloc(r);	/* not for an empty file */
		n = r->cap;
		if ((int64_t)n > r->tail_pos)
			n = (size_t)r->tail_pos;
		from = r->tail_pos - (int64_t)n;
		got = pread(f->fd, r->buf, n, from);
		if (got == -1 && errno == EINTR)
			continue;
		if (got != (ssize_t)n) {
			/* Shrunk under us: take what is left as empty. */
			r->tail_pos = 0;
			continue;
		}
		budget -= (int64_t)n;
		for (size_t i = n; i > 0; i--) {
			if (r->buf[i - 1] != '\n')
				continue;
			pos = from + (int64_t)i;	/* after the newline */
			if (r->tail_file == r->floor_file &&
			    pos <= r->floor_off) {
				*off = r->floor_off;
				return (1);
			}
			if (!r->tail_nl)
				r->tail_nl = 1;
			else
				r->tail_left--;
			if (r->tail_left <= 0) {
				*off = pos;
				return (1);
			}
		}
		r->tail_pos = from;
	}
}
