/* SPDX-License-Identifier: MIT */
/*
 * Log feed: what a reader does with its writer's notifications (append,
 * rotated, closed).
 */
#ifndef LP_LOGFEED_H
#define LP_LOGFEED_H

#include "logdriver/jsonfile.h"

struct logreader;

/* The reader's jsonfile subscription callback (arg: the reader). */
void	logfeed_cb(void *arg, enum jsonfile_event);

#endif
