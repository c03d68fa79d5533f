/* SPDX-License-Identifier: MIT */
/*
 * Event bus: one encode per event, a bounded ring for replay, and a
 * subscriber list that callbacks may change while it is walked. No HTTP:
 * api/events.c is a subscriber like any other.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/events.h"
#include "logdriver/logline.h"

TAILQ_HEAD(events_subs, events_sub);

struct events {
	/* Each slot holds one reference. */
	struct events_msg	*ring[EVENTS_RING];
	size_t			 head;		/* oldest */
	size_t			 count;
	uint64_t		 seq;
	struct events_subs	 subs;
	size_t			 nsubs;
	/*
	 * The subscriber the publish loop will call next: unsubscribing it
	 * from a callback moves this on, so the walk never follows a
	 * pointer into a subscriber that has gone.
	 */
	struct events_sub	*next;
};

struct events *
events_new(void)
{
	struct events	*ev = xcalloc(1, sizeof *ev);

	TAILQ_INIT(&ev->subs);
	return (ev);
}

void
events_free(struct events *ev)
{
	struct events_sub	*s;

	if (ev == NULL)
		return;
	while ((s = TAILQ_FIRST(&ev->subs)) != NULL)
		events_unsubscribe(s);
	for (size_t i = 0; i < ev->count; i++)
		events_msg_unref(ev->ring[(ev->head + i) % EVENTS_RING]);
	xfree(ev);
}

void
events_msg_ref(struct events_msg *m)
{
	m->refs++;
}

void
events_msg_unref(struct events_msg *m)
{
	if (--m->refs > 0)
		return;
	for (size_t i = 0; i < m->nattrs; i++) {
		xfree(m->keys[i]);
		xfree(m->values[i]);
	}
	xfree(m->keys);
	xfree(m->values);
	xfree(m->type);
	xfree(m->action);
	xfree(m->actor_id);
	xfree(m->json);
	xfree(m);
}

const char *
events_msg_attr(const struct events_msg *m, const char *key)
{
	size_t	lo = 0, hi = m->nattrs, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(m->keys[mid], key)) == 0)
			return (m->values[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

uint64_t
events_published(const struct events *ev)
{
	return (ev->seq);
}

size_t
events_subscribers(const struct events *ev)
{
	return (ev->nsubs);
}

/* ---- encoding -------------------------------------------------------- */

struct events_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
events_buf_need(struct events_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap == 0 ? 512 : b->cap * 2;
	b->p = xrealloc(b->p, b->cap);
}

static void
events_buf_raw(struct events_buf *b, const char *s)
{
	size_t	n = strlen(s);

	events_buf_need(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A Go string: quotes and encoding/json's escapes (HTML-safe). */
static void
events_buf_str(struct events_buf *b, const char *s)
{
	size_t	n = strlen(s);

	events_buf_need(b, 6 * n + 2);
	b->p[b->len++] = '"';
	b->len += logline_escape_go(b->p + b->len, s, n);
	b->p[b->len++] = '"';
	b->p[b->len] = '\0';
}

/*
 * events.Message as json.Encoder writes it: the legacy status/id/from
 * (omitempty, filled for container and image events), Type, Action,
 * Actor{ID, Attributes (sorted)}, scope, time, timeNano, then "\n".
 */
static void
events_encode(struct events_msg *m)
{
	struct events_buf	 b = { NULL, 0, 0 };
	const char		*image = events_msg_attr(m, "image");
	int			 ctr = strcmp(m->type, "container") == 0;
	char			 num[128];

	events_buf_raw(&b, "{");
	if (ctr || strcmp(m->type, "image") == 0) {
		if (*m->action != '\0') {
			events_buf_raw(&b, "\"status\":");
			events_buf_str(&b, m->action);
			events_buf_raw(&b, ",");
		}
		if (*m->actor_id != '\0') {
			events_buf_raw(&b, "\"id\":");
			events_buf_str(&b, m->actor_id);
			events_buf_raw(&b, ",");
		}
		if (ctr && image != NULL && *image != '\0') {
			events_buf_raw(&b, "\"from\":");
			events_buf_str(&b, image);
			events_buf_raw(&b, ",");
		}
	}
	events_buf_raw(&b, "\"Type\":");
	events_buf_str(&b, m->type);
	events_buf_raw(&b, ",\"Action\":");
	events_buf_str(&b, m->action);
	events_buf_raw(&b, ",\"Actor\":{\"ID\":");
	events_buf_str(&b, m->actor_id);
	events_buf_raw(&b, ",\"Attributes\":{");
	for (size_t i = 0; i < m->nattrs; i++) {
		if (i > 0)
			events_buf_raw(&b, ",");
		events_buf_str(&b, m->keys[i]);
		events_buf_raw(&b, ":");
		events_buf_str(&b, m->values[i]);
	}
	snprintf(num, sizeof num, "}},\"scope\":\"local\",\"time\":%lld,"
	    "\"timeNano\":%lld}\n", (long long)(m->time_ns / 1000000000),
	    (long long)m->time_ns);
	events_buf_raw(&b, num);
	m->json = b.p;
	m->jsonlen = b.len;
}

struct events_kv {
	const char	*key;
	const char	*value;
	size_t		 order;
};

static int
events_kv_cmp(const void *a, const void *b)
{
	const struct events_kv	*x = a, *y = b;
	int			 c = strcmp(x->key, y->key);

	if (c != 0)
		return (c);
	return (x->order < y->order ? -1 : x->order > y->order);
}

/* Sorted, one value per key: the last one given wins, as in a Go map. */
static void
events_set_attrs(struct events_msg *m, const char *const *keys,
    const char *const *values, size_t n)
{
	struct events_kv	*kv = xreallocarray(NULL, n + 1, sizeof *kv);

	for (size_t i = 0; i < n; i++)
		kv[i] = (struct events_kv){ keys[i], values[i], i };
	qsort(kv, n, sizeof *kv, events_kv_cmp);
	m->keys = xreallocarray(NULL, n + 1, sizeof *m->keys);
	m->values = xreallocarray(NULL, n + 1, sizeof *m->values);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(kv[i].key, kv[i + 1].key) == 0)
			continue;
		m->keys[m->nattrs] = xstrdup(kv[i].key);
		m->values[m->nattrs] = xstrdup(kv[i].value);
		m->nattrs++;
	}
	xfree(kv);
}

/* ---- publish, subscribe, replay -------------------------------------- */

void
events_publish(struct events *ev, const char *type, const char *action,
    const char *actor_id, const char *const *keys,
    const char *const *values, size_t n)
{
	struct events_msg	*m = xcalloc(1, sizeof *m);
	struct events_sub	*s;

	m->refs = 1;			/* the ring's */
	m->seq = ++ev->seq;
	m->time_ns = timeutil_now_ns();
	m->type = xstrdup(type);
	m->action = xstrdup(action);
	m->actor_id = xstrdup(actor_id);
	events_set_attrs(m, keys, values, n);
	events_encode(m);
	if (ev->count == EVENTS_RING) {
		events_msg_unref(ev->ring[ev->head]);
		ev->ring[ev->head] = m;
		ev->head = (ev->head + 1) % EVENTS_RING;
	} else
		ev->ring[(ev->head + ev->count++) % EVENTS_RING] = m;
	log_debug("event %llu: %s %s %.12s, %zu subscribers",
	    (unsigned long long)m->seq, type, action, actor_id, ev->nsubs);

	/* Our own reference: a callback could cycle it out of the ring. */
	events_msg_ref(m);
	for (s = TAILQ_FIRST(&ev->subs); s != NULL; s = ev->next) {
		ev->next = TAILQ_NEXT(s, entry);
		s->cb(m, s->arg);
	}
	ev->next = NULL;
	events_msg_unref(m);
}

void
events_subscribe(struct events *ev, struct events_sub *s, events_cb cb,
    void *arg)
{
	events_unsubscribe(s);
	s->bus = ev;
	s->cb = cb;
	s->arg = arg;
	/* At the tail: a publish in progress reaches it only if not past. */
	TAILQ_INSERT_TAIL(&ev->subs, s, entry);
	ev->nsubs++;
}

void
events_unsubscribe(struct events_sub *s)
{
	struct events	*ev = s->bus;

	if (ev == NULL)
		return;
	if (ev->next == s)
		ev->next = TAILQ_NEXT(s, entry);
	TAILQ_REMOVE(&ev->subs, s, entry);
	ev->nsubs--;
	s->bus = NULL;
}

void
events_replay(struct events *ev, int64_t since_ns, int64_t until_ns,
    events_cb cb, void *arg)
{
	struct events_msg	*sel[EVENTS_RING];
	size_t			 n = 0, i;

	/* Newest first, stopping at the first one older than since. */
	for (i = ev->count; i-- > 0;) {
		struct events_msg *m = ev->ring[(ev->head + i) % EVENTS_RING];

		if (m->time_ns < since_ns)
			break;
		if (until_ns > 0 && m->time_ns > until_ns)
			continue;
		sel[n++] = m;
		events_msg_ref(m);
	}
	/* References: a callback may publish and cycle the ring. */
	while (n-- > 0) {
		cb(sel[n], arg);
		events_msg_unref(sel[n]);
	}
}

void
events_image(struct events *bus, const char *action, const char *id,
    const char *name, json_t *labels)
{
	const char	**keys, **values, *key;
	size_t		 n = 0, cap = json_object_size(labels) + 1;
	json_t		*v;

	if (bus == NULL)
		return;
	keys = xreallocarray(NULL, cap, sizeof *keys);
	values = xreallocarray(NULL, cap, sizeof *values);
	json_object_foreach(labels, key, v) {
		if (json_string_value(v) == NULL)
			continue;
		keys[n] = key;
		values[n++] = json_string_value(v);
	}
	/* After the labels: a label called "name" does not hide it. */
	if (name != NULL && *name != '\0') {
		keys[n] = "name";
		values[n++] = name;
	}
	events_publish(bus, "image", action, id, keys, values, n);
	xfree(keys);
	xfree(values);
}
