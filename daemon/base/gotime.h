/* SPDX-License-Identifier: MIT */
/*
 * The times dockerd reads from filter values itself (prune's `until`):
 * Go's time.ParseDuration, and api/types/time.GetTimestamp followed by
 * ParseTimestamps, so "24h", "2026-12-01", "2026-12-01T10:00:00Z" and
 * "1764583200.5" mean what they mean to dockerd.
 */
#ifndef LP_GOTIME_H
#define LP_GOTIME_H

#include <stdint.h>

#include "daemon/base/err.h"

/*
 * time.ParseDuration: "300ms", "-1.5h", "2h45m", "0"; units ns, us, µs,
 * ms, s, m, h. 0 with *ns set, or -1 with Go's text in err (NULL: none
 * wanted), e.g. `time: unknown unit "d" in duration "1d"`.
 */
int	gotime_duration(const char *s, int64_t *ns, struct err *);
/* time.Duration.String: "50ms", "1.5s", "1h2m3s", "0s". */
#define GOTIME_DURATION_BUFSZ	32
void	gotime_duration_string(char *buf, int64_t ns);

/*
 * GetTimestamp(value, now) then time.Unix(ParseTimestamps(.., 0)): a
 * duration is now minus it (whole seconds, as dockerd), a date or
 * RFC 3339 time without a zone is in the daemon's zone at now, else a
 * Unix time "sec[.frac]". 0 with *ns set, or -1 with ERR_INTERNAL and
 * dockerd's message (it answers these with 500).
 */
int	gotime_timestamp(const char *value, int64_t now_ns, int64_t *ns,
	    struct err *);

#endif
