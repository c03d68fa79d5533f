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

void
logs_container(struct api_req *r)
{
	struct container	*c;
	struct logreader_opts	 ro = { 0 };
	struct stream_opts	 so = { 0 };
	struct err		 err = { 0 };
	const char		*since, *until;

	task_push(r->task);
	so.want_stdout = api_query_bool(r, "stdout");
	so.want_stderr = api_query_bool(r, "stderr");
	if (!so.want_stdout && !so.want_stderr) {
		api_reply_error(r, 400, "Bad parameters: you must choose at "
		    "least one stream");
		return;
	}
	if ((c = container_store_lookup(r->srv->store, r->params[0],
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (container_removing(c)) {
		api_reply_error(r, 409, "can not get logs from container which "
		    "is dead or marked for removal");
		return;
	}
	if (strcmp(container_log_driver(c), "none") == 0) {
		api_reply_error(r, 501, "configured logging driver does not "
		    "support reading");
		return;
	}
	/* Log options that would fail at start fail here too (dockerd). */
	if (container_log_check(c, &err) != 0) {
		api_reply_error(r, 500, "%s", err.msg);
		return;
	}
	since = api_query(r, "since");
	until = api_query(r, "until");
	if (since != NULL && *since != '\0') {
		if (logs_parse_time("since", since, &ro.since_ns, &err) != 0) {
			api_reply_err(r, &err);
			return;
		}
		ro.has_since = 1;
	}
	if (until != NULL && *until != '\0') {
		if (logs_parse_time("until", until, &ro.until_ns, &err) != 0) {
			api_reply_err(r, &err);
			return;
		}
		/* dockerd: until=0 means no upper bound. */
		ro.has_until = ro.until_ns != 0;
	}
	ro.tail = logs_parse_tail(api_query(r, "tail"));
	ro.max_file = container_log_max_file(c);
	/* Following a stopped container returns the backlog and ends. */
	ro.follow = api_query_bool(r, "follow") && container_running(c) &&
	    container_log_writer(c) != NULL;
	so.tty = container_tty(c);
	so.timestamps = api_query_bool(r, "timestamps");
	so.details = api_query_bool(r, "details");
	/* The teaching aid: the original report's handler, blind to closes. */
	r->close_notify = !r->srv->cfg.no_close_notify;
	stream_start(r, c, &ro, &so);
}
