/* SPDX-License-Identifier: MIT */
/*
 * Image endpoints (import, pull, load, save, list, inspect, tag, delete) as
 * dockerd 20.10 answers them, and the image half of container create.
 */
#ifndef LP_API_IMAGES_H
#define LP_API_IMAGES_H

#include <jansson.h>

#include "api/http.h"
#include "daemon/base/err.h"

struct images;
struct images_image;

void	images_api_create(struct api_req *);	/* import, or pull */
void	images_api_load(struct api_req *);
void	images_api_get(struct api_req *);	/* /images/{name}/get */
void	images_api_get_many(struct api_req *);	/* /images/get?names= */
void	images_api_list(struct api_req *);
void	images_api_inspect(struct api_req *);
void	images_api_tag(struct api_req *);
void	images_api_delete(struct api_req *);

/*
 * Container create, first half (daemon/create.go): finds image (st NULL or
 * image "": no image, nothing done) and merges its Cmd and Entrypoint into
 * *cmd and *ep (owned references, replaced) as dockerd's runconfig merge:
 * a user Entrypoint drops the image's Cmd. *out: the image, borrowed.
 * ERR_NOT_FOUND "No such image: busybox:latest".
 */
int	images_api_create_image(struct images *st, const char *image,
	    json_t **cmd, json_t **ep, struct images_image **out,
	    struct err *);
/*
 * Second half, on the normalised Config: Env merged by key, Labels merged,
 * WorkingDir and User (user's, else the image's) defaulted, and ImageID.
 */
void	images_api_create_merge(const struct images_image *, json_t *config,
	    const char *user);

#endif
