/* SPDX-License-Identifier: MIT */
/*
 * POST /containers/prune, /images/prune, /networks/prune, /volumes/prune
 * and /build/prune as dockerd 20.10's daemon/prune.go, image_prune.go
 * and builder-next's toBuildkitPruneInfo:
 * the filters each accepts, `until` read by the
 * daemon itself (GetTimestamp), labels matched as matchLabels, what was
 * removed and the space it gave back, and one "prune" event at the end.
 * Removals are synchronous here, so two prunes can never overlap and
 * dockerd's "a prune operation is already running" cannot happen.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/http.h"
#include "api/prune.h"
#include "daemon/base/filters.h"
#include "daemon/base/gotime.h"
#include "daemon/base/log.h"
#include "daemon/base/strconv.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/images.h"

static const char *const prune_label_until[] = {
	"label", "label!", "until", NULL
};
static const char *const prune_label[] = { "label", "label!", NULL };
/* BuildKit's cache fields, and until with its deprecated synonym. */
static const char *const prune_build_accepted[] = {
	"until", "unused-for", "id", "parent", "type", "description", "inuse",
	"shared", "private", NULL
};
static const char *const prune_build_fields[] = {
	"id", "parent", "type", "description", "inuse", "shared", "private",
	NULL
};
static const char *const prune_images_accepted[] = {
	"dangling", "label", "label!", "until", NULL
};

/* The filters of ?filters=, checked; NULL once the error is answered. */
static struct filters *
prune_filters(struct api_req *r, const char *const *accepted,
    int64_t *until)
{
	struct filters	*f;
	struct err	 err;

	*until = 0;
	if ((f = filters_parse(api_query(r, "filters"), &err)) == NULL)
		goto fail;
	if (filters_validate(f, accepted, &err) != 0)
		goto fail;
	if (filters_contains(f, "until")) {
		/* getUntilFromPruneFilters: plain errors, so 500. */
		if (filters_count(f, "until") > 1) {
			err_set(&err, ERR_INTERNAL, "more than one until filter "
			    "specified");
			goto fail;
		}
		if (gotime_timestamp(filters_value(f, "until", 0),
		    timeutil_now_ns(), until, &err) != 0)
			goto fail;
	}
	return (f);
fail:
	filters_free(f);
	api_reply_err(r, &err);
	return (NULL);
}

static const char *
prune_label_cb(void *arg, const char *key)
{
	return (json_string_value(json_object_get(arg, key)));
}

/* dockerd's matchLabels: every label= matches, no label!= does. */
static int
prune_labels_match(const struct filters *f, json_t *labels)
{
	int	any = json_object_size(labels) > 0;

	if (!filters_match_kv(f, "label", prune_label_cb, labels, any))
		return (0);
	return (!filters_contains(f, "label!") || !filters_match_kv(f,
	    "label!", prune_label_cb, labels, any));
}

static void
prune_event(struct api_req *r, const char *type, uint64_t reclaimed)
{
	static const char *const keys[] = { "reclaimed" };
	char		 n[24];
	const char	*values[] = { n };

	snprintf(n, sizeof n, "%" PRIu64, reclaimed);
	events_publish(container_store_events(api_req_store(r)), type,
	    "prune", "", keys, values, 1);
}

struct prune_pick {
	struct filters		*f;
	int64_t			 until;
	json_t			*ids;
};

static void
prune_pick_cb(struct container *c, void *arg)
{
	struct prune_pick	*p = arg;

	/* dockerd's IsRunning(): paused and restarting ones are running. */
	if (container_running(c) || container_restarting(c))
		return;
	if (p->until != 0 && container_created_ns(c) > p->until)
		return;
	if (!prune_labels_match(p->f, container_labels(c)))
		return;
	json_array_append_new(p->ids, json_string(container_id(c)));
}

void
prune_containers(struct api_req *r)
{
	struct container_store	*st = api_req_store(r);
	struct prune_pick	 p;
	struct container	*c;
	struct err		 err;
	json_t			*deleted = json_array(), *id;
	uint64_t		 reclaimed = 0;
	int64_t			 size;
	size_t			 i;

	if ((p.f = prune_filters(r, prune_label_until, &p.until)) == NULL) {
		json_decref(deleted);
		return;
	}
	/* Picked first: a removal must not change the list being walked. */
	p.ids = json_array();
	container_store_foreach(st, prune_pick_cb, &p);
	json_array_foreach(p.ids, i, id) {
		if ((c = container_store_lookup(st, json_string_value(id),
		    &err)) == NULL)
			continue;
		size = images_rootfs_size(container_store_images(st),
		    container_id(c));
		if (container_remove(c, 0, &err) != 0) {
			log_warn("failed to prune container %s: %s",
			    json_string_value(id), err.msg);
			continue;
		}
		reclaimed += size > 0 ? (uint64_t)size : 0;
		json_array_append(deleted, id);
	}
	json_decref(p.ids);
	filters_free(p.f);
	prune_event(r, "container", reclaimed);
	/* A Go nil slice: null when nothing went. */
	if (json_array_size(deleted) == 0) {
		json_decref(deleted);
		deleted = json_null();
	}
	api_reply_json(r, 200, json_pack("{s:o, s:I}", "ContainersDeleted",
	    deleted, "SpaceReclaimed", (json_int_t)reclaimed));
}

/*
 * The networks there are, none and host, are predefined, which prune
 * never removes; the filters are still checked as dockerd checks them.
 */
void
prune_networks(struct api_req *r)
{
	struct filters	*f;
	int64_t		 until;

	if ((f = prune_filters(r, prune_label_until, &until)) == NULL)
		return;
	filters_free(f);
	prune_event(r, "network", 0);
	api_reply_json(r, 200, json_pack("{s:n}", "NetworksDeleted"));
}

/*
 * There are no volumes (GET /volumes says so): none to remove, and
 * dockerd's list is made empty, not nil, so it is [] here.
 */
void
prune_volumes(struct api_req *r)
{
	struct filters	*f;
	int64_t		 until;

	if ((f = prune_filters(r, prune_label, &until)) == NULL)
		return;
	filters_free(f);
	prune_event(r, "volume", 0);
	api_reply_json(r, 200, json_pack("{s:[], s:i}", "VolumesDeleted",
	    "SpaceReclaimed", 0));
}

/* Does a container, running or not, use the image? */
struct prune_user {
	const char	*id;
	int		 used;
};

static void
prune_user_cb(struct container *c, void *arg)
{
	struct prune_user	*u = arg;

	if (strcmp(container_image_id(c), u->id) == 0)
		u->used = 1;
}

/*
 * ImageDelete(ref, force 0, prune 1) for each of the image's tags, then
 * for the image: a tag goes unless it is the last one of an image a
 * container uses (moby's conflict, which prune skips), and the image goes
 * once untagged and unused. Returns the bytes freed: the image's size
 * when all its layers went (per-layer sizes are not kept, so an image
 * that shared a layer counts 0).
 */
static int64_t
prune_image(struct api_req *r, struct images *st, struct images_image *img,
    int64_t size, json_t *records)
{
	struct prune_user	 u = { images_image_id(img), 0 };
	struct err		 err;
	json_t			*tags = images_tags(st, img), *tag;
	size_t			 i, left = json_array_size(tags), before, layers;
	char			 id[80];

	container_store_foreach(api_req_store(r), prune_user_cb, &u);
	json_array_foreach(tags, i, tag) {
		if (u.used && left == 1)
			break;
		if (images_untag(st, json_string_value(tag), &err) != 0)
			continue;
		json_array_append_new(records, json_pack("{s:O}", "Untagged",
		    tag));
		left--;
	}
	json_decref(tags);
	if (left > 0 || u.used)
		return (0);
	/* img is freed by the delete: what is needed of it, first. */
	snprintf(id, sizeof id, "%s", images_image_id(img));
	layers = json_array_size(json_object_get(json_object_get(
	    images_image_config(img), "rootfs"), "diff_ids"));
	before = json_array_size(records);
	if (images_delete(st, img, records, &err) != 0) {
		log_warn("failed to prune image %s: %s", id, err.msg);
		return (0);
	}
	/* One record for the image, then one per layer it took. */
	return (json_array_size(records) - before - 1 == layers ? size : 0);
}

static int
prune_image_labels(struct images_image *img, const struct filters *f)
{
	return (prune_labels_match(f, json_object_get(json_object_get(
	    images_image_config(img), "config"), "Labels")));
}

void
prune_images(struct api_req *r)
{
	struct images		*st = container_store_images(api_req_store(r));
	struct images_image	*img;
	struct filters		*f;
	struct err		 err;
	json_t			*list, *e, *records;
	const char		*created;
	int64_t			 until, ns, reclaimed = 0;
	int			 dangling_only = 1, tagged;
	size_t			 i;

	if ((f = prune_filters(r, prune_images_accepted, &until)) == NULL)
		return;
	if (filters_contains(f, "dangling")) {
		if (filters_exact(f, "dangling", "false") ||
		    filters_exact(f, "dangling", "0"))
			dangling_only = 0;
		else if (!filters_exact(f, "dangling", "true") &&
		    !filters_exact(f, "dangling", "1")) {
			filters_invalid_value(f, "dangling", &err);
			filters_free(f);
			api_reply_err(r, &err);
			return;
		}
	}
	records = json_array();
	/* A snapshot of the ids: deletes change the store's own list. */
	list = images_list_json(st, 1);
	json_array_foreach(list, i, e) {
		if ((img = images_lookup(st, json_string_value(json_object_get(
		    e, "Id")), &err)) == NULL)
			continue;
		tagged = json_is_null(json_object_get(e, "RepoDigests"));
		if (dangling_only && tagged)
			continue;
		created = json_string_value(json_object_get(
		    images_image_config(img), "created"));
		if (until != 0 && created != NULL && timeutil_parse(created,
		    strlen(created), &ns, NULL) == 0 && ns > until)
			continue;
		if (!prune_image_labels(img, f))
			continue;
		reclaimed += prune_image(r, st, img, json_integer_value(
		    json_object_get(e, "Size")), records);
	}
	json_decref(list);
	filters_free(f);
	prune_event(r, "image", (uint64_t)reclaimed);
	if (json_array_size(records) == 0) {
		json_decref(records);
		records = json_null();
	}
	api_reply_json(r, 200, json_pack("{s:o, s:I}", "ImagesDeleted",
	    records, "SpaceReclaimed", (json_int_t)reclaimed));
}

/* toBuildkitPruneInfo's checks, in its order; 0 when they pass. */
static int
prune_build_check(const struct filters *f, struct err *err)
{
	size_t		 nu = filters_count(f, "until"),
			 nf = filters_count(f, "unused-for");
	const char	*key = nf > 0 ? "unused-for" : "until";
	int64_t		 ns;
	struct err	 derr;

	if (filters_validate(f, prune_build_accepted, err) != 0)
		return (-1);
	if (nu > 0 && nf > 0)
		return (err_set(err, ERR_INVALID, "conflicting filters: "
		    "\"until\" and \"unused-for\""));
	if (nu + nf > 1)
		return (err_set(err, ERR_INVALID, "filters expect only one "
		    "value"));
	if (nu + nf == 1 && gotime_duration(filters_value(f, key, 0), &ns,
	    &derr) != 0)
		return (err_set(err, ERR_INTERNAL, "\"%s\" filter expects a "
		    "duration (e.g., '24h'): %s", key, derr.msg));
	for (size_t i = 0; prune_build_fields[i] != NULL; i++)
		if (filters_count(f, prune_build_fields[i]) > 1)
			return (err_set(err, ERR_INVALID, "filters expect only "
			    "one value"));
	return (0);
}

/*
 * There is no builder here (no POST /build), so no build cache: nothing
 * to delete, after the checks dockerd makes of the request.
 */
void
prune_build(struct api_req *r)
{
	const char	*keep = api_query(r, "keep-storage");
	struct filters	*f;
	struct err	 err, ierr;
	int		 bytes;

	if (keep != NULL && *keep != '\0' &&
	    strconv_atoi(keep, &bytes, &ierr) != 0) {
		api_reply_error(r, 500, "keep-storage is in bytes and expects "
		    "an integer, got %s: %s", keep, ierr.msg);
		return;
	}
	if ((f = filters_parse(api_query(r, "filters"), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	if (prune_build_check(f, &err) != 0) {
		filters_free(f);
		err_wrap(&err, "failed to prune build cache");
		api_reply_err(r, &err);
		return;
	}
	filters_free(f);
	api_reply_json(r, 200, json_pack("{s:n, s:i}", "CachesDeleted",
	    "SpaceReclaimed", 0));
}
