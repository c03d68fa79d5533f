/* SPDX-License-Identifier: MIT */
/*
 * Healthchecks without the engine behind them, so their rules are tested
 * alone: Config.Healthcheck decoded and checked as dockerd's create does,
 * merged with an image's as dockerd's merge(); the probe it asks for; and
 * State.Health ({"Status", "FailingStreak", "Log"}) with one probe result
 * folded into it as dockerd's handleProbeResult. daemon/health.c runs the
 * probes; daemon/container.c owns each container's State.Health.
 */
#ifndef LP_HEALTHSTATE_H
#define LP_HEALTHSTATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/base/err.h"

/* dockerd's daemon/health.go constants. */
#define HEALTHSTATE_OUTPUT_MAX	4096		/* maxOutputLen */
#define HEALTHSTATE_LOG_MAX	5		/* maxLogEntries */
#define HEALTHSTATE_INTERVAL_NS	30000000000LL	/* defaultProbeInterval */
#define HEALTHSTATE_TIMEOUT_NS	30000000000LL	/* defaultProbeTimeout */
#define HEALTHSTATE_RETRIES	3		/* defaultProbeRetries */

/*
 * The create body's Healthcheck (NULL or null: none) decoded as Go
 * decodes a HealthConfig and checked as validateHealthCheck: *out is a
 * new object with only the fields that are set (Go's omitempty), or NULL.
 * -1 with ERR_INVALID and dockerd's text. StartInterval (API 1.44) is
 * kept; the API drops it for older clients, as dockerd does.
 */
int		 healthstate_config_parse(json_t *in, json_t **out,
		     struct err *);
/*
 * dockerd's merge() of the image's Config.Healthcheck into config's: the
 * image's whole when the container has none, else field by field where
 * the container's is empty.
 */
void		 healthstate_config_merge(json_t *config,
		     const json_t *image_config);

/* What the probe loop needs from Config.Healthcheck, defaults applied. */
struct healthstate_timing {
	int64_t		 interval_ns;
	int64_t		 timeout_ns;
	int64_t		 start_period_ns;
	int64_t		 start_interval_ns;	/* 0: Interval throughout */
	int		 retries;
};
/*
 * The probe of config (the container's Config): a new NULL-terminated
 * argv, with Config.Shell or /bin/sh -c before a CMD-SHELL; NULL when
 * there is none (no Healthcheck, empty Test, NONE, an unknown type).
 * Fills *t when not NULL. Free with healthstate_argv_free().
 */
char		**healthstate_probe(const json_t *config,
		     struct healthstate_timing *t);
void		 healthstate_argv_free(char **);

/*
 * State.Health for a run that starts (dockerd's initHealthMonitor): old's
 * Log kept, Status "starting", FailingStreak 0. Takes old (may be NULL);
 * returns the state to keep.
 */
json_t		*healthstate_start(json_t *old);
/*
 * The monitor stopped (exit, pause): "unhealthy", as dockerd's
 * CloseMonitorChannel says for compatibility. NULL is fine.
 */
void		 healthstate_halt(json_t *state);
/* Health.Status(): "unhealthy" while unset; NULL when state is. */
const char	*healthstate_status(const json_t *state);

struct healthstate_result {
	int64_t		 start_ns;	/* realtime */
	int64_t		 end_ns;
	int		 exit_code;	/* -1: the probe itself failed */
	const char	*output;	/* any bytes */
	size_t		 len;
	int		 truncated;	/* "..." follows, as dockerd */
};
/*
 * Appends r to state's Log (the last HEALTHSTATE_LOG_MAX kept) and moves
 * Status and FailingStreak as dockerd does; a failure within StartPeriod
 * of started_ns does not count while starting. 1 when Status changed.
 */
int		 healthstate_fold(json_t *state,
		     const struct healthstate_result *,
		     const struct healthstate_timing *, int64_t started_ns);

#endif
