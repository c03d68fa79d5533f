/* SPDX-License-Identifier: MIT */
/*
 * Log watch: tells a follower without a writer that its file may have
 * changed, through inotify on the file and its directory, or by polling
 * when inotify is out of instances. Knows nothing of what changed.
 */
#ifndef LP_LOGWATCH_H
#define LP_LOGWATCH_H

#include <stdint.h>

#include <event2/event_struct.h>

struct event_base;

typedef void (*logwatch_cb)(void *arg);

/* Embedded in its owner; logwatch_init before anything else. */
struct logwatch {
	int		 ino_fd;
	int		 wd_file;
	int		 wd_dir;
	struct event	 ev;	/* logwatch_inotify_cb or logwatch_poll_cb */
	int		 added;
	uint64_t	 id;	/* the owner's, for the log */
	const char	*path;	/* borrowed from the owner */
	logwatch_cb	 cb;
	void		*arg;
};

void	logwatch_init(struct logwatch *);
/* Arms the watch on path (borrowed); cb(arg) runs on each change. */
void	logwatch_start(struct logwatch *, struct event_base *, uint64_t id,
	    const char *path, logwatch_cb, void *arg);
/* The path names a new file now: watch that one. */
void	logwatch_rewatch(struct logwatch *);
/* Disarms and closes; idempotent. No cb after. */
void	logwatch_stop(struct logwatch *);

#endif
