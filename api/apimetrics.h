/* SPDX-License-Identifier: MIT */
/*
 * The API's own figures for /metrics: streams open and ended by endpoint
 * and reason, clients' closes and how long their release took, request
 * latency by route, bytes and frames sent. The lowest module of api/:
 * request.c, duplex.c and the streams count here; api/metrics.c reads.
 * Daemon-wide, like the task registry; loop thread only.
 */
#ifndef LP_API_APIMETRICS_H
#define LP_API_APIMETRICS_H

#include <stdint.h>

#include "daemon/base/cancel.h"
#include "daemon/base/metrics.h"

/* The long-lived replies, named as the issue and dockerd's docs do. */
enum apimetrics_endpoint {
	APIMETRICS_LOGS,
	APIMETRICS_ATTACH,
	APIMETRICS_EVENTS,
	APIMETRICS_STATS,
	APIMETRICS_EXEC,
	APIMETRICS_WAIT,
	APIMETRICS_IMAGES,	/* load and pull progress */
	APIMETRICS_OTHER,
	APIMETRICS_NENDPOINTS,
};

/* Why a stream ended: completed, or one of the cancellations. */
enum apimetrics_end {
	APIMETRICS_COMPLETED,
	APIMETRICS_CLIENT_GONE,
	APIMETRICS_TIMEOUT,
	APIMETRICS_WRITE_ERROR,
	APIMETRICS_SHUTDOWN,
	APIMETRICS_REMOVED,
	APIMETRICS_CONTAINER_EXITED,
	APIMETRICS_NENDS,
};

struct apimetrics {
	uint64_t		 streams[APIMETRICS_NENDPOINTS];	/* open */
	uint64_t		 opened[APIMETRICS_NENDPOINTS];
	uint64_t		 ended[APIMETRICS_NENDPOINTS][APIMETRICS_NENDS];
	uint64_t		 frames[APIMETRICS_NENDPOINTS];
	uint64_t		 client_closes;	/* closes noticed */
	uint64_t		 bytes_sent;	/* replies, streams, hijacked */
	struct metrics_hist	 release;	/* close noticed -> released, s */
	struct metrics_hist_set	 latency;	/* by route: until the head */
};

/* The figures, zeroed and set up on first use. */
struct apimetrics *apimetrics_get(void);

/* "api.logs_container" -> APIMETRICS_LOGS; unknown kinds are OTHER. */
enum apimetrics_endpoint apimetrics_endpoint_of(const char *kind);
const char	*apimetrics_endpoint_name(enum apimetrics_endpoint);
/* CANCEL_NONE is a completion; CANCEL_RELEASED counts as one too. */
enum apimetrics_end apimetrics_end_of(enum cancel_reason);
const char	*apimetrics_end_name(enum apimetrics_end);

void		 apimetrics_stream_opened(enum apimetrics_endpoint);
void		 apimetrics_stream_ended(enum apimetrics_endpoint,
		     enum apimetrics_end);
void		 apimetrics_frames(enum apimetrics_endpoint, uint64_t n);
void		 apimetrics_bytes(uint64_t n);
/* A client's close was noticed, at mono time now (returned). */
int64_t		 apimetrics_client_closed(void);
/* What was held for it is released: observes now - closed_ns. */
void		 apimetrics_released(int64_t closed_ns);
/* The reply's head went out for route (a static kind) started at t0. */
void		 apimetrics_replied(const char *route, int64_t start_ns);

#endif
