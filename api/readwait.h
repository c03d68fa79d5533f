/* SPDX-License-Identifier: MIT */
/*
 * Waits until the peer of a socket has read everything sent on it, then
 * calls back once, from the loop. A hijacked stream holds its output on
 * this until the client has read the reply head (see duplex_send_head()).
 *
 * On a unix socket the kernel charges the bytes in the peer's queue to the
 * sender until the peer reads them (SIOCOUTQ), so the answer is exact. Over
 * TCP it knows only the bytes not yet acknowledged, which proves arrival,
 * not reading: the best the kernel can tell.
 *
 * Embedded in its owner, no memory of its own. readwait_stop() cancels it
 * and is idempotent; the callback never runs after it. Gives up waiting
 * after limit_ms and calls back then as well: a client that reads late
 * must not hold the stream for ever.
 */
#ifndef LP_API_READWAIT_H
#define LP_API_READWAIT_H

#include <event2/event_struct.h>

typedef void	(*readwait_cb)(void *arg);

struct readwait {
	struct event	 ev;
	int		 fd;		/* borrowed */
	int		 limit_ms;
	int		 waited_ms;
	int		 polls;
	int		 armed;
	readwait_cb	 cb;
	void		*arg;
};

void	readwait_init(struct readwait *, struct event_base *, int fd,
	    int limit_ms, readwait_cb, void *arg);
/* Looks now; calls back from here if all was read, else polls. */
void	readwait_start(struct readwait *);
void	readwait_stop(struct readwait *);
/* Bytes sent on fd that the peer has not read (or not acknowledged). */
int	readwait_unread(int fd);

#endif
