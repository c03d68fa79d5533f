/* SPDX-License-Identifier: MIT */
/*
 * Log watch: inotify on a followed file and its directory (writes, a
 * rename, a new file), or a poll timer when inotify is not available.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/base/log.h"
#include "logdriver/logwatch.h"

/* Without inotify: look for growth, rotation and truncation this often. */
#define LOGWATCH_POLL_MS	250
#define LOGWATCH_FILE_EVENTS	(IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | \
				 IN_ATTRIB)

void
logwatch_init(struct logwatch *w)
{
	memset(w, 0, sizeof *w);
	w->ino_fd = w->wd_file = w->wd_dir = -1;
}

static void
logwatch_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logwatch	*w = arg;

	(void)fd;
	(void)what;
	w->cb(w->arg);
}

/* inotify says something changed: drain the events, tell the owner. */
static void
logwatch_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logwatch	*w = arg;
	char		 buf[4096] __attribute__((aligned(8)));

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	w->cb(w->arg);
}

/*
 * inotify instances are a per-user resource (128 by default) that other
 * programs use too; running out must not end a follow. Poll instead.
 */
static void
logwatch_poll_start(struct logwatch *w, struct event_base *base,
    const char *why)
{
	struct timeval	tv = { 0, LOGWATCH_POLL_MS * 1000 };

	log_warn("reader %" PRIu64 ": %s: %s; polling %s every %d ms instead",
	    w->id, why, strerror(errno), w->path, LOGWATCH_POLL_MS);
	if (w->ino_fd != -1) {
		close(w->ino_fd);
		w->ino_fd = w->wd_file = w->wd_dir = -1;
	}
	event_assign(&w->ev, base, -1, EV_PERSIST, logwatch_poll_cb, w);
	event_add(&w->ev, &tv);
	w->added = 1;
}

/* Watches the file for writes and its directory for a new file. */
void
logwatch_start(struct logwatch *w, struct event_base *base, uint64_t id,
    const char *path, logwatch_cb cb, void *arg)
{
	char	dir[PATH_MAX], *slash;

	w->id = id;
	w->path = path;
	w->cb = cb;
	w->arg = arg;
	w->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ino_fd == -1) {
		logwatch_poll_start(w, base, "inotify_init1");
		return;
	}
	w->wd_file = inotify_add_watch(w->ino_fd, path, LOGWATCH_FILE_EVENTS);
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	w->wd_dir = inotify_add_watch(w->ino_fd, dir, IN_CREATE |
	    IN_MOVED_TO);
	if (w->wd_dir == -1) {
		logwatch_poll_start(w, base, "inotify_add_watch");
		return;
	}
	event_assign(&w->ev, base, w->ino_fd, EV_READ | EV_PERSIST,
	    logwatch_inotify_cb, w);
	event_add(&w->ev, NULL);
	w->added = 1;
}

void
logwatch_rewatch(struct logwatch *w)
{
	if (w->ino_fd == -1)
		return;			/* polling */
	if (w->wd_file != -1)
		inotify_rm_watch(w->ino_fd, w->wd_file);
	w->wd_file = inotify_add_watch(w->ino_fd, w->path,
	    LOGWATCH_FILE_EVENTS);
}

void
logwatch_stop(struct logwatch *w)
{
	if (w->added) {
		event_del(&w->ev);
		w->added = 0;
	}
	if (w->ino_fd != -1) {
		close(w->ino_fd);	/* removes its watches */
		w->ino_fd = w->wd_file = w->wd_dir = -1;
	}
}
