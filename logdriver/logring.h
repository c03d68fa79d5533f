/* SPDX-License-Identifier: MIT */
/*
 * Log ring: the bounded FIFO of whole log entries that mode=non-blocking
 * puts between a container's pipes and its json-file writer. When an
 * entry does not fit, the new one is refused (dockerd's ring drops the
 * newest too); the ring never blocks and never grows past its capacity,
 * except to hold one entry when it is empty. No allocation per entry.
 */
#ifndef LP_LOGRING_H
#define LP_LOGRING_H

#include <stddef.h>
#include <stdint.h>

#include "logdriver/logline.h"

struct logring;

/* What every entry costs on top of its bytes: stream, flag, length, time. */
#define LOGRING_ENTRY_OVERHEAD	16

/* One entry as logring_peek shows it; msg is borrowed until the pop. */
struct logring_entry {
	enum logline_stream	 stream;
	int			 complete;	/* the line ended with \n */
	const char		*msg;
	size_t			 len;
	int64_t			 time_ns;
};

/*
 * A ring holding at most cap bytes of entries (each costs len +
 * LOGRING_ENTRY_OVERHEAD). Storage is allocated at the first entry.
 * Freed with logring_free().
 */
struct logring	*logring_new(size_t cap);
/* Frees the ring and whatever it still holds. NULL is fine. */
void		 logring_free(struct logring *);
/*
 * Copies one entry in: 0, or -1 when it does not fit (dropped, counted).
 * An empty ring takes any entry, however long, as dockerd's does.
 */
int		 logring_push(struct logring *, enum logline_stream,
		     const char *msg, size_t len, int complete,
		     int64_t time_ns);
/* The oldest entry into *e: 1, or 0 when empty. */
int		 logring_peek(const struct logring *, struct logring_entry *);
/* Removes the oldest entry (the one peek shows); no-op when empty. */
void		 logring_pop(struct logring *);

size_t		 logring_count(const struct logring *);
/* Bytes the held entries cost (<= cap, or one entry's cost). */
size_t		 logring_used(const struct logring *);
size_t		 logring_cap(const struct logring *);
/* Entries refused since the ring was made. */
uint64_t	 logring_dropped(const struct logring *);

#endif
