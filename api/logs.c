/* SPDX-License-Identifier: MIT */
/*
 * The logs handler: checks run in dockerd's order (stream choice, container,
 * driver, since, until), all before the 200; then the stream takes over.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api/logs.h"
#include "api/server.h"
#include "api/stream.h"
#include "daemon/container.h"
#include "daemon/base/strconv.h"
#include "daemon/base/task.h"
#include "logdriver/logreader.h"

int
logs_parse_time(const char *name, const char *s, int64_t *ns,
    struct err *err)
{
	const char	*dot = strchr(s, '.');
	size_t		 secslen = dot != NULL ? (size_t)(dot - s) : strlen(s);
	int64_t		 secs, frac = 0;
	size_t		 n;

	if (strconv_parse_int64(s, secslen, &secs) != 0)
		goto bad;
	if (dot != NULL) {
		n = strlen(dot + 1);
		if (strconv_parse_int64(dot + 1, n, &frac) != 0)
			goto bad;
		/*
		 * A fraction of n characters is scaled to nanoseconds; like
		 * dockerd, a sign counts as a digit ("1.-1" is 10 ms early).
		 */
		for (; n < 9; n++)
			frac *= 10;
		for (; n > 9; n--)
			frac /= 10;
	}
	/* Go keeps seconds; nanoseconds overflow past 2262: saturate. */
	if (secs > INT64_MAX / 1000000000 - 1)
		*ns = INT64_MAX;
	else if (secs < INT64_MIN / 1000000000 + 1)
		*ns = INT64_MIN;
	else
		*ns = secs * 1000000000 + frac;
	return (0);
bad:
	return (err_set(err, ERR_INVALID, "invalid value for \"%s\": \"%s\" "
	    "is not a unix timestamp (SECONDS[.NANOSECONDS])", name, s));
}

int64_t
logs_parse_tail(const char *s)
{
	int64_t	v;

	if (s == NULL || strconv_parse_int64(s, strlen(s), &v) != 0 || v < 0)
		return (-1);
	return (v);
}

/* The query, read once: dockerd's ContainerLogsOptions. */
struct logs_query {
	int		 want_stdout;
	int		 want_stderr;
	int		 follow;
	int		 timestamps;
	int		 details;
	const char	*since;		/* borrowed from the request */
	const char	*until;
	const char	*tail;
};

/* What the checks and the stream need of the container, taken once. */
struct logs_view {
	struct container	*c;	/* borrowed: the loop is ours */
	int			 removing;
	int			 driver_none;
	int			 running;
	int			 tty;
	int			 max_file;
	struct jsonfile		*writer;	/* NULL when not running */
};

static void
logs_read_query(struct api_req *r, struct logs_query *q)
{
	q->want_stdout = api_query_bool(r, "stdout");
	q->want_stderr = api_query_bool(r, "stderr");
	q->follow = api_query_bool(r, "follow");
	q->timestamps = api_query_bool(r, "timestamps");
	q->details = api_query_bool(r, "details");
	q->since = api_query(r, "since");
	q->until = api_query(r, "until");
	q->tail = api_query(r, "tail");
}

static void
logs_snapshot(struct container *c, struct logs_view *v)
{
	v->c = c;
	v->removing = container_removing(c);
	v->driver_none = strcmp(container_log_driver(c), "none") == 0;
	v->running = container_running(c);
	v->tty = container_tty(c);
	v->max_file = container_log_max_file(c);
	v->writer = container_log_writer(c);
}

/*
 * dockerd's checks in dockerd's order (router, then daemon.ContainerLogs):
 * a stream chosen, the container, not being removed, a driver that reads,
 * its options, since, until. 0, or the request was answered and is gone.
 */
static int
logs_check(struct api_req *r, const struct logs_query *q,
    struct logs_view *v, struct logreader_opts *ro)
{
	struct container	*c;
	struct err		 err = { 0 };

	if (!q->want_stdout && !q->want_stderr) {
		api_reply_error(r, 400, "Bad parameters: you must choose at "
		    "least one stream");
		return (-1);
	}
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return (-1);
	}
	logs_snapshot(c, v);
	if (v->removing) {
		api_reply_error(r, 409, "can not get logs from container which "
		    "is dead or marked for removal");
		return (-1);
	}
	if (v->driver_none) {
		api_reply_error(r, 501, "configured logging driver does not "
		    "support reading");
		return (-1);
	}
	/* Log options that would fail at start fail here too (dockerd). */
	if (container_log_check(c, &err) != 0) {
		api_reply_error(r, 500, "%s", err.msg);
		return (-1);
	}
	if (q->since != NULL && *q->since != '\0') {
		if (logs_parse_time("since", q->since, &ro->since_ns,
		    &err) != 0) {
			api_reply_err(r, &err);
			return (-1);
		}
		ro->has_since = 1;
	}
	if (q->until != NULL && *q->until != '\0') {
		if (logs_parse_time("until", q->until, &ro->until_ns,
		    &err) != 0) {
			api_reply_err(r, &err);
			return (-1);
		}
		/* dockerd: until=0 means no upper bound. */
		ro->has_until = ro->until_ns != 0;
	}
	return (0);
}

void
logs_container(struct api_req *r)
{
	struct logs_query	 q = { 0 };
	struct logs_view	 v = { 0 };
	struct logreader_opts	 ro = { 0 };
	struct stream_opts	 so = { 0 };
	struct stream		*s;

	task_push(api_req_task(r));
	logs_read_query(r, &q);
	if (logs_check(r, &q, &v, &ro) != 0)
		return;
	ro.tail = logs_parse_tail(q.tail);
	ro.max_file = v.max_file;
	/* Following a stopped container returns the backlog and ends. */
	ro.follow = q.follow && v.running && v.writer != NULL;
	so.want_stdout = q.want_stdout;
	so.want_stderr = q.want_stderr;
	so.tty = v.tty;
	so.timestamps = q.timestamps;
	so.details = q.details;
	/* The teaching aid: the original report's handler, blind to closes. */
	api_req_set_close_notify(r,
	    !api_req_server(r)->cfg.no_close_notify);
	s = stream_new(r, &so);
	stream_start(s, v.c, &ro);
}
