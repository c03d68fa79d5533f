/* SPDX-License-Identifier: MIT */
/*
 * Log files: which files a reader reads, in which writer generation, and
 * how it goes from one to the next while the writer rotates under it:
 * pinned files, the switch, parking, and the told gap when it fell too
 * far behind.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "logdriver/logfiles.h"
#include "logdriver/loggz.h"
#include "logdriver/logreader_int.h"
#include "logdriver/logreader_state.h"

void
logfiles_close(struct logfile *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
}

/*
 * A rotated file by name: path.k, or when that is gone path.k.gz (compress)
 * decompressed. The compressor makes .gz whole before it removes the
 * plain one, so one of the two is there whole, plain first.
 */
static int
logfiles_open_rotated(const char *name)
{
	char	gz[PATH_MAX];
	int	fd;

	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) != -1 || errno != ENOENT)
		return (fd);
	if (snprintf(gz, sizeof gz, "%s.gz", name) >= (int)sizeof gz) {
		errno = ENOENT;
		return (-1);
	}
	if ((fd = loggz_open(gz)) == -1 && errno == ENOENT) {
		/* Renamed to .gz and the plain one removed in between. */
		if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1 &&
		    errno == ENOENT)
			fd = loggz_open(gz);
	}
	if (fd == -1 && errno != ENOENT)
		log_warn("open %s: %s", gz, strerror(errno));
	return (fd);
}

static int
logfiles_open(const char *path, int k, struct logfile *f)
{
	struct stat	st;

	f->fd = k == 0 ? open(path, O_RDONLY | O_CLOEXEC) :
	    logfiles_open_rotated(path);
	if (f->fd == -1)
		return (-1);
	if (fstat(f->fd, &st) != 0) {
		logfiles_close(f);
		return (-1);
	}
	f->off = 0;
	f->size0 = st.st_size;
	f->limit = st.st_size;
	return (0);
}

static void
logfiles_name(const struct logreader *r, int k, char *buf, size_t len)
{
	if (k == 0)
		snprintf(buf, len, "%s", r->path);
	else
		snprintf(buf, len, "%s.%d", r->path, k);
}

/*
 * The current file first: without it there is nothing to read (dockerd
 * reports the open error in-band). Rotated files are opened now too, so
 * the snapshot is what existed at start whatever the writer rotates
 * meanwhile.
 */
int
logfiles_open_all(struct logreader *r)
{
	struct logfile	 f;
	char		 name[PATH_MAX];

	r->files = xcalloc((size_t)r->opts.max_file, sizeof *r->files);
	memset(&f, 0, sizeof f);
	if (logfiles_open(r->path, 0, &f) != 0)
		return (-1);
	for (int k = r->opts.max_file - 1; k >= 1; k--) {
		struct logfile	 g;

		memset(&g, 0, sizeof g);
		logfiles_name(r, k, name, sizeof name);
		if (logfiles_open(name, k, &g) != 0) {
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
	return (0);
}

void
logfiles_release(struct logreader *r)
{
	for (int i = 0; i < r->npins; i++)
		logfiles_close(&r->pins[i]);
	r->npins = 0;
	xfree(r->pins);
	r->pins = NULL;
	xfree(r->marks);
	r->marks = NULL;
	r->nmarks = 0;
	for (int i = 0; i < r->nfiles; i++)
		logfiles_close(&r->files[i]);
	xfree(r->files);
	r->files = NULL;
	r->nfiles = 0;
}

/*
 * A rotation just made a new current file: open it now. The writer may
 * rotate many times before we run (one pipe read of a chatty container
 * can fill several files) and deletes the oldest each time; an open fd
 * keeps a deleted file readable, so a follower loses nothing unless it is
 * more than LOGFILES_MAXPIN files behind.
 */
void
logfiles_pin(struct logreader *r)
{
	struct logfile	*f;

	if (r->gapped)
		return;
	if (r->npins == LOGFILES_MAXPIN) {
		r->gapped = 1;
		r->gap_gen = r->wgen;
		if (jsonfile_gen_start(r->writer, r->wgen, &r->gap) != 0)
			r->gapped = 0;	/* cannot happen: it is current */
		return;
	}
	if (r->pins == NULL)
		r->pins = xcalloc(LOGFILES_MAXPIN, sizeof *r->pins);
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
logfiles_unpin(struct logreader *r, uint64_t g, struct logfile *out)
{
	int	i, found = 0;

	for (i = 0; i < r->npins && r->pins[i].gen <= g; i++) {
		if (r->pins[i].gen == g && out != NULL) {
			*out = r->pins[i];
			found = 1;
		} else
			logfiles_close(&r->pins[i]);
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
void
logfiles_unpark_rotated(struct logreader *r)
{
	struct logfile	*f = &r->files[r->cur];
	char		 name[PATH_MAX];

	logfiles_name(r, 1, name, sizeof name);
	if ((f->fd = logfiles_open_rotated(name)) != -1)
		r->parked = 0;
}

/*
 * The writer rotated right after a write we took in full: the rest of
 * this generation is in our buffer, so go over to the new file now, which
 * keeps a follower at the head to one fd whatever the rotation rate. The
 * buffer stays: it holds whole entries. Returns 0 when it could not open
 * the new file (then it is pinned or found by name as for any follower).
 */
int
logfiles_head_rotated(struct logreader *r)
{
	struct logfile	*f = &r->files[r->cur], nf;

	r->at_head = 0;
	if (f->gen + 1 != r->wgen || r->npins > 0)
		return (0);
	memset(&nf, 0, sizeof nf);
	if ((nf.fd = open(r->path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	logfiles_close(f);
	nf.gen = r->wgen;
	nf.limit = -1;
	*f = nf;
	r->parked = 0;
	r->draining = 0;
	r->at_head = 1;
	return (1);
}

void
logfiles_limit_closed(struct logreader *r)
{
	struct logfile	*f;

	if (!r->closed || r->files == NULL || !logreader_active(r))
		return;
	f = &r->files[r->cur];
	if (f->gen == r->wgen && f->limit < 0)
		f->limit = r->close_off;
}

/*
 * Replaces the current file by a newly opened one (follow); the caller
 * forgets a torn entry the buffer holds from the old one.
 */
static void
logfiles_switch(struct logreader *r, struct logfile *nf)
{
	struct logfile	*f = &r->files[r->cur];

	logfiles_close(f);
	*f = *nf;
	f->limit = -1;
	f->off = 0;
	r->draining = 0;
	logfiles_limit_closed(r);
}

/* Where generation g began: from the writer, or what it left us. */
static int
logfiles_gen_start(const struct logreader *r, uint64_t g,
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
void
logfiles_keep_marks(struct logreader *r)
{
	int	n = r->kept + 1 + JSONFILE_MARKS_BEHIND;

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
logfiles_lost(struct logreader *r, uint64_t g, uint64_t to)
{
	struct jsonfile_mark	 a = { 0, 0 }, b = { 0, 0 };
	char			 text[400];
	int			 known;

	known = logfiles_gen_start(r, to, &b) == 0;
	if (r->gapped && r->gap_gen == g)
		a = r->gap;
	else if (known && logfiles_gen_start(r, g, &a) != 0)
		known = 0;
	if (!known || b.entries < a.entries || b.bytes < a.bytes) {
		a.entries = b.entries = 0;
		a.bytes = b.bytes = 0;
	}
	r->lost_entries += b.entries - a.entries;
	r->lost_bytes += b.bytes - a.bytes;
	logreader_state_losses.gaps++;
	logreader_state_losses.entries += b.entries - a.entries;
	logreader_state_losses.bytes += (uint64_t)(b.bytes - a.bytes);
	log_warn("reader %" PRIu64 ": %s: %" PRIu64 " rotations behind, "
	    "skipped %" PRIu64 " entries (%" PRId64 " bytes) in deleted files",
	    r->id, r->path, r->wgen - g + 1, b.entries - a.entries,
	    b.bytes - a.bytes);
	snprintf(text, sizeof text, "logpouch: skipped %" PRIu64 " entries "
	    "(%" PRId64 " bytes): this follower fell further behind than the "
	    "log files kept (max-file) and the %d rotated files (%d KiB "
	    "unsent) held for a follower; the container was not slowed\n",
	    b.entries - a.entries, b.bytes - a.bytes, LOGFILES_MAXPIN,
	    LOGREADER_HOLD / 1024);
	if (r->sink.notice != NULL)
		r->sink.notice(r->sink.arg, text);
}

/*
 * Writer follow, at the end of generation g < the writer's: takes g + 1
 * from the pins or opens it by name (the writer names it, spec 5.7). When
 * the writer has already deleted it (we are more than kept-1 rotations
 * behind and past what the pins hold) we skip to the oldest file still
 * there, tell the client how much was lost (logfiles_lost) and keep
 * following: a follower that ends is worse than one with a told gap
 * (dockerd skips silently). Returns 0, or -1: the reader's error is set
 * (the caller ends it), or the sink's notice finished it.
 */
int
logfiles_next_gen(struct logreader *r)
{
	struct logfile	 nf;
	char		 name[PATH_MAX];
	uint64_t	 g = r->files[r->cur].gen + 1;
	int64_t		 k = (int64_t)(r->wgen - g);

	if (logfiles_unpin(r, g, &nf)) {
		log_debug("reader %" PRIu64 ": generation %" PRIu64 " -> %"
		    PRIu64 " (held open)", r->id, g - 1, g);
		logfiles_switch(r, &nf);
		return (0);
	}
	if (k >= r->kept)
		k = r->kept - 1;
	for (;;) {
		memset(&nf, 0, sizeof nf);
		logfiles_name(r, (int)k, name, sizeof name);
		if (logfiles_open(name, (int)k, &nf) == 0)
			break;
		if (errno != ENOENT || k == 0) {
			logreader_state_error(r, errno, "open", name);
			return (-1);
		}
		k--;
	}
	nf.k = (int)k;
	nf.gen = r->wgen - (uint64_t)k;
	logfiles_unpin(r, nf.gen, NULL);	/* older (and same) pins */
	log_debug("reader %" PRIu64 ": generation %" PRIu64 " -> %" PRIu64
	    " (%s)", r->id, r->files[r->cur].gen, nf.gen, name);
	logfiles_switch(r, &nf);
	if (nf.gen > g)
		logfiles_lost(r, g, nf.gen);
	if (r->gapped && r->gap_gen <= nf.gen)
		r->gapped = 0;		/* pins may be taken again */
	return (logreader_active(r) ? 0 : -1);
}

/*
 * inotify follow, at the end of the file: a file shorter than our offset
 * was truncated (restart at 0); a path naming another inode means a
 * rotation: read the old file once more (rename comes before the new
 * file, so nothing more will be added to it), then switch.
 */
enum logfiles_check
logfiles_check_file(struct logreader *r)
{
	struct logfile	*f = &r->files[r->cur], nf;
	struct stat	 fst, pst;

	if (fstat(f->fd, &fst) != 0)
		return (LOGFILES_WAIT);
	if (fst.st_size < f->off) {
		log_info("reader %" PRIu64 ": %s truncated, reading from 0",
		    r->id, r->path);
		f->off = 0;
		return (LOGFILES_TRUNCATED);
	}
	if (stat(r->path, &pst) != 0)
		return (LOGFILES_WAIT);	/* IN_CREATE on the dir wakes us */
	if (pst.st_ino == fst.st_ino && pst.st_dev == fst.st_dev)
		return (LOGFILES_WAIT);
	if (!r->draining) {
		r->draining = 1;
		return (LOGFILES_AGAIN);
	}
	memset(&nf, 0, sizeof nf);
	if (logfiles_open(r->path, 0, &nf) != 0)
		return (LOGFILES_WAIT);
	log_debug("reader %" PRIu64 ": %s replaced, following the new file",
	    r->id, r->path);
	logfiles_switch(r, &nf);
	logwatch_rewatch(&r->watch);
	return (LOGFILES_REPLACED);
}

/*
 * Reopens the parked current file before a read. Still the writer's
 * current generation: it is at r->path (a rotation since parking has
 * reopened it already). Returns 0 when it is open again; 1 when a lost
 * rotated file is to read as its end (the next generation follows); -1
 * for a missing current file, with the reader's in-band error set (the
 * caller ends it).
 */
int
logfiles_unpark(struct logreader *r)
{
	struct logfile	*f = &r->files[r->cur];

	if (!r->parked)
		return (1);
	if (f->gen != r->wgen) {
		log_warn("reader %" PRIu64 ": %s: generation %" PRIu64 " lost "
		    "while idle", r->id, r->path, f->gen);
		r->parked = 0;
		return (1);
	}
	if ((f->fd = open(r->path, O_RDONLY | O_CLOEXEC)) == -1) {
		logreader_state_error(r, errno, "open", r->path);
		return (-1);
	}
	r->parked = 0;
	return (0);
}
