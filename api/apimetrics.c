/* SPDX-License-Identifier: MIT */
/*
 * The API's counters and histograms (apimetrics.h). Plain increments: no
 * allocation, nothing but integer and float arithmetic on the hot paths.
 */
#include <string.h>

#include "api/apimetrics.h"
#include "daemon/base/timeutil.h"

/*
 * Seconds. A local daemon answers and releases in well under a
 * millisecond, so the buckets start at 100 us; a release that takes
 * seconds is the leak the histogram is there to show.
 */
static const double	apimetrics_buckets[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static struct apimetrics	apimetrics_data;
static int			apimetrics_ready;

static const struct {
	const char		*kind;
	enum apimetrics_endpoint ep;
} apimetrics_kinds[] = {
	{ "api.logs_container", APIMETRICS_LOGS },
	{ "api.attach_container", APIMETRICS_ATTACH },
	{ "api.events_subscribe", APIMETRICS_EVENTS },
	{ "api.stats_container", APIMETRICS_STATS },
	{ "api.exec_start", APIMETRICS_EXEC },
	{ "api.wait_container", APIMETRICS_WAIT },
	{ "api.create_image", APIMETRICS_IMAGES },
	{ "api.load_image", APIMETRICS_IMAGES },
};

static const char *apimetrics_endpoints[] = {
	"logs", "attach", "events", "stats", "exec", "wait", "images", "other",
};

static const char *apimetrics_ends[] = {
	"completed", "client_gone", "timeout", "write_error", "shutdown",
	"removed", "container_exited",
};

struct apimetrics *
apimetrics_get(void)
{
	if (!apimetrics_ready) {
		metrics_hist_init(&apimetrics_data.release, apimetrics_buckets,
		    sizeof apimetrics_buckets / sizeof apimetrics_buckets[0]);
		metrics_hist_set_init(&apimetrics_data.latency, "route",
		    apimetrics_buckets, sizeof apimetrics_buckets /
		    sizeof apimetrics_buckets[0]);
		apimetrics_ready = 1;
	}
	return (&apimetrics_data);
}

enum apimetrics_endpoint
apimetrics_endpoint_of(const char *kind)
{
	for (size_t i = 0; i < sizeof apimetrics_kinds /
	    sizeof apimetrics_kinds[0]; i++) {
		if (strcmp(apimetrics_kinds[i].kind, kind) == 0)
			return (apimetrics_kinds[i].ep);
	}
	return (APIMETRICS_OTHER);
}

const char *
apimetrics_endpoint_name(enum apimetrics_endpoint ep)
{
	return ((size_t)ep < APIMETRICS_NENDPOINTS ?
	    apimetrics_endpoints[ep] : "other");
}

enum apimetrics_end
apimetrics_end_of(enum cancel_reason why)
{
	switch (why) {
	case CANCEL_CLIENT_GONE:
		return (APIMETRICS_CLIENT_GONE);
	case CANCEL_TIMEOUT:
		return (APIMETRICS_TIMEOUT);
	case CANCEL_WRITE_ERROR:
		return (APIMETRICS_WRITE_ERROR);
	case CANCEL_SHUTDOWN:
		return (APIMETRICS_SHUTDOWN);
	case CANCEL_REMOVED:
		return (APIMETRICS_REMOVED);
	case CANCEL_CONTAINER_EXITED:
		return (APIMETRICS_CONTAINER_EXITED);
	case CANCEL_NONE:
	case CANCEL_RELEASED:
		break;
	}
	return (APIMETRICS_COMPLETED);
}

const char *
apimetrics_end_name(enum apimetrics_end end)
{
	return ((size_t)end < APIMETRICS_NENDS ? apimetrics_ends[end] :
	    "completed");
}

void
apimetrics_stream_opened(enum apimetrics_endpoint ep)
{
	struct apimetrics	*m = apimetrics_get();

	m->streams[ep]++;
	m->opened[ep]++;
}

void
apimetrics_stream_ended(enum apimetrics_endpoint ep, enum apimetrics_end end)
{
	struct apimetrics	*m = apimetrics_get();

	if (m->streams[ep] > 0)
		m->streams[ep]--;
	m->ended[ep][end]++;
}

void
apimetrics_frames(enum apimetrics_endpoint ep, uint64_t n)
{
	apimetrics_get()->frames[ep] += n;
}

void
apimetrics_bytes(uint64_t n)
{
	apimetrics_get()->bytes_sent += n;
}

int64_t
apimetrics_client_closed(void)
{
	apimetrics_get()->client_closes++;
	return (timeutil_mono_ns());
}

void
apimetrics_released(int64_t closed_ns)
{
	metrics_hist_observe(&apimetrics_get()->release,
	    (double)(timeutil_mono_ns() - closed_ns) / 1e9);
}

void
apimetrics_replied(const char *route, int64_t start_ns)
{
	metrics_hist_observe(metrics_hist_set_get(&apimetrics_get()->latency,
	    route), (double)(timeutil_mono_ns() - start_ns) / 1e9);
}
