/* SPDX-License-Identifier: MIT */
/*
 * Healthcheck monitors (dockerd's daemon/health.go): for each running,
 * unpaused container whose Config.Healthcheck names a probe, the probe is
 * run as an exec instance (daemon/exec.h) Interval after the previous one
 * ended, its output kept up to 4096 bytes, killed after Timeout, and its
 * result folded into the container's State.Health (daemon/healthstate.h),
 * with a "health_status: <status>" event whenever Status changes.
 *
 * The monitors follow the containers' events on the store's bus: "start"
 * and "unpause" start one, "pause", "die" and "destroy" stop it; the
 * container itself marks State.Health starting at a start and unhealthy
 * when the monitor stops (daemon/container.c), so the state is right
 * whether or not a monitor runs.
 *
 * Ownership: the daemon owns the struct health, which owns its monitors.
 * A monitor borrows its container and holds a hook on its context: the
 * removal or shutdown cancels it, and the hook stops the monitor at once.
 * A monitor is stopped in one way only (the stop, from any of those
 * paths); its running probe is then killed and its exec reference
 * dropped, and its memory goes through the reap.
 */
#ifndef LP_HEALTH_H
#define LP_HEALTH_H

#include <stddef.h>

struct container_store;
struct event_base;
struct health;

/* Starts following st's containers (those running now too). */
struct health	*health_new(struct event_base *, struct container_store *);
/* Stops every monitor and lets go of the bus; before the store goes. */
void		 health_free(struct health *);
/* Live monitors, for tests and dumps. */
size_t		 health_monitors(const struct health *);

#endif
