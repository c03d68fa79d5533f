/* SPDX-License-Identifier: MIT */
/*
 * Read-only walks of the task registry and counters, shaped so that scripts
 * written for Go daemons (grep -A 10 logs_container) work unchanged.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/debug.h"
#include "api/events.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/procinfo.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "logdriver/jsonfile.h"

static void
debug_reply_text(struct api_req *r, struct evbuffer *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Content-Type", "text/plain; charset=utf-8");
	api_reply_buf(r, 200, body);
}

void
debug_goroutine(struct api_req *r)
{
	struct evbuffer	*body = evbuffer_new();
	const char	*d = api_query(r, "debug");
	int		 level = d != NULL ? atoi(d) : 1;

	task_dump_text(body, level >= 2 ? 2 : 1);
	debug_reply_text(r, body);
	evbuffer_free(body);
}

void
debug_tasks(struct api_req *r)
{
	api_reply_json(r, 200, task_dump_json());
}

void
debug_vars(struct api_req *r)
{
	struct server	*srv = r->srv;
	json_t		*o;

	o = json_pack("{s:I, s:o, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:f}",
	    "tasks", (json_int_t)task_count(),
	    "tasks_by_kind", task_counts_json(),
	    "open_fds", procinfo_open_fds(),
	    "libevent_events", event_base_get_num_events(srv->base,
	    EVENT_BASE_COUNT_ADDED),
	    "contexts", (json_int_t)cancel_live(),
	    "requests", (json_int_t)srv->requests,
	    "requests_in_flight", (json_int_t)srv->in_flight,
	    "streams", (json_int_t)srv->streams,
	    "header_deadline_drops", (json_int_t)srv->deadline_drops,
	    "accept_errors", (json_int_t)srv->accept_errors,
	    "bytes_sent", (json_int_t)srv->bytes_sent,
	    "heap_in_use", (json_int_t)procinfo_heap_in_use(),
	    "rss", (json_int_t)procinfo_rss(),
	    "log_write_errors", (json_int_t)jsonfile_total_write_errors(),
	    "uptime_seconds", (double)(timeutil_mono_ns() - srv->started_ns) /
	    1e9);
	json_object_set_new(o, "events_published", json_integer((json_int_t)
	    events_published(container_store_events(srv->store))));
	json_object_set_new(o, "events_subscribers", json_integer((json_int_t)
	    events_subscribers(container_store_events(srv->store))));
	json_object_set_new(o, "events_dropped", json_integer((json_int_t)
	    events_api_dropped()));
	api_reply_json(r, 200, o);
}

void
debug_events(struct api_req *r)
{
	struct evbuffer	*body = evbuffer_new();
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*fp = open_memstream(&text, &len);

	if (fp != NULL) {
		event_base_dump_events(r->srv->base, fp);
		fclose(fp);
		evbuffer_add(body, text, len);
		free(text);	/* open_memstream's buffer is libc's */
	}
	debug_reply_text(r, body);
	evbuffer_free(body);
}
