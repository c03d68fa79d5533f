/* SPDX-License-Identifier: MIT */
/*
 * The fan-out limit of this machine: the follow latency a daemon would
 * have if a line cost it nothing but the write(2) to each follower's
 * socket. Four processes, as in bench/lpbench.py's figure 3: a "container"
 * that every INTERVAL_MS stamps the time and writes it to a pipe; the
 * "daemon", woken by the pipe, writes the same chunk (the size of a
 * framed, timestamped log line in a chunked reply) to N + 1 unix sockets;
 * a reader of the measured one; and one that drains the N others, as
 * lpfollow drains the bench's other followers. The measured socket is
 * written at a random place in each burst: in logpouchd the measured
 * follower has no fixed place either (its reader runs from libevent's
 * timer heap, which keeps no order among equal deadlines), so p50 is a
 * follower in the middle of the fan-out and p99 one at its end. Latency
 * is from the stamp to the reader's return from read(2). Prints one
 * JSON object.
 *
 *   fanlimit N [SAMPLES [INTERVAL_MS]]
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* "2f\r\n" + 8-byte header + 30-byte timestamp + " 123\n" + "\r\n" */
#define CHUNK_LEN	(4 + 8 + 31 + 4 + 2)

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

static double
pct(int64_t *v, int n, double p)
{
	double	k = (n - 1) * p / 100.0;
	int	f = (int)k, c = f + 1 < n ? f + 1 : n - 1;

	return ((v[f] + (v[c] - v[f]) * (k - f)) / 1e6);
}

/* Reads what arrives on the others until the parent has gone. */
static void
drain(int (*sv)[2], int n)
{
	struct epoll_event	ev, evs[64];
	char			b[4096];
	int			ep = epoll_create1(0), k;

	for (int i = 0; i < n; i++) {
		close(sv[i][0]);
		ev.events = EPOLLIN;
		ev.data.fd = sv[i][1];
		epoll_ctl(ep, EPOLL_CTL_ADD, sv[i][1], &ev);
	}
	while ((k = epoll_wait(ep, evs, 64, 2000)) > 0)
		for (int j = 0; j < k; j++)
			if (read(evs[j].data.fd, b, sizeof b) <= 0)
				_exit(0);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct rlimit	 rl;
	int		 n, samples, interval_ms, (*sv)[2], i, k, s, pfd[2];
	int64_t		*sent, *got, *lat, t;
	char		 chunk[CHUNK_LEN], b[256];
	pid_t		 reader, stamper, drainer;

	if (argc < 2) {
		fprintf(stderr, "usage: fanlimit N [SAMPLES [INTERVAL_MS]]\n");
		return (2);
	}
	n = atoi(argv[1]);
	samples = argc > 2 ? atoi(argv[2]) : 200;
	interval_ms = argc > 3 ? atoi(argv[3]) : 20;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(chunk, 'x', sizeof chunk);
	sv = calloc((size_t)n + 1, sizeof *sv);
	sent = mmap(NULL, 2 * samples * sizeof *sent, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat = calloc((size_t)samples, sizeof *lat);
	if (sv == NULL || sent == MAP_FAILED || lat == NULL || pipe(pfd) != 0)
		return (1);
	got = sent + samples;
	for (i = 0; i <= n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]) != 0) {
			perror("socketpair");
			return (1);
		}
	}
	if ((reader = fork()) == 0) {
		for (s = 0; s < samples; s++) {
			size_t	have = 0;

			while (have < sizeof chunk) {
				ssize_t	r = read(sv[n][1], b, sizeof chunk -
				    have);

				if (r <= 0)
					_exit(1);
				have += (size_t)r;
			}
			got[s] = now_ns();
		}
		_exit(0);
	}
	if ((drainer = fork()) == 0)
		drain(sv, n);
	if ((stamper = fork()) == 0) {
		for (s = 0; s < samples; s++) {
			struct timespec	iv = { 0, interval_ms * 1000000L };

			nanosleep(&iv, NULL);
			t = now_ns();
			sent[s] = t;
			if (write(pfd[1], &t, sizeof t) != sizeof t)
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i <= n; i++)
		close(sv[i][1]);
	for (s = 0; s < samples; s++) {
		if (read(pfd[0], &t, sizeof t) != sizeof t)
			return (1);
		/* The measured one at a random place: see the top. */
		k = n > 0 ? (int)(random() % (n + 1)) : 0;
		for (i = 0; i <= n; i++) {
			int	fd = i == k ? sv[n][0] : sv[i < k ? i : i - 1][0];

			if (write(fd, chunk, sizeof chunk) !=
			    (ssize_t)sizeof chunk) {
				perror("write");
				return (1);
			}
		}
	}
	if (waitpid(reader, &i, 0) != reader || !WIFEXITED(i) ||
	    WEXITSTATUS(i) != 0)
		return (1);
	waitpid(stamper, NULL, 0);
	for (i = 0; i <= n; i++)
		close(sv[i][0]);
	waitpid(drainer, NULL, 0);
	for (s = 0; s < samples; s++)
		lat[s] = got[s] - sent[s];
	qsort(lat, (size_t)samples, sizeof *lat, cmp_i64);
	printf("{\"n\": %d, \"samples\": %d, \"p50_ms\": %.4f, "
	    "\"p99_ms\": %.4f}\n", n, samples, pct(lat, samples, 50),
	    pct(lat, samples, 99));
	return (0);
}
