/* SPDX-License-Identifier: MIT */
/*
 * GET /containers/json as dockerd 20.10's daemon/list.go: filters checked
 * and folded in its order and words, the id/name fast path, then each
 * container through includeContainerInList's tests in their order, so that
 * limit, before and since count exactly what dockerd counts.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/apiversion.h"
#include "api/containers.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/base/filters.h"
#include "daemon/base/strconv.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/healthstate.h"
#include "daemon/images.h"

static const char *const containers_list_accepted[] = {
	"ancestor", "before", "exited", "id", "isolation", "label", "name",
	"status", "health", "since", "volume", "network", "is-task", "publish",
	"expose", NULL,
};

static const char *const containers_list_states[] = {
	"paused", "restarting", "removing", "running", "dead", "created",
	"exited", NULL,
};

static const char *const containers_list_health[] = {
	"starting", "healthy", "unhealthy", "none", NULL,
};

struct containers_list_ctx {
	struct filters		*f;		/* borrowed */
	int			 all;
	int			 limit;
	int			 idx;		/* included so far */
	int			 stop;
	int			 names_or_ids;
	int			 exited[64];
	size_t			 nexited;
	const struct container	*before;	/* borrowed */
	const struct container	*since;		/* borrowed */
	int			 task_filter;
	char			 ancestors[16][512];
	size_t			 nancestors;
	json_t			*array;
	int64_t			 now;
	int			 size;		/* ?size=1 */
};

/*
 * dockerd: the network's name, or a prefix of the NetworkID it joined
 * (none before its first start).
 */
static int
containers_list_on_network(const struct containers_list_ctx *x,
    const struct container *c)
{
	json_t		*nets = container_view_networks(c);
	const char	*nid, *v;
	int		 on = 0;

	nid = json_string_value(json_object_get(json_object_get(nets,
	    container_network(c)), "NetworkID"));
	for (size_t i = 0; !on && i < filters_count(x->f, "network"); i++) {
		v = filters_value(x->f, "network", i);
		on = strcmp(v, container_network(c)) == 0 || (nid != NULL &&
		    *nid != '\0' && strncmp(nid, v, strlen(v)) == 0);
	}
	json_decref(nets);
	return (on);
}

static int
containers_list_in(const char *const *set, const char *s)
{
	for (size_t i = 0; set[i] != NULL; i++)
		if (strcmp(set[i], s) == 0)
			return (1);
	return (0);
}

/* The image a reference names, as a comparable "name:tag" (or digest). */
static void
containers_list_image_key(const char *ref, char *buf, size_t len)
{
	char		 name[256];
	const char	*at = strchr(ref, '@'), *slash = strrchr(ref, '/');
	const char	*colon = strchr(slash != NULL ? slash : ref, ':');

	filters_image_name(ref, name, sizeof name);
	if (at != NULL)
		snprintf(buf, len, "%s%s", name, at);
	else if (colon != NULL)
		snprintf(buf, len, "%s%s", name, colon);
	else
		snprintf(buf, len, "%s:latest", name);
}

struct containers_list_find {
	const char		*value;
	const struct container	*found;
	int			 prefix_hits;
	const struct container	*prefix;
	struct containers_list_ctx *ctx;
};

/* idOrNameFilter: the exact id, else the exact name (slashes trimmed). */
static void
containers_list_find_cb(struct container *c, void *arg)
{
	struct containers_list_find	*a = arg;
	const char			*v = a->value + (a->value[0] == '/');

	if (strcmp(container_id(c), a->value) == 0 ||
	    (a->found == NULL && strcmp(container_name(c) + 1, v) == 0))
		a->found = c;
	/* truncindex.Get, for the id fast path: a unique prefix. */
	if (*a->value != '\0' && strncmp(container_id(c), a->value,
	    strlen(a->value)) == 0) {
		a->prefix_hits++;
		a->prefix = c;
	}
}

static int
containers_list_fold(struct api_req *r, struct containers_list_ctx *x,
    struct err *err)
{
	struct filters			*f = x->f;
	struct containers_list_find	 a;
	const char			*v;
	size_t				 i;

	for (i = 0; (v = filters_value(f, "exited", i)) != NULL; i++) {
		int code;

		if (strconv_atoi(v, &code, err) != 0) {
			err->code = ERR_INTERNAL;
			return (-1);
		}
		if (x->nexited < sizeof x->exited / sizeof x->exited[0])
			x->exited[x->nexited++] = code;
	}
	for (i = 0; (v = filters_value(f, "status", i)) != NULL; i++) {
		if (!containers_list_in(containers_list_states, v))
			return (err_set(err, ERR_INVALID, "Invalid filter "
			    "'status=%s'", v));
		x->all = 1;
	}
	if (filters_contains(f, "is-task")) {
		if (filters_exact(f, "is-task", "true"))
			x->task_filter = 1;	/* nothing here is a task */
		else if (!filters_exact(f, "is-task", "false")) {
			char list[256] = "";

			for (i = 0; (v = filters_value(f, "is-task", i)) !=
			    NULL; i++)
				snprintf(list + strlen(list), sizeof list -
				    strlen(list), "%s%s", i > 0 ? " " : "", v);
			return (err_set(err, ERR_INVALID, "Invalid filter "
			    "'is-task=[%s]'", list));
		}
	}
	for (i = 0; (v = filters_value(f, "health", i)) != NULL; i++)
		if (!containers_list_in(containers_list_health, v))
			return (err_set(err, ERR_INVALID, "Unrecognised filter "
			    "value for health: %s", v));
	for (int which = 0; which < 2; which++) {
		const char *key = which == 0 ? "before" : "since";

		for (i = 0; (v = filters_value(f, key, i)) != NULL; i++) {
			memset(&a, 0, sizeof a);
			a.value = v;
			container_store_foreach(api_req_store(r),
			    containers_list_find_cb, &a);
			if (a.found == NULL)
				return (err_set(err, ERR_INTERNAL, "no such "
				    "container %s", v));
			if (which == 0)
				x->before = a.found;
			else
				x->since = a.found;
		}
	}
	for (i = 0; (v = filters_value(f, "ancestor", i)) != NULL &&
	    x->nancestors < 16; i++)
		containers_list_image_key(v, x->ancestors[x->nancestors++],
		    sizeof x->ancestors[0]);
	for (int which = 0; which < 2; which++) {
		const char *key = which == 0 ? "publish" : "expose";

		for (i = 0; (v = filters_value(f, key, i)) != NULL; i++) {
			const char *p = v;

			if (strchr(v, ':') != NULL)
				return (err_set(err, ERR_INTERNAL, "filter for "
				    "'%s' should not contain ':': %s", key, v));
			while (*p >= '0' && *p <= '9')
				p++;
			if (p == v || (*p != '\0' && *p != '/' && *p != '-'))
				return (err_set(err, ERR_INTERNAL, "error "
				    "while looking up for %s %s: Invalid range "
				    "specified for port: %.*s", key, v,
				    (int)strcspn(v, "/"), v));
		}
	}
	x->names_or_ids = filters_count(f, "name") + filters_count(f, "id") >
	    0;
	return (0);
}

/* filterByNameIDMatches: with name or id filters only those candidates. */
static int
containers_list_candidate(struct api_req *r, struct containers_list_ctx *x,
    const struct container *c)
{
	struct containers_list_find	 a;
	const char			*v;
	int				 id_hit = 0;

	if (!x->names_or_ids)
		return (1);
	for (size_t i = 0; (v = filters_value(x->f, "id", i)) != NULL; i++) {
		memset(&a, 0, sizeof a);
		a.value = v;
		container_store_foreach(api_req_store(r),
		    containers_list_find_cb, &a);
		/* An ambiguous prefix matches nothing, as truncindex says. */
		if (a.prefix_hits == 1 && a.prefix == c)
			id_hit = 1;
	}
	if (id_hit)
		return (1);
	if (filters_count(x->f, "id") > 0 && filters_count(x->f, "name") > 0)
		return (0);	/* names only among the id matches */
	return (filters_count(x->f, "name") > 0 &&
	    (filters_match(x->f, "name", container_name(c)) ||
	    filters_match(x->f, "name", container_name(c) + 1)));
}

static const char *
containers_list_label_cb(void *arg, const char *key)
{
	return (json_string_value(json_object_get(arg, key)));
}

/* includeContainerInList: 1 include, 0 exclude, -1 stop. */
static int
containers_list_include(struct containers_list_ctx *x,
    const struct container *c, json_t *sum)
{
	const char	*health, *state = json_string_value(json_object_get(sum,
			    "State"));
	json_t		*labels = container_labels(c);
	/* dockerd's State.Running: a restarting container is listed too. */
	int		 running = container_running(c) ||
			    container_restarting(c), ok;
	char		 key[512];

	if (x->before != NULL) {
		if (x->before == c)
			x->before = NULL;
		return (0);
	}
	if (x->since == c)
		return (-1);
	if (!running && !x->all && x->limit <= 0)
		return (0);
	if (!filters_match(x->f, "name", container_name(c)) &&
	    !filters_match(x->f, "name", container_name(c) + 1))
		return (0);
	if (!filters_match(x->f, "id", container_id(c)))
		return (0);
	if (x->task_filter)
		return (0);
	if (filters_contains(x->f, "label") && !filters_match_kv(x->f,
	    "label", containers_list_label_cb, labels,
	    json_object_size(labels) > 0))
		return (0);
	/* excludeByIsolation is a no-op on Linux. */
	if (x->limit > 0 && x->idx == x->limit)
		return (-1);
	if (x->nexited > 0) {
		ok = 0;
		for (size_t i = 0; i < x->nexited; i++)
			if (x->exited[i] == container_exit_code(c) &&
			    !running && strcmp(state, "created") != 0)
				ok = 1;
		if (!ok)
			return (0);
	}
	if (!filters_match(x->f, "status", state))
		return (0);
	health = healthstate_status(container_health(c));
	if (!filters_exact(x->f, "health", health != NULL ? health : "none"))
		return (0);
	/* No volumes or ports here: such filters match nothing. */
	if (filters_contains(x->f, "volume") ||
	    filters_count(x->f, "publish") > 0 ||
	    filters_count(x->f, "expose") > 0)
		return (0);
	if (filters_contains(x->f, "network") &&
	    !containers_list_on_network(x, c))
		return (0);
	if (filters_contains(x->f, "ancestor")) {
		containers_list_image_key(container_image(c), key, sizeof key);
		ok = 0;
		for (size_t i = 0; i < x->nancestors; i++)
			if (strcmp(x->ancestors[i], key) == 0)
				ok = 1;
		if (!ok)
			return (0);
	}
	return (1);
}

json_t *
containers_list_sized(struct api_req *r, struct container *c, json_t *sum)
{
	struct images		*st = container_store_images(api_req_store(r));
	struct images_image	*img = images_lookup(st, container_image_id(c),
				    NULL);
	int64_t			 rw = images_rootfs_size(st, container_id(c));
	int64_t			 root = rw + (img != NULL ?
				    images_image_size(img) : 0);
	json_t			*out = json_object(), *v;
	const char		*k;

	/* After Ports, as Go's Container struct has them; 0 is omitted. */
	json_object_foreach(sum, k, v) {
		json_object_set(out, k, v);
		if (strcmp(k, "Ports") != 0)
			continue;
		if (rw > 0)
			json_object_set_new(out, "SizeRw", json_integer(rw));
		if (root > 0)
			json_object_set_new(out, "SizeRootFs",
			    json_integer(root));
	}
	json_decref(sum);
	return (out);
}

struct containers_list_walk {
	struct api_req			*r;
	struct containers_list_ctx	*x;
};

static void
containers_list_one(struct container *c, void *arg)
{
	struct containers_list_walk	*w = arg;
	struct containers_list_ctx	*x = w->x;
	json_t				*sum;
	int				 rc;

	if (x->stop || !containers_list_candidate(w->r, x, c))
		return;
	sum = container_view_summary(c, x->now);
	if ((rc = containers_list_include(x, c, sum)) == 1) {
		if (x->size)
			sum = containers_list_sized(w->r, c, sum);
		apiversion_container_summary(api_req_version(w->r), sum);
		json_array_append_new(x->array, sum);
		x->idx++;
		return;
	}
	json_decref(sum);
	if (rc < 0)
		x->stop = 1;
}

void
containers_list(struct api_req *r)
{
	struct containers_list_ctx	 x;
	struct containers_list_walk	 w = { r, &x };
	struct err			 err = { 0, "" };
	const char			*limit = api_query(r, "limit");

	memset(&x, 0, sizeof x);
	if ((x.f = filters_parse(api_query(r, "filters"), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	x.all = api_query_bool(r, "all");
	x.size = api_query_bool(r, "size");
	if (limit != NULL && *limit != '\0' &&
	    strconv_atoi(limit, &x.limit, &err) != 0) {
		err.code = ERR_INTERNAL;	/* dockerd: 500 */
		goto fail;
	}
	if (filters_validate(x.f, containers_list_accepted, &err) != 0 ||
	    containers_list_fold(r, &x, &err) != 0)
		goto fail;
	x.array = json_array();
	x.now = timeutil_now_ns();
	container_store_foreach(api_req_store(r), containers_list_one, &w);
	filters_free(x.f);
	api_reply_json(r, 200, x.array);
	return;
fail:
	filters_free(x.f);
	api_reply_err(r, &err);
}
