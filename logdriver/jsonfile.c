/* SPDX-License-Identifier: MIT */
/*
 * json-file writer: entries are encoded into one bounded buffer and written
 * with one write(2) per flush; rotation is dockerd's (spec 5.7): shift the
 * numbered files, rename the current one to .1, create a new current file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/strconv.h"
#include "daemon/base/xalloc.h"
#include "logdriver/jsonfile.h"
#include "logdriver/loggz.h"

/* Encoded entries held before a write(2); one big entry may exceed it. */
#define JSONFILE_BUFSZ	(64 * 1024)

struct jsonfile {
	char			*path;		/* owned */
	int			 fd;
	struct jsonfile_opts	 opts;
	int64_t			 filesize;	/* in the current file */
	char			*buf;		/* owned: encoded entries */
	size_t			 len;
	size_t			 cap;
	uint64_t		 generation;
	int64_t			 peek_off;	/* file offset of buf[0] ... */
	size_t			 peek_len;	/* ... and its bytes written */
	uint64_t		 append_id;	/* the latest APPEND's */
	uint64_t		 write_errors;	/* entries dropped */
	uint64_t		 entries;	/* encoded since open */
	uint64_t		 bytes;		/* encoded since open */
	uint64_t		 buffered;	/* entries in buf */
	struct jsonfile_mark	*starts;	/* owned: ring, nstarts */
	int			 nstarts;
	uint64_t		 episode_lost;	/* ... since writes last worked */
	int			 failing;	/* the last write fell short */
	int			 torn;		/* the file ends mid-entry */
	int64_t			 last_time;	/* of the last entry */
	int			 stepped;	/* a time went back ... */
	uint64_t		 step_gen;	/* ... last in this generation */
	char			*attrs;		/* owned: {"k":"v"} or NULL */
	size_t			 attrslen;
	struct jsonfile_subq	 subs;
	size_t			 nsubs;
	struct loggz_job	*gz;		/* owned: compressing path.1 */
};

static uint64_t	jsonfile_total_errors;
static uint64_t	jsonfile_appends;	/* ids of APPEND notifications */
static struct jsonfile_totals	jsonfile_sum;	/* every writer's, /metrics */

int
jsonfile_parse_size(const char *s, int64_t *out, struct err *err)
{
	int64_t	v;

	/* dockerd's json-file: units.FromHumanSize, then a check of its own. */
	if (strconv_from_human_size(s, &v, err) != 0)
		return (-1);
	if (v <= 0)
		return (err_set(err, ERR_INVALID,
		    "max-size must be a positive number"));
	*out = v;
	return (0);
}

static int
jsonfile_open_fd(const char *path, int trunc)
{
	return (open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    (trunc ? O_TRUNC : 0), 0640));
}

/*
 * True when a regular file does not end with the newline that ends every
 * entry: a write fell short before a crash. The next entry must then start
 * a new line, or it would be glued to the torn one and lost with it.
 */
static int
jsonfile_ends_torn(const char *path, const struct stat *st)
{
	char	c = '\n';
	int	fd;

	if (!S_ISREG(st->st_mode) || st->st_size == 0)
		return (0);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	if (pread(fd, &c, 1, st->st_size - 1) != 1)
		c = '\n';
	close(fd);
	return (c != '\n');
}

struct jsonfile *
jsonfile_open(const char *path, const struct jsonfile_opts *opts,
    struct err *err)
{
	struct jsonfile	*jf;
	struct stat	 st;
	int		 fd;

	if (opts->max_size < 0 || opts->max_file < 1) {
		err_set(err, ERR_INVALID, "max-file cannot be less than 1");
		return (NULL);
	}
	if ((fd = jsonfile_open_fd(path, 0)) == -1) {
		err_errno(err, "open %s", path);
		return (NULL);
	}
	if (fstat(fd, &st) != 0) {
		err_errno(err, "stat %s", path);
		close(fd);
		return (NULL);
	}
	jf = xcalloc(1, sizeof *jf);
	jf->path = xstrdup(path);
	jf->fd = fd;
	jf->opts = *opts;
	jf->filesize = S_ISREG(st.st_mode) ? st.st_size : 0;
	jf->torn = jsonfile_ends_torn(path, &st);
	jf->cap = JSONFILE_BUFSZ;
	jf->buf = xmalloc(jf->cap);
	/* Kept, current and pinnable generations, for followers' gaps. */
	jf->nstarts = jsonfile_kept_files(jf) + 1 + JSONFILE_MARKS_BEHIND;
	jf->starts = xcalloc((size_t)jf->nstarts, sizeof *jf->starts);
	TAILQ_INIT(&jf->subs);
	return (jf);
}

void
jsonfile_set_attrs(struct jsonfile *jf, const char *const *keys,
    const char *const *values, size_t n)
{
	xfree(jf->attrs);
	jf->attrs = logline_attrs_encode(keys, values, n, &jf->attrslen);
}

/*
 * Runs every subscriber once. The list is moved aside and each subscriber
 * popped from its head before its callback runs, so callbacks may
 * unsubscribe themselves or others (they are found through sub->head) and
 * subscribe new ones (not called this round). O(subscribers), no malloc.
 */
static void
jsonfile_notify(struct jsonfile *jf, enum jsonfile_event ev)
{
	struct jsonfile_subq	 pending;
	struct jsonfile_sub	*sub;

	if (TAILQ_EMPTY(&jf->subs))
		return;
	if (ev == JSONFILE_APPEND)
		jf->append_id = ++jsonfile_appends;
	TAILQ_INIT(&pending);
	TAILQ_CONCAT(&pending, &jf->subs, entry);
	TAILQ_FOREACH(sub, &pending, entry)
		sub->head = &pending;
	while ((sub = TAILQ_FIRST(&pending)) != NULL) {
		TAILQ_REMOVE(&pending, sub, entry);
		if (ev == JSONFILE_CLOSED) {
			sub->head = NULL;
			sub->jf = NULL;
			jf->nsubs--;
		} else {
			TAILQ_INSERT_TAIL(&jf->subs, sub, entry);
			sub->head = &jf->subs;
		}
		sub->cb(sub->arg, ev);
	}
}

/* Counts the entries (one '\n' each) in buf, for the dropped counter. */
static uint64_t
jsonfile_count_entries(const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl;
	uint64_t	 n = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p = nl + 1;
	}
	return (n + (p < end));
}

/* The bytes of buf[0..len) up to and including its last newline. */
static size_t
jsonfile_whole_entries(const char *buf, size_t len)
{
	while (len > 0 && buf[len - 1] != '\n')
		len--;
	return (len);
}

/*
 * After a short write: takes the torn tail (excess bytes at the end of the
 * file, half an entry) back off with ftruncate, which needs no free space.
 * The end of the file is where this O_APPEND write left the offset, so this
 * holds even if the file was truncated under us. 0, or -1 with errno.
 */
static int
jsonfile_untear(struct jsonfile *jf, size_t excess)
{
	off_t	end;

	if ((end = lseek(jf->fd, 0, SEEK_CUR)) == -1)
		return (-1);
	if (end < (off_t)excess) {
		errno = EINVAL;
		return (-1);
	}
	return (ftruncate(jf->fd, end - (off_t)excess));
}

/*
 * A file left torn (untear failed, or a crash before this writer opened
 * it) gets a newline before the next entry: the torn line stays, readers
 * skip it, every entry after it is whole. 0 when the file ends a line.
 */
static int
jsonfile_mend(struct jsonfile *jf)
{
	ssize_t	n;

	if (!jf->torn)
		return (0);
	while ((n = write(jf->fd, "\n", 1)) == -1 && errno == EINTR)
		;
	if (n != 1)
		return (-1);
	jf->torn = 0;
	jf->filesize++;
	return (0);
}

/* Counts a write that fell short; one warning per failure episode. */
static void
jsonfile_count_lost(struct jsonfile *jf, uint64_t lost, int error)
{
	jf->write_errors += lost;
	jf->episode_lost += lost;
	jsonfile_total_errors += lost;
	if (!jf->failing)
		log_warn("%s: %s (dropping entries; logged once until writes "
		    "work again)", jf->path, jf->fd == -1 ? "not open" :
		    strerror(error));
	jf->failing = 1;
}

/*
 * Writes the buffer out; returns the bytes of whole entries written. Never
 * fails loudly: entries that did not fit are dropped and counted, and a
 * torn last entry is taken back off the file (or the next write starts a
 * new line), so the file only ever holds whole entries, one per line.
 */
static size_t
jsonfile_write_out(struct jsonfile *jf)
{
	size_t		 done = 0, keep;
	ssize_t		 n;
	int		 saved = 0;
	uint64_t	 lost = 0, buffered = jf->buffered;

	if (jf->len == 0)
		return (0);
	jf->buffered = 0;
	if (jf->fd == -1)
		jf->fd = jsonfile_open_fd(jf->path, 0);
	if (jf->fd != -1 && jsonfile_mend(jf) != 0) {
		saved = errno;
		jsonfile_count_lost(jf, jsonfile_count_entries(jf->buf,
		    jf->len), saved);
		jf->len = 0;
		return (0);
	}
	while (done < jf->len && jf->fd != -1) {
		n = write(jf->fd, jf->buf + done, jf->len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		saved = n == 0 ? ENOSPC : errno;
		break;
	}
	jf->peek_off = jf->filesize;
	keep = done;
	if (done < jf->len) {
		keep = jsonfile_whole_entries(jf->buf, done);
		if (keep < done && jsonfile_untear(jf, done - keep) != 0) {
			log_warn("%s: cannot cut a torn entry: %s", jf->path,
			    strerror(errno));
			jf->torn = 1;
			jf->filesize += (int64_t)(done - keep);
		}
		lost = jsonfile_count_entries(jf->buf + keep, jf->len - keep);
		jsonfile_count_lost(jf, lost, saved);
	} else if (jf->failing) {
		log_info("%s: writing again after dropping %" PRIu64
		    " entries", jf->path, jf->episode_lost);
		jf->failing = 0;
		jf->episode_lost = 0;
	}
	/*
	 * Followers usually read right after this write what it just took
	 * from buf: leave it readable there until the next jsonfile_write,
	 * which saves a thousand followers a thousand pread(2)s per flush.
	 */
	jf->peek_len = keep;
	jf->filesize += (int64_t)keep;
	jf->len = 0;
	jsonfile_sum.entries_written += buffered > lost ? buffered - lost : 0;
	jsonfile_sum.bytes_written += keep;
	return (keep);
}

int
jsonfile_flush(struct jsonfile *jf)
{
	if (jsonfile_write_out(jf) > 0)
		jsonfile_notify(jf, JSONFILE_APPEND);
	return (0);
}

/* Removes path.k and path.k.gz (either may be there, compress or not). */
static void
jsonfile_unlink_k(const struct jsonfile *jf, int k)
{
	char	name[PATH_MAX];

	for (int gz = 0; gz <= 1; gz++) {
		snprintf(name, sizeof name, "%s.%d%s", jf->path, k,
		    gz ? ".gz" : "");
		if (unlink(name) != 0 && errno != ENOENT)
			log_warn("unlink %s: %s", name, strerror(errno));
	}
}

/* Renames path.k to path.k+1, plain and gzipped alike. */
static void
jsonfile_shift_k(const struct jsonfile *jf, int k)
{
	char	from[PATH_MAX], to[PATH_MAX];

	for (int gz = 0; gz <= 1; gz++) {
		snprintf(from, sizeof from, "%s.%d%s", jf->path, k,
		    gz ? ".gz" : "");
		snprintf(to, sizeof to, "%s.%d%s", jf->path, k + 1,
		    gz ? ".gz" : "");
		if (rename(from, to) != 0 && errno != ENOENT)
			log_warn("rename %s: %s", from, strerror(errno));
	}
}

/*
 * Rotates as dockerd does: drop the oldest, shift .k to .k+1, rename the
 * current file to .1 and create a new one. max-file=1 renames to .1 too
 * (the previous .1 is replaced), so a follower holding the old file can
 * still drain it and nothing reads .1 otherwise; dockerd does the same.
 * With compress, .1 is then gzipped to .1.gz on loggz's thread; the next
 * rotation first waits for that (dockerd's rotateMu), so names never
 * move under the thread. time_ns (the entry that rotates) is dockerd's
 * lastTime in the gzip header.
 */
static void
jsonfile_rotate(struct jsonfile *jf, int64_t time_ns)
{
	char	 to[PATH_MAX];
	int	 k;

	if (jsonfile_write_out(jf) > 0)
		jsonfile_notify(jf, JSONFILE_APPEND);
	loggz_finish(jf->gz);
	jf->gz = NULL;
	if (jf->opts.max_file >= 2) {
		jsonfile_unlink_k(jf, jf->opts.max_file - 1);
		for (k = jf->opts.max_file - 2; k >= 1; k--)
			jsonfile_shift_k(jf, k);
	}
	snprintf(to, sizeof to, "%s.1", jf->path);
	if (rename(jf->path, to) != 0) {
		/* Keep appending to the current file; try again later. */
		log_warn("rotate %s: %s", jf->path, strerror(errno));
		return;
	}
	if (jf->fd != -1)
		close(jf->fd);
	if ((jf->fd = jsonfile_open_fd(jf->path, 1)) == -1)
		log_warn("open %s: %s", jf->path, strerror(errno));
	jf->filesize = 0;
	jf->torn = 0;		/* a new file: nothing to mend */
	jf->peek_len = 0;
	jf->generation++;
	jsonfile_sum.rotations++;
	jf->starts[jf->generation % (uint64_t)jf->nstarts] =
	    (struct jsonfile_mark){ jf->entries, (int64_t)jf->bytes };
	log_debug("%s: rotated, generation %" PRIu64, jf->path,
	    jf->generation);
	jsonfile_notify(jf, JSONFILE_ROTATED);
	/* After the notify: a parked reader reopens .1 by name in it. */
	if (jf->opts.compress && jf->opts.max_file >= 2)
		jf->gz = loggz_start(to, time_ns);
}

int
jsonfile_write(struct jsonfile *jf, enum logline_stream stream,
    const char *msg, size_t len, int complete, int64_t time_ns)
{
	size_t	bound, n;

	if (jf->gz != NULL && loggz_done(jf->gz)) {
		loggz_finish(jf->gz);		/* does not wait */
		jf->gz = NULL;
	}
	if (jf->opts.max_size > 0 &&
	    jf->filesize + (int64_t)jf->len >= jf->opts.max_size)
		jsonfile_rotate(jf, time_ns);
	bound = logline_encode_bound(len, jf->attrslen);
	if (jf->len + bound > jf->cap) {
		jsonfile_flush(jf);
		if (bound > jf->cap) {
			jf->cap = bound;
			jf->buf = xrealloc(jf->buf, jf->cap);
		}
	}
	/*
	 * Only now: a flush or a rotation just above sets the peek again,
	 * and the encode below overwrites what it points at (a follower
	 * would have read bytes not yet on disk as if they were).
	 */
	jf->peek_len = 0;
	if (jf->entries > 0 && time_ns < jf->last_time) {
		jf->stepped = 1;
		jf->step_gen = jf->generation;
	}
	jf->last_time = time_ns;
	n = logline_encode(jf->buf + jf->len, stream, msg, len, complete,
	    time_ns, jf->attrs, jf->attrslen);
	jf->len += n;
	jf->entries++;
	jf->buffered++;
	jf->bytes += n;
	return (0);
}

void
jsonfile_close(struct jsonfile *jf)
{
	if (jf == NULL)
		return;
	jsonfile_flush(jf);
	jsonfile_notify(jf, JSONFILE_CLOSED);
	loggz_finish(jf->gz);
	if (jf->fd != -1)
		close(jf->fd);
	xfree(jf->attrs);
	xfree(jf->starts);
	xfree(jf->buf);
	xfree(jf->path);
	xfree(jf);
}

void
jsonfile_settle(struct jsonfile *jf)
{
	loggz_finish(jf->gz);
	jf->gz = NULL;
}

int
jsonfile_stepped_back(const struct jsonfile *jf, uint64_t gen)
{
	return (jf->stepped && jf->step_gen >= gen);
}

const char *
jsonfile_path(const struct jsonfile *jf)
{
	return (jf->path);
}

uint64_t
jsonfile_generation(const struct jsonfile *jf)
{
	return (jf->generation);
}

int
jsonfile_kept_files(const struct jsonfile *jf)
{
	return (jf->opts.max_file < 2 ? 2 : jf->opts.max_file);
}

int64_t
jsonfile_size(const struct jsonfile *jf)
{
	return (jf->filesize + (int64_t)jf->len);
}

int64_t
jsonfile_written(const struct jsonfile *jf)
{
	return (jf->filesize);
}

uint64_t
jsonfile_append_id(const struct jsonfile *jf)
{
	return (jf->append_id);
}

size_t
jsonfile_peek(const struct jsonfile *jf, int64_t off, const char **p)
{
	if (jf->peek_len == 0 || off < jf->peek_off ||
	    off >= jf->peek_off + (int64_t)jf->peek_len)
		return (0);
	*p = jf->buf + (off - jf->peek_off);
	return (jf->peek_len - (size_t)(off - jf->peek_off));
}

uint64_t
jsonfile_bytes(const struct jsonfile *jf)
{
	return (jf->bytes);
}

int
jsonfile_gen_start(const struct jsonfile *jf, uint64_t gen,
    struct jsonfile_mark *out)
{
	if (gen > jf->generation ||
	    jf->generation - gen >= (uint64_t)jf->nstarts)
		return (-1);
	*out = jf->starts[gen % (uint64_t)jf->nstarts];
	return (0);
}

void
jsonfile_mark(const struct jsonfile *jf, struct jsonfile_mark *out)
{
	out->entries = jf->entries;
	out->bytes = (int64_t)jf->bytes;
}

uint64_t
jsonfile_write_errors(const struct jsonfile *jf)
{
	return (jf->write_errors);
}

uint64_t
jsonfile_total_write_errors(void)
{
	return (jsonfile_total_errors);
}

void
jsonfile_totals(struct jsonfile_totals *t)
{
	*t = jsonfile_sum;
	t->write_errors = jsonfile_total_errors;
}

void
jsonfile_subscribe(struct jsonfile *jf, struct jsonfile_sub *sub,
    jsonfile_cb cb, void *arg)
{
	jsonfile_unsubscribe(sub);
	sub->cb = cb;
	sub->arg = arg;
	sub->jf = jf;
	sub->head = &jf->subs;
	TAILQ_INSERT_TAIL(&jf->subs, sub, entry);
	jf->nsubs++;
}

void
jsonfile_unsubscribe(struct jsonfile_sub *sub)
{
	if (sub->head == NULL)
		return;
	TAILQ_REMOVE(sub->head, sub, entry);
	sub->head = NULL;
	sub->jf->nsubs--;
	sub->jf = NULL;
}

size_t
jsonfile_subscribers(const struct jsonfile *jf)
{
	return (jf->nsubs);
}
