/* SPDX-License-Identifier: MIT */
#include <sys/ioctl.h>

#include <linux/sockios.h>

#include <event2/event.h>

#include "api/readwait.h"

/* From 1 ms up to this: a prompt client waits about a millisecond. */
#define READWAIT_MAX_POLL_MS	20

int
readwait_unread(int fd)
{
	int	n = 0;

	if (ioctl(fd, SIOCOUTQ, &n) == -1)
		return (0);
	return (n);
}

static void
readwait_poll(struct readwait *w)
{
	struct timeval	tv;
	int		ms;

	if (readwait_unread(w->fd) == 0 || w->waited_ms >= w->limit_ms) {
		w->armed = 0;
		w->cb(w->arg);		/* may stop or free the owner */
		return;
	}
	ms = 1 << (w->polls < 5 ? w->polls : 5);
	if (ms > READWAIT_MAX_POLL_MS)
		ms = READWAIT_MAX_POLL_MS;
	w->polls++;
	w->waited_ms += ms;
	tv.tv_sec = 0;
	tv.tv_usec = ms * 1000;
	evtimer_add(&w->ev, &tv);
}

static void
readwait_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct readwait	*w = arg;

	(void)fd;
	(void)what;
	if (w->armed)
		readwait_poll(w);
}

void
readwait_init(struct readwait *w, struct event_base *base, int fd,
    int limit_ms, readwait_cb cb, void *arg)
{
	w->fd = fd;
	w->limit_ms = limit_ms;
	w->waited_ms = w->polls = w->armed = 0;
	w->cb = cb;
	w->arg = arg;
	evtimer_assign(&w->ev, base, readwait_timer_cb, w);
}

void
readwait_start(struct readwait *w)
{
	if (w->armed)
		return;
	w->armed = 1;
	readwait_poll(w);
}

void
readwait_stop(struct readwait *w)
{
	w->armed = 0;
	event_del(&w->ev);
}
