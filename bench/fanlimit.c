/* SPDX-License-Identifier: MIT */
/*
 * The fan-out limit of this machine: the follow latency a daemon would
 * have if a line cost it nothing but the write(2) to each follower's
 * socket. One process writes the same chunk (the size of a framed,
 * timestamped log line in a chunked reply) to N unix sockets nobody reads
 * plus one that a second process reads, the measured one, last, as
 * bench/lpbench.py's measured follower is the last to subscribe. Latency
 * is from before the first write to the reader's return from read(2).
 * Prints one JSON object.
 *
 *   fanlimit N [SAMPLES [INTERVAL_MS]]
 */
#define _GNU_SOURCE
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

int
main(int argc, char **argv)
{
	struct rlimit	 rl;
	int		 n, samples, interval_ms, (*sv)[2], i, s, st;
	int64_t		*sent, *got, *lat;
	char		 chunk[CHUNK_LEN], b[256];
	pid_t		 pid;

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
	if (sv == NULL || sent == MAP_FAILED || lat == NULL)
		return (1);
	got = sent + samples;
	for (i = 0; i <= n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]) != 0) {
			perror("socketpair");
			return (1);
		}
	}
	if ((pid = fork()) == 0) {
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
	for (s = 0; s < samples; s++) {
		struct timespec	iv = { 0, interval_ms * 1000000L };

		nanosleep(&iv, NULL);
		sent[s] = now_ns();
		for (i = 0; i <= n; i++) {
			if (write(sv[i][0], chunk, sizeof chunk) !=
			    (ssize_t)sizeof chunk) {
				perror("write");
				return (1);
			}
		}
		/* Outside the timed part: nobody reads the others. */
		for (i = 0; i < n; i++)
			while (recv(sv[i][1], b, sizeof b, MSG_DONTWAIT) > 0)
				;
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return (1);
	for (s = 0; s < samples; s++)
		lat[s] = got[s] - sent[s];
	qsort(lat, (size_t)samples, sizeof *lat, cmp_i64);
	printf("{\"n\": %d, \"samples\": %d, \"p50_ms\": %.4f, "
	    "\"p99_ms\": %.4f}\n", n, samples, pct(lat, samples, 50),
	    pct(lat, samples, 99));
	return (0);
}
