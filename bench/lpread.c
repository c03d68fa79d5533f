/* SPDX-License-Identifier: MIT */
/*
 * Benchmark read helper: fetches one Docker API logs response over a unix
 * socket, de-chunks it and counts the multiplexed frames, so that a
 * million-frame read is timed at the daemon's speed, not Python's. Also
 * reads a file from the page cache for the "cost of reading the file"
 * baseline. Prints one JSON object.
 *
 *   lpread SOCKET PATH [raw]    GET PATH, count frames (raw: count '\n')
 *   lpread SOCKET PATH first    GET PATH until the first whole frame:
 *                               its time ("frame") and its first bytes
 *   lpread --file FILE          read FILE, count '\n'
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LPREAD_BUF	(256 * 1024)

static double
lpread_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static double
lpread_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

struct lpread_state {
	int		 raw;
	/* chunked decoding */
	int		 chunked;
	int		 cstate;	/* 0 size line, 1 data, 2 crlf, 3 end */
	uint64_t	 cleft;
	uint64_t	 csize;
	int		 csize_digits;
	int		 cext;
	/* frames */
	unsigned char	 hdr[8];
	int		 hlen;
	uint64_t	 pleft;
	uint64_t	 frames;
	uint64_t	 payload;
	uint64_t	 body;
	uint64_t	 chunks;
	uint64_t	 errframes;
	/* the first frame */
	char		 first[48];	/* its first bytes, NUL-ended */
	size_t		 firstlen;
	int		 first_done;
	double		 tframe;	/* when it was whole */
};

static double	lpread_now(void);

/* Keeps the first frame's first bytes; notes when it is whole. */
static void
lpread_first(struct lpread_state *st, const unsigned char *p, size_t n)
{
	if (st->frames != 1 || st->first_done)
		return;
	while (n-- > 0 && st->firstlen < sizeof st->first - 1) {
		unsigned char	c = *p++;

		st->first[st->firstlen++] = c >= 0x20 && c < 0x7f &&
		    c != '"' && c != '\\' ? (char)c : '?';
	}
	if (st->pleft == 0) {
		st->first_done = 1;
		st->tframe = lpread_now();
	}
}

static void
lpread_body(struct lpread_state *st, const unsigned char *p, size_t n)
{
	const unsigned char	*nl;

	st->body += n;
	if (st->raw) {
		st->payload += n;
		while (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
			st->frames++;
			n -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
		return;
	}
	while (n > 0) {
		if (st->pleft > 0) {
			size_t	take = n < st->pleft ? n : (size_t)st->pleft;

			st->pleft -= take;
			lpread_first(st, p, take);
			p += take;
			n -= take;
			continue;
		}
		st->hdr[st->hlen++] = *p++;
		n--;
		if (st->hlen == 8) {
			st->pleft = (uint64_t)st->hdr[4] << 24 |
			    (uint64_t)st->hdr[5] << 16 |
			    (uint64_t)st->hdr[6] << 8 | st->hdr[7];
			st->payload += st->pleft;
			st->frames++;
			if (st->hdr[0] == 3)
				st->errframes++;
			st->hlen = 0;
			lpread_first(st, p, 0);	/* an empty one */
		}
	}
}

/* Feeds response body bytes (still chunked, maybe); returns 1 at the end. */
static int
lpread_feed(struct lpread_state *st, const unsigned char *p, size_t n)
{
	if (!st->chunked) {
		lpread_body(st, p, n);
		return (0);
	}
	while (n > 0) {
		switch (st->cstate) {
		case 0:
			if (*p == '\n') {
				st->cstate = st->csize == 0 ? 3 : 1;
				st->cleft = st->csize;
				st->chunks++;
			} else if (*p == ';')
				st->cext = 1;
			else if (*p != '\r' && !st->cext) {
				int	c = *p, v;

				if (c >= '0' && c <= '9')
					v = c - '0';
				else
					v = (c | 0x20) - 'a' + 10;
				st->csize = st->csize * 16 + (uint64_t)v;
			}
			p++;
			n--;
			break;
		case 1: {
			size_t	take = n < st->cleft ? n : (size_t)st->cleft;

			lpread_body(st, p, take);
			st->cleft -= take;
			p += take;
			n -= take;
			if (st->cleft == 0)
				st->cstate = 2;
			break;
		}
		case 2:
			if (*p == '\n') {
				st->cstate = 0;
				st->csize = 0;
				st->cext = 0;
			}
			p++;
			n--;
			break;
		case 3:
			/* After the terminating chunk: the body is complete. */
			return (1);
		}
	}
	return (st->cstate == 3);
}

static int
lpread_file(const char *path)
{
	static unsigned char	 buf[LPREAD_BUF];
	double			 t0 = lpread_now(), c0 = lpread_cpu();
	uint64_t		 lines = 0, bytes = 0;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		perror(path);
		return (1);
	}
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		const unsigned char	*p = buf, *e = buf + n, *nl;

		bytes += (uint64_t)n;
		while (p < e && (nl = memchr(p, '\n', (size_t)(e - p)))) {
			lines++;
			p = nl + 1;
		}
	}
	close(fd);
	printf("{\"lines\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"secs\":%.6f,"
	    "\"cpu\":%.6f}\n", lines, bytes, lpread_now() - t0,
	    lpread_cpu() - c0);
	return (0);
}

int
main(int argc, char **argv)
{
	static unsigned char	 buf[LPREAD_BUF];
	struct lpread_state	 st;
	struct sockaddr_un	 sun;
	char			 req[4096];
	unsigned char		*p, *hend;
	size_t			 have = 0;
	ssize_t			 n;
	double			 t0, c0, tfirst = 0, tend;
	int			 fd, status = 0, done = 0, len, first;

	if (argc == 3 && strcmp(argv[1], "--file") == 0)
		return (lpread_file(argv[2]));
	if (argc < 3) {
		fprintf(stderr, "usage: lpread SOCKET PATH [raw] | "
		    "lpread --file FILE\n");
		return (2);
	}
	memset(&st, 0, sizeof st);
	st.raw = argc > 3 && strcmp(argv[3], "raw") == 0;
	first = argc > 3 && strcmp(argv[3], "first") == 0;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", argv[1]);
	len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: lpbench\r\nConnection: close\r\n\r\n", argv[2]);
	t0 = lpread_now();
	c0 = lpread_cpu();
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		perror(argv[1]);
		return (1);
	}
	if (write(fd, req, (size_t)len) != len) {
		perror("write");
		return (1);
	}
	/* Headers. */
	for (;;) {
		n = read(fd, buf + have, sizeof buf - have - 1);
		if (n <= 0) {
			fprintf(stderr, "lpread: no response headers\n");
			return (1);
		}
		have += (size_t)n;
		buf[have] = '\0';
		if ((hend = (unsigned char *)strstr((char *)buf,
		    "\r\n\r\n")) != NULL)
			break;
	}
	tfirst = lpread_now();
	sscanf((char *)buf, "HTTP/%*s %d", &status);
	*hend = '\0';
	st.chunked = strcasestr((char *)buf,
	    "transfer-encoding: chunked") != NULL;
	p = hend + 4;
	done = lpread_feed(&st, p, have - (size_t)(p - buf));
	while (!done && !(first && st.first_done) &&
	    (n = read(fd, buf, sizeof buf)) > 0)
		done = lpread_feed(&st, buf, (size_t)n);
	tend = lpread_now();
	close(fd);
	printf("{\"status\":%d,\"frames\":%" PRIu64 ",\"payload\":%" PRIu64
	    ",\"body\":%" PRIu64 ",\"chunks\":%" PRIu64 ",\"errframes\":%"
	    PRIu64 ",\"complete\":%d,\"ttfb\":%.6f,\"secs\":%.6f,\"cpu\":%.6f,"
	    "\"frame\":%.6f,\"first\":\"%s\"}\n", status, st.frames,
	    st.payload, st.body, st.chunks, st.errframes,
	    done || !st.chunked, tfirst - t0, tend - t0, lpread_cpu() - c0,
	    st.first_done ? st.tframe - t0 : -1.0, st.first);
	return (0);
}
