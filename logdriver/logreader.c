/* SPDX-License-Identifier: MIT */
/*
 * Log reader: streams json-file records from the rotated files and the
 * current file to a sink, one bounded slice per loop callback; in follow
 * mode waits for appends and rotations (writer notifications or inotify).
 * No HTTP.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "daemon/base/cancel.h"
#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logreader.h"

/* Bytes read per loop callback: one reader never holds the loop long. */
#define LOGREADER_SLICE		(64 * 1024)
/* Bytes scanned backwards per callback while looking for the tail. */
#define LOGREADER_TAIL_SLICE	(1024 * 1024)
/* Longer lines are skipped (dockerd never writes more than ~100 KiB). */
#define LOGREADER_MAXLINE	(4 * 1024 * 1024)
/*
 * Files a follower holds open ahead of its position, so that a burst of
 * rotations cannot delete a file before it is read (see
 * logreader_writer_cb). Each holds up to max-size bytes of disk.
 */
#define LOGREADER_MAXPIN	32
/*
 * Bytes a follower at the head may take from the writer and hold while its
 * client catches up (logreader_feed): with a tiny max-size the disk keeps
 * almost nothing, so this is what a follower that keeps up relies on.
 */
#define LOGREADER_HOLD		(1024 * 1024)
/*
 * A follower that has waited this long for growth is idle: it closes its
 * file until the writer reports more (see logreader_idle). Not at once,
 * because a chatty container would then cost every follower an open(2)
 * per line.
 */
#define LOGREADER_PARK_SECS	1

enum logreader_state {
	LOGREADER_NEW,
	LOGREADER_TAIL,		/* scanning backwards for the tail start */
	LOGREADER_BACKLOG,	/* reading what existed at start */
	LOGREADER_FOLLOW,	/* reading what is appended */
	LOGREADER_DONE,		/* done() called; released */
	LOGREADER_STOPPED,	/* stopped; released */
};

static const char *logreader_state_names[] = {
	"new", "tail", "backlog", "follow", "done", "stopped",
};

struct logreader_file {
	int		 fd;
	int64_t		 off;		/* next byte to read */
	int64_t		 limit;		/* snapshot end; -1: to EOF */
	int64_t		 size0;		/* size when opened */
	uint64_t	 gen;		/* writer generation (follow) */
	int		 k;		/* 0 = path, k = path.k at open */
};

struct logreader {
	uint64_t		 id;
	enum logreader_state	 state;
	struct event_base	*base;		/* borrowed */
	struct cancel		*cancel;	/* owned */
	struct cancel_hook	 hook;
	struct task		*task;		/* owned */
	char			*path;		/* owned */
	struct jsonfile		*writer;	/* borrowed; NULL once closed */
	struct jsonfile_sub	 sub;
	uint64_t		 wgen;		/* writer's generation */
	int			 kept;		/* writer's kept files */
	int			 closed;	/* writer sent CLOSED */
	int64_t			 close_off;	/* its last byte in gen wgen */
	struct logreader_opts	 opts;
	struct logreader_sink	 sink;

	struct event		 work_ev;	/* logreader_work_cb */
	int			 paused;	/* ready() said 0 */
	int			 busy;		/* inside our callbacks */
	int			 freed;		/* free deferred to busy == 0 */
	int			 frame;		/* a stage frame is pushed */
	int			 born_cancelled; /* parent was cancelled */
	int			 idle_armed;	/* park timer set, no data */
	int			 parked;	/* files[cur] closed, idle */
	int			 kicked;	/* work_ev runs next pass */

	int			 ino_fd;
	int			 wd_file;
	int			 wd_dir;
	struct event		 ino_ev;	/* logreader_inotify_cb */
	int			 ino_added;

	/*
	 * Owned, LOGREADER_MAXPIN slots, allocated at the first pin and freed
	 * when the last one is taken: a follower that keeps up (nearly all of
	 * them) never carries the 1.5 KiB array.
	 */
	struct logreader_file	*pins;
	int			 npins;
	int			 at_head;	/* fed up to the writer's end */
	/*
	 * A rotation found the pins full: from gap_gen on nothing is held
	 * (no pin is taken until the reader gets there, so what is held
	 * stays one run), and gap is where gap_gen began, to count a loss.
	 */
	int			 gapped;
	uint64_t		 gap_gen;
	struct jsonfile_mark	 gap;
	/* Owned: the writer's marks of the kept generations, once closed. */
	struct jsonfile_mark	*marks;
	int			 nmarks;	/* for wgen - nmarks + 1 .. */
	struct logreader_file	*files;		/* owned: oldest first */
	int			 nfiles;
	int			 cur;

	int64_t			 tail_left;	/* entries still to count */
	int			 tail_file;
	int64_t			 tail_pos;	/* scan from here backwards */
	int			 tail_nl;	/* met a newline in tail_file */
	int			 draining;	/* replaced: read once more */

	char			*buf;		/* owned/NULL: [start, end) */
	size_t			 cap;
	size_t			 start;
	size_t			 end;
	int			 skipping;	/* dropping an overlong line */
	struct logline_decoder	 dec;

	char			 error[256];	/* pending in-band error */
	uint64_t		 delivered;
	uint64_t		 skipped;
	uint64_t		 lost_entries;	/* skipped behind rotation */
	int64_t			 lost_bytes;
};

static uint64_t	logreader_next_id = 1;
static struct logreader_losses	logreader_losses;

static const char *
logreader_state_name(enum logreader_state state)
{
	return (logreader_state_names[state]);
}

static void	logreader_work_cb(evutil_socket_t, short, void *);
static void	logreader_begin_at(struct logreader *, int, int64_t);
static void	logreader_inotify_cb(evutil_socket_t, short, void *);
static int	logreader_unpark(struct logreader *);
static void	logreader_file_name(const struct logreader *, int, char *,
		    size_t);
static void	logreader_idle(struct logreader *);
static void	logreader_buf(struct logreader *);
static void	logreader_keep_marks(struct logreader *);
static void	logreader_limit_closed(struct logreader *);

static int
logreader_active(const struct logreader *r)
{
	return (r->state == LOGREADER_TAIL || r->state == LOGREADER_BACKLOG ||
	    r->state == LOGREADER_FOLLOW);
}

/* Sets the in-band error text the way Go prints an errno ("open x: ..."). */
static void
logreader_set_error(struct logreader *r, int errnum, const char *op,
    const char *what)
{
	const char	*s = strerror(errnum);

	/* A long path is cut; the message is for a human. */
	if (snprintf(r->error, sizeof r->error, "%s %s: %c%s", op, what,
	    tolower((unsigned char)s[0]), s + 1) >= (int)sizeof r->error)
		r->error[sizeof r->error - 1] = '\0';
}

/*
 * Runs logreader_work_cb from the loop. A zero timeout rather than
 * event_active: libevent 2.1 runs events activated from a callback in the
 * same pass, before polling, so a reader re-activating itself would starve
 * every socket; an expired timer waits for the next poll.
 *
 * Once per run: libevent takes a timer that already fired but has not run
 * yet off the active list when it is added again, so a writer notifying
 * in every pass before our turn kept pushing a follower back (the last of
 * several starved until its hold ran out).
 */
static void
logreader_kick(struct logreader *r)
{
	static const struct timeval	now = { 0, 0 };

	if (r->kicked)
		return;
	r->kicked = 1;
	event_add(&r->work_ev, &now);
}

static void
logreader_schedule(struct logreader *r)
{
	if (logreader_active(r) && !r->paused)
		logreader_kick(r);
}

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

static void
logreader_close_file(struct logreader_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
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
	if (r->ino_added) {
		event_del(&r->ino_ev);
		r->ino_added = 0;
	}
	if (r->ino_fd != -1) {
		close(r->ino_fd);	/* removes its watches */
		r->ino_fd = -1;
	}
	jsonfile_unsubscribe(&r->sub);
	r->writer = NULL;
	for (int i = 0; i < r->npins; i++)
		logreader_close_file(&r->pins[i]);
	r->npins = 0;
	xfree(r->pins);
	r->pins = NULL;
	xfree(r->marks);
	r->marks = NULL;
	r->nmarks = 0;
	for (int i = 0; i < r->nfiles; i++)
		logreader_close_file(&r->files[i]);
	xfree(r->files);
	r->files = NULL;
	r->nfiles = 0;
	xfree(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
	logline_decoder_clear(&r->dec);
	cancel_hook_del(&r->hook);
	cancel_free(r->cancel);
	r->cancel = NULL;
	task_free(r->task);
	r->task = NULL;
}

/* Ends the stream of records: releases, then tells the sink. */
static void
logreader_finish(struct logreader *r, const char *error)
{
	char	text[sizeof r->error];

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
logreader_stop(struct logreader *r)
{
	if (r == NULL || r->state == LOGREADER_DONE ||
	    r->state == LOGREADER_STOPPED)
		return;
	log_debug("reader %" PRIu64 ": stopped in %s", r->id,
	    logreader_state_name(r->state));
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
	logreader_stop(r);
}

/*
 * A rotation just made a new current file: open it now. The writer may
 * rotate many times before we run (one pipe read of a chatty container
 * can fill several files) and deletes the oldest each time; an open fd
 * keeps a deleted file readable, so a follower loses nothing unless it is
 * more than LOGREADER_MAXPIN files behind.
 */
static void
logreader_pin(struct logreader *r)
{
	struct logreader_file	*f;

	if (r->gapped)
		return;
	if (r->npins == LOGREADER_MAXPIN) {
		r->gapped = 1;
		r->gap_gen = r->wgen;
		if (jsonfile_gen_start(r->writer, r->wgen, &r->gap) != 0)
			r->gapped = 0;	/* cannot happen: it is current */
		return;
	}
	if (r->pins == NULL)
		r->pins = xcalloc(LOGREADER_MAXPIN, sizeof *r->pins);
	f = &r->pins[r->npins];
	memset(f, 0, sizeof *f);
	if ((f->fd = open(r->path, O_RDONLY | O_CLOEXEC)) == -1)
		return;			/* found by name later, or not */
	f->gen = r->wgen;
	f->limit = -1;
	r->npins++;
}

/*
 * Takes the pinned file of generation g into out (closes it when out is
 * NULL), dropping older ones. Returns 1 when it was there.
 */
static int
logreader_unpin(struct logreader *r, uint64_t g, struct logreader_file *out)
{
	int	i, found = 0;

	for (i = 0; i < r->npins && r->pins[i].gen <= g; i++) {
		if (r->pins[i].gen == g && out != NULL) {
			*out = r->pins[i];
			found = 1;
		} else
			logreader_close_file(&r->pins[i]);
	}
	if (i == 0)
		return (found);
	memmove(r->pins, r->pins + i, (size_t)(r->npins - i) *
	    sizeof *r->pins);
	r->npins -= i;
	if (r->npins == 0) {
		xfree(r->pins);
		r->pins = NULL;
	}
	return (found);
}

/*
 * The parked file was just renamed to path.1 by the writer (it renames to
 * .1 whatever max-file is, and tells us before anything else can happen
 * to the file): reopen it there, so its last appends are not lost.
 */
static void
logreader_unpark_rotated(struct logreader *r)
{
	struct logreader_file	*f = &r->files[r->cur];
	char			 name[PATH_MAX];

	logreader_file_name(r, 1, name, sizeof name);
	if ((f->fd = open(name, O_RDONLY | O_CLOEXEC)) != -1)
		r->parked = 0;
}

/*
 * A follower that has everything the writer wrote takes the new bytes
 * from the writer's buffer now, before a later write or rotation can
 * overwrite or delete them: one memcpy, no system call, and it cannot
 * fall behind rotation however small max-size is. It holds at most
 * LOGREADER_HOLD bytes that its client has not taken yet; past that it
 * reads the file again like any follower behind (logreader_fill).
 */
static void
logreader_feed(struct logreader *r)
{
	struct logreader_file	*f;
	const char		*src;
	size_t			 n, want;

	r->at_head = 0;
	if (r->state != LOGREADER_FOLLOW || r->writer == NULL ||
	    r->cur != r->nfiles - 1 || r->skipping)
		return;
	f = &r->files[r->cur];
	if (f->gen != r->wgen || f->limit >= 0 ||
	    (n = jsonfile_peek(r->writer, f->off, &src)) == 0)
		return;
	logreader_buf(r);
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
 * The writer rotated right after a write we took in full: the rest of
 * this generation is in our buffer, so go over to the new file now, which
 * keeps a follower at the head to one fd whatever the rotation rate. The
 * buffer stays: it holds whole entries. Returns 0 when it could not open
 * the new file (then it is pinned or found by name as for any follower).
 */
static int
logreader_head_rotated(struct logreader *r)
{
	struct logreader_file	*f = &r->files[r->cur], nf;

	r->at_head = 0;
	if (f->gen + 1 != r->wgen || r->npins > 0)
		return (0);
	memset(&nf, 0, sizeof nf);
	if ((nf.fd = open(r->path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	logreader_close_file(f);
	nf.gen = r->wgen;
	nf.limit = -1;
	*f = nf;
	r->parked = 0;
	r->draining = 0;
	r->at_head = 1;
	return (1);
}

/* After CLOSED, the closed generation is read up to the close only. */
static void
logreader_limit_closed(struct logreader *r)
{
	struct logreader_file	*f;

	if (!r->closed || r->files == NULL || !logreader_active(r))
		return;
	f = &r->files[r->cur];
	if (f->gen == r->wgen && f->limit < 0)
		f->limit = r->close_off;
}

/*
 * Writer notification: cheap, as the writer asks (at most one open(2) on
 * a rotation); remember what happened and schedule a slice. Reading
 * happens from the loop.
 */
static void
logreader_writer_cb(void *arg, enum jsonfile_event ev)
{
	struct logreader	*r = arg;

	switch (ev) {
	case JSONFILE_APPEND:
		logreader_feed(r);
		break;
	case JSONFILE_ROTATED:
		r->wgen = jsonfile_generation(r->writer);
		if (!logreader_active(r))
			break;
		if (r->at_head && logreader_head_rotated(r))
			break;
		if (r->parked && r->files[r->cur].gen + 1 == r->wgen)
			logreader_unpark_rotated(r);
		logreader_pin(r);
		break;
	case JSONFILE_CLOSED:
		/* Already unsubscribed by the writer; it is gone after this. */
		r->wgen = jsonfile_generation(r->writer);
		if (logreader_active(r))
			logreader_keep_marks(r);
		/*
		 * The run ends here: a restart appends the next run to the same
		 * file, and a follower reading on into it stopped wherever its
		 * EOF happened to be. It ends at this run's last entry, as
		 * dockerd's follow ends when the container stops.
		 */
		r->close_off = jsonfile_written(r->writer);
		r->writer = NULL;
		r->closed = 1;
		logreader_limit_closed(r);
		break;
	}
	if (r->state == LOGREADER_FOLLOW)
		logreader_schedule(r);
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
	r->ino_fd = r->wd_file = r->wd_dir = -1;
	event_assign(&r->work_ev, base, -1, 0, logreader_work_cb, r);
	r->task = task_new("logdriver.logreader");
	slash = strrchr(path, '/');
	task_label(r->task, "reader=%" PRIu64 " file=%s", r->id,
	    slash != NULL ? slash + 1 : path);
	if (parent != NULL)
		r->cancel = cancel_new(parent, "logreader");
	else
		r->cancel = cancel_new_root(base, "logreader");
	/*
	 * A parent already cancelled: the reader stops in start (or stop or
	 * free); until then its task is there for the owner to label.
	 */
	if (cancel_hook_add(r->cancel, &r->hook, logreader_cancel_cb, r) != 0)
		r->born_cancelled = 1;
	return (r);
}

static int
logreader_open(const char *path, struct logreader_file *f)
{
	struct stat	st;

	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd == -1)
		return (-1);
	if (fstat(f->fd, &st) != 0) {
		logreader_close_file(f);
		return (-1);
	}
	f->off = 0;
	f->size0 = st.st_size;
	f->limit = st.st_size;
	return (0);
}

static void
logreader_file_name(const struct logreader *r, int k, char *buf, size_t len)
{
	if (k == 0)
		snprintf(buf, len, "%s", r->path);
	else
		snprintf(buf, len, "%s.%d", r->path, k);
}

/* Watches the file for writes and its directory for a new file. */
/* Without inotify: look for growth, rotation and truncation this often. */
#define LOGREADER_POLL_MS	250

static void
logreader_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logreader	*r = arg;

	(void)fd;
	(void)what;
	if (r->state == LOGREADER_FOLLOW)
		logreader_schedule(r);
}

/*
 * inotify instances are a per-user resource (128 by default) that other
 * programs use too; running out must not end a follow. Poll instead.
 */
static void
logreader_poll_start(struct logreader *r, const char *why)
{
	struct timeval	tv = { 0, LOGREADER_POLL_MS * 1000 };

	log_warn("reader %" PRIu64 ": %s: %s; polling %s every %d ms instead",
	    r->id, why, strerror(errno), r->path, LOGREADER_POLL_MS);
	if (r->ino_fd != -1) {
		close(r->ino_fd);
		r->ino_fd = r->wd_file = r->wd_dir = -1;
	}
	event_assign(&r->ino_ev, r->base, -1, EV_PERSIST, logreader_poll_cb,
	    r);
	event_add(&r->ino_ev, &tv);
	r->ino_added = 1;
}

static void
logreader_inotify_start(struct logreader *r)
{
	char	dir[PATH_MAX], *slash;

	r->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->ino_fd == -1) {
		logreader_poll_start(r, "inotify_init1");
		return;
	}
	r->wd_file = inotify_add_watch(r->ino_fd, r->path, IN_MODIFY |
	    IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
	snprintf(dir, sizeof dir, "%s", r->path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	r->wd_dir = inotify_add_watch(r->ino_fd, dir, IN_CREATE |
	    IN_MOVED_TO);
	if (r->wd_dir == -1) {
		logreader_poll_start(r, "inotify_add_watch");
		return;
	}
	event_assign(&r->ino_ev, r->base, r->ino_fd, EV_READ | EV_PERSIST,
	    logreader_inotify_cb, r);
	event_add(&r->ino_ev, NULL);
	r->ino_added = 1;
}

void
logreader_start(struct logreader *r)
{
	struct logreader_file	 f;
	char			 name[PATH_MAX];

	if (r->state != LOGREADER_NEW)
		return;
	if (r->born_cancelled) {
		logreader_stop(r);
		return;
	}
	logreader_stage(r, LOGREADER_BACKLOG, "logreader_backlog");
	task_wait(r->task, NULL);
	r->files = xcalloc((size_t)r->opts.max_file, sizeof *r->files);
	if (r->writer != NULL) {
		/* Entries logged before the request are part of it. */
		jsonfile_flush(r->writer);
		r->wgen = jsonfile_generation(r->writer);
		r->kept = jsonfile_kept_files(r->writer);
	}

	/*
	 * The current file first: without it there is nothing to read
	 * (dockerd reports the open error in-band). Rotated files are opened
	 * now too, so the snapshot is what existed at start whatever the
	 * writer rotates meanwhile.
	 */
	memset(&f, 0, sizeof f);
	if (logreader_open(r->path, &f) != 0) {
		logreader_set_error(r, errno, "open", r->path);
		logreader_kick(r);
		return;
	}
	for (int k = r->opts.max_file - 1; k >= 1; k--) {
		struct logreader_file	 g;

		memset(&g, 0, sizeof g);
		logreader_file_name(r, k, name, sizeof name);
		if (logreader_open(name, &g) != 0) {
			if (errno != ENOENT)
				log_warn("open %s: %s", name, strerror(errno));
			continue;
		}
		g.k = k;
		g.gen = r->wgen - (uint64_t)k;
		r->files[r->nfiles++] = g;
	}
	f.gen = r->wgen;
	if (r->opts.follow)
		f.limit = -1;
	r->files[r->nfiles++] = f;
	r->cur = 0;

	if (r->opts.follow) {
		if (r->writer != NULL)
			jsonfile_subscribe(r->writer, &r->sub,
			    logreader_writer_cb, r);
		else
			logreader_inotify_start(r);
	}

	if (r->opts.tail == 0) {
		/* Nothing old: start after the last complete entry. */
		r->cur = r->nfiles - 1;
		r->tail_left = 0;
		logreader_stage(r, LOGREADER_TAIL, "logreader_tail");
	} else if (r->opts.tail > 0) {
		r->tail_left = r->opts.tail;
		logreader_stage(r, LOGREADER_TAIL, "logreader_tail");
	}
	r->tail_file = r->nfiles - 1;
	r->tail_pos = r->files[r->tail_file].size0;
	r->tail_nl = 0;
	if (r->opts.tail == 0 && !r->opts.follow)
		logreader_begin_at(r, r->nfiles - 1, r->tail_pos);
	logreader_kick(r);
}

/*
 * The read buffer exists only while there is something to read: a
 * follower idle for a second frees it (logreader_idle), so ten thousand
 * idle followers do not hold ten thousand 64 KiB buffers.
 */
static void
logreader_buf(struct logreader *r)
{
	if (r->buf != NULL)
		return;
	r->cap = LOGREADER_SLICE;
	r->buf = xmalloc(r->cap);
	r->start = r->end = 0;
}

/* Begins reading at file i, offset off; closes the files before it. */
static void
logreader_begin_at(struct logreader *r, int i, int64_t off)
{
	for (int j = 0; j < i; j++)
		logreader_close_file(&r->files[j]);
	r->cur = i;
	r->files[i].off = off;
	log_debug("reader %" PRIu64 ": starting at file %d offset %" PRId64,
	    r->id, r->files[i].k, off);
	logreader_stage(r, LOGREADER_BACKLOG, "logreader_backlog");
}

/*
 * One slice of the backwards scan for the tail start. Counts complete
 * entries (each ends in '\n') from the end of the snapshot, across rotated
 * files, before any filtering (spec 4.2): the last newline of a file closes
 * its last complete entry (bytes after it are a torn entry, not counted),
 * every newline before it starts one more entry, and so does the file's
 * start. With N = 0 it finds the end of the last complete entry of the
 * current file. Cost grows with N, not with the file size. Returns 1 when
 * the start is found.
 */
static int
logreader_tail_slice(struct logreader *r)
{
	struct logreader_file	*f;
	int64_t			 budget = LOGREADER_TAIL_SLICE, from, pos;
	size_t			 n;
	ssize_t			 got;

	for (;;) {
		f = &r->files[r->tail_file];
		if (r->tail_pos == 0) {
			if (r->tail_nl && r->tail_left > 0)
				r->tail_left--;
			if (r->tail_left == 0 || r->tail_file == 0) {
				logreader_begin_at(r, r->tail_file, 0);
				return (1);
			}
			r->tail_file--;
			r->tail_pos = r->files[r->tail_file].size0;
			r->tail_nl = 0;
			continue;
		}
		if (budget <= 0)
			return (0);
		logreader_buf(r);	/* not for an empty file */
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
			if (!r->tail_nl)
				r->tail_nl = 1;
			else
				r->tail_left--;
			if (r->tail_left <= 0) {
				logreader_begin_at(r, r->tail_file, pos);
				return (1);
			}
		}
		r->tail_pos = from;
	}
}

static void
logreader_pause(struct logreader *r)
{
	r->paused = 1;
	task_wait(r->task, "client writable");
}

/*
 * Decodes and filters one line and hands it to the sink. Returns 0 to go
 * on, -1 when the reader must not touch anything more: the sink stopped or
 * freed it, or until was passed.
 */
static int
logreader_deliver(struct logreader *r, const char *line, size_t len)
{
	struct logline	ll;

	/*
	 * A broken or mistyped line is skipped and reading goes on; dockerd
	 * silently ends the whole response at the first broken line (spec
	 * 5.4), losing every later entry.
	 */
	if (logline_decode(&r->dec, line, len, &ll) != 0) {
		r->skipped++;
		log_debug("reader %" PRIu64 ": skipped an unreadable line "
		    "(%zu bytes)", r->id, len);
		return (0);
	}
	if (r->opts.has_since && ll.time_ns < r->opts.since_ns)
		return (0);
	if (r->opts.has_until && ll.time_ns > r->opts.until_ns) {
		logreader_finish(r, NULL);
		return (-1);
	}
	r->delivered++;
	r->sink.entry(r->sink.arg, &ll);
	/* The sink may have stopped (or freed, deferred) us: re-check. */
	return (logreader_active(r) ? 0 : -1);
}

/* Delivers the complete lines in the buffer; -1 when we must return. */
static int
logreader_lines(struct logreader *r)
{
	char	*p, *nl;

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
		if (r->sink.ready != NULL && !r->sink.ready(r->sink.arg)) {
			if (logreader_active(r))
				logreader_pause(r);
			return (-1);
		}
		if (!logreader_active(r))
			return (-1);
		r->start = (size_t)(nl + 1 - r->buf);
		if (logreader_deliver(r, p, (size_t)(nl - p)) != 0)
			return (-1);
	}
	return (0);
}

/* Forgets a torn entry left at the end of a file we are leaving. */
static void
logreader_drop_partial(struct logreader *r, const char *why)
{
	if (r->end > r->start && !r->skipping)
		log_debug("reader %" PRIu64 ": %s: dropped %zu bytes of a "
		    "torn entry", r->id, why, r->end - r->start);
	r->start = r->end = 0;
	r->skipping = 0;
}

/*
 * Writer follow of the current file: the writer knows where the file ends
 * and usually still holds what it last wrote, so a follower that keeps up
 * needs no system call at all: no pread(2) for the bytes, none to find the
 * end. With a thousand followers that is two thousand system calls less per
 * flush. Returns the bytes copied (0 at the end), or -1: read the file.
 */
static ssize_t
logreader_fill_from_writer(struct logreader *r, struct logreader_file *f,
    size_t want)
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
 * bytes came, 0 at the end of the file (or of its snapshot), -1 when the
 * reader finished with an error.
 */
static int
logreader_fill(struct logreader *r, size_t *budget)
{
	struct logreader_file	*f = &r->files[r->cur];
	size_t			 want;
	ssize_t			 n;

	/*
	 * A follower with nothing new learns it from the writer, without a
	 * buffer: so the followers of a silent container never allocate one
	 * (allocated and freed between each follower's small structs, the
	 * 64 KiB blocks left touched pages behind: +2 KiB RSS a follower).
	 */
	if (r->buf == NULL && r->writer != NULL && f->gen == r->wgen &&
	    f->limit < 0 && f->off >= jsonfile_written(r->writer))
		return (0);
	logreader_buf(r);
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		if (r->cap < LOGREADER_MAXLINE) {
			r->cap *= 2;
			r->buf = xrealloc(r->buf, r->cap);
		} else {
			log_warn("reader %" PRIu64 ": skipping a line longer "
			    "than %d bytes", r->id, LOGREADER_MAXLINE);
			r->skipped++;
			r->skipping = 1;
			r->end = 0;
		}
	}
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
	if ((n = logreader_fill_from_writer(r, f, want)) >= 0)
		goto got;
	if (f->fd == -1 && r->parked && logreader_unpark(r) != 0)
		return (logreader_active(r) ? 0 : -1);
	while ((n = pread(f->fd, r->buf + r->end, want, f->off)) == -1 &&
	    errno == EINTR)
		;
got:
	if (n == -1) {
		logreader_set_error(r, errno, "read", r->path);
		logreader_finish(r, r->error);
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

/* Replaces the current file by a newly opened one (follow). */
static void
logreader_switch(struct logreader *r, struct logreader_file *nf)
{
	struct logreader_file	*f = &r->files[r->cur];

	logreader_drop_partial(r, "rotated");
	logreader_close_file(f);
	*f = *nf;
	f->limit = -1;
	f->off = 0;
	r->draining = 0;
	logreader_limit_closed(r);
}

/* Where generation g began: from the writer, or what it left us. */
static int
logreader_gen_start(const struct logreader *r, uint64_t g,
    struct jsonfile_mark *out)
{
	if (r->writer != NULL)
		return (jsonfile_gen_start(r->writer, g, out));
	if (r->marks == NULL || g > r->wgen ||
	    r->wgen - g >= (uint64_t)r->nmarks)
		return (-1);
	*out = r->marks[r->wgen - g];
	return (0);
}

/*
 * The writer is closing: keep where its kept generations began, so that
 * a follower still behind can count what it skips after the container is
 * gone. Only for one holding pins or a gap; a few bytes a generation.
 */
static void
logreader_keep_marks(struct logreader *r)
{
	int	n = r->kept + 1;

	if (r->npins == 0 && !r->gapped)
		return;
	r->marks = xcalloc((size_t)n, sizeof *r->marks);
	for (r->nmarks = 0; r->nmarks < n; r->nmarks++)
		if (jsonfile_gen_start(r->writer, r->wgen -
		    (uint64_t)r->nmarks, &r->marks[r->nmarks]) != 0)
			break;
}

/*
 * We skipped from the start of generation g to the start of generation to:
 * count it, log it, and tell the client in band (the sink's notice), since
 * a silent gap is indistinguishable from a container that said nothing.
 * Where g began is known from the writer while g is still a kept file, or
 * from the mark taken when the pins ran out (r->gap).
 */
static void
logreader_lost(struct logreader *r, uint64_t g, uint64_t to)
{
	struct jsonfile_mark	 a = { 0, 0 }, b = { 0, 0 };
	char			 text[400];
	int			 known;

	known = logreader_gen_start(r, to, &b) == 0;
	if (r->gapped && r->gap_gen == g)
		a = r->gap;
	else if (known && logreader_gen_start(r, g, &a) != 0)
		known = 0;
	if (!known || b.entries < a.entries || b.bytes < a.bytes) {
		a.entries = b.entries = 0;
		a.bytes = b.bytes = 0;
	}
	r->lost_entries += b.entries - a.entries;
	r->lost_bytes += b.bytes - a.bytes;
	logreader_losses.gaps++;
	logreader_losses.entries += b.entries - a.entries;
	logreader_losses.bytes += (uint64_t)(b.bytes - a.bytes);
	log_warn("reader %" PRIu64 ": %s: %" PRIu64 " rotations behind, "
	    "skipped %" PRIu64 " entries (%" PRId64 " bytes) in deleted files",
	    r->id, r->path, r->wgen - g + 1, b.entries - a.entries,
	    b.bytes - a.bytes);
	snprintf(text, sizeof text, "logpouch: skipped %" PRIu64 " entries "
	    "(%" PRId64 " bytes): this follower fell further behind than the "
	    "log files kept (max-file) and the %d rotated files (%d KiB "
	    "unsent) held for a follower; the container was not slowed\n",
	    b.entries - a.entries, b.bytes - a.bytes, LOGREADER_MAXPIN,
	    LOGREADER_HOLD / 1024);
	if (r->sink.notice != NULL)
		r->sink.notice(r->sink.arg, text);
}

/*
 * Writer follow, at the end of generation g < the writer's: takes g + 1
 * from the pins or opens it by name (the writer names it, spec 5.7). When
 * the writer has already deleted it (we are more than kept-1 rotations
 * behind and past what the pins hold) we skip to the oldest file still
 * there, tell the client how much was lost (logreader_lost) and keep
 * following: a follower that ends is worse than one with a told gap
 * (dockerd skips silently). Returns 0, or -1 when it finished (an error,
 * or the sink stopped us).
 */
static int
logreader_next_gen(struct logreader *r)
{
	struct logreader_file	 nf;
	char			 name[PATH_MAX];
	uint64_t		 g = r->files[r->cur].gen + 1;
	int64_t			 k = (int64_t)(r->wgen - g);

	if (logreader_unpin(r, g, &nf)) {
		log_debug("reader %" PRIu64 ": generation %" PRIu64 " -> %"
		    PRIu64 " (held open)", r->id, g - 1, g);
		logreader_switch(r, &nf);
		return (0);
	}
	if (k >= r->kept)
		k = r->kept - 1;
	for (;;) {
		memset(&nf, 0, sizeof nf);
		logreader_file_name(r, (int)k, name, sizeof name);
		if (logreader_open(name, &nf) == 0)
			break;
		if (errno != ENOENT || k == 0) {
			logreader_set_error(r, errno, "open", name);
			logreader_finish(r, r->error);
			return (-1);
		}
		k--;
	}
	nf.k = (int)k;
	nf.gen = r->wgen - (uint64_t)k;
	logreader_unpin(r, nf.gen, NULL);	/* older (and same) pins */
	log_debug("reader %" PRIu64 ": generation %" PRIu64 " -> %" PRIu64
	    " (%s)", r->id, r->files[r->cur].gen, nf.gen, name);
	logreader_switch(r, &nf);
	if (nf.gen > g)
		logreader_lost(r, g, nf.gen);
	if (r->gapped && r->gap_gen <= nf.gen)
		r->gapped = 0;		/* pins may be taken again */
	return (logreader_active(r) ? 0 : -1);
}

/*
 * inotify follow, at the end of the file: a file shorter than our offset
 * was truncated (restart at 0); a path naming another inode means a
 * rotation: read the old file once more (rename comes before the new
 * file, so nothing more will be added to it), then switch. Returns 1 to
 * read again, 0 to wait.
 */
static int
logreader_check_file(struct logreader *r)
{
	struct logreader_file	*f = &r->files[r->cur], nf;
	struct stat		 fst, pst;

	if (fstat(f->fd, &fst) != 0)
		return (0);
	if (fst.st_size < f->off) {
		log_info("reader %" PRIu64 ": %s truncated, reading from 0",
		    r->id, r->path);
		f->off = 0;
		logreader_drop_partial(r, "truncated");
		return (1);
	}
	if (stat(r->path, &pst) != 0)
		return (0);		/* IN_CREATE on the dir wakes us */
	if (pst.st_ino == fst.st_ino && pst.st_dev == fst.st_dev)
		return (0);
	if (!r->draining) {
		r->draining = 1;
		return (1);
	}
	memset(&nf, 0, sizeof nf);
	if (logreader_open(r->path, &nf) != 0)
		return (0);
	log_debug("reader %" PRIu64 ": %s replaced, following the new file",
	    r->id, r->path);
	logreader_switch(r, &nf);
	if (r->ino_fd == -1)
		return (1);		/* polling */
	if (r->wd_file != -1)
		inotify_rm_watch(r->ino_fd, r->wd_file);
	r->wd_file = inotify_add_watch(r->ino_fd, r->path, IN_MODIFY |
	    IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
	return (1);
}

/*
 * Waiting for growth: after LOGREADER_PARK_SECS without growth, give back
 * what an idle follower does not need. Not at once: freeing the buffer
 * after every line made a thousand chatty followers churn malloc (brk(2)
 * in strace), and reopening the file would cost an open(2) per line.
 * The buffer goes when nothing is pending in it. The file goes only in
 * writer follow: the writer tells us of every append and rotation, so the
 * file can be found again by name (see logreader_unpark and the ROTATED
 * case of logreader_writer_cb). An idle follower then costs its client's
 * socket and a few small structs, no fd and no buffer of its own.
 */
static void
logreader_idle(struct logreader *r)
{
	static const struct timeval	 park = { LOGREADER_PARK_SECS, 0 };
	struct logreader_file		*f = &r->files[r->cur];

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
	logreader_close_file(f);
	r->parked = 1;
}

/*
 * Reopens the parked current file before a read. Still the writer's
 * current generation: it is at r->path (a rotation since parking has
 * reopened it already). Returns 0 when it is open again, -1 when it cannot
 * be: a lost rotated file reads as its end (the next generation follows),
 * a missing current file ends the reader with an in-band error.
 */
static int
logreader_unpark(struct logreader *r)
{
	struct logreader_file	*f = &r->files[r->cur];

	if (!r->parked)
		return (-1);
	if (f->gen != r->wgen) {
		log_warn("reader %" PRIu64 ": %s: generation %" PRIu64 " lost "
		    "while idle", r->id, r->path, f->gen);
		r->parked = 0;
		return (-1);
	}
	if ((f->fd = open(r->path, O_RDONLY | O_CLOEXEC)) == -1) {
		logreader_set_error(r, errno, "open", r->path);
		logreader_finish(r, r->error);
		return (-1);
	}
	r->parked = 0;
	return (0);
}

/* At the end of the current file: next file, done, or wait. 1 = go on. */
static int
logreader_eof(struct logreader *r)
{
	if (r->cur < r->nfiles - 1) {
		logreader_drop_partial(r, "end of a rotated file");
		logreader_close_file(&r->files[r->cur]);
		r->cur++;
		logreader_limit_closed(r);
		return (1);
	}
	if (!r->opts.follow) {
		/* A torn last line is not delivered: maybe half written. */
		logreader_drop_partial(r, "end of snapshot");
		logreader_finish(r, NULL);
		return (0);
	}
	if (r->state != LOGREADER_FOLLOW)
		logreader_stage(r, LOGREADER_FOLLOW, "logreader_follow");
	if (r->writer != NULL || r->closed) {
		if (r->files[r->cur].gen < r->wgen)
			return (logreader_next_gen(r) == 0);
		if (r->closed) {
			logreader_drop_partial(r, "writer closed");
			logreader_finish(r, NULL);
			return (0);
		}
	} else if (logreader_check_file(r))
		return (1);
	task_wait(r->task, "log growth");
	logreader_idle(r);
	return (0);
}

/* Works until the slice is used up, the sink is full, or nothing is left. */
static void
logreader_run(struct logreader *r)
{
	size_t	budget = LOGREADER_SLICE;
	int	rc;

	for (;;) {
		if (!logreader_active(r) || r->paused)
			return;
		if (r->state == LOGREADER_TAIL) {
			if (!logreader_tail_slice(r)) {
				logreader_schedule(r);
				return;
			}
			continue;
		}
		if (logreader_lines(r) != 0)
			return;
		if (budget == 0) {
			logreader_schedule(r);	/* let others run */
			return;
		}
		if ((rc = logreader_fill(r, &budget)) < 0)
			return;
		if (rc == 0 && !logreader_eof(r))
			return;
	}
}

static void
logreader_destroy(struct logreader *r)
{
	xfree(r->path);
	xfree(r);
}

static void
logreader_work_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logreader	*r = arg;

	(void)fd;
	(void)what;
	r->kicked = 0;
	r->busy++;
	if (logreader_active(r) && r->error[0] != '\0')
		logreader_finish(r, r->error);
	else if (logreader_active(r) && !r->paused) {
		task_wait(r->task, NULL);
		logreader_run(r);
	}
	if (--r->busy == 0 && r->freed)
		logreader_destroy(r);
}

/* inotify says something changed: drain the events, schedule a slice. */
static void
logreader_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logreader	*r = arg;
	char			 buf[4096] __attribute__((aligned(8)));

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	if (r->state == LOGREADER_FOLLOW)
		logreader_schedule(r);
}

void
logreader_resume(struct logreader *r)
{
	if (r == NULL || !r->paused)
		return;
	r->paused = 0;
	if (logreader_active(r)) {
		task_wait(r->task, NULL);
		logreader_kick(r);
	}
}

void
logreader_free(struct logreader *r)
{
	if (r == NULL)
		return;
	logreader_stop(r);
	if (r->busy > 0) {
		/* From inside our sink: the callback frees on its way out. */
		r->freed = 1;
		return;
	}
	logreader_destroy(r);
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
	*out = logreader_losses;
}
