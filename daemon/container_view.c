/* SPDX-License-Identifier: MIT */
/*
 * What clients see of a container: inspect's object (also the body of
 * config.v2.json), a GET /containers/json item, dockerd's status words and
 * go-units' human durations. Reads the container, never changes it.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/healthstate.h"
#include "daemon/images.h"
#include "daemon/imgarchive.h"
#include "daemon/jsontext.h"
#include "daemon/networks.h"
#include "daemon/oci.h"
#include "daemon/ocimounts.h"

#define CONTAINER_VIEW_ZERO_TIME	"0001-01-01T00:00:00Z"

static void
container_view_time(char *buf, int64_t ns)
{
	if (ns == 0)
		snprintf(buf, TIMEUTIL_BUFSZ, "%s", CONTAINER_VIEW_ZERO_TIME);
	else
		timeutil_format(buf, ns, 0);
}

void
container_view_human_duration(char *buf, size_t len, int64_t ns)
{
	double	secs = (double)ns / 1e9;
	long	s = (long)secs, m = (long)(secs / 60);
	long	h = (long)(secs / 3600 + 0.5);

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%ld seconds", s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%ld minutes", m);
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%ld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%ld days", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%ld weeks", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%ld months", h / 24 / 30);
	else
		snprintf(buf, len, "%ld years", (long)(secs / 3600) / 24 / 365);
}

/* State.Status / list State: dockerd's StateString. */
static const char *
container_view_status(const struct container *c)
{
	if (c->state == CONTAINER_RUNNING)
		return (c->paused ? "paused" : "running");
	if (c->restarting)
		return ("restarting");
	if (c->removing)
		return ("removing");
	if (c->started_ns == 0)
		return ("created");
	return ("exited");
}

static const char *
container_view_restart_name(const struct container *c)
{
	const char	*name = json_string_value(json_object_get(
			    json_object_get(c->hostconfig, "RestartPolicy"),
			    "Name"));

	return (name != NULL ? name : "");
}

static json_t *
container_view_path_args(const struct container *c, json_t **args)
{
	json_t		*ep = json_object_get(c->config, "Entrypoint");
	json_t		*cmd = json_object_get(c->config, "Cmd");
	json_t		*all = json_array(), *path;
	size_t		 i;

	for (i = 0; i < json_array_size(ep); i++)
		json_array_append(all, json_array_get(ep, i));
	for (i = 0; i < json_array_size(cmd); i++)
		json_array_append(all, json_array_get(cmd, i));
	path = json_array_size(all) > 0 ? json_incref(json_array_get(all, 0)) :
	    json_string("");
	if (json_array_size(all) > 0)
		json_array_remove(all, 0);
	*args = all;
	return (path);
}

/* HostConfig.NetworkMode as given; dockerd fills in "default" for none. */
static const char *
container_view_network_mode(const struct container *c)
{
	const char	*m = json_string_value(json_object_get(c->hostconfig,
			    "NetworkMode"));

	return (m != NULL && *m != '\0' ? m : "default");
}

/*
 * The container's one network, {"none": {...}} or {"host": {...}}, as
 * dockerd's EndpointSettings: the NetworkID once it has been started (it
 * has joined), an EndpointID only while it runs. The endpoint id is the
 * hash of the container, network and start: one per run, as dockerd's
 * random one, with nothing more to store.
 */
json_t *
container_view_networks(const struct container *c)
{
	const struct network	*n;
	char			 ep[65] = "", *key;
	const char		*nid = "";

	n = networks_lookup(c->store->networks, oci_network_mode(c->hostconfig),
	    NULL);
	if (n != NULL && c->started_ns != 0)
		nid = network_id(n);
	if (n != NULL && c->state == CONTAINER_RUNNING) {
		key = xasprintf("%s/%s/%lld", c->id, network_id(n),
		    (long long)c->started_ns);
		imgarchive_sha256(key, strlen(key), ep);
		xfree(key);
	}
	return (json_pack("{s:{s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:i, s:s, "
	    "s:s, s:i, s:s, s:n}}", oci_network_mode(c->hostconfig),
	    "IPAMConfig", "Links", "Aliases", "NetworkID", nid,
	    "EndpointID", ep, "Gateway", "", "IPAddress", "",
	    "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
	    "GlobalIPv6PrefixLen", 0, "MacAddress", "", "DriverOpts"));
}

/* inspect's NetworkSettings: no bridge, so no addresses and no ports. */
static json_t *
container_view_network_settings(const struct container *c)
{
	return (json_pack("{s:s, s:s, s:b, s:s, s:i, s:{}, s:s, s:n, s:n, "
	    "s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:o}",
	    "Bridge", "", "SandboxID", "", "HairpinMode", 0,
	    "LinkLocalIPv6Address", "", "LinkLocalIPv6PrefixLen", 0,
	    "Ports", "SandboxKey", "", "SecondaryIPAddresses",
	    "SecondaryIPv6Addresses", "EndpointID", "", "Gateway", "",
	    "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0,
	    "IPAddress", "", "IPPrefixLen", 0, "IPv6Gateway", "",
	    "MacAddress", "", "Networks", container_view_networks(c)));
}

/*
 * dockerd shows a link as "/target:/this/alias"; create kept
 * "/target:alias" because this container's name was not yet known.
 */
static json_t *
container_view_links(const struct container *c, json_t *links)
{
	json_t		*out = json_array(), *v;
	const char	*s, *colon;
	char		*full;
	size_t		 i;

	json_array_foreach(links, i, v) {
		s = json_string_value(v);
		if (s == NULL || (colon = strchr(s, ':')) == NULL ||
		    colon[1] == '/') {
			json_array_append(out, v);
			continue;
		}
		full = xasprintf("%.*s:%s/%s", (int)(colon - s), s, c->name,
		    colon + 1);
		json_array_append_new(out, jsontext_new(full));
		xfree(full);
	}
	return (out);
}

/* A new reference to v, or dflt (a new value) when v is missing. */
static json_t *
container_view_ref(json_t *v, json_t *dflt)
{
	if (v == NULL)
		return (dflt);
	json_decref(dflt);
	return (json_incref(v));
}

json_t *
container_view_inspect(const struct container *c)
{
	char	 created[TIMEUTIL_BUFSZ], started[TIMEUTIL_BUFSZ];
	char	 finished[TIMEUTIL_BUFSZ], hostname[256];
	json_t	*args, *path, *cfg, *hc, *lc, *j, *env;
	/* dockerd's container Driver is its graph driver: what /info says. */
	const char *driver = images_overlay(container_store_images(c->store)) ?
	    "overlay2" : "vfs";

	container_view_time(created, c->created_ns);
	container_view_time(started, c->started_ns);
	container_view_time(finished, c->finished_ns);
	snprintf(hostname, sizeof hostname, "%.12s", c->id);
	if (*container_json_str(c->config, "Hostname") != '\0')
		snprintf(hostname, sizeof hostname, "%s",
		    container_json_str(c->config, "Hostname"));
	path = container_view_path_args(c, &args);
	/*
	 * dockerd's merge keeps the image's Env when the create gave none,
	 * so with neither it is null; PATH is added to the process only.
	 */
	env = json_object_get(c->config, "Env");
	if (json_array_size(env) == 0)
		env = NULL;

	cfg = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b,"
	    " s:o, s:o, s:O*, s:s, s:n, s:s, s:o, s:n, s:o}",
	    "Hostname", hostname, "Domainname", container_json_str(c->config,
	    "Domainname"), "User",
	    container_json_str(c->config, "User"),
	    "AttachStdin", json_is_true(json_object_get(c->config,
	    "AttachStdin")),
	    "AttachStdout", json_is_true(json_object_get(c->config,
	    "AttachStdout")),
	    "AttachStderr", json_is_true(json_object_get(c->config,
	    "AttachStderr")),
	    "Tty", container_tty(c),
	    "OpenStdin", json_is_true(json_object_get(c->config, "OpenStdin")),
	    "StdinOnce", json_is_true(json_object_get(c->config, "StdinOnce")),
	    "Env", container_view_ref(env, json_null()),
	    "Cmd", container_view_ref(json_object_get(c->config, "Cmd"),
	    json_null()),
	    "Healthcheck", json_object_get(c->config, "Healthcheck"),
	    "Image", container_json_str(c->config, "Image"),
	    "Volumes",
	    "WorkingDir", container_json_str(c->config, "WorkingDir"),
	    "Entrypoint", container_view_ref(json_object_get(c->config,
	    "Entrypoint"), json_null()),
	    "OnBuild",
	    "Labels", container_view_ref(json_object_get(c->config, "Labels"),
	    json_object()));
	lc = json_object_get(c->hostconfig, "LogConfig");
	hc = json_pack("{s:{s:s, s:o}, s:s, s:{s:s, s:i}, s:b}",
	    "LogConfig", "Type", container_log_driver(c),
	    "Config", container_view_ref(json_object_get(lc, "Config"),
	    json_object()),
	    "NetworkMode", container_view_network_mode(c),
	    "RestartPolicy", "Name", container_view_restart_name(c),
	    "MaximumRetryCount", (int)json_integer_value(json_object_get(
	    json_object_get(c->hostconfig, "RestartPolicy"),
	    "MaximumRetryCount")),
	    "AutoRemove", json_is_true(json_object_get(c->hostconfig,
	    "AutoRemove")));
	/* The runtime's fields (Runtime, Binds, Memory...) as given. */
	json_object_update_missing(hc, c->hostconfig);
	if (json_array_size(json_object_get(hc, "Links")) > 0)
		json_object_set_new(hc, "Links", container_view_links(c,
		    json_object_get(hc, "Links")));
	if (json_is_string(json_object_get(c->config, "StopSignal")))
		json_object_set(cfg, "StopSignal", json_object_get(c->config,
		    "StopSignal"));
	if (json_array_size(json_object_get(c->config, "Shell")) > 0)
		json_object_set(cfg, "Shell", json_object_get(c->config,
		    "Shell"));
	json_object_set_new(cfg, "OpenStdin", json_boolean(json_is_true(
	    json_object_get(c->config, "OpenStdin"))));
	/* Keys in dockerd's order (ContainerJSONBase, then the rest). */
	j = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b,"
	    " s:i, s:i, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:o, s:s, s:i,"
	    " s:s, s:s, s:s, s:s, s:s, s:n, s:o, s:{s:n, s:s}, s:o, s:o,"
	    " s:o}",
	    "Id", c->id, "Created", created, "Path", path, "Args", args,
	    "State", "Status", container_view_status(c),
	    /* dockerd counts a restarting container as running. */
	    "Running", c->state == CONTAINER_RUNNING || c->restarting,
	    "Paused", c->paused, "Restarting", c->restarting,
	    "OOMKilled", c->oom_killed, "Dead", 0,
	    "Pid", c->pid, "ExitCode", c->exit_code, "Error", c->error,
	    "StartedAt", started, "FinishedAt", finished,
	    "Image", container_json_str(c->config, "ImageID"),
	    "ResolvConfPath", "", "HostnamePath", "", "HostsPath", "",
	    /* Under --data-root: any bytes the operator chose. */
	    "LogPath", jsontext_new(c->log_started ? c->logopt.path :
	    NULL),
	    "Name", c->name, "RestartCount", c->restart_count,
	    "Driver", driver, "Platform", "linux",
	    "MountLabel", "", "ProcessLabel", "", "AppArmorProfile", "",
	    "ExecIDs", "HostConfig", hc, "GraphDriver", "Data", "Name",
	    driver, "Mounts", ocimounts_inspect(c->hostconfig,
	    c->store->data_root), "Config", cfg,
	    "NetworkSettings", container_view_network_settings(c));
	/* omitempty, last of ContainerState; a copy, as the probes go on. */
	if (c->health != NULL)
		json_object_set_new(json_object_get(j, "State"), "Health",
		    json_deep_copy(c->health));
	return (j);
}

json_t *
container_view_summary(const struct container *c, int64_t now_ns)
{
	char		 status[96], d[48], *cmd;
	json_t		*args, *path, *j, *labels, *annotations;
	const char	*hs;
	size_t	 i;

	if (c->state == CONTAINER_RUNNING) {
		container_view_human_duration(d, sizeof d,
		    now_ns - c->started_ns);
		/* dockerd's State.String: paused, else the health. */
		hs = healthstate_status(c->health);
		if (c->paused)
			snprintf(status, sizeof status, "Up %s (Paused)", d);
		else if (hs != NULL)
			snprintf(status, sizeof status, "Up %s (%s%s)", d,
			    strcmp(hs, "starting") == 0 ? "health: " : "", hs);
		else
			snprintf(status, sizeof status, "Up %s", d);
	} else if (c->restarting) {
		container_view_human_duration(d, sizeof d,
		    now_ns - c->finished_ns);
		snprintf(status, sizeof status, "Restarting (%d) %s ago",
		    c->exit_code, d);
	} else if (c->removing)
		snprintf(status, sizeof status, "Removal In Progress");
	else if (c->started_ns == 0)
		snprintf(status, sizeof status, "Created");
	else if (c->finished_ns == 0)
		status[0] = '\0';
	else {
		container_view_human_duration(d, sizeof d,
		    now_ns - c->finished_ns);
		snprintf(status, sizeof status, "Exited (%d) %s ago",
		    c->exit_code, d);
	}

	/* dockerd quotes arguments holding a space with '...'. */
	path = container_view_path_args(c, &args);
	cmd = xstrdup(json_string_value(path));
	for (i = 0; i < json_array_size(args); i++) {
		const char	*a = json_string_value(json_array_get(args, i));
		char		*next;

		if (a == NULL)
			a = "";
		next = xasprintf(strchr(a, ' ') != NULL ? "%s '%s'" : "%s %s",
		    cmd, a);
		xfree(cmd);
		cmd = next;
	}
	json_decref(path);
	json_decref(args);
	labels = json_object_get(c->config, "Labels");

	j = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:I, s:[], s:o, s:s, s:s,"
	    " s:{s:s}, s:{s:o}, s:o}",
	    "Id", c->id, "Names", c->name,
	    "Image", container_json_str(c->config, "Image"),
	    "ImageID", container_json_str(c->config, "ImageID"),
	    "Command", cmd,
	    "Created", (json_int_t)(c->created_ns / 1000000000),
	    "Ports",
	    "Labels", container_view_ref(labels, json_object()),
	    "State", container_view_status(c), "Status", status,
	    "HostConfig", "NetworkMode", container_view_network_mode(c),
	    "NetworkSettings", "Networks", container_view_networks(c),
	    "Mounts", ocimounts_inspect(c->hostconfig, c->store->data_root));
	xfree(cmd);
	/* Only an API 1.43 create stores them; the API hides them below 1.46. */
	if ((annotations = json_object_get(c->hostconfig, "Annotations")) !=
	    NULL && json_object_size(annotations) > 0)
		json_object_set(json_object_get(j, "HostConfig"),
		    "Annotations", annotations);
	return (j);
}
