/* SPDX-License-Identifier: MIT */
/*
 * Image store: content-addressed images under <data-root>/image, as dockerd
 * keeps them (id = "sha256:" + sha256 of the config JSON bytes, layer
 * diff_id = sha256 of the uncompressed layer tar), the tags that name them,
 * and one unpacked root per image from which each container gets its own
 * writable root (overlayfs, or a copy as dockerd's vfs). No HTTP.
 */
#ifndef LP_DAEMON_IMAGES_H
#define LP_DAEMON_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/base/err.h"

struct images;
struct images_image;

/*
 * Opens (creating) <data_root>/image and loads what is there; probes once
 * whether overlayfs can be mounted here. Free with images_free().
 */
/*
 * driver "overlay2", "vfs" or NULL (overlay2 where the kernel allows it,
 * else vfs); an overlay2 that cannot mount is an error.
 */
struct images	*images_new(const char *data_root, const char *driver,
		     struct err *);
void		 images_free(struct images *);
struct events;
/* Where image events go (tag, untag, delete, import, load, save). */
void		 images_set_events(struct images *, struct events *);
/* 1 when container roots are overlay mounts, 0 when they are copies. */
int		 images_overlay(const struct images *);
/* How many images (each id once, tagged or not): /info's Images. */
size_t		 images_count(const struct images *);

/*
 * Normalises a reference as dockerd's ParseNormalizedNamed + TagNameOnly:
 * "busybox" -> "busybox:latest", "docker.io/library/x:1" -> "x:1". Returns
 * an allocated familiar "name:tag" or NULL with ERR_INVALID (dockerd's
 * "invalid reference format" texts). Digests (@sha256:) are refused.
 */
char		*images_ref_normalise(const char *ref, struct err *);

/*
 * Resolves ref as dockerd's GetImage: a full or short "sha256:" id, an id
 * prefix, or a name[:tag]. Borrowed image; NULL with ERR_NOT_FOUND "No such
 * image: <familiar ref>".
 */
struct images_image *images_lookup(struct images *, const char *ref,
		     struct err *);
const char	*images_image_id(const struct images_image *);	/* sha256:.. */
/* The parsed config document ("config", "rootfs"...); borrowed. */
json_t		*images_image_config(const struct images_image *);
/* Its unpacked layers' bytes: /images/json's Size. */
int64_t		 images_image_size(const struct images_image *);

/*
 * docker import: reads a (possibly compressed) rootfs tar from fd, stores it
 * as one layer, writes the config built from changes (a JSON array of
 * Dockerfile lines: CMD ENTRYPOINT ENV WORKDIR USER LABEL EXPOSE VOLUME
 * STOPSIGNAL ONBUILD) and comment, and tags it as ref when ref is not
 * NULL. *id gets the new image id (caller frees). ERR_INVALID for a bad
 * change line or reference, with dockerd's words.
 */
int		 images_import(struct images *, int fd, const char *ref,
		     const char *comment, json_t *changes, char **id,
		     struct err *);
/*
 * docker load: reads a docker-save tar from fd; each loaded image and tag is
 * reported through line(text, arg) as dockerd words it ("Loaded image:
 * busybox:latest", "Loaded image ID: sha256:..").
 */
int		 images_load(struct images *, int fd,
		     void (*line)(const char *, void *), void *arg,
		     struct err *);
/*
 * docker save: writes the tar of refs (n of them) to fd in dockerd's
 * format (manifest.json, repositories, <id>.json, <layer>/layer.tar), the
 * configs and layers byte for byte as stored.
 */
int		 images_save(struct images *, const char *const *refs, size_t n,
		     int fd, struct err *);

/* Tags img as ref (normalised); an older image loses that tag. */
int		 images_tag(struct images *, struct images_image *,
		     const char *ref, struct err *);
/* Removes the tag ref (normalised); ERR_NOT_FOUND when it is not a tag. */
int		 images_untag(struct images *, const char *ref, struct err *);
/* The familiar tags of img, sorted; a new array. */
json_t		*images_tags(struct images *, const struct images_image *);
/*
 * Deletes img and its layers unless another image shares them; appends
 * {"Deleted": id} records to out (an array). Tags must be gone first.
 */
int		 images_delete(struct images *, struct images_image *,
		     json_t *out, struct err *);

/* GET /images/json entries and GET /images/{name}/json, dockerd's shapes. */
json_t		*images_list_json(struct images *, int all);
json_t		*images_inspect_json(struct images *,
		     const struct images_image *);

/*
 * The container's writable root, for the OCI runtime: an overlay of the
 * image's unpacked layers with its own upper and work directories under
 * <data-root>/image/containers/<container_id>, or a full copy when
 * overlayfs cannot be mounted. *path (caller frees) is the root to give the
 * runtime. Idempotent for a container already prepared.
 */
int		 images_rootfs_prepare(struct images *,
		     const struct images_image *, const char *container_id,
		     char **path, struct err *);
/*
 * The bytes of the container's writable layer (the overlay's upper
 * directory, or the whole copy), as dockerd's directory.Size counts them:
 * every file's size once, directories not. 0 when there is none.
 */
int64_t		 images_rootfs_size(struct images *, const char *container_id);
/*
 * What container_id changed in its root over img, as docker diff lists it:
 * [{"Path", "Kind": 0 modified, 1 added, 2 deleted}], parents first; an
 * empty array when nothing (or no root yet). A new array.
 */
json_t		*images_rootfs_changes(struct images *,
		     const struct images_image *, const char *container_id);
/* Unmounts and deletes what prepare made; no-op when there is none. */
int		 images_rootfs_remove(struct images *, const char *container_id,
		     struct err *);

/*
 * For images_io.c: <store dir>/<fmt with arg>, allocated; and the store's
 * intake: config bytes (their sha256 is the id) whose diff_ids are already
 * in layers/<hex>.tar. The image returned (maybe one already there) is
 * borrowed.
 */
char		*images_path(const struct images *, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));
struct images_image *images_add(struct images *, const char *bytes,
		     size_t len, struct err *);

#endif
