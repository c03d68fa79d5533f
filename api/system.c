/* SPDX-License-Identifier: MIT */
/*
 * /_ping, /version, /info: what the docker CLI asks before anything else.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/server.h"
#include "api/system.h"
#include "daemon/container.h"
#include "daemon/base/procinfo.h"
#include "daemon/base/task.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/utf8.h"
#include "daemon/jsontext.h"
#include "daemon/base/xalloc.h"

void
system_ping(struct api_req *r)
{
	struct evbuffer		*body = evbuffer_new();

	api_req_add_header(r, "Cache-Control",
	    "no-cache, no-store, must-revalidate");
	api_req_add_header(r, "Pragma", "no-cache");
	api_req_add_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (api_req_method(r) == EVHTTP_REQ_HEAD)
		api_req_add_header(r, "Content-Length", "0");
	else
		evbuffer_add(body, "OK", 2);
	api_reply_buf(r, 200, body);
	evbuffer_free(body);
}

/* Go's GOARCH names, which docker clients print. */
static const char *
system_goarch(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return ("amd64");
	if (strcmp(machine, "aarch64") == 0)
		return ("arm64");
	if (strcmp(machine, "i686") == 0 || strcmp(machine, "i386") == 0)
		return ("386");
	return (machine);
}

void
system_version(struct api_req *r)
{
	struct utsname	 u;
	char		 api[16], minapi[16], go[64];
	json_t		*o;

	uname(&u);
	snprintf(api, sizeof api, "%d.%d", API_VERSION_MAX / 100,
	    API_VERSION_MAX % 100);
	snprintf(minapi, sizeof minapi, "%d.%d", API_VERSION_MIN / 100,
	    API_VERSION_MIN % 100);
	/* No Go here: say what the server is built on instead. */
	snprintf(go, sizeof go, "none (C11, libevent %s)", event_get_version());
	o = json_pack("{s:{s:s}, s:[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, "
	    "s:o, s:o, s:s}}], s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}",
	    "Platform", "Name", "logpouch",
	    "Components", "Name", "Engine", "Version", LOGPOUCH_VERSION,
	    "Details", "ApiVersion", api, "MinAPIVersion", minapi,
	    "GitCommit", LOGPOUCH_COMMIT, "GoVersion", go,
	    "Os", "linux", "Arch", jsontext_new(system_goarch(u.machine)),
	    "KernelVersion", jsontext_new(u.release), "BuildTime", "",
	    "Version", LOGPOUCH_VERSION, "ApiVersion", api,
	    "MinAPIVersion", minapi, "GitCommit", LOGPOUCH_COMMIT,
	    "GoVersion", go,
	    "Os", "linux", "Arch", jsontext_new(system_goarch(u.machine)),
	    "KernelVersion", jsontext_new(u.release), "BuildTime", "");
	api_reply_json(r, 200, o);
}

void
system_info(struct api_req *r)
{
	struct utsname	 u;
	char		 host[256] = "", now[TIMEUTIL_BUFSZ];
	int		 running = 0, paused = 0, stopped = 0;
	json_t		*o;

	uname(&u);
	gethostname(host, sizeof host - 1);
	if (api_req_store(r) != NULL)
		container_store_counts(api_req_store(r), &running, &paused,
		    &stopped);
	timeutil_format(now, timeutil_now_ns(), 0);
	o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:[], s:I, s:i, "
	    "s:b, s:s, s:s, s:o, s:s, s:s, s:i, s:I, s:o, s:o, s:s, s:o, "
	    "s:[], s:b, s:[], s:i}",
	    "ID", "logpouch",
	    "Containers", running + paused + stopped,
	    "ContainersRunning", running,
	    "ContainersPaused", paused,
	    "ContainersStopped", stopped,
	    "Images", 0,
	    "Driver", "logpouch",
	    "DriverStatus",
	    "NGoroutines", (json_int_t)task_count(),
	    "NFd", procinfo_open_fds(),
	    "Debug", api_req_server(r)->cfg.debug,
	    "SystemTime", now,
	    "LoggingDriver", "json-file",
	    "KernelVersion", jsontext_new(u.release),
	    "OperatingSystem", "logpouch process runtime",
	    "OSType", "linux",
	    "NCPU", (int)sysconf(_SC_NPROCESSORS_ONLN),
	    "MemTotal", (json_int_t)sysconf(_SC_PHYS_PAGES) *
	    (json_int_t)sysconf(_SC_PAGESIZE),
	    /* Texts from the system: any bytes, sanitized. */
	    "DockerRootDir", jsontext_new(api_req_server(r)->cfg.data_root),
	    "Name", jsontext_new(host),
	    "ServerVersion", LOGPOUCH_VERSION,
	    "Architecture", jsontext_new(u.machine),
	    "Labels",
	    "ExperimentalBuild", 0,
	    "Warnings",
	    "NEventsListener", 0);
	api_reply_json(r, 200, o);
}
