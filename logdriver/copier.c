/* SPDX-License-Identifier: MIT */
/*
 * Log copier. One buffer per stream holds at most one unfinished line
 * (< 16384 bytes) plus one read; entries are cut in place and handed to the
 * writer, which copies them into its own buffer, so nothing is allocated and
 * no system call is made per line. Backpressure (the default, blocking
 * mode) is the pipe itself: we read only as fast as the writer writes,
 * and a container that outprints the disk blocks in write(2).
 *
 * Fairness: one loop pass writes at most COPIER_PASS_BYTES of JSON for a
 * stream, whatever one read brought (64 KiB of short lines is ~750 KB of
 * JSON); the rest waits in the buffer for the next pass. A follower may
 * send more than that per pass, so one whose client keeps up stays at the
 * head: the writer can no longer rotate faster than followers move.
 * Followers are never waited for.
 *
 * mode=non-blocking (copier_set_ring): the fd is read whenever readable,
 * whatever the writer is doing; entries go into the container's ring and
 * the same pass budget drains the ring into the writer. A full ring drops
 * the new entry, counted and warned about at most every
 * COPIER_WARN_EVERY_NS. The container then blocks only while the loop
 * itself is busy (a write(2) stalled on the disk stalls it too).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "logdriver/copier.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logring.h"

#define COPIER_BUFSZ	(COPIER_LINE_MAX + COPIER_READ_MAX)
/* No limit on the JSON written in one call of copier_split. */
#define COPIER_NOLIMIT	UINT64_MAX
/* At most one "buffer full" warning per copier this often. */
#define COPIER_WARN_EVERY_NS	(10LL * 1000 * 1000 * 1000)

/* Entries every copier dropped for a full ring, for /metrics. */
static uint64_t	copier_dropped_total;

struct copier {
	int			 fd;		/* owned; -1 after EOF */
	enum logline_stream	 stream;
	struct jsonfile		*writer;	/* borrowed; NULL discards */
	struct event		*ev;		/* owned */
	struct event		*more_ev;	/* owned: next pass, buffered */
	int			 backlog;	/* complete lines wait in buf */
	struct task		*task;		/* owned */
	copier_eof_cb		 cb;
	void			*arg;
	char			*buf;		/* owned, COPIER_BUFSZ */
	size_t			 len;		/* unfinished line at buf[0] */
	int64_t			 line_ns;	/* its first fragment's time */
	int			 line_started;	/* line_ns is set */
	int			 eof;
	int			 held;		/* copier_hold(): fd not read */
	int			 draining;	/* copier_drain() reads anyway */
	uint64_t		 entries;
	uint64_t		 bytes;
	copier_tee_cb		 tee;		/* NULL: none */
	void			*tee_arg;
	struct logring		*ring;		/* borrowed; NULL: blocking */
	const char		*who;		/* borrowed: for the warning */
	uint64_t		 dropped;	/* refused by a full ring */
	uint64_t		 warned;	/* dropped at the last warning */
	int64_t			 warned_ns;	/* monotonic; 0: never */
};

/* Counts one refused entry; warns now and then, saying how many since. */
static void
copier_drop(struct copier *cp)
{
	int64_t	now;

	cp->dropped++;
	copier_dropped_total++;
	now = timeutil_mono_ns();
	if (cp->warned_ns != 0 && now - cp->warned_ns < COPIER_WARN_EVERY_NS)
		return;
	log_warn("%.12s %s: log buffer full (max-buffer-size %zu): %" PRIu64
	    " entries dropped since the last warning, %" PRIu64 " in all",
	    cp->who, logline_stream_name(cp->stream), logring_cap(cp->ring),
	    cp->dropped - cp->warned, cp->dropped);
	cp->warned = cp->dropped;
	cp->warned_ns = now;
}

static void
copier_emit(struct copier *cp, const char *msg, size_t len, int complete,
    int64_t ns)
{
	cp->entries++;
	if (cp->ring != NULL) {
		if (logring_push(cp->ring, cp->stream, msg, len, complete,
		    ns) != 0)
			copier_drop(cp);
	} else if (cp->writer != NULL)
		jsonfile_write(cp->writer, cp->stream, msg, len, complete, ns);
}

/*
 * Non-blocking: the ring's oldest entries into the writer until limit
 * (jsonfile_bytes) is reached; 1 when some were written. The ring is
 * the container's, so this may write the other stream's entries too:
 * they were queued first.
 */
static int
copier_ring_drain(struct copier *cp, uint64_t limit)
{
	struct logring_entry	e;
	int			wrote = 0;

	while (jsonfile_bytes(cp->writer) < limit &&
	    logring_peek(cp->ring, &e)) {
		jsonfile_write(cp->writer, e.stream, e.msg, e.len, e.complete,
		    e.time_ns);
		logring_pop(cp->ring);
		wrote = 1;
	}
	return (wrote);
}

/*
 * Cuts the buffer into entries: complete lines, and 16384-byte partials of
 * a line that long without a newline. What remains is shorter than 16384
 * bytes and moves to the front. Every fragment of one line carries the time
 * its first byte was seen; each line reads the clock (vDSO, no syscall), so
 * lines of one read keep distinct times for since/until, as in dockerd.
 */
static int
copier_split(struct copier *cp, uint64_t limit)
{
	size_t	 off = 0, window;
	char	*nl;
	int64_t	 ns;
	int	 full = 0;

	while (off < cp->len) {
		if (cp->writer != NULL && jsonfile_bytes(cp->writer) >= limit) {
			full = 1;
			break;
		}
		ns = cp->line_started ? cp->line_ns : timeutil_now_ns();
		window = cp->len - off;
		if (window > COPIER_LINE_MAX)
			window = COPIER_LINE_MAX;
		if ((nl = memchr(cp->buf + off, '\n', window)) != NULL) {
			copier_emit(cp, cp->buf + off,
			    (size_t)(nl - (cp->buf + off)), 1, ns);
			off = (size_t)(nl - cp->buf) + 1;
			cp->line_started = 0;
		} else if (cp->len - off >= COPIER_LINE_MAX) {
			copier_emit(cp, cp->buf + off, COPIER_LINE_MAX, 0, ns);
			off += COPIER_LINE_MAX;
			cp->line_ns = ns;
			cp->line_started = 1;
		} else
			break;
	}
	if (off > 0 && off < cp->len)
		memmove(cp->buf, cp->buf + off, cp->len - off);
	cp->len -= off;
	if (full)
		return (1);
	if (cp->len > 0 && !cp->line_started) {
		cp->line_ns = timeutil_now_ns();
		cp->line_started = 1;
	}
	return (0);
}

/*
 * Everything left, without the pass limit: at EOF, at the drain after
 * the process died, at free. Then the EOF remainder, a partial entry
 * without newline (spec 5.5).
 */
static void
copier_emit_rest(struct copier *cp)
{
	copier_split(cp, COPIER_NOLIMIT);
	cp->backlog = 0;
	if (cp->len > 0)
		copier_emit(cp, cp->buf, cp->len, 0,
		    cp->line_started ? cp->line_ns : timeutil_now_ns());
	cp->len = 0;
	cp->line_started = 0;
	if (cp->ring != NULL)
		copier_ring_drain(cp, COPIER_NOLIMIT);
}

static void
copier_set_eof(struct copier *cp)
{
	copier_emit_rest(cp);
	if (cp->writer != NULL)
		jsonfile_flush(cp->writer);
	cp->eof = 1;
	event_del(cp->ev);
	event_del(cp->more_ev);
	close(cp->fd);
	cp->fd = -1;
	task_wait(cp->task, "container exit");
}

/*
 * Reads up to max times, writing at most limit bytes of JSON (what is
 * left of a read waits in cp->buf: cp->backlog); returns 1 at EOF, 0 when
 * the fd would block or the budget is spent. One flush per call, not per
 * line or per read.
 */
static int
copier_read(struct copier *cp, int max, uint64_t limit)
{
	ssize_t	 n;
	int	 got = 0, ret = 0;

	if (cp->writer != NULL && limit != COPIER_NOLIMIT)
		limit += jsonfile_bytes(cp->writer);
	if (cp->backlog) {
		cp->backlog = copier_split(cp, limit);
		got = 1;
	}
	while (!cp->backlog && (!cp->held || cp->draining) && max-- > 0) {
		n = read(cp->fd, cp->buf + cp->len, COPIER_BUFSZ - cp->len);
		if (n > 0) {
			cp->bytes += (uint64_t)n;
			if (cp->tee != NULL)
				cp->tee(cp->tee_arg, (int)cp->stream,
				    cp->buf + cp->len, (size_t)n);
			cp->len += (size_t)n;
			cp->backlog = copier_split(cp, limit);
			got = 1;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1 && errno != EIO)	/* EIO: pty slave closed */
			log_warn("read stream %d: %s", (int)cp->stream,
			    strerror(errno));
		ret = 1;
		break;
	}
	if (got && !ret && cp->writer != NULL)
		jsonfile_flush(cp->writer);
	return (ret);
}

/*
 * copier_read for a ring: up to max reads, each cut whole into the ring
 * (only an unfinished line stays in cp->buf, so the next read always has
 * room), with the ring drained into the writer up to limit before and
 * after; cp->backlog says entries wait in the ring. 1 at EOF.
 */
static int
copier_read_ring(struct copier *cp, int max, uint64_t limit)
{
	ssize_t	 n;
	int	 wrote, ret = 0;

	if (limit != COPIER_NOLIMIT)
		limit += jsonfile_bytes(cp->writer);
	wrote = copier_ring_drain(cp, limit);
	while ((!cp->held || cp->draining) && max-- > 0) {
		n = read(cp->fd, cp->buf + cp->len, COPIER_BUFSZ - cp->len);
		if (n > 0) {
			cp->bytes += (uint64_t)n;
			if (cp->tee != NULL)
				cp->tee(cp->tee_arg, (int)cp->stream,
				    cp->buf + cp->len, (size_t)n);
			cp->len += (size_t)n;
			copier_split(cp, COPIER_NOLIMIT);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1 && errno != EIO)	/* EIO: pty slave closed */
			log_warn("read stream %d: %s", (int)cp->stream,
			    strerror(errno));
		ret = 1;
		break;
	}
	wrote |= copier_ring_drain(cp, limit);
	cp->backlog = logring_count(cp->ring) > 0;
	if (wrote && !ret)
		jsonfile_flush(cp->writer);
	return (ret);
}

/*
 * Read event, or the next pass with lines still buffered. While lines
 * wait, the fd is not watched: the pass limit holds per pass, and the
 * timer (zero timeout, run after the next poll, as the readers' are)
 * brings us back.
 */
static void
copier_read_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval	 now = { 0, 0 };
	struct copier			*cp = arg;
	int				 was = cp->backlog;

	(void)fd;
	(void)what;
	if (cp->ring != NULL) {
		/* The fd stays watched: the container never waits for us. */
		if (copier_read_ring(cp, 4, COPIER_PASS_BYTES)) {
			copier_set_eof(cp);
			cp->cb(cp, cp->arg);
			return;
		}
		if (cp->backlog)
			event_add(cp->more_ev, &now);
		return;
	}
	/* A few reads per wake-up keep other containers and clients fair. */
	if (copier_read(cp, 4, COPIER_PASS_BYTES)) {
		copier_set_eof(cp);
		cp->cb(cp, cp->arg);
		return;
	}
	if (cp->backlog && !was) {
		event_del(cp->ev);
		task_wait(cp->task, "next loop pass");
	} else if (!cp->backlog && was && !cp->held) {
		event_add(cp->ev, NULL);
		task_wait(cp->task, "container output");
	}
	if (cp->backlog)
		event_add(cp->more_ev, &now);
}

struct copier *
copier_new(struct event_base *base, int fd, enum logline_stream stream,
    struct jsonfile *writer, copier_eof_cb cb, void *arg)
{
	struct copier	*cp = xcalloc(1, sizeof *cp);

	cp->fd = fd;
	cp->stream = stream;
	cp->writer = writer;
	cp->cb = cb;
	cp->arg = arg;
	cp->buf = xmalloc(COPIER_BUFSZ);
	cp->task = task_new("daemon.copier");
	task_label(cp->task, "fd=%d stream=%s", fd,
	    logline_stream_name(stream));
	cp->ev = event_new(base, fd, EV_READ | EV_PERSIST, copier_read_cb, cp);
	cp->more_ev = event_new(base, -1, 0, copier_read_cb, cp);
	return (cp);
}

void
copier_set_ring(struct copier *cp, struct logring *ring, const char *who)
{
	if (cp->writer == NULL)
		return;
	cp->ring = ring;
	cp->who = who;
}

void
copier_start(struct copier *cp, copier_tee_cb tee, void *arg)
{
	cp->tee = tee;
	cp->tee_arg = arg;
	task_wait(cp->task, "container output");
	event_add(cp->ev, NULL);
}

void
copier_hold(struct copier *cp, int hold)
{
	if (cp == NULL || cp->eof || cp->held == (hold != 0))
		return;
	cp->held = hold != 0;
	if (cp->held) {
		event_del(cp->ev);
		task_wait(cp->task, "an attached client to read");
		return;
	}
	/* With lines buffered the next pass re-arms the fd itself. */
	if (cp->ring != NULL || !cp->backlog) {
		event_add(cp->ev, NULL);
		task_wait(cp->task, "container output");
	}
}

void
copier_drain(struct copier *cp)
{
	int	eof;

	if (cp->eof)
		return;
	cp->draining = 1;
	eof = cp->ring != NULL ? copier_read_ring(cp, 1024, COPIER_NOLIMIT) :
	    copier_read(cp, 1024, COPIER_NOLIMIT);
	cp->draining = 0;
	if (eof)
		copier_set_eof(cp);
}

int
copier_eof(const struct copier *cp)
{
	return (cp->eof);
}

void
copier_free(struct copier *cp)
{
	if (cp == NULL)
		return;
	if (!cp->eof) {
		copier_emit_rest(cp);
		if (cp->writer != NULL)
			jsonfile_flush(cp->writer);
		close(cp->fd);
	}
	event_free(cp->ev);
	event_free(cp->more_ev);
	task_free(cp->task);
	xfree(cp->buf);
	xfree(cp);
}

uint64_t
copier_entries(const struct copier *cp)
{
	return (cp->entries);
}

uint64_t
copier_bytes(const struct copier *cp)
{
	return (cp->bytes);
}

uint64_t
copier_dropped(const struct copier *cp)
{
	return (cp->dropped);
}

uint64_t
copier_total_dropped(void)
{
	return (copier_dropped_total);
}
