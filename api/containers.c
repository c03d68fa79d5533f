/* SPDX-License-Identifier: MIT */
/*
 * Container endpoints: the query checked in dockerd's order and words,
 * then the container store does the work. Create's body is
 * api/containers_create.c; the replies that wait for a container (stop,
 * kill -9, restart, rm -f, wait) park in api/containers_wait.c.
 */
#include <sys/mman.h>

#include <ctype.h>
#include <unistd.h>

#include <jansson.h>

#include "api/apiversion.h"
#include "api/containers.h"
#include "api/containers_wait.h"
#include "api/hostconfig.h"
#include "api/http.h"
#include "daemon/base/strconv.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/runtime.h"

#define CONTAINERS_STOP_DEFAULT	10

static struct container *
containers_lookup(struct api_req *r)
{
	struct container	*c;
	struct err		 err;

	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL)
		api_reply_err(r, &err);
	return (c);
}

/* Go's strconv.Atoi for ?t=; dockerd answers 500, we answer 400. */
static int
containers_parse_timeout(struct api_req *r, int *out)
{
	const char	*s = api_query(r, "t");
	struct err	 err;

	*out = CONTAINERS_STOP_DEFAULT;
	if (s == NULL || *s == '\0')
		return (0);
	if (strconv_atoi(s, out, &err) != 0) {
		api_reply_err(r, &err);
		return (-1);
	}
	return (0);
}

/*
 * API 1.42's stop and restart `signal`, ignored before as dockerd does: 0
 * (the container's StopSignal) when not given. dockerd parses it only for
 * a running container, after the lookup, and puts its own prefix before
 * the error: -1 once the reply is sent.
 */
static int
containers_stop_signal(struct api_req *r, const struct container *c,
    const char *prefix, int *sig)
{
	const char	*s = api_query(r, "signal");

	*sig = 0;
	if (api_req_version(r) < API_VERSION(1, 42) || s == NULL ||
	    *s == '\0' || !container_running(c))
		return (0);
	if ((*sig = runtime_parse_signal(s)) > 0)
		return (0);
	api_reply_error(r, 500, "%s %s: invalid signal: %s", prefix,
	    api_req_param(r, 0), s);
	return (-1);
}

/* ---- inspect (the list is in containers_list.c) ------------------- */

void
containers_inspect(struct api_req *r)
{
	struct container	*c;
	json_t			*j;

	if ((c = containers_lookup(r)) == NULL)
		return;
	j = container_view_inspect(c);
	json_object_set_new(j, "HostConfig", hostconfig_inspect(
	    json_object_get(j, "HostConfig")));
	apiversion_container_inspect(api_req_version(r), j);
	api_reply_json(r, 200, j);
}

/* ---- start, stop, kill, restart -------------------------------------- */

void
containers_start(struct api_req *r)
{
	struct container	*c;
	struct err		 err;

	if ((c = containers_lookup(r)) == NULL)
		return;
	if (container_start(c, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 204);
}

void
containers_stop(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	int			 t, sig;

	if (containers_parse_timeout(r, &t) != 0)
		return;
	if ((c = containers_lookup(r)) == NULL ||
	    containers_stop_signal(r, c, "cannot stop container:", &sig) != 0)
		return;
	switch (container_stop(c, sig, t, &err)) {
	case -1:
		api_reply_err(r, &err);
		break;
	case 0:
		containers_wait_pend(r, c, CONTAINERS_WAIT_ACTION_STOP,
		    CONTAINER_WAIT_NOT_RUNNING);
		break;
	default:	/* was waiting to restart: down already */
		api_reply_empty(r, 204);
		break;
	}
}

/*
 * dockerd's postContainersKill puts "Cannot kill container: NAME: ", the
 * name as the client wrote it, before every error of the kill, a missing
 * container's too; before API 1.20 killing a stopped container was no
 * error at all.
 */
static void
containers_kill_error(struct api_req *r, const struct err *err)
{
	if (err->code == ERR_CONFLICT &&
	    api_req_version(r) < API_VERSION(1, 20)) {
		api_reply_empty(r, 204);
		return;
	}
	api_reply_error(r, api_err_status(err->code),
	    "Cannot kill container: %s: %s", api_req_param(r, 0), err->msg);
}

void
containers_kill(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	const char		*s = api_query(r, "signal");
	int			 sig = 9, rc;

	if (s != NULL && *s != '\0' && (sig = runtime_parse_signal(s)) < 0) {
		api_reply_error(r, 400, "Invalid signal: %s", s);
		return;
	}
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL || (rc = container_kill(c, sig, &err)) < 0) {
		containers_kill_error(r, &err);
		return;
	}
	/* Like dockerd, SIGKILL answers once the container is down. */
	if (sig == 9 && rc == 0)
		containers_wait_pend(r, c, CONTAINERS_WAIT_ACTION_KILL,
		    CONTAINER_WAIT_NOT_RUNNING);
	else
		api_reply_empty(r, 204);
}

static void
containers_pause_unpause(struct api_req *r, int pause)
{
	struct container	*c;
	struct err		 err;

	if ((c = containers_lookup(r)) == NULL)
		return;
	if (container_pause(c, pause, &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 204);
}

void
containers_pause(struct api_req *r)
{
	containers_pause_unpause(r, 1);
}

void
containers_unpause(struct api_req *r)
{
	containers_pause_unpause(r, 0);
}

void
containers_restart(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	int			 t, sig;

	if (containers_parse_timeout(r, &t) != 0)
		return;
	if ((c = containers_lookup(r)) == NULL ||
	    containers_stop_signal(r, c, "Cannot restart container", &sig) != 0)
		return;
	if (container_stop(c, sig, t, &err) == 0) {
		containers_wait_pend(r, c, CONTAINERS_WAIT_ACTION_RESTART,
		    CONTAINER_WAIT_NOT_RUNNING);
		return;
	}
	if (container_start(c, &err) != 0 && err.code != ERR_NOT_MODIFIED) {
		api_reply_err(r, &err);
		return;
	}
	container_event(c, "restart", NULL);
	api_reply_empty(r, 204);
}

/* ---- rename, export ---------------------------------------------- */

void
containers_rename(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	const char		*name = api_query(r, "name");

	if ((c = containers_lookup(r)) == NULL)
		return;
	if (container_store_rename(api_req_store(r), c,
	    name != NULL ? name : "", &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 204);
}

/*
 * The tar is built in a memfd before the first byte goes out, as docker
 * save's: a failure half way still gets a JSON error, not a cut tar.
 */
void
containers_export(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	int			 fd;

	if ((c = containers_lookup(r)) == NULL)
		return;
	if ((fd = memfd_create("lp-export", MFD_CLOEXEC)) < 0) {
		api_reply_error(r, 500, "memfd: %m");
		return;
	}
	if (container_export(c, fd, &err) != 0) {
		close(fd);
		api_reply_err(r, &err);
		return;
	}
	container_event(c, "export", NULL);
	api_reply_tar_fd(r, fd);
}

void
containers_changes(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	json_t			*list;

	if ((c = containers_lookup(r)) == NULL)
		return;
	if ((list = container_changes(c, &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	/* dockerd's answer for no change is null, not []. */
	if (json_array_size(list) == 0) {
		json_decref(list);
		list = json_null();
	}
	api_reply_json(r, 200, list);
}

/* ---- remove -------------------------------------------------------- */

void
containers_remove(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	int			 ret;

	if ((c = containers_lookup(r)) == NULL)
		return;
	ret = container_remove(c, api_query_bool(r, "force"), &err);
	if (ret < 0)
		api_reply_err(r, &err);
	else if (ret == 0)
		api_reply_empty(r, 204);
	else
		containers_wait_pend(r, c, CONTAINERS_WAIT_ACTION_REMOVE,
		    CONTAINER_WAIT_REMOVED);
}

/* UpdateConfig: container.Resources, then the RestartPolicy. */
static const char *const containers_update_keys[] = {
	"CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight",
	"BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
	"BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota",
	"CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems",
	"Devices", "DeviceCgroupRules", "DeviceRequests", "KernelMemory",
	"KernelMemoryTCP", "MemoryReservation", "MemorySwap",
	"MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits",
	"CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth",
	"RestartPolicy", NULL
};

/*
 * The body as dockerd's postContainerUpdate decodes it: a plain decode
 * error, so 500, before the container is looked up. NULL once answered.
 */
static json_t *
containers_update_body(struct api_req *r)
{
	json_error_t	 jerr;
	json_t		*body;
	struct err	 err = { ERR_INTERNAL, "" };
	size_t		 len, i;
	char		*text;

	if ((text = api_body(r, &len)) == NULL) {
		api_reply_error(r, 413, "request body too large");
		return (NULL);
	}
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	body = i == len ? NULL : json_loadb(text, len,
	    JSON_DISABLE_EOF_CHECK, &jerr);
	if (i == len)
		err_set(&err, ERR_INTERNAL, "EOF");
	else if (body == NULL)
		api_body_syntax_error(text, len, jerr.text, &err);
	else if (!json_is_object(body)) {
		err_set(&err, ERR_INTERNAL, "json: cannot unmarshal %s into Go "
		    "value of type container.UpdateConfig",
		    api_body_json_type(body));
		json_decref(body);
		body = NULL;
	}
	xfree(text);
	if (body == NULL)
		api_reply_err(r, &err);
	return (body);
}

void
containers_update(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	json_t			*body, *hc = NULL, *up = NULL, *v;

	if ((body = containers_update_body(r)) == NULL)
		return;
	/* Before 1.40 the client could not ask for a pids limit. */
	if (api_req_version(r) < API_VERSION(1, 40))
		json_object_del(body, "PidsLimit");
	if ((c = containers_lookup(r)) == NULL)
		goto out;
	/* verifyContainerSettings: the types, the policy, the memory. */
	up = json_object();
	for (size_t i = 0; containers_update_keys[i] != NULL; i++)
		if ((v = json_object_get(body, containers_update_keys[i])) !=
		    NULL)
			json_object_set(up, containers_update_keys[i], v);
	hc = json_object();
	if (hostconfig_copy(up, hc, &err) != 0 ||
	    container_update(c, hc, &err) != 0) {
		api_reply_err(r, &err);
		goto out;
	}
	api_reply_json(r, 200, json_pack("{s:n}", "Warnings"));
out:
	json_decref(up);
	json_decref(hc);
	json_decref(body);
}
