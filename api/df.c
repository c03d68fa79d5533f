/* SPDX-License-Identifier: MIT */
/*
 * GET /system/df (docker system df) as dockerd 20.10's SystemDiskUsage:
 * the images with how many containers use each, every container with its
 * sizes as `docker ps -s` shows them, no volumes and no build cache (there
 * is no builder). Per-layer sizes are not kept, so LayersSize adds up the
 * images' sizes and SharedSize is 0: both exact unless images share a
 * layer, which only a docker load of related images makes. API 1.42's
 * ?type= computes only the kinds asked for.
 */
#include <string.h>

#include <jansson.h>

#include "api/apiversion.h"
#include "api/containers.h"
#include "api/df.h"
#include "api/http.h"
#include "api/server.h"
#include "daemon/base/timeutil.h"
#include "daemon/container.h"
#include "daemon/images.h"

/* How many containers, running or not, each image of the list has. */
static void
df_count_cb(struct container *c, void *arg)
{
	json_t		*images = arg, *j;
	size_t		 i;

	json_array_foreach(images, i, j) {
		if (strcmp(json_string_value(json_object_get(j, "Id")),
		    container_image_id(c)) == 0)
			json_object_set_new(j, "Containers", json_integer(
			    json_integer_value(json_object_get(j,
			    "Containers")) + 1));
	}
}

static json_t *
df_images(struct api_req *r, int64_t *layers)
{
	struct container_store	*st = api_req_store(r);
	json_t			*images = images_list_json(
				    container_store_images(st), 1), *j;
	size_t			 i;

	*layers = 0;
	json_array_foreach(images, i, j) {
		json_object_set_new(j, "Containers", json_integer(0));
		json_object_set_new(j, "SharedSize", json_integer(0));
		*layers += json_integer_value(json_object_get(j, "Size"));
	}
	container_store_foreach(st, df_count_cb, images);
	apiversion_image_list(api_req_version(r), images, st);
	return (images);
}

struct df_walk {
	struct api_req	*r;
	json_t		*rows;
	int64_t		 now;
};

static void
df_container_cb(struct container *c, void *arg)
{
	struct df_walk	*w = arg;
	json_t		*row;

	row = containers_list_sized(w->r, c, container_view_summary(c,
	    w->now));
	apiversion_container_summary(api_req_version(w->r), row);
	json_array_append_new(w->rows, row);
}

/*
 * ?type= (1.42): the kinds to compute, all when none is given; NULL once
 * an unknown one was answered with dockerd's 400.
 */
static int
df_kinds(struct api_req *r, int *img, int *ctr, int *vol)
{
	const char	*v;

	*img = *ctr = *vol = 1;
	if (api_req_version(r) < API_VERSION(1, 42) ||
	    api_query_nth(r, "type", 0) == NULL)
		return (0);
	*img = *ctr = *vol = 0;
	for (int i = 0; (v = api_query_nth(r, "type", i)) != NULL; i++) {
		if (strcmp(v, "image") == 0)
			*img = 1;
		else if (strcmp(v, "container") == 0)
			*ctr = 1;
		else if (strcmp(v, "volume") == 0)
			*vol = 1;
		else if (strcmp(v, "build-cache") != 0) {
			api_reply_error(r, 400, "unknown object type: %s", v);
			return (-1);
		}
	}
	return (0);
}

void
df_system(struct api_req *r)
{
	struct df_walk	 w = { r, json_null(), timeutil_now_ns() };
	json_t		*images = json_null();
	int64_t		 layers = 0;
	int		 img, ctr, vol;

	if (df_kinds(r, &img, &ctr, &vol) != 0) {
		json_decref(w.rows);
		return;
	}
	if (img) {
		json_decref(images);
		images = df_images(r, &layers);
	}
	if (ctr) {
		json_decref(w.rows);
		w.rows = json_array();
		container_store_foreach(api_req_store(r), df_container_cb, &w);
	}
	/* What was not asked for is Go's nil slice; no builder, no cache. */
	api_reply_json(r, 200, json_pack(api_req_version(r) <
	    API_VERSION(1, 42) ? "{s:I, s:o, s:o, s:o, s:n, s:i}" :
	    "{s:I, s:o, s:o, s:o, s:n}", "LayersSize", (json_int_t)layers,
	    "Images", images, "Containers", w.rows, "Volumes", vol ?
	    json_array() : json_null(), "BuildCache", "BuilderSize", 0));
}
