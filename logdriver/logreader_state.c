/* SPDX-License-Identifier: MIT */
/*
 * Log reader state: the in-band error, the work event's scheduling and
 * the losses behind rotation; calls nothing else of the reader.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/base/xalloc.h"
#include "logdriver/logreader_int.h"
#include "logdriver/logreader_state.h"

static const char *logreader_state_names[] = {
	"new", "tail", "backlog", "follow", "done", "stopped",
};

struct logreader_losses	logreader_state_losses;

const char *
logreader_state_name(const struct logreader *r)
{
	return (logreader_state_names[r->state]);
}

void
logreader_state_error(struct logreader *r, int errnum, const char *op,
    const char *what)
{
	const char	*s = strerror(errnum);

	/*
	 * On the heap, not in the reader: an error is rare and every idle
	 * follower would carry the buffer. The latest one is kept.
	 */
	xfree(r->error);
	r->error = xasprintf("%s %s: %c%s", op, what,
	    tolower((unsigned char)s[0]), s + 1);
}

/*
 * Runs logreader_work_cb from the loop. A zero timeout rather than
 * event_active: libevent 2.1 runs events activated from a callback in the
 * same pass, before polling, so a reader re-activating itself would starve
 * every socket; an expired timer waits for the next poll.
 *
 * Once per run: libevent takes a timer that already fired but has not run
 * yet off the active list when it is added again, so a writer notifying
 * in every pass before our turn kept pushing a follower back (the last of
 * several starved until its hold ran out).
 */
void
logreader_state_kick(struct logreader *r)
{
	static const struct timeval	now = { 0, 0 };

	if (r->kicked)
		return;
	r->kicked = 1;
	event_add(&r->work_ev, &now);
}

void
logreader_state_schedule(struct logreader *r)
{
	if (logreader_active(r) && !r->paused)
		logreader_state_kick(r);
}
