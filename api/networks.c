/* SPDX-License-Identifier: MIT */
/*
 * Networks, volumes and plugins as far as logpouch has them: the
 * predefined "none" and "host" networks with dockerd's list filters and
 * inspect, and no volumes or plugins at all, said plainly (an empty list
 * after dockerd's filter checks, a 404 for any name).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/http.h"
#include "api/networks.h"
#include "daemon/base/filters.h"
#include "daemon/container.h"
#include "daemon/networks.h"

static const char *const networks_accepted[] = {
	"driver", "type", "name", "id", "label", "scope", "dangling", NULL
};

static struct networks *
networks_api_store(struct api_req *r)
{
	return (container_store_networks(api_req_store(r)));
}

/*
 * dockerd's filterNetworks for networks that are all predefined: they are
 * "builtin", never "dangling", and have no labels.
 */
static int
networks_api_keep(const struct filters *f, const struct network *n,
    int *keep, struct err *err)
{
	const char	*v;
	size_t		 nv;

	*keep = filters_exact(f, "driver", network_driver(n)) &&
	    filters_match(f, "name", network_name(n)) &&
	    filters_match(f, "id", network_id(n)) &&
	    filters_exact(f, "scope", "local") &&
	    (!filters_contains(f, "label") || filters_count(f, "label") == 0);
	if ((nv = filters_count(f, "dangling")) > 0) {
		v = filters_value(f, "dangling", 0);
		if (nv > 1)
			return (err_set(err, ERR_INVALID, "got more than one "
			    "value for filter key \"dangling\""));
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			*keep = 0;
		else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0)
			return (err_set(err, ERR_INVALID, "invalid value for "
			    "filter 'dangling', must be \"true\" (or \"1\"), "
			    "or \"false\" (or \"0\")"));
	}
	for (size_t i = 0; i < filters_count(f, "type"); i++) {
		v = filters_value(f, "type", i);
		if (strcmp(v, "custom") != 0 && strcmp(v, "builtin") != 0)
			return (err_set(err, ERR_INVALID, "invalid filter: "
			    "'type'='%s'", v));
	}
	if (filters_count(f, "type") > 0 && !filters_exact(f, "type",
	    "builtin"))
		*keep = 0;
	return (0);
}

void
networks_api_list(struct api_req *r)
{
	struct networks		*nw = networks_api_store(r);
	struct filters		*f;
	struct err		 err;
	json_t			*a;
	int			 keep;

	if ((f = filters_parse(api_query(r, "filters"), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (filters_validate(f, networks_accepted, &err) != 0)
		goto fail;
	a = json_array();
	for (size_t i = 0; i < networks_count(nw); i++) {
		if (networks_api_keep(f, networks_at(nw, i), &keep, &err) !=
		    0) {
			json_decref(a);
			goto fail;
		}
		if (keep)
			json_array_append_new(a, network_view(networks_at(nw,
			    i)));
	}
	filters_free(f);
	api_reply_json(r, 200, a);
	return;
fail:
	filters_free(f);
	api_reply_err(r, &err);
}

struct networks_api_members {
	const struct network	*n;
	json_t			*containers;
};

/* A container is on a network while it runs: it has an endpoint there. */
static void
networks_api_member(struct container *c, void *arg)
{
	struct networks_api_members	*m = arg;
	json_t				*nets, *ep;

	if (!container_running(c) ||
	    strcmp(container_network(c), network_name(m->n)) != 0)
		return;
	nets = container_view_networks(c);
	ep = json_object_get(json_object_get(nets, network_name(m->n)),
	    "EndpointID");
	json_object_set_new(m->containers, container_id(c), json_pack(
	    "{s:s, s:O, s:s, s:s, s:s}", "Name", container_name(c) + 1,
	    "EndpointID", ep, "MacAddress", "", "IPv4Address", "",
	    "IPv6Address", ""));
	json_decref(nets);
}

void
networks_api_inspect(struct api_req *r)
{
	struct networks_api_members	 m;
	const char			*scope = api_query(r, "scope");
	struct err			 err;
	json_t				*j;

	m.n = networks_lookup(networks_api_store(r), api_req_param(r, 0),
	    &err);
	/* Every network here is local: asking for another scope finds none. */
	if (m.n != NULL && scope != NULL && *scope != '\0' &&
	    strcmp(scope, "local") != 0) {
		err_set(&err, ERR_NOT_FOUND, "network %s not found",
		    api_req_param(r, 0));
		m.n = NULL;
	}
	if (m.n == NULL) {
		api_reply_err(r, &err);
		return;
	}
	j = network_view(m.n);
	m.containers = json_object_get(j, "Containers");
	container_store_foreach(api_req_store(r), networks_api_member, &m);
	api_reply_json(r, 200, j);
}

static const char *const volumes_accepted[] = {
	"dangling", "driver", "label", "name", NULL
};

/* dockerd's invalidFilter text for a dangling that is no boolean. */
static int
volumes_api_dangling(const struct filters *f, struct err *err)
{
	static const char *const ok[] = { "true", "1", "false", "0" };
	char	 vals[256] = "";
	size_t	 len = 0;

	if (!filters_contains(f, "dangling"))
		return (0);
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (filters_exact(f, "dangling", ok[i]))
			return (0);
	for (size_t i = 0; i < filters_count(f, "dangling") &&
	    len < sizeof vals; i++)
		len += (size_t)snprintf(vals + len, sizeof vals - len, "%s%s",
		    i > 0 ? " " : "", filters_value(f, "dangling", i));
	return (err_set(err, ERR_INVALID, "Invalid filter 'dangling=[%s]'",
	    vals));
}

void
volumes_api_list(struct api_req *r)
{
	struct filters	*f;
	struct err	 err;

	if ((f = filters_parse(api_query(r, "filters"), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (filters_validate(f, volumes_accepted, &err) != 0 ||
	    volumes_api_dangling(f, &err) != 0) {
		filters_free(f);
		api_reply_err(r, &err);
		return;
	}
	filters_free(f);
	api_reply_json(r, 200, json_pack("{s:[], s:n}", "Volumes",
	    "Warnings"));
}

void
volumes_api_inspect(struct api_req *r)
{
	api_reply_error(r, 404, "get %s: no such volume", api_req_param(r, 0));
}

static const char *const plugins_accepted[] = { "enabled", "capability", NULL };

void
plugins_api_list(struct api_req *r)
{
	struct filters	*f;
	struct err	 err;

	if ((f = filters_parse(api_query(r, "filters"), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (filters_validate(f, plugins_accepted, &err) != 0 ||
	    (filters_contains(f, "enabled") &&
	    !filters_exact(f, "enabled", "true") &&
	    !filters_exact(f, "enabled", "false") &&
	    filters_invalid_value(f, "enabled", &err) != 0)) {
		filters_free(f);
		api_reply_err(r, &err);
		return;
	}
	filters_free(f);
	api_reply_json(r, 200, json_array());
}

void
plugins_api_inspect(struct api_req *r)
{
	api_reply_error(r, 404, "plugin \"%s\" not found",
	    api_req_param(r, 0));
}
