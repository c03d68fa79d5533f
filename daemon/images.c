/* SPDX-License-Identifier: MIT */
/*
 * Image store: configs by content (content/<hex>), layer tars by diff_id
 * (layers/<hex>.tar), one merged root per image (rootfs/<hex>), tags and
 * sizes in repositories.json, container roots in containers/<id>. Import,
 * load and save are in images_io.c. Everything is synchronous: a layer is
 * applied on the loop thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/events.h"
#include "daemon/images.h"
#include "daemon/images_int.h"
#include "daemon/imgarchive.h"

static int
images_mkdir(const char *p, struct err *err)
{
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		return (err_errno(err, "mkdir %s", p));
	return (0);
}

char *
images_path(const struct images *st, const char *fmt, ...)
{
	va_list	 ap;
	char	*rel, *p;

	va_start(ap, fmt);
	rel = xvasprintf(fmt, ap);
	va_end(ap);
	p = xasprintf("%s/%s", st->dir, rel);
	xfree(rel);
	return (p);
}

static int
images_save_meta(struct images *st, struct err *err)
{
	char	*path = images_path(st, "%s", "repositories.json");
	char	*tmp = images_path(st, "%s", "repositories.json.tmp");
	json_t	*j = json_pack("{s:O, s:O}", "Repositories", st->tags,
	    "Images", st->meta);
	int	 rc = 0;

	if (json_dump_file(j, tmp, JSON_COMPACT) != 0 || rename(tmp, path) !=
	    0)
		rc = err_errno(err, "write %s", path);
	json_decref(j);
	xfree(path);
	xfree(tmp);
	return (rc);
}

static struct images_image *
images_find_id(struct images *st, const char *id)
{
	for (size_t i = 0; id != NULL && i < st->n; i++)
		if (strcmp(st->v[i]->id, id) == 0)
			return (st->v[i]);
	return (NULL);
}

static void
images_image_free(struct images_image *img)
{
	json_decref(img->config);
	xfree(img);
}

/* Reads content/<hex> and keeps the image if its layers are all here. */
static void
images_load_one(struct images *st, const char *hex)
{
	struct images_image	*img;
	json_error_t		 jerr;
	char			*path = images_path(st, "content/%s", hex);
	json_t			*cfg = json_load_file(path, 0, &jerr);

	xfree(path);
	if (!json_is_object(cfg)) {
		log_warn("%s: image %s: %s", __func__, hex, jerr.text);
		json_decref(cfg);
		return;
	}
	img = xcalloc(1, sizeof *img);
	snprintf(img->id, sizeof img->id, "sha256:%s", hex);
	img->config = cfg;
	img->size = json_integer_value(json_object_get(json_object_get(
	    st->meta, img->id), "Size"));
	st->v = xreallocarray(st->v, st->n + 1, sizeof *st->v);
	st->v[st->n++] = img;
}

struct images *
images_new(const char *data_root, const char *driver, struct err *err)
{
	const char	*subs[] = { "content", "layers", "rootfs",
	    "containers", "tmp" };
	struct images	*st = xcalloc(1, sizeof *st);
	json_error_t	 jerr;
	json_t		*j;
	char		*p;
	DIR		*d;
	struct dirent	*de;

	st->dir = xasprintf("%s/image", data_root);
	if (images_mkdir(st->dir, err) != 0)
		goto fail;
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		p = images_path(st, "%s", subs[i]);
		if (images_mkdir(p, err) != 0) {
			xfree(p);
			goto fail;
		}
		xfree(p);
	}
	p = images_path(st, "%s", "repositories.json");
	j = json_load_file(p, 0, &jerr);
	xfree(p);
	st->tags = json_incref(json_object_get(j, "Repositories"));
	st->meta = json_incref(json_object_get(j, "Images"));
	json_decref(j);
	if (!json_is_object(st->tags))
		st->tags = (json_decref(st->tags), json_object());
	if (!json_is_object(st->meta))
		st->meta = (json_decref(st->meta), json_object());
	p = images_path(st, "%s", "content");
	if ((d = opendir(p)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strlen(de->d_name) == 64)
				images_load_one(st, de->d_name);
		closedir(d);
	}
	xfree(p);
	/* NULL: overlay where it works; an explicit overlay2 must work. */
	if (driver == NULL || strcmp(driver, "overlay2") == 0)
		st->overlay = geteuid() == 0 && images_rootfs_probe(st->dir);
	if (driver != NULL && strcmp(driver, "overlay2") == 0 &&
	    !st->overlay) {
		err_set(err, ERR_INVALID, "error initializing graphdriver: "
		    "overlay2 is not supported here (mounting an overlay under "
		    "%s failed); use --storage-driver vfs", st->dir);
		goto fail;
	}
	return (st);
fail:
	images_free(st);
	return (NULL);
}

void
images_free(struct images *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++)
		images_image_free(st->v[i]);
	xfree(st->v);
	json_decref(st->tags);
	json_decref(st->meta);
	xfree(st->dir);
	xfree(st);
}

int
images_overlay(const struct images *st)
{
	return (st->overlay);
}

const char *
images_image_id(const struct images_image *img)
{
	return (img->id);
}

json_t *
images_image_config(const struct images_image *img)
{
	return (img->config);
}

int64_t
images_image_size(const struct images_image *img)
{
	return (img->size);
}

/* ---- lookup ---------------------------------------------------------- */

struct images_image *
images_lookup(struct images *st, const char *ref, struct err *err)
{
	struct images_image	*img, *found = NULL;
	const char		*hex = ref, *id;
	char			*norm;
	size_t			 len;

	if ((norm = images_ref_normalise(ref, NULL)) != NULL) {
		id = json_string_value(json_object_get(st->tags, norm));
		if (id != NULL && (img = images_find_id(st, id)) != NULL) {
			xfree(norm);
			return (img);
		}
	}
	if (strncmp(hex, "sha256:", 7) == 0)
		hex += 7;
	len = strlen(hex);
	if (len > 0 && len <= 64 && strspn(hex, "0123456789abcdef") == len) {
		for (size_t i = 0; i < st->n; i++) {
			if (strncmp(st->v[i]->id + 7, hex, len) != 0)
				continue;
			if (found != NULL) {
				found = NULL;
				break;
			}
			found = st->v[i];
		}
		if (found != NULL) {
			xfree(norm);
			return (found);
		}
	}
	err_set(err, ERR_NOT_FOUND, "No such image: %s", norm != NULL ? norm :
	    ref);
	xfree(norm);
	return (NULL);
}

/* ---- adding and tagging ---------------------------------------------- */

/*
 * Stores config (bytes as given: the id is their hash) whose diff_ids are
 * already in layers/, and builds its root. Returns the (maybe existing)
 * image, borrowed.
 */
struct images_image *
images_add(struct images *st, const char *bytes, size_t len,
    struct err *err)
{
	struct images_image	*img;
	char			 hex[65], *path, *root, *tmp, *layer;
	json_t			*cfg, *ids, *v;
	json_error_t		 jerr;
	int64_t			 size = 0, one;
	size_t			 i;
	int			 fd;

	imgarchive_sha256(bytes, len, hex);
	path = xasprintf("sha256:%s", hex);
	img = images_find_id(st, path);
	xfree(path);
	if (img != NULL)
		return (img);
	if ((cfg = json_loadb(bytes, len, 0, &jerr)) == NULL ||
	    !json_is_object(cfg)) {
		json_decref(cfg);
		err_set(err, ERR_INVALID, "invalid image config: %s", jerr.text);
		return (NULL);
	}
	ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	root = images_path(st, "rootfs/%s", hex);
	tmp = xasprintf("%s.tmp", root);
	imgarchive_remove_tree(tmp);
	mkdir(tmp, 0755);
	json_array_foreach(ids, i, v) {
		const char *d = json_string_value(v);

		if (d == NULL || strncmp(d, "sha256:", 7) != 0 ||
		    strlen(d) != IMAGES_ID_LEN || strchr(d + 7, '/') != NULL) {
			err_set(err, ERR_INVALID, "invalid diff_id in config");
			goto fail;
		}
		layer = images_path(st, "layers/%s.tar", d + 7);
		if (imgarchive_apply(layer, tmp, &one, err) != 0) {
			xfree(layer);
			goto fail;
		}
		xfree(layer);
		size += one;
	}
	imgarchive_remove_tree(root);
	if (rename(tmp, root) != 0) {
		err_errno(err, "rename %s", tmp);
		goto fail;
	}
	path = images_path(st, "content/%s", hex);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len) {
		err_errno(err, "write %s", path);
		if (fd >= 0)
			close(fd);
		xfree(path);
		goto fail;
	}
	close(fd);
	xfree(path);
	img = xcalloc(1, sizeof *img);
	snprintf(img->id, sizeof img->id, "sha256:%s", hex);
	img->config = cfg;
	img->size = size;
	st->v = xreallocarray(st->v, st->n + 1, sizeof *st->v);
	st->v[st->n++] = img;
	json_object_set_new(st->meta, img->id, json_pack("{s:I}", "Size",
	    (json_int_t)size));
	xfree(root);
	xfree(tmp);
	if (images_save_meta(st, err) != 0)
		return (NULL);
	return (img);
fail:
	imgarchive_remove_tree(tmp);
	json_decref(cfg);
	xfree(root);
	xfree(tmp);
	return (NULL);
}

void
images_set_events(struct images *st, struct events *bus)
{
	st->events = bus;
}

void
images_event(struct images *st, const struct images_image *img,
    const char *action, const char *name)
{
	events_image(st->events, action, img->id, name, json_object_get(
	    json_object_get(img->config, "config"), "Labels"));
}

int
images_set_tag(struct images *st, struct images_image *img,
    const char *norm, struct err *err)
{
	char	now[64];
	json_t	*m;

	json_object_set_new(st->tags, norm, json_string(img->id));
	timeutil_format(now, timeutil_now_ns(), 0);
	if ((m = json_object_get(st->meta, img->id)) != NULL)
		json_object_set_new(m, "LastTagTime", json_string(now));
	return (images_save_meta(st, err));
}

int
images_tag(struct images *st, struct images_image *img, const char *ref,
    struct err *err)
{
	char	*norm;
	int	 rc;

	if ((norm = images_ref_normalise(ref, err)) == NULL)
		return (-1);
	if ((rc = images_set_tag(st, img, norm, err)) == 0)
		images_event(st, img, "tag", norm);
	xfree(norm);
	return (rc);
}

int
images_untag(struct images *st, const char *ref, struct err *err)
{
	struct images_image	*img;
	char			*norm;
	int			 rc;

	if ((norm = images_ref_normalise(ref, err)) == NULL)
		return (-1);
	img = images_find_id(st, json_string_value(json_object_get(st->tags,
	    norm)));
	rc = json_object_del(st->tags, norm);
	if (rc != 0)
		err_set(err, ERR_NOT_FOUND, "No such image: %s", norm);
	xfree(norm);
	if (rc != 0 || images_save_meta(st, err) != 0)
		return (-1);
	/* dockerd names the image by its id in an untag, not by the tag. */
	if (img != NULL)
		images_event(st, img, "untag", img->id);
	return (0);
}

json_t *
images_tags(struct images *st, const struct images_image *img)
{
	json_t		*out = json_array(), *v;
	const char	*k;

	json_object_foreach(st->tags, k, v)
		if (strcmp(json_string_value(v), img->id) == 0)
			json_array_append_new(out, json_string(k));
	return (out);
}

/* Does an image other than skip use this diff_id? */
static int
images_layer_shared(struct images *st, const struct images_image *skip,
    const char *diff)
{
	json_t	*ids, *v;
	size_t	 i;

	for (size_t k = 0; k < st->n; k++) {
		if (st->v[k] == skip)
			continue;
		ids = json_object_get(json_object_get(st->v[k]->config,
		    "rootfs"), "diff_ids");
		json_array_foreach(ids, i, v)
			if (strcmp(json_string_value(v), diff) == 0)
				return (1);
	}
	return (0);
}

int
images_delete(struct images *st, struct images_image *img, json_t *out,
    struct err *err)
{
	json_t		*ids = json_object_get(json_object_get(img->config,
	    "rootfs"), "diff_ids"), *v;
	char		 chain[IMAGES_ID_LEN + 1], hex[65], *p, *s;
	size_t		 i;

	json_array_append_new(out, json_pack("{s:s}", "Deleted", img->id));
	/* dockerd reports each removed layer by its chain id. */
	json_array_foreach(ids, i, v) {
		const char *d = json_string_value(v);

		if (i == 0)
			snprintf(chain, sizeof chain, "%s", d);
		else {
			s = xasprintf("%s %s", chain, d);
			imgarchive_sha256(s, strlen(s), hex);
			snprintf(chain, sizeof chain, "sha256:%s", hex);
			xfree(s);
		}
		if (images_layer_shared(st, img, d))
			continue;
		p = images_path(st, "layers/%s.tar", d + 7);
		unlink(p);
		xfree(p);
		json_array_append_new(out, json_pack("{s:s}", "Deleted",
		    chain));
	}
	p = images_path(st, "content/%s", img->id + 7);
	unlink(p);
	xfree(p);
	p = images_path(st, "rootfs/%s", img->id + 7);
	imgarchive_remove_tree(p);
	xfree(p);
	json_object_del(st->meta, img->id);
	for (i = 0; i < st->n; i++)
		if (st->v[i] == img)
			st->v[i] = st->v[--st->n];
	snprintf(chain, sizeof chain, "%s", img->id);
	images_image_free(img);
	if (images_save_meta(st, err) != 0)
		return (-1);
	events_image(st->events, "delete", chain, chain, NULL);
	return (0);
}

/* ---- JSON shapes ----------------------------------------------------- */

static int64_t
images_created_ns(const struct images_image *img)
{
	const char	*s = json_string_value(json_object_get(img->config,
	    "created"));
	int64_t		 ns = 0;

	if (s != NULL)
		timeutil_parse(s, strlen(s), &ns, NULL);
	return (ns);
}

static json_t *
images_or_null(json_t *v)
{
	return (v != NULL ? json_incref(v) : json_null());
}

size_t
images_count(const struct images *st)
{
	return (st->n);
}

json_t *
images_list_json(struct images *st, int all)
{
	json_t	*out = json_array(), *tags, *labels;

	(void)all;	/* no intermediate images: every one is top-level */
	for (size_t i = 0; i < st->n; i++) {
		struct images_image *img = st->v[i];

		tags = images_tags(st, img);
		if (json_array_size(tags) == 0) {
			json_decref(tags);
			tags = NULL;
		}
		labels = json_object_get(json_object_get(img->config,
		    "config"), "Labels");
		json_array_append_new(out, json_pack("{s:i, s:I, s:s, s:o,"
		    " s:s, s:o, s:o, s:i, s:I, s:I}",
		    "Containers", -1,
		    "Created", (json_int_t)(images_created_ns(img) /
		    1000000000), "Id", img->id,
		    "Labels", images_or_null(labels), "ParentId", "",
		    "RepoDigests", tags == NULL ?
		    json_pack("[s]", "<none>@<none>") : json_null(),
		    "RepoTags", tags == NULL ?
		    json_pack("[s]", "<none>:<none>") : tags,
		    "SharedSize", -1, "Size", (json_int_t)img->size,
		    "VirtualSize", (json_int_t)img->size));
	}
	return (out);
}

static const char *
images_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

json_t *
images_inspect_json(struct images *st, const struct images_image *img)
{
	json_t		*c = img->config, *m = json_object_get(st->meta,
	    img->id);
	const char	*ltt = json_string_value(json_object_get(m,
	    "LastTagTime"));

	return (json_pack("{s:s, s:o, s:[], s:s, s:s, s:s, s:s, s:o, s:s,"
	    " s:s, s:o, s:s, s:s, s:I, s:I, s:{s:n, s:s}, s:{s:s, s:o},"
	    " s:{s:s}}",
	    "Id", img->id, "RepoTags", images_tags(st, img), "RepoDigests",
	    "Parent", images_str(c, "parent"),
	    "Comment", images_str(c, "comment"),
	    "Created", images_str(c, "created"),
	    "Container", images_str(c, "container"),
	    "ContainerConfig", images_or_null(json_object_get(c,
	    "container_config")),
	    "DockerVersion", images_str(c, "docker_version"),
	    "Author", images_str(c, "author"),
	    "Config", images_or_null(json_object_get(c, "config")),
	    "Architecture", images_str(c, "architecture"),
	    "Os", images_str(c, "os"),
	    "Size", (json_int_t)img->size, "VirtualSize",
	    (json_int_t)img->size,
	    "GraphDriver", "Data", "Name", st->overlay ? "overlay2" : "vfs",
	    "RootFS", "Type", "layers", "Layers", images_or_null(
	    json_object_get(json_object_get(c, "rootfs"), "diff_ids")),
	    "Metadata", "LastTagTime", ltt != NULL ? ltt :
	    "0001-01-01T00:00:00Z"));
}
