/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: raw bytes to the real HTTP server. One logpouch server
 * (server_new, router, handlers) listens on a unix socket in a temporary
 * dir over a store with two created containers, one with a log. Each input
 * is written to a fresh client connection (half-closed after it when its
 * first byte is odd), the loop runs until the server closes or a bound,
 * then the client leaves and the loop runs until every request is gone.
 * Inputs that could create, start or exec (run host commands) or
 * remove the fixtures are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/container.h"
#include "daemon/base/log.h"
#include "daemon/base/task.h"
#include "tests/fuzz/fixture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_HTTP_SPINS	64

static struct fixture		 fuzz;
static struct server		*fuzz_srv;
static char			 fuzz_sock[128];

static void
fuzz_http_cleanup(void)
{
	server_close_listeners(fuzz_srv);
	cancel_fire(fuzz.root, CANCEL_SHUTDOWN);
	for (int i = 0; i < 100 && task_count() > 0; i++)
		event_base_loop(fuzz.base, EVLOOP_NONBLOCK);
	server_free(fuzz_srv);
	fixture_close(&fuzz);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char	 lines[] =
	    "{\"log\":\"hello\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T02:28:17.251591878Z\"}\n"
	    "{\"log\":\"oops\\n\",\"stream\":\"stderr\","
	    "\"time\":\"2026-11-27T02:28:18Z\"}\n"
	    "{\"log\":\"torn";
	struct server_config	 cfg = { 0 };
	struct err		 err;
	struct container	*c;
	FILE			*fp;

	(void)argc;
	(void)argv;
	log_level = LOG_LEVEL_ERROR;
	signal(SIGPIPE, SIG_IGN);
	fixture_open(&fuzz, "http");
	snprintf(fuzz_sock, sizeof fuzz_sock, "%s/sock", fuzz.dir);
	c = fixture_create(&fuzz, "web");
	if ((fp = fopen(container_log_path(c), "w")) == NULL)
		abort();
	fputs(lines, fp);
	fclose(fp);
	fixture_create(&fuzz, "db");
	cfg.debug = 1;
	cfg.header_timeout = 30;
	cfg.write_timeout = 5;
	cfg.max_body = 1 << 20;
	cfg.max_headers = 64 << 10;
	cfg.data_root = fuzz.dir;
	fuzz_srv = server_new(fuzz.base, fuzz.root, fuzz.store, &cfg, &err);
	if (fuzz_srv == NULL || server_listen(fuzz_srv, fuzz_sock, 0,
	    &err) != 0) {
		fprintf(stderr, "server: %s\n", err.msg);
		abort();
	}
	atexit(fuzz_http_cleanup);
	return (0);
}

/* Inputs that would run host commands or delete the fixtures. */
static int
fuzz_http_unsafe(const uint8_t *data, size_t size)
{
	static const char	*words[] = {
		"create", "start", "exec", "DELETE",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (memmem(data, size, words[i], strlen(words[i])) != NULL)
			return (1);
	}
	return (0);
}

/* What the server answered to one input; the first FUZZ_HTTP_KEEP bytes. */
#define FUZZ_HTTP_KEEP	(256 << 10)
static char	fuzz_reply[FUZZ_HTTP_KEEP + 1];
static size_t	fuzz_reply_len;

/* Reads what the server sent; 1 once it closed. */
static int
fuzz_http_drain(int fd)
{
	char	buf[65536];
	ssize_t	n;
	size_t	k;

	for (;;) {
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0)
			return (1);
		if (n < 0)
			return (errno != EAGAIN && errno != EWOULDBLOCK);
		k = FUZZ_HTTP_KEEP - fuzz_reply_len;
		if ((size_t)n < k)
			k = (size_t)n;
		memcpy(fuzz_reply + fuzz_reply_len, buf, k);
		fuzz_reply_len += k;
	}
}

/*
 * Every JSON body the server sent (after the blank line, starting with
 * '{' or '['; chunked ones start with a size) parses, and no body is
 * "(null)", what a failed json_pack printed with %s used to give.
 */
static void
fuzz_http_check_replies(const uint8_t *data, size_t size)
{
	const char	*p = fuzz_reply, *end = fuzz_reply + fuzz_reply_len;
	json_error_t	 jerr;
	json_t		*j;

	if (fuzz_reply_len == FUZZ_HTTP_KEEP)
		return;		/* cut: the last body may be partial */
	fuzz_reply[fuzz_reply_len] = '\0';
	/* Unless the client sent it, to have it quoted back. */
	if (memmem(fuzz_reply, fuzz_reply_len, "(null)", 6) != NULL &&
	    memmem(data, size, "(null)", 6) == NULL) {
		fprintf(stderr, "a reply says (null):\n%s\n", fuzz_reply);
		abort();
	}
	while ((p = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) != NULL) {
		p += 4;
		if (p == end || (*p != '{' && *p != '['))
			continue;
		j = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK,
		    &jerr);
		/* A body cut by a close the input asked for is no bug. */
		if (j == NULL && jerr.position < (int)(end - p)) {
			fprintf(stderr, "a JSON reply does not parse (%s):\n"
			    "%s\n", jerr.text, p);
			abort();
		}
		json_decref(j);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	size_t			 off = 0;
	ssize_t			 n;
	int			 fd, closed = 0, i;

	if (fuzz_http_unsafe(data, size))
		return (-1);	/* not added to the corpus */
	strcpy(sun.sun_path, fuzz_sock);
	fuzz_reply_len = 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		abort();
	for (i = 0; off < size && !closed && i < 4 * FUZZ_HTTP_SPINS; i++) {
		n = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		event_base_loop(fuzz.base, EVLOOP_NONBLOCK);
		closed = fuzz_http_drain(fd);
	}
	if (size > 0 && (data[0] & 1))
		shutdown(fd, SHUT_WR);
	for (i = 0; i < FUZZ_HTTP_SPINS && !closed; i++) {
		event_base_loop(fuzz.base, EVLOOP_NONBLOCK);
		closed = fuzz_http_drain(fd);
	}
	close(fd);
	fuzz_http_check_replies(data, size);
	/* The client is gone: every request and stream must let go. */
	for (i = 0; i < 4 * FUZZ_HTTP_SPINS; i++) {
		event_base_loop(fuzz.base, EVLOOP_NONBLOCK);
		if (fuzz_srv->in_flight == 0 && fuzz_srv->streams == 0 &&
		    task_count() == 0)
			break;
	}
	if (fuzz_srv->in_flight != 0 || task_count() != 0) {
		fprintf(stderr, "request still alive after the client left: "
		    "in_flight %llu tasks %zu\n",
		    (unsigned long long)fuzz_srv->in_flight, task_count());
		abort();
	}
	return (0);
}
