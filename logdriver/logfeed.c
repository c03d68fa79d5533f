/* SPDX-License-Identifier: MIT */
/*
 * Log feed: a follower's side of the writer's subscription. A follower at
 * the head takes each write from the writer's buffer as it happens (no
 * system call), and every follower learns of rotations and the close from
 * here, so that it can pin, switch or end. Reading the current file from
 * the writer's buffer is logbuf_fill's.
 */
#include <inttypes.h>
#include <string.h>

#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logbuf.h"
#include "logdriver/logfeed.h"
#include "logdriver/logfiles.h"
#include "logdriver/logreader_int.h"
#include "logdriver/logreader_state.h"
#include "logdriver/logshare.h"

/*
 * Nothing waits before this append and no time filter looks at its
 * entries one by one: take it as the share every such follower holds,
 * copied and decoded once (logshare.h). 1 when taken.
 */
static int
logfeed_share(struct logreader *r, const char *src, size_t n)
{
	struct logfile	*f = &r->files[r->cur];

	if (r->sink.shared == NULL || r->start != r->end || r->paused ||
	    r->opts.has_until)
		return (0);
	r->share = logshare_get(r->writer, src, n);
	if (r->opts.has_since &&
	    logshare_min_time(r->share) < r->opts.since_ns) {
		logshare_unref(r->share);
		r->share = NULL;
		return (0);
	}
	f->off += (int64_t)n;
	r->idle_armed = 0;
	r->at_head = f->off == jsonfile_written(r->writer);
	return (1);
}

/*
 * A follower that has everything the writer wrote takes the new bytes
 * from the writer's buffer now, before a later write or rotation can
 * overwrite or delete them: one memcpy, no system call, and it cannot
 * fall behind rotation however small max-size is. It holds at most
 * LOGREADER_HOLD bytes that its client has not taken yet; past that it
 * reads the file again like any follower behind (logbuf_fill).
 */
static void
logfeed_take(struct logreader *r)
{
	struct logfile	*f;
	const char	*src;
	size_t		 n, want;

	r->at_head = 0;
	if (r->state != LOGREADER_FOLLOW || r->writer == NULL ||
	    r->cur != r->nfiles - 1 || r->skipping)
		return;
	f = &r->files[r->cur];
	if (f->gen != r->wgen || f->limit >= 0 ||
	    (n = jsonfile_peek(r->writer, f->off, &src)) == 0)
		return;
	if (r->share != NULL)
		logbuf_unshare(r);	/* its bytes come first */
	if (logfeed_share(r, src, n))
		return;
	logbuf_alloc(r);
	if (r->end - r->start + n > LOGREADER_HOLD) {
		log_debug("reader %" PRIu64 ": %zu bytes unsent, off the "
		    "head (paused %d)", r->id, r->end - r->start, r->paused);
		return;
	}
	if (r->end + n > r->cap && r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end + n > r->cap) {
		for (want = r->cap; want < r->end + n; want *= 2)
			;
		r->cap = want;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->end, src, n);
	r->end += n;
	f->off += (int64_t)n;
	r->idle_armed = 0;
	r->at_head = f->off == jsonfile_written(r->writer);
}

/*
 * Writer notification: cheap, as the writer asks (at most one open(2) on
 * a rotation); remember what happened and schedule a slice. Reading
 * happens from the loop.
 */
void
logfeed_cb(void *arg, enum jsonfile_event ev)
{
	struct logreader	*r = arg;

	switch (ev) {
	case JSONFILE_APPEND:
		logfeed_take(r);
		break;
	case JSONFILE_ROTATED:
		r->wgen = jsonfile_generation(r->writer);
		if (!logreader_active(r))
			break;
		if (r->at_head && logfiles_head_rotated(r))
			break;
		if (r->parked && r->files[r->cur].gen + 1 == r->wgen)
			logfiles_unpark_rotated(r);
		logfiles_pin(r);
		break;
	case JSONFILE_CLOSED:
		/* Already unsubscribed by the writer; it is gone after this. */
		r->wgen = jsonfile_generation(r->writer);
		if (logreader_active(r))
			logfiles_keep_marks(r);
		/*
		 * The run ends here: a restart appends the next run to the same
		 * file, and a follower reading on into it stopped wherever its
		 * EOF happened to be. It ends at this run's last entry, as
		 * dockerd's follow ends when the container stops.
		 */
		r->close_off = jsonfile_written(r->writer);
		r->writer = NULL;
		r->closed = 1;
		logfiles_limit_closed(r);
		break;
	}
	if (r->state == LOGREADER_FOLLOW)
		logreader_state_schedule(r);
}
