/* SPDX-License-Identifier: MIT */
/*
 * Replies that wait for a container: POST /containers/{id}/wait, and the
 * stop, kill -9, restart and rm -f that answer once the container is down
 * or gone. Each parks its request on a container waiter and a hook on the
 * request's context; whichever fires first answers.
 */
#ifndef LP_API_CONTAINERS_WAIT_H
#define LP_API_CONTAINERS_WAIT_H

#include "daemon/container.h"

struct api_req;

/* What to answer once the container meets the condition. */
enum containers_wait_action {
	CONTAINERS_WAIT_ACTION_STOP,	/* 204 */
	CONTAINERS_WAIT_ACTION_KILL,	/* 204 */
	CONTAINERS_WAIT_ACTION_RESTART,	/* start it again, then 204 */
	CONTAINERS_WAIT_ACTION_REMOVE,	/* 204 */
	CONTAINERS_WAIT_ACTION_WAIT,	/* the wait body */
};

void	containers_wait(struct api_req *);
/*
 * Parks r until c meets cond (or the request is cancelled); r is answered
 * from the loop, by whichever comes first, and is gone for the caller.
 */
void	containers_wait_pend(struct api_req *r, struct container *c,
	    enum containers_wait_action, enum container_wait cond);

#endif
