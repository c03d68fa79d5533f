/* SPDX-License-Identifier: MIT */
/*
 * The stats endpoint. Like dockerd's collector, a sample is taken at once
 * and then every second; each frame carries the previous sample as
 * precpu_stats/preread. A container that is not running gives frames with
 * only name and id (dockerd's collector publishes those). One idempotent
 * stats_finish() serves every end; memory goes through the reap.
 */
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "api/apimetrics.h"
#include "api/server.h"
#include "api/stats.h"
#include "api/stream.h"
#include "daemon/container.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/stats.h"

#define STATS_INTERVAL_MS	1000

enum stats_state {
	STATS_RUNNING,
	STATS_FINISHED,		/* reply ended; waiting for the reap */
};

struct stats_stream {
	uint64_t		 id;
	struct api_req		*r;		/* owned until finish */
	struct container	*c;		/* borrowed: ctr_hook ends us
						   before it goes */
	struct cancel_hook	 req_hook;	/* on the request's ctx */
	struct cancel_hook	 ctr_hook;	/* on the container's ctx */
	struct event		*tick_ev;	/* owned */
	struct reap		 reap;
	struct stats_sample	 cur, pre;
	enum stats_state	 state;
	int			 stream;
	int			 prime;		/* stream=0: drop the first */
	uint64_t		 frames, skipped;
	enum cancel_reason	 end;
};

static uint64_t	stats_next_id = 1;

static void	stats_finish(struct stats_stream *, enum cancel_reason);

static json_t *
stats_time(int64_t ns)
{
	char	buf[TIMEUTIL_BUFSZ];

	if (ns == 0)
		return (json_string("0001-01-01T00:00:00Z"));
	timeutil_format(buf, ns, 0);
	return (json_string(buf));
}

/* Go's omitempty for the unsigned fields dockerd marks so. */
static void
stats_set_nz(json_t *o, const char *key, uint64_t v)
{
	if (v != 0)
		json_object_set_new(o, key, json_integer((json_int_t)v));
}

static json_t *
stats_cpu_json(const struct stats_sample *s)
{
	json_t	*usage = json_object(), *cpu = json_object(), *pc;

	json_object_set_new(usage, "total_usage",
	    json_integer((json_int_t)s->cpu_total));
	if (s->npercpu > 0) {
		pc = json_array();
		for (size_t i = 0; i < s->npercpu; i++)
			json_array_append_new(pc,
			    json_integer((json_int_t)s->percpu[i]));
		json_object_set_new(usage, "percpu_usage", pc);
	}
	json_object_set_new(usage, "usage_in_kernelmode",
	    json_integer((json_int_t)s->cpu_kernel));
	json_object_set_new(usage, "usage_in_usermode",
	    json_integer((json_int_t)s->cpu_user));
	json_object_set_new(cpu, "cpu_usage", usage);
	stats_set_nz(cpu, "system_cpu_usage", s->system_cpu);
	stats_set_nz(cpu, "online_cpus", s->online_cpus);
	json_object_set_new(cpu, "throttling_data", json_pack("{s:I, s:I, s:I}",
	    "periods", (json_int_t)s->periods,
	    "throttled_periods", (json_int_t)s->throttled_periods,
	    "throttled_time", (json_int_t)s->throttled_time));
	return (cpu);
}

/*
 * One StatsJSON in dockerd's field order. live = 0 is the collector's
 * frame for a container that is not running: blkio lists are null.
 */
static json_t *
stats_json(const struct stats_sample *cur, const struct stats_sample *pre,
    int live, struct container *c)
{
	static const char *blkio[] = {
		"io_service_bytes_recursive", "io_serviced_recursive",
		"io_queue_recursive", "io_service_time_recursive",
		"io_wait_time_recursive", "io_merged_recursive",
		"io_time_recursive", "sectors_recursive",
	};
	json_t	*o = json_object(), *pids = json_object(), *b = json_object();
	json_t	*mem = json_object(), *ms;

	json_object_set_new(o, "read", stats_time(cur->read_ns));
	json_object_set_new(o, "preread", stats_time(pre->read_ns));
	stats_set_nz(pids, "current", cur->pids_current);
	stats_set_nz(pids, "limit", cur->pids_limit);
	json_object_set_new(o, "pids_stats", pids);
	for (size_t i = 0; i < sizeof blkio / sizeof blkio[0]; i++)
		json_object_set_new(b, blkio[i], live ? json_array() :
		    json_null());
	json_object_set_new(o, "blkio_stats", b);
	json_object_set_new(o, "num_procs", json_integer(0));
	json_object_set_new(o, "storage_stats", json_object());
	json_object_set_new(o, "cpu_stats", stats_cpu_json(cur));
	json_object_set_new(o, "precpu_stats", stats_cpu_json(pre));
	stats_set_nz(mem, "usage", cur->mem_usage);
	stats_set_nz(mem, "max_usage", cur->mem_max_usage);
	if (cur->nmemstat > 0) {
		/* Go encodes a map with its keys sorted. */
		ms = json_object();
		for (size_t i = 0; i < cur->nmemstat; i++)
			json_object_set_new(ms, cur->memstat[i].name,
			    json_integer((json_int_t)cur->memstat[i].value));
		json_object_set_new(mem, "stats", ms);
	}
	stats_set_nz(mem, "failcnt", cur->mem_failcnt);
	stats_set_nz(mem, "limit", cur->mem_limit);
	json_object_set_new(o, "memory_stats", mem);
	json_object_set_new(o, "name", json_string(container_name(c)));
	json_object_set_new(o, "id", json_string(container_id(c)));
	/* No networks: the process runtime gives containers none. */
	return (o);
}

static void
stats_add_json(struct evbuffer *buf, json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);

	evbuffer_add(buf, s, strlen(s));
	evbuffer_add(buf, "\n", 1);
	xfree(s);
	json_decref(o);
}

/* Takes a sample; 1 when it is a live one, 0 for the not-running frame. */
static int
stats_take(struct stats_stream *st)
{
	struct stats_source	 src = { 0 };
	struct err		 err;
	char			*cg;
	int			 rc;

	memset(&st->cur, 0, sizeof st->cur);
	if (!container_running(st->c) || container_pid(st->c) <= 0)
		return (0);
	cg = stats_source_of(st->c, &src);
	rc = stats_sample(&src, &st->cur, &err);
	xfree(cg);
	if (rc != 0) {
		log_debug("stats %llu: %s", (unsigned long long)st->id,
		    err.msg);
		memset(&st->cur, 0, sizeof st->cur);
		return (0);
	}
	return (1);
}

static void
stats_arm(struct stats_stream *st)
{
	struct timeval	tv = { STATS_INTERVAL_MS / 1000,
			    (STATS_INTERVAL_MS % 1000) * 1000 };

	evtimer_add(st->tick_ev, &tv);
	task_wait(api_req_task(st->r), "stats interval");
}

static void
stats_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stats_stream	*st = arg;
	struct api_req		*r;
	struct evbuffer		*buf;
	json_t			*o;
	int			 live;

	(void)fd;
	(void)what;
	if (st->state != STATS_RUNNING)
		return;
	live = stats_take(st);
	if (st->prime) {
		/* stream=0: the first sample only fills precpu_stats */
		st->prime = 0;
		st->pre = st->cur;
		stats_arm(st);
		return;
	}
	/*
	 * A reader that stops reading: frames beyond the mark are dropped
	 * (dockerd's publisher drops them too), so it costs at most the mark
	 * until the connection's write timeout drops it.
	 */
	if (st->stream && api_stream_pending(st->r) >= STREAM_HIGH_WATER) {
		st->skipped++;
		task_label(api_req_task(st->r), "req=%llu, container=%.12s, "
		    "frames=%llu, skipped=%llu",
		    (unsigned long long)api_req_id(st->r), container_id(st->c),
		    (unsigned long long)st->frames,
		    (unsigned long long)st->skipped);
	} else {
		o = stats_json(&st->cur, &st->pre, live, st->c);
		st->frames++;
		apimetrics_frames(APIMETRICS_STATS, 1);
		if (!st->stream) {
			/* Unhook first: freeing r releases its context. */
			r = st->r;
			st->r = NULL;
			stats_finish(st, CANCEL_NONE);
			api_reply_json(r, 200, o);
			return;
		}
		buf = evbuffer_new();
		stats_add_json(buf, o);
		if (api_stream_write(st->r, buf, NULL, NULL) != 0) {
			evbuffer_free(buf);
			stats_finish(st, CANCEL_WRITE_ERROR);
			return;
		}
		evbuffer_free(buf);
		/* as dockerd: precpu is the last frame the client got */
		st->pre = st->cur;
	}
	stats_arm(st);
}

static void
stats_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	struct stats_stream	*st = arg;

	(void)ctx;
	log_debug("stats %llu: %s", (unsigned long long)st->id,
	    cancel_reason_name(why));
	stats_finish(st, why);
}

static void
stats_free_cb(void *arg)
{
	struct stats_stream	*st = arg;

	log_debug("stats %llu: freed after %llu frames, %llu skipped (%s)",
	    (unsigned long long)st->id, (unsigned long long)st->frames,
	    (unsigned long long)st->skipped, cancel_reason_name(st->end));
	event_free(st->tick_ev);
	xfree(st);
}

/*
 * The one way a stats request ends: client gone, removal, shutdown, write
 * error or the stream=0 answer. Safe from the tick and from any hook; it
 * only detaches here, memory goes in stats_free_cb.
 */
static void
stats_finish(struct stats_stream *st, enum cancel_reason why)
{
	struct api_req	*r = st->r;

	if (st->state != STATS_RUNNING)
		return;		/* the other trigger got here first */
	st->state = STATS_FINISHED;
	st->end = why;
	event_del(st->tick_ev);
	cancel_hook_del(&st->req_hook);
	cancel_hook_del(&st->ctr_hook);
	st->c = NULL;
	st->r = NULL;
	if (r != NULL) {
		if (st->stream) {
			api_req_set_end(r, why);
			api_stream_end(r);	/* frees r and its context */
		} else
			api_reply_empty(r, 200);	/* dockerd: nothing */
	}
	reap_later(&st->reap);
}

void
stats_container(struct api_req *r)
{
	struct stats_stream	*st;
	struct container	*c;
	struct err		 err;
	struct stats_sample	 zero;
	int			 stream, one_shot = 0;

	task_push(api_req_task(r));
	/* BoolValueOrDefault: absent is true, "stream=" is false */
	stream = api_query(r, "stream") == NULL || api_query_bool(r, "stream");
	if (api_req_version(r) >= API_VERSION(1, 41))
		one_shot = api_query_bool(r, "one-shot");
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (stream && one_shot) {
		api_reply_error(r, 400, "cannot have stream=true and "
		    "one-shot=true");
		return;
	}
	if (!stream && !container_running(c)) {
		/* dockerd: an empty frame at once, with name and id only */
		memset(&zero, 0, sizeof zero);
		api_reply_json(r, 200, stats_json(&zero, &zero, 0, c));
		return;
	}
	st = xcalloc(1, sizeof *st);
	st->id = stats_next_id++;
	st->r = r;
	st->c = c;
	st->stream = stream;
	st->prime = !stream && !one_shot;
	st->tick_ev = evtimer_new(api_req_base(r), stats_tick_cb, st);
	reap_init(&st->reap, api_req_base(r), stats_free_cb, st);
	task_label(api_req_task(r), "req=%llu, container=%.12s, stream=%d",
	    (unsigned long long)api_req_id(r), container_id(c), stream);
	if (stream)
		api_stream_start(r, 200, NULL);
	/* A removed container ends its stats at once, as in dockerd. */
	if (cancel_hook_add(api_req_ctx(r), &st->req_hook, stats_cancel_cb,
	    st) != 0 || cancel_hook_add(container_ctx(c), &st->ctr_hook, stats_cancel_cb,
	    st) != 0) {
		stats_finish(st, cancel_reason(api_req_ctx(r)));
		return;
	}
	/* The first sample at once, as the collector's first pass. */
	event_active(st->tick_ev, EV_TIMEOUT, 0);
	task_wait(api_req_task(r), "stats sample");
}
