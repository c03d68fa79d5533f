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
#include "api/conn.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/procinfo.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/jsontext.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "logdriver/copier.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logreader.h"

static void
debug_reply_text(struct api_req *r, struct evbuffer *body)
{
	api_req_add_header(r, "Content-Type", "text/plain; charset=utf-8");
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

static json_t *
debug_frame_json(const struct task_frame *f)
{
	return (json_pack("{s:s, s:s, s:i}", "func", f->func, "file", f->file,
	    "line", f->line));
}

static void
debug_task_json_cb(const struct task_view *v, void *arg)
{
	json_t	*frames = json_array(), *o;

	for (int i = v->nframes - 1; i >= 0; i--)
		json_array_append_new(frames, debug_frame_json(&v->frames[i]));
	/* Labels and waits may quote a client's text. */
	o = json_pack("{s:I, s:s, s:o, s:o, s:f, s:f, s:o, s:o}",
	    "id", (json_int_t)v->id, "kind", v->kind,
	    "state", jsontext_new(v->state), "label", jsontext_new(v->label),
	    "state_seconds", (double)v->state_ns / 1e9,
	    "age_seconds", (double)v->age_ns / 1e9,
	    "frames", frames, "created_by", debug_frame_json(v->created));
	if (o != NULL)
		json_array_append_new(arg, o);
}

void
debug_tasks(struct api_req *r)
{
	json_t	*arr = json_array();

	task_foreach(debug_task_json_cb, arr);
	api_reply_json(r, 200, arr);
}

static void
debug_kind_json_cb(const char *kind, size_t n, void *arg)
{
	json_object_set_new(arg, kind, json_integer((json_int_t)n));
}

void
debug_vars(struct api_req *r)
{
	struct server		*srv = api_req_server(r);
	struct logreader_losses	 lost;
	json_t			*o, *kinds = json_object();

	task_foreach_kind(debug_kind_json_cb, kinds);
	logreader_total_losses(&lost);
	o = json_pack("{s:I, s:o, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
	    "tasks", (json_int_t)task_count(),
	    "tasks_by_kind", kinds,
	    "open_fds", procinfo_open_fds(),
	    "libevent_events", event_base_get_num_events(srv->base,
	    EVENT_BASE_COUNT_ADDED),
	    "contexts", (json_int_t)cancel_live(),
	    "requests", (json_int_t)srv->requests,
	    "requests_in_flight", (json_int_t)srv->in_flight,
	    "streams", (json_int_t)srv->streams,
	    "header_deadline_drops", (json_int_t)conn_table_drops(srv->conns),
	    "accept_errors", (json_int_t)srv->accept_errors,
	    "bytes_sent", (json_int_t)srv->bytes_sent,
	    "heap_in_use", (json_int_t)procinfo_heap_in_use(),
	    "rss", (json_int_t)procinfo_rss(),
	    "log_write_errors", (json_int_t)jsonfile_total_write_errors(),
	    "log_buffer_full_drops", (json_int_t)copier_total_dropped(),
	    "log_follow_gaps", (json_int_t)lost.gaps,
	    "log_follow_lost_entries", (json_int_t)lost.entries,
	    "log_follow_lost_bytes", (json_int_t)lost.bytes,
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
		event_base_dump_events(api_req_base(r), fp);
		fclose(fp);
		evbuffer_add(body, text, len);
		free(text);	/* open_memstream's buffer is libc's */
	}
	debug_reply_text(r, body);
	evbuffer_free(body);
}
