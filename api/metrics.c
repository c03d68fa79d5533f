/* SPDX-License-Identifier: MIT */
/*
 * The /metrics exposition: process figures under client_golang's names
 * (process_*), then logpouch_* families. Each family is written whole,
 * with every label value known up front set (0 included), so a series
 * exists before its first event and rate() sees the first increase.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/apimetrics.h"
#include "api/conn.h"
#include "api/events.h"
#include "api/metrics.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/metrics.h"
#include "daemon/base/procinfo.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "logdriver/copier.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logreader.h"

#define GAUGE		"gauge"
#define COUNTER		"counter"

/* A family of one unlabelled sample. */
static void
metrics_api_one(struct evbuffer *out, const char *name, const char *type,
    const char *help, double v)
{
	metrics_family(out, name, type, help);
	metrics_sample(out, name, NULL, 0, v);
}

static void
metrics_api_one_u64(struct evbuffer *out, const char *name, const char *type,
    const char *help, uint64_t v)
{
	metrics_family(out, name, type, help);
	metrics_sample_u64(out, name, NULL, 0, v);
}

static void
metrics_api_process(struct evbuffer *out, struct server *srv)
{
	struct rusage	ru;
	struct rlimit	rl;
	double		cpu = 0, start;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	metrics_api_one(out, "process_cpu_seconds_total", COUNTER,
	    "Total user and system CPU time spent in seconds.", cpu);
	metrics_api_one(out, "process_open_fds", GAUGE,
	    "Number of open file descriptors.", procinfo_open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		metrics_api_one(out, "process_max_fds", GAUGE,
		    "Maximum number of open file descriptors.",
		    rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
	metrics_api_one(out, "process_resident_memory_bytes", GAUGE,
	    "Resident memory size in bytes.", (double)procinfo_rss());
	/* The server started with the daemon: wall clock minus uptime. */
	start = (double)(timeutil_now_ns() - (timeutil_mono_ns() -
	    srv->started_ns)) / 1e9;
	metrics_api_one(out, "process_start_time_seconds", GAUGE,
	    "Start time of the process since unix epoch in seconds.", start);
}

static void
metrics_api_kind_live_cb(const char *kind, size_t live, uint64_t started,
    void *arg)
{
	struct metrics_label	l = { "kind", kind };

	(void)started;
	metrics_sample_u64(arg, "logpouch_tasks", &l, 1, live);
}

static void
metrics_api_kind_started_cb(const char *kind, size_t live, uint64_t started,
    void *arg)
{
	struct metrics_label	l = { "kind", kind };

	(void)live;
	metrics_sample_u64(arg, "logpouch_tasks_started_total", &l, 1,
	    started);
}

static void
metrics_api_tasks(struct evbuffer *out, struct server *srv)
{
	metrics_family(out, "logpouch_tasks", GAUGE,
	    "Live tasks (requests, streams, log readers, pumps, monitors) by "
	    "kind, as the task dump lists them.");
	task_foreach_kind_total(metrics_api_kind_live_cb, out);
	metrics_family(out, "logpouch_tasks_started_total", COUNTER,
	    "Tasks started, by kind.");
	task_foreach_kind_total(metrics_api_kind_started_cb, out);
	metrics_api_one_u64(out, "logpouch_cancel_contexts", GAUGE,
	    "Live cancellation contexts.", cancel_live());
	metrics_api_one(out, "logpouch_loop_events", GAUGE,
	    "Events added to the event loop.", (double)
	    event_base_get_num_events(srv->base, EVENT_BASE_COUNT_ADDED));
}

static void
metrics_api_http(struct evbuffer *out, struct server *srv,
    struct apimetrics *m)
{
	struct metrics_label	l = { "reason", "header_timeout" };

	metrics_api_one_u64(out, "logpouch_connections", GAUGE,
	    "HTTP connections open on the API listeners (a hijacked attach "
	    "or exec counts as a stream instead).",
	    conn_table_live(srv->conns));
	metrics_api_one_u64(out, "logpouch_connections_accepted_total",
	    COUNTER, "HTTP connections accepted on the API listeners.",
	    conn_table_accepted(srv->conns));
	metrics_family(out, "logpouch_connections_dropped_total", COUNTER,
	    "Connections the daemon cut, by reason.");
	metrics_sample_u64(out, "logpouch_connections_dropped_total", &l, 1,
	    conn_table_drops(srv->conns));
	metrics_api_one_u64(out, "logpouch_accept_errors_total", COUNTER,
	    "Failed accepts (EMFILE and the like).", srv->accept_errors);
	metrics_api_one_u64(out, "logpouch_http_requests_total", COUNTER,
	    "API requests received, routed or not.", srv->requests);
	metrics_api_one_u64(out, "logpouch_http_requests_in_flight", GAUGE,
	    "Routed API requests not yet ended (streams included).",
	    srv->in_flight);
	metrics_family(out, "logpouch_http_request_duration_seconds",
	    "histogram", "Time from dispatch until the reply's status and "
	    "headers went out, by route; for a stream, until its headers.");
	metrics_hist_set_write(out, "logpouch_http_request_duration_seconds",
	    &m->latency);
}

static void
metrics_api_streams(struct evbuffer *out, struct apimetrics *m)
{
	struct metrics_label	l[2] = { { "endpoint", NULL },
				    { "reason", NULL } };
	int			e, k;

	metrics_family(out, "logpouch_streams", GAUGE,
	    "Long-lived replies open now, by endpoint.");
	for (e = 0; e < APIMETRICS_NENDPOINTS; e++) {
		l[0].value = apimetrics_endpoint_name(e);
		metrics_sample_u64(out, "logpouch_streams", l, 1,
		    m->streams[e]);
	}
	metrics_family(out, "logpouch_streams_opened_total", COUNTER,
	    "Long-lived replies started, by endpoint.");
	for (e = 0; e < APIMETRICS_NENDPOINTS; e++) {
		l[0].value = apimetrics_endpoint_name(e);
		metrics_sample_u64(out, "logpouch_streams_opened_total", l, 1,
		    m->opened[e]);
	}
	metrics_family(out, "logpouch_streams_completed_total", COUNTER,
	    "Long-lived replies that reached their natural end, by "
	    "endpoint.");
	for (e = 0; e < APIMETRICS_NENDPOINTS; e++) {
		l[0].value = apimetrics_endpoint_name(e);
		metrics_sample_u64(out, "logpouch_streams_completed_total", l,
		    1, m->ended[e][APIMETRICS_COMPLETED]);
	}
	metrics_family(out, "logpouch_cancellations_total", COUNTER,
	    "Long-lived replies ended before their natural end, by endpoint "
	    "and reason.");
	for (e = 0; e < APIMETRICS_NENDPOINTS; e++) {
		l[0].value = apimetrics_endpoint_name(e);
		for (k = APIMETRICS_COMPLETED + 1; k < APIMETRICS_NENDS; k++) {
			l[1].value = apimetrics_end_name(k);
			metrics_sample_u64(out, "logpouch_cancellations_total",
			    l, 2, m->ended[e][k]);
		}
	}
	metrics_api_one_u64(out, "logpouch_client_closes_total", COUNTER,
	    "Client closes noticed (or write timeouts) while a request or "
	    "stream was live.", m->client_closes);
	metrics_family(out, "logpouch_close_release_seconds", "histogram",
	    "Time from noticing a client's close until its request's task, "
	    "context, reader and reply were released.");
	metrics_hist_write(out, "logpouch_close_release_seconds", NULL, 0,
	    &m->release);
	metrics_api_one_u64(out, "logpouch_sent_bytes_total", COUNTER,
	    "Bytes handed to clients: replies, streams and hijacked "
	    "connections.", m->bytes_sent);
	metrics_family(out, "logpouch_frames_sent_total", COUNTER,
	    "Records sent in streams (log entries, events, stats objects, "
	    "attach and exec frames), by endpoint.");
	for (e = 0; e < APIMETRICS_NENDPOINTS; e++) {
		l[0].value = apimetrics_endpoint_name(e);
		metrics_sample_u64(out, "logpouch_frames_sent_total", l, 1,
		    m->frames[e]);
	}
}

static void
metrics_api_logs(struct evbuffer *out)
{
	struct jsonfile_totals	 t;
	struct logreader_losses	 lost;
	struct metrics_label	 l = { "reason", "write_error" };
	struct metrics_label	 full = { "reason", "buffer_full" };

	jsonfile_totals(&t);
	logreader_total_losses(&lost);
	metrics_api_one_u64(out, "logpouch_log_entries_written_total",
	    COUNTER, "Log entries written whole to json-file logs.",
	    t.entries_written);
	metrics_family(out, "logpouch_log_entries_dropped_total", COUNTER,
	    "Log entries dropped, by reason: a failed json-file write, or "
	    "a full mode=non-blocking buffer.");
	metrics_sample_u64(out, "logpouch_log_entries_dropped_total", &l, 1,
	    t.write_errors);
	metrics_sample_u64(out, "logpouch_log_entries_dropped_total", &full,
	    1, copier_total_dropped());
	metrics_api_one_u64(out, "logpouch_log_written_bytes_total", COUNTER,
	    "Bytes written to json-file logs.", t.bytes_written);
	metrics_api_one_u64(out, "logpouch_log_rotations_total", COUNTER,
	    "json-file rotations (max-size reached).", t.rotations);
	metrics_api_one_u64(out, "logpouch_log_follow_gaps_total", COUNTER,
	    "Followers that fell further behind than rotation keeps and "
	    "were told so in band.", lost.gaps);
	metrics_api_one_u64(out, "logpouch_log_follow_skipped_entries_total",
	    COUNTER, "Log entries such followers skipped.", lost.entries);
	metrics_api_one_u64(out, "logpouch_log_follow_skipped_bytes_total",
	    COUNTER, "Log bytes such followers skipped.", lost.bytes);
}

static void
metrics_api_engine(struct evbuffer *out, struct server *srv)
{
	struct events		*ev = container_store_events(srv->store);
	struct metrics_label	 l = { "state", NULL };
	int			 running = 0, paused = 0, stopped = 0;

	container_store_counts(srv->store, &running, &paused, &stopped);
	metrics_family(out, "logpouch_containers", GAUGE,
	    "Containers by state, as dockerd's "
	    "engine_daemon_container_states_containers.");
	l.value = "running";
	metrics_sample(out, "logpouch_containers", &l, 1, running);
	l.value = "paused";
	metrics_sample(out, "logpouch_containers", &l, 1, paused);
	l.value = "stopped";
	metrics_sample(out, "logpouch_containers", &l, 1, stopped);
	metrics_api_one_u64(out, "logpouch_events_published_total", COUNTER,
	    "Events published on the bus.", events_published(ev));
	metrics_api_one_u64(out, "logpouch_events_subscribers", GAUGE,
	    "Subscribers of the event bus.", events_subscribers(ev));
	metrics_api_one_u64(out, "logpouch_events_dropped_subscribers_total",
	    COUNTER, "/events clients dropped for not reading.",
	    events_api_dropped());
}

void
metrics_api_write(struct evbuffer *out, struct server *srv)
{
	struct apimetrics	*m = apimetrics_get();
	struct metrics_label	 l[2] = { { "version", LOGPOUCH_VERSION },
				    { "commit", LOGPOUCH_COMMIT } };

	metrics_family(out, "logpouch_build_info", GAUGE,
	    "Always 1; the labels name the build.");
	metrics_sample(out, "logpouch_build_info", l, 2, 1);
	metrics_api_process(out, srv);
	metrics_api_tasks(out, srv);
	metrics_api_http(out, srv, m);
	metrics_api_streams(out, m);
	metrics_api_logs(out);
	metrics_api_engine(out, srv);
}

void
metrics_api_get(struct api_req *r)
{
	struct server	*srv = api_req_server(r);
	struct evbuffer	*body = evbuffer_new();

	/* The metrics listener reports on the API server it watches. */
	if (srv->metrics_of != NULL)
		srv = srv->metrics_of;
	metrics_api_write(body, srv);
	api_req_add_header(r, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	api_reply_buf(r, 200, body);
	evbuffer_free(body);
}
