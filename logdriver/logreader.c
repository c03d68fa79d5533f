/* SPDX-License-Identifier: MIT */
/*
 * Log reader: the producer's state machine. Streams json-file records from
 * the rotated files and the current file to a sink, one bounded slice per
 * loop callback; in follow mode takes appends from the writer (or waits on
 * logwatch) and follows rotations (logfiles). The tail scan is logtail's.
 * No HTTP.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logbuf.h"
#include "logdriver/logfeed.h"
#include "logdriver/logfiles.h"
#include "logdriver/logreader.h"
#include "logdriver/logreader_int.h"
#include "logdriver/logreader_state.h"
#include "logdriver/logseek.h"
#include "logdriver/logshare.h"
#include "logdriver/logtail.h"

/*
 * A follower that has waited this long for growth is idle: it closes its
 * file until the writer reports more (see logreader_idle). Not at once,
 * because a chatty container would then cost every follower an open(2)
 * per line.
 */
#define LOGREADER_PARK_SECS	1

static uint64_t	logreader_next_id = 1;

static void	logreader_work_cb(evutil_socket_t, short, void *);
static void	logreader_begin_at(struct logreader *, int i, int64_t off);

/* Enters a stage; the frame names the stage in the task dump. */
static void
logreader_stage(struct logreader *r, enum logreader_state state,
    const char *frame)
{
	r->state = state;
	if (r->task == NULL)
		return;
	if (r->frame)
		task_pop(r->task);
	task_push_at(r->task, frame, __FILE__, __LINE__);
	r->frame = 1;
}

/*
 * Releases every resource (fds, watches, events, subscription, buffers,
 * cancel context, task); the struct stays for its owner. Safe from inside
 * our cancel hook: a context freed while it fires is released by the fire.
 */
static void
logreader_release(struct logreader *r)
{
	event_del(&r->work_ev);
	r->kicked = 0;
	logwatch_stop(&r->watch);
	jsonfile_unsubscribe(&r->sub);
	r->writer = NULL;
	logfiles_release(r);
	logshare_unref(r->share);
	r->share = NULL;
	xfree(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
	logdecode_clear(&r->dec);
	cancel_hook_del(&r->hook);
	cancel_free(r->cancel);
	r->cancel = NULL;
	task_free(r->task);
	r->task = NULL;
}

/* The error that stopped a read or fill: "" when none was recorded. */
static const char *
logreader_error(const struct logreader *r)
{
	return (r->error != NULL ? r->error : "");
}

/* Ends the stream of records: releases, then calls done() (once). */
static void
logreader_end(struct logreader *r, const char *error)
{
	char	text[256];

	if (!logreader_active(r))
		return;
	log_debug("reader %" PRIu64 ": done after %" PRIu64 " records%s%s",
	    r->id, r->delivered, error != NULL ? ": " : "",
	    error != NULL ? error : "");
	if (error != NULL)
		snprintf(text, sizeof text, "%s", error);
	r->state = LOGREADER_DONE;
	logreader_release(r);
	if (r->sink.done != NULL)
		r->sink.done(r->sink.arg, error != NULL ? text : NULL);
}

void
logreader_finish(struct logreader *r)
{
	if (r == NULL || r->state == LOGREADER_DONE ||
	    r->state == LOGREADER_STOPPED)
		return;
	log_debug("reader %" PRIu64 ": stopped in %s", r->id,
	    logreader_state_name(r));
	r->state = LOGREADER_STOPPED;
	logreader_release(r);
}

/* Cancel hook: only asks the reader to stop; the owner frees it later. */
static void
logreader_cancel_cb(struct cancel *c, enum cancel_reason why, void *arg)
{
	struct logreader	*r = arg;

	(void)c;
	log_debug("reader %" PRIu64 ": cancelled (%s)", r->id,
	    cancel_reason_name(why));
	logreader_finish(r);
}

/* logwatch: the file or its directory changed, or the poll timer ran. */
static void
logreader_watch_cb(void *arg)
{
	struct logreader	*r = arg;

	if (r->state == LOGREADER_FOLLOW)
		logreader_state_schedule(r);
}

/* The reap: every caller that held the reader has returned. */
static void
logreader_reap_cb(void *arg)
{
	struct logreader	*r = arg;

	xfree(r->error);
	xfree(r->path);
	xfree(r);
}

struct logreader *
logreader_new(struct event_base *base, struct cancel *parent,
    const char *path, struct jsonfile *writer,
    const struct logreader_opts *opts, const struct logreader_sink *sink,
    struct err *err)
{
	struct logreader	*r;
	const char		*slash;

	if (path == NULL || *path == '\0' || sink == NULL ||
	    sink->entry == NULL) {
		err_set(err, ERR_INVALID, "logreader: no path or sink");
		return (NULL);
	}
	r = xcalloc(1, sizeof *r);
	r->id = logreader_next_id++;
	r->base = base;
	r->path = xstrdup(path);
	r->writer = writer;
	r->opts = *opts;
	if (r->opts.max_file < 1)
		r->opts.max_file = 1;
	r->sink = *sink;
	logwatch_init(&r->watch);
	event_assign(&r->work_ev, base, -1, 0, logreader_work_cb, r);
	reap_init(&r->reap, base, logreader_reap_cb, r);
	r->task = task_new("logdriver.logreader");
	slash = strrchr(path, '/');
	task_label(r->task, "reader=%" PRIu64 " file=%s", r->id,
	    slash != NULL ? slash + 1 : path);
	if (parent != NULL)
		r->cancel = cancel_new(parent, "logreader");
	else
		r->cancel = cancel_new_root(base, "logreader");
	/*
	 * A parent already cancelled: the reader stops in start (or finish
	 * or free); until then its task is there for the owner to label.
	 */
	if (cancel_hook_add(r->cancel, &r->hook, logreader_cancel_cb, r) != 0)
		r->born_cancelled = 1;
	return (r);
}

void
logreader_start(struct logreader *r)
{
	if (r->state != LOGREADER_NEW)
		return;
	if (r->born_cancelled) {
		logreader_finish(r);
		return;
	}
	logreader_stage(r, LOGREADER_BACKLOG, "logreader_backlog");
	task_wait(r->task, NULL);
	if (r->writer != NULL) {
		/* Entries logged before the request are part of it. */
		jsonfile_flush(r->writer);
		r->wgen = jsonfile_generation(r->writer);
		r->kept = jsonfile_kept_files(r->writer);
	}
	if (logfiles_open_all(r) != 0) {
		logreader_state_error(r, errno, "open", r->path);
		logreader_state_kick(r);
		return;
	}

	if (r->opts.follow) {
		if (r->writer != NULL)
			jsonfile_subscribe(r->writer, &r->sub,
			    logfeed_cb, r);
		else
			logwatch_start(&r->watch, r->base, r->id, r->path,
			    logreader_watch_cb, r);
	}

	if (r->opts.tail == 0) {
		/* Nothing old: start after the last complete entry. */
		r->cur = r->nfiles - 1;
		logreader_stage(r, LOGREADER_TAIL, "logreader_tail");
	} else if (r->opts.tail > 0)
		logreader_stage(r, LOGREADER_TAIL, "logreader_tail");
	logtail_init(r, r->opts.tail > 0 ? r->opts.tail : 0);
	if (r->opts.tail == 0 && !r->opts.follow)
		logreader_begin_at(r, r->nfiles - 1, r->tail_pos);
	/* tail=0 starts at the end: since has nothing to skip there. */
	r->seeking = r->opts.has_since && r->opts.tail != 0 &&
	    !r->opts.no_seek;
	logreader_state_kick(r);
}

/*
 * Whether the writer saw the clock go back in a generation this reader
 * holds: then the files are not in time order and since is scanned for.
 */
static int
logreader_stepped_back(const struct logreader *r)
{
	uint64_t	oldest = 0;

	if (r->writer == NULL)
		return (0);
	if (r->wgen >= (uint64_t)(r->nfiles - 1))
		oldest = r->wgen - (uint64_t)(r->nfiles - 1);
	return (jsonfile_stepped_back(r->writer, oldest));
}

/*
 * since, found by bisecting the files (logseek.c) rather than by decoding
 * every entry before it: a few small reads, whatever the size of the log.
 * With tail=N the tail scan then stops at that start. When the seek
 * cannot vouch for its answer (entries out of time order where it looked,
 * the writer saw the clock step back, a read came back short) reading
 * starts where it always did, and the since filter does the work.
 */
static void
logreader_seek(struct logreader *r)
{
	struct logseek_stats	st;
	int64_t			off;
	int			i;

	r->seeking = 0;
	if (logreader_stepped_back(r)) {
		log_debug("reader %" PRIu64 ": since by scanning: the clock "
		    "stepped back while the files were written", r->id);
		return;
	}
	if (logseek_since(r->files, r->nfiles, r->opts.since_ns, &r->dec,
	    &i, &off, &st) != 0) {
		log_debug("reader %" PRIu64 ": since by scanning: %s "
		    "(%d reads)", r->id, st.why, st.probes);
		return;
	}
	log_debug("reader %" PRIu64 ": since at file %d offset %" PRId64
	    " (%d reads, %" PRId64 " bytes)", r->id, r->files[i].k, off,
	    st.probes, st.bytes);
	if (r->state == LOGREADER_TAIL) {
		r->floor_file = i;
		r->floor_off = off;
	} else
		logreader_begin_at(r, i, off);
}

/* Begins reading at file i, offset off; closes the files before it. */
static void
logreader_begin_at(struct logreader *r, int i, int64_t off)
{
	for (int j = 0; j < i; j++)
		logfiles_close(&r->files[j]);
	r->cur = i;
	r->files[i].off = off;
	log_debug("reader %" PRIu64 ": starting at file %d offset %" PRId64,
	    r->id, r->files[i].k, off);
	logreader_stage(r, LOGREADER_BACKLOG, "logreader_backlog");
}

/*
 * Waiting for growth: after LOGREADER_PARK_SECS without growth, give back
 * what an idle follower does not need. Not at once: freeing the buffer
 * after every line made a thousand chatty followers churn malloc (brk(2)
 * in strace), and reopening the file would cost an open(2) per line.
 * The buffer goes when nothing is pending in it. The file goes only in
 * writer follow: the writer tells us of every append and rotation, so the
 * file can be found again by name (see logfiles_unpark and the ROTATED
 * case of logfeed_cb). An idle follower then costs its client's
 * socket and a few small structs, no fd and no buffer of its own.
 */
static void
logreader_idle(struct logreader *r)
{
	static const struct timeval	 park = { LOGREADER_PARK_SECS, 0 };
	struct logfile			*f = &r->files[r->cur];

	if (r->kicked)
		return;			/* more to do next pass */
	if (!r->idle_armed) {
		/* The work event is also the park timer; a kick resets it. */
		r->idle_armed = 1;
		event_add(&r->work_ev, &park);
		return;
	}
	r->idle_armed = 0;
	if (r->buf != NULL && r->start == r->end) {
		xfree(r->buf);
		r->buf = NULL;
		r->cap = r->start = r->end = 0;
	}
	if (r->writer == NULL || f->fd == -1 || f->gen != r->wgen)
		return;
	log_debug("reader %" PRIu64 ": idle, closing %s at %" PRId64, r->id,
	    r->path, f->off);
	logfiles_close(f);
	r->parked = 1;
}

/*
 * Writer follow at the end of an old generation: over to the next one,
 * whose reading starts on an empty buffer. 1 = go on.
 */
static int
logreader_next_gen(struct logreader *r)
{
	if (logfiles_next_gen(r) != 0) {
		/* An error, or the sink's notice finished us. */
		if (logreader_active(r))
			logreader_end(r, logreader_error(r));
		return (0);
	}
	logbuf_drop_partial(r, "rotated");
	return (1);
}

/* At the end of the current file: next file, done, or wait. 1 = go on. */
static int
logreader_eof(struct logreader *r)
{
	if (r->cur < r->nfiles - 1) {
		logbuf_drop_partial(r, "end of a rotated file");
		logfiles_close(&r->files[r->cur]);
		r->cur++;
		logfiles_limit_closed(r);
		return (1);
	}
	if (!r->opts.follow) {
		/* A torn last line is not delivered: maybe half written. */
		logbuf_drop_partial(r, "end of snapshot");
		logreader_end(r, NULL);
		return (0);
	}
	if (r->state != LOGREADER_FOLLOW)
		logreader_stage(r, LOGREADER_FOLLOW, "logreader_follow");
	if (r->writer != NULL || r->closed) {
		if (r->files[r->cur].gen < r->wgen)
			return (logreader_next_gen(r));
		if (r->closed) {
			logbuf_drop_partial(r, "writer closed");
			logreader_end(r, NULL);
			return (0);
		}
	} else {
		switch (logfiles_check_file(r)) {
		case LOGFILES_WAIT:
			break;
		case LOGFILES_AGAIN:
			return (1);
		case LOGFILES_TRUNCATED:
			logbuf_drop_partial(r, "truncated");
			return (1);
		case LOGFILES_REPLACED:
			logbuf_drop_partial(r, "rotated");
			return (1);
		}
	}
	task_wait(r->task, "log growth");
	logreader_idle(r);
	return (0);
}

/* Works until the slice is used up, the sink is full, or nothing is left. */
static void
logreader_run(struct logreader *r)
{
	size_t	budget = LOGREADER_SLICE;
	int64_t	off;
	int	rc;

	for (;;) {
		if (!logreader_active(r) || r->paused)
			return;
		if (r->seeking) {
			logreader_seek(r);
			continue;
		}
		if (r->state == LOGREADER_TAIL) {
			if (!logtail_slice(r, &off)) {
				logreader_state_schedule(r);
				return;
			}
			logreader_begin_at(r, r->tail_file, off);
			continue;
		}
		if (logbuf_share(r) != 0)
			return;
		if ((rc = logbuf_lines(r)) != 0) {
			if (rc > 0)		/* until passed */
				logreader_end(r, NULL);
			return;
		}
		if (budget == 0) {
			logreader_state_schedule(r);	/* let others run */
			return;
		}
		if ((rc = logbuf_fill(r, &budget)) < 0) {
			logreader_end(r, logreader_error(r));
			return;
		}
		if (rc == 0 && !logreader_eof(r))
			return;
	}
}

/*
 * The sink may free the reader from any of its calls: the memory stays
 * until the reap runs, after this callback has returned, so the checks
 * after each sink call only need the state.
 */
static void
logreader_work_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logreader	*r = arg;

	(void)fd;
	(void)what;
	r->kicked = 0;
	if (logreader_active(r) && r->error != NULL)
		logreader_end(r, r->error);
	else if (logreader_active(r) && !r->paused) {
		task_wait(r->task, NULL);
		logreader_run(r);
	}
}

void
logreader_resume(struct logreader *r)
{
	if (r == NULL || !r->paused)
		return;
	r->paused = 0;
	if (logreader_active(r)) {
		task_wait(r->task, NULL);
		logreader_state_kick(r);
	}
}

void
logreader_free(struct logreader *r)
{
	if (r == NULL)
		return;
	logreader_finish(r);
	reap_later(&r->reap);
}

struct task *
logreader_task(struct logreader *r)
{
	return (r->task);
}

uint64_t
logreader_id(const struct logreader *r)
{
	return (r->id);
}

uint64_t
logreader_delivered(const struct logreader *r)
{
	return (r->delivered);
}

uint64_t
logreader_skipped(const struct logreader *r)
{
	return (r->skipped);
}

uint64_t
logreader_lost_entries(const struct logreader *r)
{
	return (r->lost_entries);
}

void
logreader_total_losses(struct logreader_losses *out)
{
	*out = logreader_state_losses;
}
