/* SPDX-License-Identifier: MIT */
/*
 * The events stream: checks in dockerd's order (since, until, their order,
 * filters), the 200 at once, the replay, then live events. One idempotent
 * events_api_finish() serves every trigger (until reached, client gone,
 * write error, dropped for not reading, shutdown); memory goes from a
 * deferred event, never inside the callback that led to the finish.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api/apimetrics.h"
#include "api/events.h"
#include "api/server.h"
#include "daemon/base/cancel.h"
#include "daemon/base/filters.h"
#include "daemon/base/log.h"
#include "daemon/base/strconv.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"

enum events_api_state {
	EVENTS_API_RUNNING,
	EVENTS_API_FINISHED,	/* reply ended; the reap event pending */
};

struct events_api {
	uint64_t		 id;
	struct api_req		*r;		/* owned till finish */
	struct event_base	*base;		/* borrowed */
	struct events_sub	 sub;		/* on the store's bus */
	struct cancel_hook	 req_hook;	/* on the request's ctx */
	struct filters		*filters;	/* owned */
	struct evbuffer		*out;		/* owned: lines to send */
	struct event		*flush_ev;	/* owned */
	struct event		*until_ev;	/* owned */
	enum events_api_state	 state;
	int			 flush_pending;
	enum cancel_reason	 end;
	uint64_t		 sent;
};

static uint64_t	events_api_next_id = 1;
static uint64_t	events_api_drops;

static void	events_api_finish(struct events_api *, enum cancel_reason);

uint64_t
events_api_dropped(void)
{
	return (events_api_drops);
}

/* ---- dockerd's daemon/events/filter.go ------------------------------- */

static const char *
events_api_attr_cb(void *arg, const char *key)
{
	return (events_msg_attr(arg, key));
}

static int
events_api_fuzzy_name(const struct filters *f, const struct events_msg *m,
    const char *type)
{
	const char	*name = events_msg_attr(m, "name");

	return (filters_fuzzy(f, type, m->actor_id) ||
	    filters_fuzzy(f, type, name != NULL ? name : ""));
}

static int
events_api_image(const struct filters *f, const struct events_msg *m)
{
	const char	*name = events_msg_attr(m, strcmp(m->type, "image") ==
			    0 ? "name" : "image");
	char		 a[512], b[512];

	if (filters_count(f, "image") == 0)
		return (1);	/* ExactMatch without values */
	if (name == NULL)
		name = "";
	filters_image_name(m->actor_id, a, sizeof a);
	filters_image_name(name, b, sizeof b);
	return (filters_exact(f, "image", m->actor_id) ||
	    filters_exact(f, "image", name) || filters_exact(f, "image", a) ||
	    filters_exact(f, "image", b));
}

int
events_api_include(const struct filters *f, const struct events_msg *m)
{
	static const char *const types[] = { "daemon", "container", "plugin",
	    "volume", "network", "service", "node", "secret", "config" };
	static const char *const fuzzy_events[] = { "health_status",
	    "exec_create", "exec_start" };
	int	fuzzy = 0;

	/* moby#25798: these three match as prefixes ("exec_start: sh"). */
	for (size_t i = 0; i < filters_count(f, "event"); i++)
		for (size_t j = 0; j < 3; j++)
			if (strcmp(filters_value(f, "event", i),
			    fuzzy_events[j]) == 0)
				fuzzy = 1;
	if (!(fuzzy ? filters_fuzzy(f, "event", m->action) :
	    filters_exact(f, "event", m->action)))
		return (0);
	if (!filters_exact(f, "type", m->type))
		return (0);
	if (filters_contains(f, "scope") && !filters_exact(f, "scope",
	    "local"))
		return (0);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!events_api_fuzzy_name(f, m, types[i]))
			return (0);
	if (!events_api_image(f, m))
		return (0);
	return (!filters_contains(f, "label") || filters_match_kv(f, "label",
	    events_api_attr_cb, (void *)m, m->nattrs > 0));
}

/* ---- the stream ------------------------------------------------------ */

static void
events_api_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct events_api	*s = arg;

	(void)fd;
	(void)what;
	log_debug("events %llu: freed after %llu events (%s)",
	    (unsigned long long)s->id, (unsigned long long)s->sent,
	    cancel_reason_name(s->end));
	filters_free(s->filters);
	event_free(s->flush_ev);
	event_free(s->until_ev);
	evbuffer_free(s->out);
	xfree(s);
}

static void
events_api_flush(struct events_api *s)
{
	if (s->state != EVENTS_API_RUNNING ||
	    evbuffer_get_length(s->out) == 0)
		return;
	if (api_stream_write(s->r, s->out, NULL, NULL) != 0)
		events_api_finish(s, CANCEL_WRITE_ERROR);
}

static void
events_api_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct events_api	*s = arg;

	(void)fd;
	(void)what;
	s->flush_pending = 0;
	events_api_flush(s);
}

/* The shared line's reference, dropped when the connection sent it. */
static void
events_api_unref_cb(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	events_msg_unref(arg);
}

/*
 * One event for this subscriber: filtered, then the bus's encoded line is
 * appended by reference (no copy, no encode). Above the mark the client
 * is not reading: it is dropped, so it never holds the bus or the others.
 */
static void
events_api_send_cb(const struct events_msg *cm, void *arg)
{
	struct events_api	*s = arg;
	struct events_msg	*m = (struct events_msg *)cm;

	if (s->state != EVENTS_API_RUNNING ||
	    !events_api_include(s->filters, m))
		return;
	if (api_stream_pending(s->r) + evbuffer_get_length(s->out) >=
	    EVENTS_API_HIGH_WATER) {
		events_api_drops++;
		log_warn("events %llu: request %llu stopped reading, %zu bytes "
		    "held: dropped (%llu so far)", (unsigned long long)s->id,
		    (unsigned long long)api_req_id(s->r),
		    api_stream_pending(s->r) + evbuffer_get_length(s->out),
		    (unsigned long long)events_api_drops);
		events_api_finish(s, CANCEL_WRITE_ERROR);
		return;
	}
	events_msg_ref(m);
	evbuffer_add_reference(s->out, m->json, m->jsonlen,
	    events_api_unref_cb, m);
	s->sent++;
	apimetrics_frames(APIMETRICS_EVENTS, 1);
	if (!s->flush_pending) {
		s->flush_pending = 1;
		event_active(s->flush_ev, EV_TIMEOUT, 0);
	}
}

static void
events_api_cancel_cb(struct cancel *ctx, enum cancel_reason why, void *arg)
{
	struct events_api	*s = arg;

	(void)ctx;
	log_debug("events %llu: %s", (unsigned long long)s->id,
	    cancel_reason_name(why));
	events_api_finish(s, why);
}

static void
events_api_until_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	events_api_finish(arg, CANCEL_NONE);
}

/*
 * The one way a stream ends; safe from the bus's callback, the close
 * callback and the timer. It detaches here; memory goes in
 * events_api_free_cb.
 */
static void
events_api_finish(struct events_api *s, enum cancel_reason why)
{
	struct api_req	*r = s->r;

	if (s->state != EVENTS_API_RUNNING)
		return;		/* the other trigger got here first */
	s->state = EVENTS_API_FINISHED;
	s->end = why;
	events_unsubscribe(&s->sub);	/* no send calls after this */
	cancel_hook_del(&s->req_hook);
	event_del(s->flush_ev);
	event_del(s->until_ev);
	s->flush_pending = 0;
	/* What is gathered still goes out, unless the client is gone. */
	if (evbuffer_get_length(s->out) > 0 && why != CANCEL_WRITE_ERROR)
		api_stream_write(r, s->out, NULL, NULL);
	s->r = NULL;
	api_req_set_end(r, why);
	api_stream_end(r);		/* frees r and its context */
	event_base_once(s->base, -1, EV_TIMEOUT, events_api_free_cb, s, NULL);
}

/* ---- the handler ----------------------------------------------------- */

/* Go's strconv.ParseInt error text for s. */
static int
events_api_int(const char *s, size_t n, int64_t *out, struct err *err)
{
	size_t	i = 0;

	if (strconv_parse_int64(s, n, out) == 0)
		return (0);
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	return (err_set(err, ERR_INTERNAL, "strconv.ParseInt: parsing "
	    "\"%.*s\": %s", (int)n, s, i == n && n > 0 && !(n == 1 &&
	    (s[0] == '+' || s[0] == '-')) ? "value out of range" :
	    "invalid syntax"));
}

/* timetypes.ParseTimestamps(v, -1) then time.Unix(): 1 when given. */
static int
events_api_time(const char *v, int64_t *ns, struct err *err)
{
	const char	*dot;
	int64_t		 secs, frac = 0;
	double		 scaled;
	size_t		 flen;

	*ns = 0;
	if (v == NULL || *v == '\0')
		return (0);
	dot = strchr(v, '.');
	if (events_api_int(v, dot != NULL ? (size_t)(dot - v) : strlen(v),
	    &secs, err) != 0)
		return (-1);
	if (dot != NULL) {
		flen = strlen(dot + 1);
		if (events_api_int(dot + 1, flen, &frac, err) != 0)
			return (-1);
		/* int64(float64(n) * 10^(9-len)), as dockerd scales it. */
		scaled = (double)frac;
		for (size_t i = flen; i < 9; i++)
			scaled *= 10;
		for (size_t i = 9; i < flen; i++)
			scaled /= 10;
		frac = (int64_t)scaled;
	}
	if (secs > INT64_MAX / 1000000000 - 1)
		*ns = INT64_MAX;
	else if (secs < INT64_MIN / 1000000000 + 1)
		*ns = INT64_MIN;
	else
		*ns = secs * 1000000000 + frac;
	return (1);
}

void
events_api_get(struct api_req *r)
{
	struct events_api	*s;
	struct filters		*f;
	struct err		 err = { 0, "" };
	const char		*sv = api_query(r, "since");
	const char		*uv = api_query(r, "until");
	int64_t			 since, until, now;
	int			 has_since, has_until, past = 0;

	task_push(api_req_task(r));
	if ((has_since = events_api_time(sv, &since, &err)) < 0 ||
	    (has_until = events_api_time(uv, &until, &err)) < 0) {
		api_reply_err(r, &err);
		return;
	}
	now = timeutil_now_ns();
	if (has_until) {
		if (has_since && until < since) {
			api_reply_error(r, 400, "`since` time (%s) cannot be "
			    "after `until` time (%s)", sv, uv);
			return;
		}
		past = until < now;
	}
	if ((f = filters_parse(api_query(r, "filters"), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}

	s = xcalloc(1, sizeof *s);
	s->id = events_api_next_id++;
	s->r = r;
	s->base = api_req_base(r);
	s->filters = f;
	s->out = evbuffer_new();
	s->flush_ev = event_new(s->base, -1, 0, events_api_flush_cb, s);
	s->until_ev = evtimer_new(s->base, events_api_until_cb, s);
	task_label(api_req_task(r), "req=%llu, events=%llu, filters=%zu",
	    (unsigned long long)api_req_id(r), (unsigned long long)s->id,
	    filters_len(f));
	api_stream_start(r, 200, "application/json");
	if (cancel_hook_add(api_req_ctx(r), &s->req_hook,
	    events_api_cancel_cb, s) != 0) {
		events_api_finish(s, cancel_reason(api_req_ctx(r)));
		return;
	}
	if (has_since || has_until)
		events_replay(container_store_events(api_req_store(r)),
		    has_since ? since : 0, has_until ? until : 0,
		    events_api_send_cb, s);
	if (s->state != EVENTS_API_RUNNING)
		return;
	if (past) {
		events_api_finish(s, CANCEL_NONE);
		return;
	}
	events_subscribe(container_store_events(api_req_store(r)), &s->sub,
	    events_api_send_cb, s);
	if (has_until) {
		struct timeval tv = { (until - now) / 1000000000,
		    (until - now) % 1000000000 / 1000 };

		evtimer_add(s->until_ev, &tv);
		task_wait(api_req_task(r), "events until");
	} else
		task_wait(api_req_task(r), "events");
}
