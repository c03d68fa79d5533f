/* SPDX-License-Identifier: MIT */
/*
 * Log ring. Entries sit whole and contiguous in one buffer, each a
 * 16-byte header (length, time, stream, flag) and its bytes, so the
 * writer gets a pointer into the ring, not a copy. When an entry does not
 * fit between the tail and the end of the buffer, it goes to the front if
 * the oldest entry has moved far enough on, and the unused end is
 * skipped (wrap_end marks it); otherwise it is dropped. So a ring may
 * refuse an entry a little before it is full: it never holds more than
 * cap bytes, headers included, and empty lines cannot grow it without
 * bound (dockerd counts only the message bytes).
 */
#include <sys/types.h>

#include <string.h>

#include "logdriver/logring.h"
#include "daemon/base/xalloc.h"

struct logring {
	char		*buf;		/* owned; NULL until the first entry */
	size_t		 size;		/* bytes allocated */
	size_t		 cap;
	size_t		 head;		/* oldest entry's header */
	size_t		 tail;		/* where the next entry goes */
	size_t		 wrap_end;	/* wrapped: first run ends here */
	int		 wrapped;	/* tail is before head */
	size_t		 count;
	size_t		 used;		/* cost of the held entries */
	uint64_t	 dropped;
};

/* The header, copied in and out with memcpy: no alignment needed. */
struct logring_hdr {
	uint32_t	len;
	uint8_t		stream;
	uint8_t		complete;
	uint8_t		pad[2];
	int64_t		time_ns;
};

_Static_assert(sizeof(struct logring_hdr) == LOGRING_ENTRY_OVERHEAD,
    "the header is what LOGRING_ENTRY_OVERHEAD says");

struct logring *
logring_new(size_t cap)
{
	struct logring	*r = xcalloc(1, sizeof *r);

	r->cap = cap;
	return (r);
}

void
logring_free(struct logring *r)
{
	if (r == NULL)
		return;
	xfree(r->buf);
	xfree(r);
}

/*
 * Where an entry of cost bytes can go, or -1. An empty ring starts over
 * at the front and grows its buffer to hold the one entry if it must.
 */
static ssize_t
logring_place(struct logring *r, size_t cost)
{
	if (r->count == 0) {
		r->head = r->tail = 0;
		r->wrapped = 0;
		if (r->size < cost || r->buf == NULL) {
			r->size = cost > r->cap ? cost : r->cap;
			xfree(r->buf);
			r->buf = xmalloc(r->size > 0 ? r->size : 1);
		}
		return (0);
	}
	if (r->used + cost > r->cap)
		return (-1);
	if (r->wrapped)
		return (r->head - r->tail >= cost ? (ssize_t)r->tail : -1);
	if (r->size - r->tail >= cost)
		return ((ssize_t)r->tail);
	if (r->head >= cost) {
		r->wrap_end = r->tail;
		r->wrapped = 1;
		return (0);
	}
	return (-1);
}

int
logring_push(struct logring *r, enum logline_stream stream, const char *msg,
    size_t len, int complete, int64_t time_ns)
{
	struct logring_hdr	 h;
	size_t			 cost = sizeof h + len;
	ssize_t			 at;

	/* Entries are at most a 16 KiB line; a 4 GiB one cannot happen. */
	if (len > UINT32_MAX || (at = logring_place(r, cost)) < 0) {
		r->dropped++;
		return (-1);
	}
	memset(&h, 0, sizeof h);
	h.len = (uint32_t)len;
	h.stream = (uint8_t)stream;
	h.complete = complete != 0;
	h.time_ns = time_ns;
	memcpy(r->buf + at, &h, sizeof h);
	if (len > 0)
		memcpy(r->buf + at + sizeof h, msg, len);
	r->tail = (size_t)at + cost;
	r->count++;
	r->used += cost;
	return (0);
}

int
logring_peek(const struct logring *r, struct logring_entry *e)
{
	struct logring_hdr	h;

	if (r->count == 0)
		return (0);
	memcpy(&h, r->buf + r->head, sizeof h);
	e->stream = (enum logline_stream)h.stream;
	e->complete = h.complete;
	e->msg = r->buf + r->head + sizeof h;
	e->len = h.len;
	e->time_ns = h.time_ns;
	return (1);
}

void
logring_pop(struct logring *r)
{
	struct logring_hdr	h;
	size_t			cost;

	if (r->count == 0)
		return;
	memcpy(&h, r->buf + r->head, sizeof h);
	cost = sizeof h + h.len;
	r->head += cost;
	r->used -= cost;
	if (--r->count == 0) {
		r->head = r->tail = 0;
		r->wrapped = 0;
	} else if (r->wrapped && r->head == r->wrap_end) {
		/* The first run is used up: the front run is the oldest. */
		r->head = 0;
		r->wrapped = 0;
	}
}

size_t
logring_count(const struct logring *r)
{
	return (r->count);
}

size_t
logring_used(const struct logring *r)
{
	return (r->used);
}

size_t
logring_cap(const struct logring *r)
{
	return (r->cap);
}

uint64_t
logring_dropped(const struct logring *r)
{
	return (r->dropped);
}
