/* SPDX-License-Identifier: MIT */
/*
 * Benchmark follow helper, so that figure 3 times the daemon and not
 * Python's wake-ups:
 *
 *   lpfollow lat SOCKET PATH SKIP SAMPLES
 *	GET PATH (a logs follow with timestamps=1), de-chunk, and for each
 *	frame after the first SKIP take the time from the entry's timestamp
 *	to the read(2) that completed it; prints {"p50_ms", "p99_ms"}.
 *   lpfollow drain FD...
 *	reads and discards what arrives on the given fds (the other
 *	followers, opened by the caller) until each is at EOF or a TERM.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LPF_BUF	(256 * 1024)

static int64_t
lpf_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* "2026-12-04T21:00:00.123456789Z" -> unix ns, or -1. */
static int64_t
lpf_parse_ts(const unsigned char *p, size_t n)
{
	struct tm	tm = { 0 };
	int64_t		frac = 0;

	if (n < 30 || p[19] != '.')
		return (-1);
	if (sscanf((const char *)p, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	for (int i = 20; i < 29; i++)
		frac = frac * 10 + (p[i] - '0');
	return ((int64_t)timegm(&tm) * 1000000000 + frac);
}

static int
lpf_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

static double
lpf_pct(const int64_t *v, int n, double p)
{
	double	k = (n - 1) * p / 100.0;
	int	f = (int)k, c = f + 1 < n ? f + 1 : n - 1;

	return ((v[f] + (v[c] - v[f]) * (k - f)) / 1e6);
}

static int
lpf_lat(const char *sock, const char *path, int skip, int samples)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	unsigned char		*raw = malloc(LPF_BUF), *body = malloc(LPF_BUF);
	int64_t			*lat = calloc((size_t)samples, sizeof *lat);
	size_t			 rlen = 0, blen = 0;
	int			 fd, got = 0, head = 0;
	char			 req[1024];

	if (raw == NULL || body == NULL || lat == NULL)
		return (1);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		perror(sock);
		return (1);
	}
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: lpbench\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return (1);
	while (got < samples) {
		ssize_t	 n = read(fd, raw + rlen, LPF_BUF - rlen);
		int64_t	 now = lpf_now();
		size_t	 at = 0;

		if (n <= 0) {
			fprintf(stderr, "lpfollow: the stream ended\n");
			return (1);
		}
		rlen += (size_t)n;
		if (!head) {
			unsigned char *e = memmem(raw, rlen, "\r\n\r\n", 4);

			if (e == NULL)
				continue;
			at = (size_t)(e + 4 - raw);
			head = 1;
		}
		/* De-chunk what is whole. */
		for (;;) {
			unsigned char	*crlf = memmem(raw + at, rlen - at,
			    "\r\n", 2);
			size_t		 size;

			if (crlf == NULL)
				break;
			size = strtoul((const char *)raw + at, NULL, 16);
			if (size == 0 || rlen - (size_t)(crlf + 2 - raw) <
			    size + 2)
				break;
			memcpy(body + blen, crlf + 2, size);
			blen += size;
			at = (size_t)(crlf + 2 - raw) + size + 2;
		}
		memmove(raw, raw + at, rlen - at);
		rlen -= at;
		/* Whole frames: 8-byte header, then "TIMESTAMP line\n". */
		at = 0;
		while (blen - at >= 8) {
			uint32_t	len = (uint32_t)body[at + 4] << 24 |
			    (uint32_t)body[at + 5] << 16 |
			    (uint32_t)body[at + 6] << 8 | body[at + 7];
			int64_t		ts;

			if (blen - at < 8 + (size_t)len)
				break;
			ts = lpf_parse_ts(body + at + 8, len);
			if (skip > 0)
				skip--;
			else if (ts > 0 && got < samples)
				lat[got++] = now - ts;
			at += 8 + len;
		}
		memmove(body, body + at, blen - at);
		blen -= at;
	}
	qsort(lat, (size_t)samples, sizeof *lat, lpf_cmp);
	printf("{\"samples\": %d, \"p50_ms\": %.4f, \"p99_ms\": %.4f}\n",
	    samples, lpf_pct(lat, samples, 50), lpf_pct(lat, samples, 99));
	return (0);
}

static volatile sig_atomic_t	lpf_stop;

static void
lpf_term(int sig)
{
	(void)sig;
	lpf_stop = 1;
}

static int
lpf_drain(int argc, char **argv)
{
	struct epoll_event	 ev, evs[64];
	static char		 buf[65536];
	int			 ep = epoll_create1(0), open = 0;
	unsigned long long	 total = 0;

	signal(SIGTERM, lpf_term);
	for (int i = 0; i < argc; i++) {
		ev.events = EPOLLIN;
		ev.data.fd = atoi(argv[i]);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev) == 0)
			open++;
	}
	while (open > 0 && !lpf_stop) {
		int	n = epoll_wait(ep, evs, 64, 100);

		for (int i = 0; i < n; i++) {
			ssize_t	r = read(evs[i].data.fd, buf, sizeof buf);

			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, evs[i].data.fd,
				    NULL);
				open--;
			} else
				total += (unsigned long long)r;
		}
	}
	if (getenv("LPFOLLOW_VERBOSE") != NULL)
		fprintf(stderr, "lpfollow: drained %llu bytes, %d open\n",
		    total, open);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "lat") == 0)
		return (lpf_lat(argv[2], argv[3], atoi(argv[4]),
		    atoi(argv[5])));
	if (argc >= 2 && strcmp(argv[1], "drain") == 0)
		return (lpf_drain(argc - 2, argv + 2));
	fprintf(stderr, "usage: lpfollow lat SOCKET PATH SKIP SAMPLES | "
	    "lpfollow drain FD...\n");
	return (2);
}
