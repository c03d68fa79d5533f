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
#include "daemon/events.h"
#include "daemon/images.h"
#include "daemon/ociruntime.h"
#include "daemon/base/hostinfo.h"
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

/*
 * dockerd's second component is containerd, which we do not have; its
 * next is the default OCI runtime, under its name, as --version told.
 */
static void
system_version_runtime(struct api_req *r, json_t *components)
{
	struct container_store	*st = api_req_store(r);
	struct ociruntimes	*rts = st != NULL ?
				    container_store_runtimes(st) : NULL;
	const char		*ver, *commit;

	if (rts == NULL || ociruntimes_default_version(rts, &ver, &commit) != 0)
		return;
	json_array_append_new(components, json_pack("{s:s, s:o, s:{s:o}}",
	    "Name", ociruntimes_default(rts), "Version", jsontext_new(ver),
	    "Details", "GitCommit", jsontext_new(commit)));
}

void
system_version(struct api_req *r)
{
	struct utsname	 u;
	char		 api[16], minapi[16], go[64];
	json_t		*o;

	uname(&u);
	api_version_advertised(api_req_version(r), api, sizeof api);
	snprintf(minapi, sizeof minapi, "%d.%d", API_VERSION_MIN / 100,
	    API_VERSION_MIN % 100);
	/* No Go here: say what the server is built on instead. */
	snprintf(go, sizeof go, "none (C11, libevent %s)", event_get_version());
	o = json_pack("{s:{s:s}, s:[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, "
	    "s:o, s:o, s:s, s:s}}], s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, "
	    "s:s}",
	    "Platform", "Name", "logpouch",
	    "Components", "Name", "Engine", "Version", LOGPOUCH_VERSION,
	    "Details", "ApiVersion", api, "MinAPIVersion", minapi,
	    "GitCommit", LOGPOUCH_COMMIT, "GoVersion", go,
	    "Os", "linux", "Arch", jsontext_new(system_goarch(u.machine)),
	    "KernelVersion", jsontext_new(u.release),
	    /* There is no experimental mode to turn on. */
	    "BuildTime", LOGPOUCH_BUILD_TIME, "Experimental", "false",
	    "Version", LOGPOUCH_VERSION, "ApiVersion", api,
	    "MinAPIVersion", minapi, "GitCommit", LOGPOUCH_COMMIT,
	    "GoVersion", go,
	    "Os", "linux", "Arch", jsontext_new(system_goarch(u.machine)),
	    "KernelVersion", jsontext_new(u.release),
	    "BuildTime", LOGPOUCH_BUILD_TIME);
	system_version_runtime(r, json_object_get(o, "Components"));
	api_reply_json(r, 200, o);
}

/*
 * The engine's part of /info: what the store knows. Without a store (the
 * server's unit tests) the counts are zero and the identity empty.
 */
static void
system_info_engine(struct api_req *r, json_t *o)
{
	struct container_store	*st = api_req_store(r);
	struct ociruntimes	*rts;
	struct hostinfo_cgroup	 cg;
	json_t			*engine;
	const char		*ver, *commit;
	int			 running = 0, paused = 0, stopped = 0, oci;

	if (st == NULL)
		return;
	container_store_counts(st, &running, &paused, &stopped);
	rts = container_store_runtimes(st);
	oci = rts != NULL && strcmp(ociruntimes_default(rts),
	    OCIRUNTIME_PROCESS) != 0;
	/* Limits are enforced only where an OCI runtime puts cgroups. */
	hostinfo_cgroup_features(&cg);
	if (!oci)
		memset(&cg, 0, sizeof cg);
	engine = json_pack("{s:s, s:i, s:i, s:i, s:i, s:I, s:s,"
	    " s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:o, s:s}",
	    "ID", container_store_engine_id(st),
	    "Containers", running + paused + stopped,
	    "ContainersRunning", running,
	    "ContainersPaused", paused,
	    "ContainersStopped", stopped,
	    "Images", (json_int_t)images_count(container_store_images(st)),
	    "Driver", images_overlay(container_store_images(st)) ?
	    "overlay2" : "vfs",
	    "MemoryLimit", cg.memory, "SwapLimit", cg.swap,
	    "CpuCfsPeriod", cg.cfs_period, "CpuCfsQuota", cg.cfs_quota,
	    "CPUShares", cg.cpu_shares, "CPUSet", cg.cpuset,
	    "PidsLimit", cg.pids,
	    "NEventsListener", (json_int_t)events_subscribers(
	    container_store_events(st)),
	    "Runtimes", rts != NULL ? ociruntimes_view(rts) : json_object(),
	    "DefaultRuntime", rts != NULL ? ociruntimes_default(rts) :
	    OCIRUNTIME_PROCESS);
	/* "N/A" when unknown, and Expected the same: as dockerd. */
	if (rts != NULL && ociruntimes_default_version(rts, &ver, &commit) == 0)
		json_object_set_new(engine, "RuncCommit", json_pack("{s:o, s:o}",
		    "ID", jsontext_new(commit), "Expected",
		    jsontext_new(commit)));
	json_object_update(o, engine);
	json_decref(engine);
}

void
system_info(struct api_req *r)
{
	struct utsname	 u;
	char		 host[256] = "", now[TIMEUTIL_BUFSZ];
	char		 os[256], osver[64], cgver[4];
	json_t		*o;

	uname(&u);
	gethostname(host, sizeof host - 1);
	hostinfo_os(os, sizeof os, osver, sizeof osver);
	snprintf(cgver, sizeof cgver, "%d", hostinfo_cgroup_version());
	timeutil_format(now, timeutil_now_ns(), 0);
	o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:[], "
	    "s:b, s:b, s:b, s:b, s:b, s:b, s:b, "
	    "s:b, s:I, s:i, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:s, "
	    "s:o, s:i, s:I, s:o, s:o, s:s, s:[], s:b, s:o, s:s, s:b, "
	    "s:{s:s, s:s}, s:n}",
	    "ID", "", "Containers", 0, "ContainersRunning", 0,
	    "ContainersPaused", 0, "ContainersStopped", 0, "Images", 0,
	    "Driver", "vfs", "DriverStatus",
	    "MemoryLimit", 0, "SwapLimit", 0, "CpuCfsPeriod", 0,
	    "CpuCfsQuota", 0, "CPUShares", 0, "CPUSet", 0, "PidsLimit", 0,
	    "Debug", api_req_server(r)->cfg.debug,
	    "NGoroutines", (json_int_t)task_count(),
	    "NFd", procinfo_open_fds(),
	    "SystemTime", now,
	    "LoggingDriver", json_string_value(json_object_get(
	    container_store_log_default(api_req_store(r)), "Type")),
	    "CgroupDriver", "cgroupfs",
	    "CgroupVersion", cgver,
	    "NEventsListener", 0,
	    "KernelVersion", jsontext_new(u.release),
	    /* Texts from the system: any bytes, sanitized. */
	    "OperatingSystem", jsontext_new(os),
	    "OSVersion", jsontext_new(osver),
	    "OSType", "linux",
	    "Architecture", jsontext_new(u.machine),
	    "NCPU", (int)sysconf(_SC_NPROCESSORS_ONLN),
	    "MemTotal", (json_int_t)sysconf(_SC_PHYS_PAGES) *
	    (json_int_t)sysconf(_SC_PAGESIZE),
	    "DockerRootDir", jsontext_new(api_req_server(r)->cfg.data_root),
	    "Name", jsontext_new(host),
	    "ServerVersion", LOGPOUCH_VERSION,
	    "Labels",
	    "ExperimentalBuild", 0,
	    "Runtimes", json_object(),
	    "DefaultRuntime", OCIRUNTIME_PROCESS,
	    "LiveRestoreEnabled", 0,
	    "RuncCommit", "ID", "N/A", "Expected", "N/A",
	    "Warnings");
	/* What is there to plug into, and the swarm that is not. */
	json_object_set_new(o, "Plugins", json_pack("{s:[], s:[s, s], s:n, "
	    "s:[s]}", "Volume", "Network", "host", "null", "Authorization",
	    "Log", "json-file"));
	json_object_set_new(o, "Swarm", json_pack("{s:s, s:s, s:s, s:b, s:s, "
	    "s:n}", "NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive",
	    "ControlAvailable", 0, "Error", "", "RemoteManagers"));
	system_info_engine(r, o);
	api_reply_json(r, 200, o);
}
