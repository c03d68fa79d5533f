/* SPDX-License-Identifier: MIT */
/*
 * dockerd's detach keys (its escape proxy): the sequence that ends an
 * attach without reaching the container, parsed from its syntax and
 * looked for in the client's bytes.
 */
#ifndef LP_API_DETACHKEYS_H
#define LP_API_DETACHKEYS_H

#include <stddef.h>

struct evbuffer;

#define DETACHKEYS_MAX	16

struct detachkeys {
	unsigned char	keys[DETACHKEYS_MAX];
	size_t		n;
	size_t		matched;	/* keys[0..matched) held back */
};

/*
 * "ctrl-p,ctrl-q", "a", "ctrl-@" into dk; NULL or "" is dockerd's
 * default, ctrl-p ctrl-q. -1 when a key is unknown or there are too many.
 */
int	detachkeys_parse(struct detachkeys *, const char *);
/*
 * Moves src's bytes to dst, holding back what could start the sequence
 * until the next byte tells; 1 once the whole sequence was read: it never
 * reaches dst, and what came after it in the same read is dropped (the
 * attach ends there). 0 otherwise.
 */
int	detachkeys_scan(struct detachkeys *, struct evbuffer *src,
	    struct evbuffer *dst);

#endif
