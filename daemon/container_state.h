/* SPDX-License-Identifier: MIT */
/*
 * A container's lifecycle states: apart from container.h so that the
 * engine's own view (container_int.h) holds one by value without including
 * the public API.
 */
#ifndef LP_CONTAINER_STATE_H
#define LP_CONTAINER_STATE_H

enum container_state {
	CONTAINER_CREATED,
	CONTAINER_RUNNING,	/* process alive or output not yet drained */
	CONTAINER_EXITED,
};

#endif
