/* SPDX-License-Identifier: MIT */
/*
 * HostConfig.RestartPolicy, read as dockerd 20.10's restartmanager reads
 * it: whether an exit restarts the container and after what delay. Only
 * the decision lives here; container.c owns the timer and the start.
 */
#include <string.h>

#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/runtime.h"

/* dockerd's backoff: 100 ms, doubled per restart, at most a minute. */
#define CONTAINER_RESTART_FIRST_MS	100
#define CONTAINER_RESTART_MAX_MS	60000
/* A run this long resets the backoff, whatever the exit. */
#define CONTAINER_RESTART_RESET_NS	(10 * 1000000000LL)

static const char *
container_restart_name(json_t *hostconfig, int *max)
{
	json_t		*rp = json_object_get(hostconfig, "RestartPolicy");
	const char	*name = json_string_value(json_object_get(rp, "Name"));

	if (max != NULL)
		*max = (int)json_integer_value(json_object_get(rp,
		    "MaximumRetryCount"));
	return (name != NULL ? name : "");
}

int
container_restart_check(json_t *hostconfig, struct err *err)
{
	int		 max;
	const char	*name = container_restart_name(hostconfig, &max);
	int		 none = *name == '\0' || strcmp(name, "no") == 0;

	/* validateHostConfig's order: AutoRemove first, then the policy. */
	if (!none && json_is_true(json_object_get(hostconfig, "AutoRemove")))
		return (err_set(err, ERR_INVALID, "can't create 'AutoRemove' "
		    "container with restart policy"));
	if (strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") ==
	    0 || strcmp(name, "no") == 0) {
		if (max != 0)
			return (err_set(err, ERR_INVALID, "maximum retry count "
			    "cannot be used with restart policy '%s'", name));
	} else if (strcmp(name, "on-failure") == 0) {
		if (max < 0)
			return (err_set(err, ERR_INVALID, "maximum retry count "
			    "cannot be negative"));
	} else if (*name != '\0')
		return (err_set(err, ERR_INVALID, "invalid restart policy "
		    "'%s'", name));
	return (0);
}

/*
 * ShouldRestart: the backoff moves on every call that passes the cancel
 * check, restart or not, as dockerd's does. On yes the count goes up and
 * *delay_ms says when.
 */
static int
container_restart_decide(struct container *c, int manually_stopped,
    int *delay_ms)
{
	int		 max, restart = 0;
	const char	*name = container_restart_name(c->hostconfig, &max);

	if (*name == '\0' || strcmp(name, "no") == 0 || c->restart_canceled)
		return (0);
	if (c->finished_ns - c->started_ns >= CONTAINER_RESTART_RESET_NS)
		c->restart_delay_ms = 0;
	if (c->restart_delay_ms == 0)
		c->restart_delay_ms = CONTAINER_RESTART_FIRST_MS;
	else if (c->restart_delay_ms < CONTAINER_RESTART_MAX_MS)
		c->restart_delay_ms *= 2;
	if (c->restart_delay_ms > CONTAINER_RESTART_MAX_MS)
		c->restart_delay_ms = CONTAINER_RESTART_MAX_MS;

	if (strcmp(name, "always") == 0)
		restart = 1;
	else if (strcmp(name, "unless-stopped") == 0)
		restart = !manually_stopped;
	else if (strcmp(name, "on-failure") == 0)
		restart = c->exit_code != 0 && (max == 0 ||
		    c->restart_count < max);
	if (!restart)
		return (0);
	c->restart_count++;
	*delay_ms = c->restart_delay_ms;
	return (1);
}

int
container_restart_after_exit(struct container *c, int *delay_ms)
{
	return (container_restart_decide(c, c->store->shutting_down ||
	    c->manually_stopped, delay_ms));
}

int
container_restart_at_boot(struct container *c)
{
	int	delay_ms;

	/* dockerd restores only what ran before, through a fresh manager. */
	if (c->started_ns == 0 || c->state != CONTAINER_EXITED)
		return (0);
	c->restart_canceled = 0;
	c->restart_delay_ms = 0;
	return (container_restart_decide(c, c->manually_stopped, &delay_ms));
}

int
container_restart_cancels(struct container *c, int sig)
{
	const char	*stop = container_json_str(c->config, "StopSignal");

	/* killWithSignal's ExitOnNext: any signal when no StopSignal is set. */
	return (*stop == '\0' || sig == 9 || runtime_parse_signal(stop) == sig);
}

void
container_restart_reset(struct container *c)
{
	c->restart_count = 0;
	c->restart_delay_ms = 0;
	c->restart_canceled = 0;
	c->manually_stopped = 0;
}
