/* SPDX-License-Identifier: MIT */
/*
 * Log buffer: a reader's read buffer, filled from the current file (or the
 * writer's buffer) in bounded pieces and cut into lines, each decoded,
 * filtered by time and handed to the sink.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logbuf.h"
#include "logdriver/logfiles.h"
#include "logdriver/logreader_int.h"
#include "logdriver/logreader_state.h"
#include "logdriver/logshare.h"

/*
 * The read buffer exists only while there is something to read: a
 * follower idle for a second frees it (logreader_idle), so ten thousand
 * idle followers do not hold ten thousand 64 KiB buffers.
 */
void
logbuf_alloc(struct logreader *r)
{
	if (r->buf != NULL)
		return;
	r->cap = LOGREADER_SLICE;
	r->buf = xmalloc(r->cap);
	r->start = r->end = 0;
}

static void
logbuf_pause(struct logreader *r)
{
	r->paused = 1;
	task_wait(r->task, "client writable");
}

/*
 * Whether the sink takes more now: 1, or 0 when the reader must return
 * (the sink is full: paused; or it finished the reader).
 */
static int
logbuf_sink_ready(struct logreader *r)
{
	if (r->sink.ready != NULL && !r->sink.ready(r->sink.arg)) {
		if (logreader_active(r))
			logbuf_pause(r);
		return (0);
	}
	return (logreader_active(r));
}

/*
 * Decodes and filters one line and hands it to the sink. Returns 0 to go
 * on, -1 when the reader must not touch anything more (the sink finished
 * or freed it), 1 when until was passed (the reader is to end).
 */
static int
logbuf_deliver(struct logreader *r, const char *line, size_t len)
{
	struct logline	ll;

	/*
	 * A broken or mistyped line is skipped and reading goes on; dockerd
	 * silently ends the whole response at the first broken line (spec
	 * 5.4), losing every later entry.
	 */
	if (logdecode_line(&r->dec, line, len, &ll) != 0) {
		r->skipped++;
		log_debug("reader %" PRIu64 ": skipped an unreadable line "
		    "(%zu bytes)", r->id, len);
		return (0);
	}
	if (r->opts.has_since && ll.time_ns < r->opts.since_ns)
		return (0);
	if (r->opts.has_until && ll.time_ns > r->opts.until_ns)
		return (1);
	r->delivered++;
	r->sink.entry(r->sink.arg, &ll);
	/* The sink may have finished (or freed, deferred) us: re-check. */
	return (logreader_active(r) ? 0 : -1);
}

/* Delivers the complete lines in the buffer; see logbuf.h. */
int
logbuf_lines(struct logreader *r)
{
	char	*p, *nl;
	int	 rc;

	while (r->start < r->end) {
		p = r->buf + r->start;
		nl = memchr(p, '\n', r->end - r->start);
		if (nl == NULL)
			break;
		if (r->skipping) {
			r->skipping = 0;
			r->start = (size_t)(nl + 1 - r->buf);
			continue;
		}
		if (!logbuf_sink_ready(r))
			return (-1);
		r->start = (size_t)(nl + 1 - r->buf);
		if ((rc = logbuf_deliver(r, p, (size_t)(nl - p))) != 0)
			return (rc);
	}
	return (0);
}

int
logbuf_share(struct logreader *r)
{
	struct logshare	*sh = r->share;
	size_t		 n;

	if (sh == NULL)
		return (0);
	if (!logbuf_sink_ready(r))
		return (-1);
	r->share = NULL;		/* ours for the call */
	logshare_entries(sh, &n);
	r->delivered += n;
	r->skipped += logshare_skipped(sh);
	r->sink.shared(r->sink.arg, sh);
	logshare_unref(sh);
	return (logreader_active(r) ? 0 : -1);
}

void
logbuf_unshare(struct logreader *r)
{
	const char	*bytes;
	size_t		 n;

	if (r->share == NULL)
		return;
	bytes = logshare_bytes(r->share, &n);
	logbuf_alloc(r);
	if (r->end + n > r->cap) {
		while (r->end + n > r->cap)
			r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->end, bytes, n);
	r->end += n;
	logshare_unref(r->share);
	r->share = NULL;
}

void
logbuf_drop_partial(struct logreader *r, const char *why)
{
	if (r->end > r->start && !r->skipping)
		log_debug("reader %" PRIu64 ": %s: dropped %zu bytes of a "
		    "torn entry", r->id, why, r->end - r->start);
	r->start = r->end = 0;
	r->skipping = 0;
}

/* Makes room in the buffer for more of a line (or starts skipping it). */
static void
logbuf_room(struct logreader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end < r->cap)
		return;
	if (r->cap < LOGREADER_MAXLINE) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	} else {
		log_warn("reader %" PRIu64 ": skipping a line longer than %d "
		    "bytes", r->id, LOGREADER_MAXLINE);
		r->skipped++;
		r->skipping = 1;
		r->end = 0;
	}
}

/*
 * Writer follow of the current file: the writer knows where the file ends
 * and usually still holds what it last wrote, so a follower that keeps up
 * needs no system call at all: no pread(2) for the bytes, none to find the
 * end. With a thousand followers that is two thousand system calls less per
 * flush. Copies up to want bytes of f at f->off to the end of the buffer;
 * returns the bytes copied (0 at the end), or -1: read the file.
 */
static ssize_t
logbuf_from_writer(struct logreader *r, struct logfile *f, size_t want)
{
	const char	*src;
	size_t		 n;

	if (r->writer == NULL || f->gen != r->wgen || f->limit >= 0)
		return (-1);
	if (f->off >= jsonfile_written(r->writer))
		return (0);
	if ((n = jsonfile_peek(r->writer, f->off, &src)) == 0)
		return (-1);
	if (n > want)
		n = want;
	memcpy(r->buf + r->end, src, n);
	return ((ssize_t)n);
}

/*
 * Reads the next piece of the current file into the buffer. Returns 1 when
 * bytes came, 0 at the end of the file (or of its snapshot), -1 with the
 * reader's error set when it cannot read.
 */
int
logbuf_fill(struct logreader *r, size_t *budget)
{
	struct logfile	*f = &r->files[r->cur];
	size_t		 want;
	ssize_t		 n;
	int		 rc;

	/*
	 * A follower with nothing new learns it from the writer, without a
	 * buffer: so the followers of a silent container never allocate one
	 * (allocated and freed between each follower's small structs, the
	 * 64 KiB blocks left touched pages behind: +2 KiB RSS a follower).
	 */
	if (r->buf == NULL && r->writer != NULL && f->gen == r->wgen &&
	    f->limit < 0 && f->off >= jsonfile_written(r->writer))
		return (0);
	logbuf_alloc(r);
	logbuf_room(r);
	want = r->cap - r->end;
	if (want > *budget)
		want = *budget;
	if (f->limit >= 0) {
		if (f->off >= f->limit)
			return (0);
		if ((int64_t)want > f->limit - f->off)
			want = (size_t)(f->limit - f->off);
	}
	/* A parked follower needs its file only when the writer cannot help. */
	if ((n = logbuf_from_writer(r, f, want)) >= 0)
		goto got;
	if (f->fd == -1 && r->parked && (rc = logfiles_unpark(r)) != 0)
		return (rc < 0 ? -1 : 0);
	while ((n = pread(f->fd, r->buf + r->end, want, f->off)) == -1 &&
	    errno == EINTR)
		;
got:
	if (n == -1) {
		logreader_state_error(r, errno, "read", r->path);
		return (-1);
	}
	if (n == 0)
		return (0);
	r->idle_armed = 0;
	f->off += n;
	r->end += (size_t)n;
	*budget -= (size_t)n;
	return (1);
}

