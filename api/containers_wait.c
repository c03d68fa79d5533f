/* SPDX-License-Identifier: MIT */
/*
 * Replies that wait for a container (wait, stop, kill -9, restart, rm -f):
 * one object per parked request, with a container waiter and a hook on the
 * request's context. The first trigger detaches both (the idempotent
 * _finish) and answers; the object's memory goes through its reap.
 */
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "api/containers_wait.h"
#include "api/http.h"
#include "daemon/base/cancel.h"
#include "daemon/base/log.h"
#include "daemon/base/reap.h"
#include "daemon/base/task.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/jsontext.h"

/* A request waiting for a container. */
struct containers_wait {
	struct api_req			*r;	/* borrowed; NULL: answered */
	struct container_waiter		 w;
	struct cancel_hook		 hook;	/* on the request's ctx */
	struct reap			 reap;
	enum containers_wait_action	 action;
};

static void
containers_wait_reap_cb(void *arg)
{
	xfree(arg);
}

/*
 * Detaches p from both triggers and returns the request it still has to
 * answer; NULL when the other trigger got here first. Idempotent.
 */
static struct api_req *
containers_wait_finish(struct containers_wait *p)
{
	struct api_req	*r = p->r;

	p->r = NULL;
	cancel_hook_del(&p->hook);
	container_wait_del(&p->w);
	return (r);
}

/* Frees p from the loop: its caller may still be one of its callbacks. */
static void
containers_wait_free(struct containers_wait *p)
{
	containers_wait_finish(p);
	reap_later(&p->reap);
}

/*
 * Answers a wait and ends r: {"Error":null|{"Message":...},"StatusCode":N}
 * in the stream whose headers went out at once (API >= 1.30), or as one
 * reply with a length (older clients, as dockerd's legacy behaviour).
 */
static void
containers_wait_answer(struct api_req *r, const char *error, int code)
{
	struct evbuffer	*buf;
	json_t		*j;
	char		*s;

	j = json_pack("{s:o, s:i}", "Error", error != NULL && *error != '\0' ?
	    json_pack("{s:o}", "Message", jsontext_new(error)) : json_null(),
	    "StatusCode", code);
	if (!api_req_streaming(r)) {
		api_reply_json(r, 200, j);
		return;
	}
	buf = evbuffer_new();
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL) {
		/* Cannot happen (the text is sanitized); never crash on it. */
		log_error("%s: cannot encode a wait body", __func__);
		s = xasprintf("{\"Error\":null,\"StatusCode\":%d}", code);
	}
	evbuffer_add_printf(buf, "%s\n", s);
	xfree(s);
	json_decref(j);
	api_stream_write(r, buf, NULL, NULL);
	evbuffer_free(buf);
	api_stream_end(r);
}

/* The container reached the condition: answer and let go. */
static void
containers_wait_done_cb(struct container_waiter *w, struct container *c,
    int exit_code, int removed, void *arg)
{
	struct containers_wait		*p = arg;
	enum containers_wait_action	 action = p->action;
	struct api_req			*r;
	struct err			 err;

	(void)w;
	if ((r = containers_wait_finish(p)) == NULL)
		return;
	containers_wait_free(p);
	switch (action) {
	case CONTAINERS_WAIT_ACTION_WAIT:
		containers_wait_answer(r, container_error(c), exit_code);
		break;
	case CONTAINERS_WAIT_ACTION_RESTART:
		if (removed) {
			api_reply_error(r, 404, "No such container: %s",
			    container_id(c));
			break;
		}
		if (container_start(c, &err) != 0 &&
		    err.code != ERR_NOT_MODIFIED) {
			api_reply_err(r, &err);
			break;
		}
		container_event(c, "restart", NULL);
		api_reply_empty(r, 204);
		break;
	default:
		api_reply_empty(r, 204);
		break;
	}
}

/*
 * The request's context was cancelled: the client went away or the daemon
 * is shutting down. The hook only detaches and answers once (a wait
 * stream gets dockerd's "context canceled" body first); the memory goes
 * through the reap.
 */
static void
containers_wait_cancel_cb(struct cancel *ctx, enum cancel_reason why,
    void *arg)
{
	struct containers_wait		*p = arg;
	enum containers_wait_action	 action = p->action;
	struct api_req			*r;

	(void)ctx;
	if ((r = containers_wait_finish(p)) == NULL)
		return;
	containers_wait_free(p);
	if (action == CONTAINERS_WAIT_ACTION_WAIT) {
		/* dockerd's waiter answers ctx.Err() with exit code -1. */
		if (why == CANCEL_SHUTDOWN || !api_req_streaming(r))
			containers_wait_answer(r, "context canceled", -1);
		else
			api_stream_end(r);
		return;
	}
	api_reply_error(r, 500, "context canceled");
}

void
containers_wait_pend(struct api_req *r, struct container *c,
    enum containers_wait_action action, enum container_wait cond)
{
	struct containers_wait	*p = xcalloc(1, sizeof *p);
	struct cancel		*ctx = api_req_ctx(r);

	p->r = r;
	p->action = action;
	reap_init(&p->reap, api_req_base(r), containers_wait_reap_cb, p);
	task_label(api_req_task(r), "req=%llu container=%.12s",
	    (unsigned long long)api_req_id(r), container_id(c));
	task_wait(api_req_task(r), "container exit");
	if (cancel_hook_add(ctx, &p->hook, containers_wait_cancel_cb, p) !=
	    0) {
		/* Already cancelled: answer as the hook would have. */
		containers_wait_cancel_cb(ctx, cancel_reason(ctx), p);
		return;
	}
	container_wait_add(c, &p->w, cond, containers_wait_done_cb, p);
}

void
containers_wait(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	const char		*cond = api_query(r, "condition");
	enum container_wait	 w = CONTAINER_WAIT_NOT_RUNNING;
	int			 legacy = api_req_version(r) <
				     API_VERSION(1, 30);

	/*
	 * dockerd 20.10: an unknown condition (or any, before API 1.30)
	 * means not-running; it is not an error.
	 */
	if (!legacy && cond != NULL && strcmp(cond, "next-exit") == 0)
		w = CONTAINER_WAIT_NEXT_EXIT;
	else if (!legacy && cond != NULL && strcmp(cond, "removed") == 0)
		w = CONTAINER_WAIT_REMOVED;
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	/* Headers go out before blocking (API >= 1.30), as dockerd does. */
	if (!legacy)
		api_stream_start(r, 200, "application/json");
	if (w == CONTAINER_WAIT_NOT_RUNNING && !container_running(c)) {
		containers_wait_answer(r, container_error(c),
		    container_exit_code(c));
		return;
	}
	containers_wait_pend(r, c, CONTAINERS_WAIT_ACTION_WAIT, w);
}
