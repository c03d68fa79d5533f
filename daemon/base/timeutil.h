/* SPDX-License-Identifier: MIT */
/*
 * Time formatting and parsing in Go's shapes: RFC3339Nano with trailing zeros
 * trimmed (json-file, our log), and with all nine digits (timestamps=1).
 */
#ifndef LP_TIMEUTIL_H
#define LP_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TIMEUTIL_BUFSZ	48

/* Nanoseconds since the epoch, from CLOCK_REALTIME. */
int64_t	timeutil_now_ns(void);
/* Nanoseconds from CLOCK_MONOTONIC, for ages and deadlines. */
int64_t	timeutil_mono_ns(void);

/*
 * Formats ns (UTC) into buf: "2006-01-02T15:04:05.999999999Z" with trailing
 * zeros trimmed when fixed9 is 0 (Go's RFC3339Nano), all nine digits when 1
 * (Go's RFC3339NanoFixed). Returns the length.
 */
size_t	timeutil_format(char *buf, int64_t ns, int fixed9);
/*
 * Go's RFC3339Nano of a time.Now() in the local zone: the wall clock there
 * and its offset ("+01:00"), "Z" when the offset is zero, as Go writes it.
 */
size_t	timeutil_format_local(char *buf, int64_t ns);

/*
 * Parses an RFC 3339 time with optional fraction and a Z or +hh:mm offset.
 * On success stores nanoseconds since the epoch (UTC) and, when off is not
 * NULL, the offset in seconds; returns 0, or -1 for anything else.
 */
int	timeutil_parse(const char *s, size_t len, int64_t *ns, int *off);

#endif
