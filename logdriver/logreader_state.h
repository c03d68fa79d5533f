/* SPDX-License-Identifier: MIT */
/*
 * Log reader state: the small transitions every part of the reader needs
 * (the in-band error, scheduling the next slice, the losses behind
 * rotation), below the files, the buffer, the feed and the stage machine
 * (logreader.c), so that they call down to it and never up.
 */
#ifndef LP_LOGREADER_STATE_H
#define LP_LOGREADER_STATE_H

#include "logdriver/logreader_types.h"

struct logreader;

/* Every reader's losses behind rotation (logfiles_lost counts them). */
extern struct logreader_losses	logreader_state_losses;

/* The state's name, for logs. */
const char	*logreader_state_name(const struct logreader *);
/*
 * Sets the in-band error text the way Go prints an errno ("open x: ...");
 * the reader ends with it when its stage machine sees it.
 */
void		 logreader_state_error(struct logreader *, int errnum,
		     const char *op, const char *what);
/* Runs the reader's work from the loop's next pass; once per run. */
void		 logreader_state_kick(struct logreader *);
/* logreader_state_kick() unless paused or ended. */
void		 logreader_state_schedule(struct logreader *);

#endif
