/* SPDX-License-Identifier: MIT */
/*
 * API version differences in the JSON views: each step names the version
 * of moby's api/docs/version-history.md that brought it. Below 1.42
 * nothing changes, so /v1.41 answers stay dockerd 20.10's.
 */
#include <string.h>

#include <jansson.h>

#include "api/apiversion.h"
#include "api/reply.h"
#include "daemon/container.h"

/* NetworkSettings.Networks.* of inspect and list. */
static void
apiversion_networks(int version, json_t *settings)
{
	json_t		*nets = json_object_get(settings, "Networks"), *ep;
	const char	*name;

	json_object_foreach(nets, name, ep) {
		if (!json_is_object(ep))
			continue;
		/* 1.48: the endpoint's gateway priority (always 0 here). */
		if (version >= API_VERSION(1, 48))
			json_object_set_new(ep, "GwPriority", json_integer(0));
		/* 1.44: the endpoint's short DNS names; none without a bridge. */
		if (version >= API_VERSION(1, 44))
			json_object_set_new(ep, "DNSNames", json_null());
	}
}

void
apiversion_container_inspect(int version, json_t *j)
{
	json_t	*hc = json_object_get(j, "HostConfig");

	apiversion_networks(version, json_object_get(j, "NetworkSettings"));
	/* Before 1.20 the resources were in Config too (v1p19). */
	if (version < API_VERSION(1, 20)) {
		json_t	*cfg = json_object_get(j, "Config");
		const char *cpus = json_string_value(json_object_get(hc,
		    "CpusetCpus"));

		json_object_set_new(cfg, "Memory", json_integer(
		    json_integer_value(json_object_get(hc, "Memory"))));
		json_object_set_new(cfg, "MemorySwap", json_integer(
		    json_integer_value(json_object_get(hc, "MemorySwap"))));
		json_object_set_new(cfg, "CpuShares", json_integer(
		    json_integer_value(json_object_get(hc, "CpuShares"))));
		json_object_set_new(cfg, "Cpuset", json_string(cpus != NULL ?
		    cpus : ""));
	}
	/* 1.42 removed kernel memory limits; inspect omits them unset. */
	if (version >= API_VERSION(1, 42)) {
		json_object_del(hc, "KernelMemory");
		json_object_del(hc, "KernelMemoryTCP");
	}
}

void
apiversion_container_summary(int version, json_t *j)
{
	apiversion_networks(version, json_object_get(j, "NetworkSettings"));
	if (version < API_VERSION(1, 46))
		json_object_del(json_object_get(j, "HostConfig"),
		    "Annotations");
}

void
apiversion_create_hostconfig(int version, json_t *hc)
{
	if (version < API_VERSION(1, 42))
		json_object_del(hc, "ConsoleSize");
	if (version < API_VERSION(1, 43))
		json_object_del(hc, "Annotations");
	/* Older clients expect 1.39's default, shareable (moby#34087). */
	if (version < API_VERSION(1, 40) && (json_string_value(
	    json_object_get(hc, "IpcMode")) == NULL ||
	    *json_string_value(json_object_get(hc, "IpcMode")) == '\0'))
		json_object_set_new(hc, "IpcMode", json_string("shareable"));
}

/* ["<none>:<none>"] -> [] (1.43: no hard-coded placeholders). */
static void
apiversion_no_placeholder(json_t *j, const char *key, const char *none)
{
	json_t	*v = json_object_get(j, key);

	if (json_is_null(v) || (json_array_size(v) == 1 && strcmp(
	    json_string_value(json_array_get(v, 0)) != NULL ?
	    json_string_value(json_array_get(v, 0)) : "", none) == 0))
		json_object_set_new(j, key, json_array());
}

struct apiversion_count {
	const char	*image;
	int		 n;
};

static void
apiversion_count_cb(struct container *c, void *arg)
{
	struct apiversion_count	*u = arg;

	if (strcmp(container_image_id(c), u->image) == 0)
		u->n++;
}

void
apiversion_image_list(int version, json_t *list, struct container_store *st)
{
	struct apiversion_count	 u;
	json_t			*j;
	size_t			 i;

	json_array_foreach(list, i, j) {
		if (version >= API_VERSION(1, 43)) {
			apiversion_no_placeholder(j, "RepoTags",
			    "<none>:<none>");
			apiversion_no_placeholder(j, "RepoDigests",
			    "<none>@<none>");
		}
		if (version >= API_VERSION(1, 44))
			json_object_del(j, "VirtualSize");
		if (version < API_VERSION(1, 51))
			continue;
		u.image = json_string_value(json_object_get(j, "Id"));
		u.n = 0;
		if (st != NULL && u.image != NULL)
			container_store_foreach(st, apiversion_count_cb, &u);
		json_object_set_new(j, "Containers", json_integer(u.n));
	}
}

/* 1.50: what container.Config adds to an image's config, now omitted. */
static const char *const apiversion_container_only[] = {
	"Hostname", "Domainname", "AttachStdin", "AttachStdout",
	"AttachStderr", "Tty", "OpenStdin", "StdinOnce", "Image",
	"NetworkDisabled", "MacAddress", "StopTimeout",
};

void
apiversion_image_inspect(int version, json_t *j)
{
	json_t	*cfg;
	size_t	 i;

	if (version >= API_VERSION(1, 44)) {
		json_object_del(j, "VirtualSize");
		if (strcmp(json_string_value(json_object_get(j, "Created")) !=
		    NULL ? json_string_value(json_object_get(j, "Created")) :
		    "", "") == 0)
			json_object_del(j, "Created");
	}
	if (version >= API_VERSION(1, 45)) {
		json_object_del(j, "Container");
		json_object_del(j, "ContainerConfig");
	}
	if (version >= API_VERSION(1, 50) &&
	    json_is_object(json_object_get(j, "Config"))) {
		/* The image's own config is shared: change a copy. */
		cfg = json_deep_copy(json_object_get(j, "Config"));
		for (i = 0; i < sizeof apiversion_container_only /
		    sizeof apiversion_container_only[0]; i++)
			json_object_del(cfg, apiversion_container_only[i]);
		json_object_set_new(j, "Config", cfg);
	}
}
