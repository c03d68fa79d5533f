/* SPDX-License-Identifier: MIT */
/*
 * Route table, so the whole API reads in one place (crun's commands[]).
 * A {param} matches one or more bytes and, like dockerd's {name:.*}, may
 * contain '/'; the literal text after it anchors the match.
 */
#include <string.h>

#include <event2/http.h>

#include "api/archive.h"
#include "api/containers.h"
#include "api/debug.h"
#include "api/df.h"
#include "api/attach.h"
#include "api/events.h"
#include "api/exec.h"
#include "api/images.h"
#include "api/logs.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/stats.h"
#include "api/networks.h"
#include "api/prune.h"
#include "api/system.h"
#include "api/top.h"
#include "api/ui.h"
#include "daemon/base/xalloc.h"

#define GET	EVHTTP_REQ_GET
#define HEAD	EVHTTP_REQ_HEAD
#define POST	EVHTTP_REQ_POST
#define DELETE	EVHTTP_REQ_DELETE
#define PUT	EVHTTP_REQ_PUT

static const struct route routes[] = {
	{ GET | HEAD, "/_ping", system_ping, "api.ping", 0 },
	{ GET, "/version", system_version, "api.version", 0 },
	{ GET, "/info", system_info, "api.info", 0 },
	{ GET, "/events", events_api_get, "api.events_subscribe", 0 },
	{ GET, "/system/df", df_system, "api.system_df", 0 },

	{ GET, "/containers/json", containers_list, "api.list_containers", 0 },
	{ POST, "/containers/create", containers_create,
	    "api.create_container", 0 },
	{ GET, "/containers/{id}/json", containers_inspect,
	    "api.inspect_container", 0 },
	{ GET, "/containers/{id}/logs", logs_container, "api.logs_container",
	    0 },
	{ GET, "/containers/{id}/stats", stats_container,
	    "api.stats_container", 0 },
	{ GET, "/containers/{id}/top", top_container, "api.top_container", 0 },
	{ POST, "/containers/{id}/start", containers_start,
	    "api.start_container", 0 },
	{ POST, "/containers/{id}/stop", containers_stop,
	    "api.stop_container", 0 },
	{ POST, "/containers/{id}/kill", containers_kill,
	    "api.kill_container", 0 },
	{ POST, "/containers/{id}/restart", containers_restart,
	    "api.restart_container", 0 },
	{ POST, "/containers/{id}/pause", containers_pause,
	    "api.pause_container", 0 },
	{ POST, "/containers/{id}/unpause", containers_unpause,
	    "api.unpause_container", 0 },
	{ POST, "/containers/{id}/wait", containers_wait,
	    "api.wait_container", 0 },
	{ POST, "/containers/{id}/attach", attach_api_attach,
	    "api.attach_container", 0 },
	{ POST, "/containers/{id}/resize", attach_api_resize,
	    "api.resize_container", 0 },
	{ POST, "/containers/{id}/exec", exec_api_create, "api.exec_create",
	    0 },
	{ POST, "/exec/{id}/start", exec_api_start, "api.exec_start", 0 },
	{ POST, "/exec/{id}/resize", exec_api_resize, "api.exec_resize", 0 },
	{ GET, "/exec/{id}/json", exec_api_inspect, "api.exec_inspect", 0 },
	{ POST, "/containers/{id}/update", containers_update,
	    "api.update_container", 0 },
	{ POST, "/containers/{id}/rename", containers_rename,
	    "api.rename_container", 0 },
	{ GET, "/containers/{id}/export", containers_export,
	    "api.export_container", 0 },
	{ GET, "/containers/{id}/changes", containers_changes,
	    "api.container_changes", 0 },
	{ GET | HEAD, "/containers/{id}/archive", archive_api_get,
	    "api.container_archive", 0 },
	{ PUT, "/containers/{id}/archive", archive_api_put,
	    "api.container_extract", 0 },
	{ DELETE, "/containers/{id}", containers_remove,
	    "api.remove_container", 0 },
	{ POST, "/containers/prune", prune_containers, "api.prune_containers",
	    0 },

	{ GET, "/networks", networks_api_list, "api.list_networks", 0 },
	{ GET, "/networks/{id}", networks_api_inspect, "api.inspect_network",
	    0 },
	{ GET, "/volumes", volumes_api_list, "api.list_volumes", 0 },
	{ GET, "/volumes/{id}", volumes_api_inspect, "api.inspect_volume",
	    0 },
	{ GET, "/plugins", plugins_api_list, "api.list_plugins", 0 },
	{ GET, "/plugins/{name}/json", plugins_api_inspect,
	    "api.inspect_plugin", 0 },
	{ POST, "/networks/prune", prune_networks, "api.prune_networks", 0 },
	{ POST, "/volumes/prune", prune_volumes, "api.prune_volumes", 0 },
	{ POST, "/build/prune", prune_build, "api.prune_build", 0 },

	{ POST, "/images/create", images_api_create, "api.create_image", 0 },
	{ POST, "/images/load", images_api_load, "api.load_image", 0 },
	{ POST, "/images/prune", prune_images, "api.prune_images", 0 },
	{ GET, "/images/json", images_api_list, "api.list_images", 0 },
	{ GET, "/images/get", images_api_get_many, "api.save_images", 0 },
	{ GET, "/images/{name}/get", images_api_get, "api.save_image", 0 },
	{ GET, "/images/{name}/json", images_api_inspect,
	    "api.inspect_image", 0 },
	{ POST, "/images/{name}/tag", images_api_tag, "api.tag_image", 0 },
	{ DELETE, "/images/{name}", images_api_delete, "api.delete_image",
	    0 },

	{ GET, "/debug/pprof/goroutine", debug_goroutine, "api.debug",
	    ROUTE_DEBUG },
	{ GET, "/debug/tasks", debug_tasks, "api.debug", ROUTE_DEBUG },
	{ GET, "/debug/vars", debug_vars, "api.debug", ROUTE_DEBUG },
	{ GET, "/debug/events", debug_events, "api.debug", ROUTE_DEBUG },

	/* The log viewer's page (api/ui.c), on its listener only. */
	{ GET | HEAD, "/", ui_redirect, "api.ui", ROUTE_UI },
	{ GET | HEAD, "/ui", ui_redirect, "api.ui", ROUTE_UI },
	{ GET | HEAD, "/ui/", ui_static, "api.ui", ROUTE_UI },
	{ GET | HEAD, "/ui/{file}", ui_static, "api.ui", ROUTE_UI },
};

/*
 * The --metrics-addr listener's only route, as dockerd's metrics server:
 * no version prefix, nothing of the API.
 */
static const struct route metrics_routes[] = {
	{ GET | HEAD, "/metrics", metrics_api_get, "api.metrics", 0 },
};

static int
router_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Percent-decodes len bytes of s; '+' stays '+' in paths. NULL for a %00:
 * a C string would end there and "web%00x" would name "web".
 */
static char *
router_decode(const char *s, size_t len)
{
	char	*out = xmalloc(len + 1), *p = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && router_hex(s[i + 1]) >= 0 &&
		    router_hex(s[i + 2]) >= 0) {
			*p = (char)(router_hex(s[i + 1]) * 16 +
			    router_hex(s[i + 2]));
			if (*p++ == '\0') {
				xfree(out);
				return (NULL);
			}
			i += 2;
		} else
			*p++ = s[i];
	}
	*p = '\0';
	return (out);
}

/* Matches pattern against path, filling params; 1 on a match. */
static int
router_match_one(const char *pat, const char *path, char **params)
{
	int	 n = 0;

	while (*pat != '\0') {
		if (*pat == '{') {
			const char	*close = strchr(pat, '}');
			const char	*rest = close + 1, *end;
			size_t		 restlen = strlen(rest);
			size_t		 pathlen = strlen(path);

			/* Only the last {param} may be followed by text. */
			if (restlen == 0)
				end = path + pathlen;
			else {
				if (pathlen <= restlen ||
				    strcmp(path + pathlen - restlen, rest) != 0)
					goto fail;
				end = path + pathlen - restlen;
			}
			if (end == path || n == API_MAX_PARAMS)
				goto fail;
			if ((params[n] = router_decode(path,
			    (size_t)(end - path))) == NULL)
				goto fail;
			n++;
			path = end;
			pat = rest;
			continue;
		}
		if (*pat != *path)
			goto fail;
		pat++;
		path++;
	}
	if (*path == '\0')
		return (1);
fail:
	while (n > 0)
		xfree(params[--n]), params[n] = NULL;
	return (0);
}

static enum router_match
router_match_in(const struct route *table, size_t n, int method,
    const char *path, int allow, const struct route **out, char **params)
{
	enum router_match	 found = ROUTER_NOT_FOUND;

	for (size_t i = 0; i < n; i++) {
		const struct route	*r = &table[i];

		if ((r->only & ~allow) != 0)
			continue;
		if (!router_match_one(r->pattern, path, params))
			continue;
		if ((r->methods & method) == 0) {
			for (int k = 0; k < API_MAX_PARAMS; k++)
				xfree(params[k]), params[k] = NULL;
			found = ROUTER_BAD_METHOD;
			continue;
		}
		*out = r;
		return (ROUTER_FOUND);
	}
	return (found);
}

enum router_match
router_match(int method, const char *path, int allow,
    const struct route **out, char **params)
{
	return (router_match_in(routes, sizeof routes / sizeof routes[0],
	    method, path, allow, out, params));
}

enum router_match
router_match_metrics(int method, const char *path, const struct route **out,
    char **params)
{
	return (router_match_in(metrics_routes, sizeof metrics_routes /
	    sizeof metrics_routes[0], method, path, 0, out, params));
}
