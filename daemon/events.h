/* SPDX-License-Identifier: MIT */
/*
 * The event bus (dockerd's EventsService): the engine publishes (type,
 * action, actor id, attributes); each event is encoded once, exactly as
 * dockerd's encoder writes it, kept in a ring of the last EVENTS_RING for
 * since/until replay, and handed to every live subscriber. No HTTP.
 *
 * Ownership: the container store owns its bus (container_store_events()).
 * A published message is refcounted: the ring holds one reference, and a
 * subscriber that keeps the encoded bytes past its callback (an evbuffer
 * reference, say) takes its own with events_msg_ref().
 */
#ifndef LP_EVENTS_H
#define LP_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>

struct events;

/* dockerd keeps the last 256 events (daemon/events/events.go). */
#define EVENTS_RING	256

struct events_msg {
	uint64_t	  seq;		/* 1, 2, ... in publish order */
	int64_t		  time_ns;	/* realtime */
	char		 *type;		/* owned: "container" */
	char		 *action;	/* owned */
	char		 *actor_id;	/* owned */
	size_t		  nattrs;
	char		**keys;		/* owned, sorted, unique */
	char		**values;	/* owned */
	char		 *json;		/* owned: one line with its "\n" */
	size_t		  jsonlen;
	int		  refs;
};

/* Runs for each published message; msg is valid for the call. */
typedef void (*events_cb)(const struct events_msg *, void *arg);

/* Embedded in its owner; zeroed = not subscribed. */
struct events_sub {
	TAILQ_ENTRY(events_sub)	 entry;
	struct events		*bus;	/* borrowed; NULL: off */
	events_cb		 cb;
	void			*arg;
};

struct events	*events_new(void);
/* Subscribers must be gone; messages others still hold live on. */
void		 events_free(struct events *);

/*
 * Publishes one event: attrs are n key/value pairs (later keys win, as in a
 * Go map). Delivered to subscribers before this returns; a subscriber may
 * unsubscribe itself or others from its callback.
 */
void		 events_publish(struct events *, const char *type,
		     const char *action, const char *actor_id,
		     const char *const *keys, const char *const *values,
		     size_t n);
void		 events_subscribe(struct events *, struct events_sub *,
		     events_cb, void *arg);
/* Safe when not subscribed, twice, and from inside any callback. */
void		 events_unsubscribe(struct events_sub *);
/*
 * Calls cb for each message in the ring that dockerd's loadBufferedEvents
 * replays, oldest first: from the newest back to the first older than
 * since_ns, skipping those after until_ns (0: no bound). dockerd replays
 * only when since or until was given: the caller checks that.
 */
void		 events_replay(struct events *, int64_t since_ns,
		     int64_t until_ns, events_cb, void *arg);

void		 events_msg_ref(struct events_msg *);
void		 events_msg_unref(struct events_msg *);
/* An attribute's value, or NULL. */
const char	*events_msg_attr(const struct events_msg *, const char *key);

/* Counters for /debug/vars. */
uint64_t	 events_published(const struct events *);
size_t		 events_subscribers(const struct events *);

/*
 * An image event as dockerd's LogImageEvent makes it: the image's labels
 * (NULL once it is deleted), then name when not NULL or "".
 */
void		 events_image(struct events *, const char *action,
		     const char *id, const char *name, json_t *labels);

#endif
