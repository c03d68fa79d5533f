/* SPDX-License-Identifier: MIT */
/*
 * gzip of rotated json-file files (loggz.h). The thread allocates nothing
 * through xalloc (the unit tests route xalloc through cmocka, which is not
 * thread-safe) and logs nothing: it leaves its errno in the job, and the
 * loop logs it when it joins.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "logdriver/loggz.h"

#define LOGGZ_CHUNK	(64 * 1024)

struct loggz_job {
	pthread_t	 thread;
	char		 src[PATH_MAX];
	int64_t		 last_ns;
	int		 error;		/* errno, 0 when it worked */
	atomic_int	 done;
};

static int
loggz_write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = ENOSPC;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Deflates in to out until in is used (flush Z_NO_FLUSH) or the end. */
static int
loggz_deflate(z_stream *zs, int out, int flush)
{
	unsigned char	buf[LOGGZ_CHUNK];
	int		rc;

	do {
		zs->next_out = buf;
		zs->avail_out = sizeof buf;
		rc = deflate(zs, flush);
		if (rc == Z_STREAM_ERROR) {
			errno = EINVAL;
			return (-1);
		}
		if (loggz_write_all(out, buf, sizeof buf - zs->avail_out) != 0)
			return (-1);
	} while (zs->avail_out == 0);
	return (flush == Z_FINISH && rc != Z_STREAM_END ? -1 : 0);
}

static int
loggz_copy(int in, int out, int64_t last_ns)
{
	unsigned char		 buf[LOGGZ_CHUNK];
	char			 extra[96], ts[64];
	gz_header		 hd;
	z_stream		 zs;
	ssize_t			 n;
	int			 rc = -1, saved = 0;

	/* dockerd's header: Go's gzip.Writer with Header.Extra set. */
	timeutil_format(ts, last_ns, 0);
	memset(&hd, 0, sizeof hd);
	hd.os = 255;
	hd.extra = (unsigned char *)extra;
	hd.extra_len = (unsigned)snprintf(extra, sizeof extra,
	    "{\"lastTime\":\"%s\"}", ts);
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		errno = ENOMEM;
		return (-1);
	}
	if (deflateSetHeader(&zs, &hd) != Z_OK) {
		saved = EINVAL;
		goto out;
	}
	for (;;) {
		if ((n = read(in, buf, sizeof buf)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			goto out;
		}
		zs.next_in = buf;
		zs.avail_in = (unsigned)n;
		if (loggz_deflate(&zs, out, n == 0 ? Z_FINISH : Z_NO_FLUSH)
		    != 0) {
			saved = errno != 0 ? errno : EIO;
			goto out;
		}
		if (n == 0)
			break;
	}
	rc = 0;
out:
	deflateEnd(&zs);
	if (rc != 0)
		errno = saved;
	return (rc);
}

int
loggz_compress(const char *src, int64_t last_ns)
{
	char	dst[PATH_MAX], tmp[PATH_MAX];
	int	in, out, saved;

	if (snprintf(dst, sizeof dst, "%s.gz", src) >= (int)sizeof dst ||
	    snprintf(tmp, sizeof tmp, "%s.gz.tmp", src) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		saved = errno;
		close(in);
		errno = saved;
		return (-1);
	}
	if (loggz_copy(in, out, last_ns) != 0) {
		saved = errno;
		goto fail;
	}
	close(in);
	in = -1;
	if (close(out) != 0) {
		out = -1;
		saved = errno;
		goto fail;
	}
	out = -1;
	if (rename(tmp, dst) != 0) {
		saved = errno;
		goto fail;
	}
	/* Both exist for a moment: readers take the plain one first. */
	if (unlink(src) != 0 && errno != ENOENT)
		return (-1);
	return (0);
fail:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	unlink(tmp);
	errno = saved;
	return (-1);
}

static void *
loggz_main(void *arg)
{
	struct loggz_job	*job = arg;

	job->error = loggz_compress(job->src, job->last_ns) == 0 ? 0 : errno;
	atomic_store(&job->done, 1);
	return (NULL);
}

struct loggz_job *
loggz_start(const char *src, int64_t last_ns)
{
	struct loggz_job	*job;
	int			 rc;

	job = xcalloc(1, sizeof *job);
	if (snprintf(job->src, sizeof job->src, "%s", src) >=
	    (int)sizeof job->src) {
		xfree(job);
		return (NULL);
	}
	job->last_ns = last_ns;
	atomic_init(&job->done, 0);
	if ((rc = pthread_create(&job->thread, NULL, loggz_main, job)) != 0) {
		log_warn("compress %s: cannot start a thread: %s (left "
		    "uncompressed)", src, strerror(rc));
		xfree(job);
		return (NULL);
	}
	return (job);
}

int
loggz_done(const struct loggz_job *job)
{
	return (atomic_load(&((struct loggz_job *)job)->done));
}

void
loggz_finish(struct loggz_job *job)
{
	if (job == NULL)
		return;
	pthread_join(job->thread, NULL);
	if (job->error != 0)
		log_warn("compress %s: %s (left uncompressed)", job->src,
		    strerror(job->error));
	xfree(job);
}

int
loggz_open(const char *gzpath)
{
	unsigned char	 in[LOGGZ_CHUNK], out[LOGGZ_CHUNK];
	z_stream	 zs;
	ssize_t		 n;
	int		 src, mem, rc = Z_OK, saved = 0;

	if ((src = open(gzpath, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if ((mem = memfd_create("logpouch-gz", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1) {
		saved = errno;
		close(src);
		errno = saved;
		return (-1);
	}
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		saved = ENOMEM;
		goto fail_noinflate;
	}
	while (rc != Z_STREAM_END) {
		if ((n = read(src, in, sizeof in)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			goto fail;
		}
		if (n == 0) {
			saved = EINVAL;		/* truncated */
			goto fail;
		}
		zs.next_in = in;
		zs.avail_in = (unsigned)n;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof out;
			rc = inflate(&zs, Z_NO_FLUSH);
			if (rc != Z_OK && rc != Z_STREAM_END &&
			    rc != Z_BUF_ERROR) {
				saved = rc == Z_MEM_ERROR ? ENOMEM : EINVAL;
				goto fail;
			}
			if (loggz_write_all(mem, out, sizeof out -
			    zs.avail_out) != 0) {
				saved = errno;
				goto fail;
			}
		} while (zs.avail_out == 0 && rc != Z_STREAM_END);
	}
	inflateEnd(&zs);
	close(src);
	/* Nobody writes to it again: seal it, readers may trust its size. */
	(void)fcntl(mem, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL);
	lseek(mem, 0, SEEK_SET);
	return (mem);
fail:
	inflateEnd(&zs);
fail_noinflate:
	close(src);
	close(mem);
	errno = saved;
	return (-1);
}
