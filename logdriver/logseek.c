/* SPDX-License-Identifier: MIT */
/*
 * Log seek: finds where a read with since begins by bisecting the
 * snapshot's files on byte offsets: each probe reads a few KiB at an
 * offset, resynchronises at the next newline and decodes the entries it
 * holds. Every entry it decodes is checked against the others for time
 * order; any disagreement and it gives up, so the reader scans.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/xalloc.h"
#include "logdriver/logdecode.h"
#include "logdriver/logfiles.h"
#include "logdriver/logline.h"
#include "logdriver/logseek.h"

/* Bytes one probe reads first: a page, some 25 entries of dockerd's. */
#define LOGSEEK_READ	4096
/* A probe that found no whole entry in this many bytes gives up. */
#define LOGSEEK_MAXREAD	(1024 * 1024)
/* Below this the reader's own scan is cheaper than another probe. */
#define LOGSEEK_WINDOW	(16 * 1024)
/* Bytes one seek may read in all (many files, long broken stretches). */
#define LOGSEEK_BUDGET	(16 * 1024 * 1024)

/* One decoded entry: its line is [start, end), end after the '\n'. */
struct logseek_entry {
	int	 found;
	int64_t	 start;
	int64_t	 end;
	int64_t	 t;
};

/* What one probe saw, in file order. */
struct logseek_probe {
	struct logseek_entry	first;	/* the first timed entry */
	struct logseek_entry	last;	/* the last one */
	struct logseek_entry	below;	/* the last one before since */
	struct logseek_entry	above;	/* the first one at or after it */
};

/* An entry seen by a probe, for the order check across probes. */
struct logseek_sample {
	int	 file;
	int64_t	 off;
	int64_t	 t;
};

struct logseek {
	const struct logfile	*files;		/* borrowed */
	int64_t			 since;
	struct logdecode	*dec;		/* borrowed */
	struct logseek_stats	*st;		/* borrowed */
	char			*buf;		/* owned */
	size_t			 cap;
	struct logseek_sample	*samples;	/* owned: in file order */
	int			 nsamples;
	int			 samplecap;
};

static int
logseek_fail(struct logseek *s, const char *why)
{
	s->st->why = why;
	return (-1);
}

/*
 * Adds an entry to the samples, kept in file order, and checks it against
 * its neighbours: -1 when an earlier entry has a later time, or a later
 * one an earlier time.
 */
static int
logseek_sample(struct logseek *s, int file, const struct logseek_entry *e)
{
	struct logseek_sample	*v;
	int			 lo = 0, hi = s->nsamples, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		v = &s->samples[mid];
		if (v->file < file || (v->file == file && v->off < e->start))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nsamples && s->samples[lo].file == file &&
	    s->samples[lo].off == e->start)
		return (0);		/* seen by an earlier probe */
	if ((lo > 0 && s->samples[lo - 1].t > e->t) ||
	    (lo < s->nsamples && s->samples[lo].t < e->t))
		return (logseek_fail(s, "entries out of time order"));
	if (s->nsamples == s->samplecap) {
		s->samplecap = s->samplecap == 0 ? 32 : s->samplecap * 2;
		s->samples = xrealloc(s->samples, (size_t)s->samplecap *
		    sizeof *s->samples);
	}
	memmove(s->samples + lo + 1, s->samples + lo,
	    (size_t)(s->nsamples - lo) * sizeof *s->samples);
	s->samples[lo] = (struct logseek_sample){ file, e->start, e->t };
	s->nsamples++;
	s->st->samples++;
	return (0);
}

/* Reads [from, to) of file i into the buffer at byte at; -1 if short. */
static int
logseek_pread(struct logseek *s, int i, size_t at, int64_t from, int64_t to)
{
	size_t	 want = (size_t)(to - from);
	ssize_t	 n;

	if (s->st->bytes + (int64_t)want > LOGSEEK_BUDGET)
		return (logseek_fail(s, "read its budget"));
	if (at + want > s->cap) {
		s->cap = at + want;
		s->buf = xrealloc(s->buf, s->cap);
	}
	while ((n = pread(s->files[i].fd, s->buf + at, want, from)) == -1 &&
	    errno == EINTR)
		;
	s->st->probes++;
	if (n > 0)
		s->st->bytes += n;
	if (n != (ssize_t)want)
		return (logseek_fail(s, n == -1 ? "a read failed" :
		    "the file shrank"));
	return (0);
}

/*
 * Decodes the complete lines of the buffer from *cur on (buf[0] is at
 * file offset pos), as the reader would: a line that does not decode or
 * has no time is skipped. Checks their order and notes them in p.
 */
static int
logseek_lines(struct logseek *s, int64_t pos, size_t len, size_t *cur,
    struct logseek_probe *p)
{
	struct logseek_entry	 e;
	struct logline		 ll;
	char			*line, *nl;

	while ((nl = memchr(s->buf + *cur, '\n', len - *cur)) != NULL) {
		line = s->buf + *cur;
		e.found = 1;
		e.start = pos + (int64_t)*cur;
		*cur = (size_t)(nl + 1 - s->buf);
		e.end = pos + (int64_t)*cur;
		if (logdecode_line(s->dec, line, (size_t)(nl - line),
		    &ll) != 0 || ll.time_ns == LOGLINE_NO_TIME)
			continue;	/* never sent with since: no matter */
		e.t = ll.time_ns;
		if (p->last.found && e.t < p->last.t)
			return (logseek_fail(s, "entries out of time order"));
		if (!p->first.found)
			p->first = e;
		p->last = e;
		if (e.t < s->since)
			p->below = e;
		else if (!p->above.found)
			p->above = e;
	}
	return (0);
}

/*
 * One probe of file i at offset from: reads from the first line that
 * begins at or after from up to at least from + LOGSEEK_READ (or the
 * file's end), and on until it holds one whole timed entry.
 */
static int
logseek_probe(struct logseek *s, int i, int64_t from,
    struct logseek_probe *p)
{
	int64_t	 size = s->files[i].size0;
	int64_t	 pos = from > 0 ? from - 1 : 0;	/* buf[0]: is from a start? */
	int64_t	 end = pos, to = from + LOGSEEK_READ;
	size_t	 cur = 0;
	char	*nl;
	int	 synced = from == 0;

	memset(p, 0, sizeof *p);
	for (;;) {
		if (to > size)
			to = size;
		if (to > end && logseek_pread(s, i, (size_t)(end - pos), end,
		    to) != 0)
			return (-1);
		end = to;
		if (!synced) {
			nl = memchr(s->buf, '\n', (size_t)(end - pos));
			if (nl != NULL) {
				synced = 1;
				cur = (size_t)(nl + 1 - s->buf);
			}
		}
		if (synced && logseek_lines(s, pos, (size_t)(end - pos), &cur,
		    p) != 0)
			return (-1);
		if (p->first.found || end >= size)
			break;
		if (end - pos >= LOGSEEK_MAXREAD)
			return (logseek_fail(s, "no whole entry in 1 MiB"));
		to = end + (end - pos);		/* twice as much */
	}
	if (p->first.found && (logseek_sample(s, i, &p->first) != 0 ||
	    logseek_sample(s, i, &p->last) != 0))
		return (-1);
	return (0);
}

/*
 * Bisects file i between xl (the end of an entry before since) and its
 * end: *off becomes the end of the last entry seen before since, within
 * LOGSEEK_WINDOW of the first one at or after it (or right before it
 * when one probe saw both).
 */
static int
logseek_file(struct logseek *s, int i, int64_t xl, int64_t *off)
{
	struct logseek_probe	p;
	int64_t			xh = s->files[i].size0, mid;

	while (xh - xl > LOGSEEK_WINDOW) {
		mid = xl + (xh - xl) / 2;
		if (logseek_probe(s, i, mid, &p) != 0)
			return (-1);
		if (!p.below.found) {
			/* From mid on: nothing before since (or nothing). */
			xh = mid;
			continue;
		}
		xl = p.below.end;
		if (p.above.found || xl >= xh)
			break;		/* the start is right there */
	}
	*off = xl;
	return (0);
}

int
logseek_since(const struct logfile *files, int n, int64_t since_ns,
    struct logdecode *dec, int *file, int64_t *off,
    struct logseek_stats *st)
{
	struct logseek		s = { files, since_ns, dec, st, NULL, 0, NULL,
				    0, 0 };
	struct logseek_probe	p, pj;
	int			j = -1, rc = -1;

	memset(st, 0, sizeof *st);
	/*
	 * The files by their first entries: the start is in the last one
	 * that begins before since, or at the very start. A file without a
	 * timed entry sends nothing with since: it is passed over.
	 */
	for (int i = 0; i < n; i++) {
		if (files[i].fd == -1 || files[i].size0 == 0)
			continue;
		if (logseek_probe(&s, i, 0, &p) != 0)
			goto out;
		if (!p.first.found)
			continue;
		if (p.first.t >= since_ns)
			break;
		j = i;
		pj = p;
	}
	if (j == -1) {
		*file = 0;
		*off = 0;
	} else {
		*file = j;
		if (pj.above.found)
			*off = pj.below.end;
		else if (logseek_file(&s, j, pj.below.end, off) != 0)
			goto out;
	}
	rc = 0;
out:
	xfree(s.samples);
	xfree(s.buf);
	return (rc);
}
