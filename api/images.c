/* SPDX-License-Identifier: MIT */
/*
 * Image endpoints, answered as dockerd 20.10 answers them: import and pull
 * (POST /images/create), load, save, list, inspect, tag, delete; and the
 * image half of container create (lookup and config merge). The store is
 * daemon/images.c; request bodies reach it through a memfd.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/apiversion.h"
#include "api/http.h"
#include "api/images.h"
#include "api/server.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/images.h"

static struct images *
images_api_store(struct api_req *r)
{
	return (container_store_images(api_req_store(r)));
}

/* The request body as a readable fd at offset 0 (the caller closes). */
static int
images_api_body_fd(struct api_req *r)
{
	struct evbuffer	*in = api_req_input(r);
	int		 fd = memfd_create("lp-image-body", MFD_CLOEXEC);

	if (fd < 0)
		return (-1);
	while (evbuffer_get_length(in) > 0)
		if (evbuffer_write(in, fd) < 0) {
			close(fd);
			return (-1);
		}
	lseek(fd, 0, SEEK_SET);
	return (fd);
}

/* One line of dockerd's JSON message stream, "\r\n" ended. */
static void
images_api_stream_json(struct api_req *r, json_t *j)
{
	struct evbuffer	*buf = evbuffer_new();
	char		*s = json_dumps(j, JSON_COMPACT);

	evbuffer_add_printf(buf, "%s\r\n", s);
	api_stream_write(r, buf, NULL, NULL);
	evbuffer_free(buf);
	xfree(s);
	json_decref(j);
}

static void
images_api_stream_error(struct api_req *r, const char *msg)
{
	images_api_stream_json(r, json_pack("{s:{s:s}, s:s}", "errorDetail",
	    "message", msg, "error", msg));
}

/* ---- POST /images/create --------------------------------------------- */

/* docker pull: no registry client, so the registry is unreachable. */
static void
images_api_pull(struct api_req *r, const char *from)
{
	struct err	 err;
	char		*norm = images_ref_normalise(from, &err), *host;
	const char	*slash;

	if (norm == NULL) {
		api_reply_err(r, &err);
		return;
	}
	slash = strchr(norm, '/');
	host = slash != NULL && (memchr(norm, '.', (size_t)(slash - norm)) !=
	    NULL || strncmp(norm, "localhost", 9) == 0) ?
	    xasprintf("%.*s", (int)(slash - norm), norm) :
	    xstrdup("registry-1.docker.io");
	api_reply_error(r, 500, "Get \"https://%s/v2/\": dial tcp: lookup %s: "
	    "no registry client in logpouchd", host, host);
	xfree(host);
	xfree(norm);
}

void
images_api_create(struct api_req *r)
{
	const char		*from = api_query(r, "fromImage");
	const char		*src = api_query(r, "fromSrc");
	const char		*repo = api_query(r, "repo");
	const char		*tag = api_query(r, "tag");
	const char		*v;
	struct err		 err;
	json_t			*changes = json_array();
	char			*ref = NULL, *id, *norm;
	int			 fd, rc;

	if (from != NULL && *from != '\0') {
		json_decref(changes);
		images_api_pull(r, from);
		return;
	}
	for (int i = 0; (v = api_query_nth(r, "changes", i)) != NULL; i++)
		json_array_append_new(changes, json_string(v));
	if (repo != NULL && *repo != '\0') {
		ref = tag != NULL && *tag != '\0' ? xasprintf("%s:%s", repo,
		    tag) : xstrdup(repo);
		if ((norm = images_ref_normalise(ref, &err)) == NULL) {
			xfree(ref);
			json_decref(changes);
			api_reply_err(r, &err);
			return;
		}
		xfree(norm);
	}
	if (src == NULL || strcmp(src, "-") != 0) {
		xfree(ref);
		json_decref(changes);
		api_reply_error(r, 500, "importing from %s is not supported: "
		    "send the tarball as the body (fromSrc=-)",
		    src != NULL ? src : "(nothing)");
		return;
	}
	if ((fd = images_api_body_fd(r)) < 0) {
		xfree(ref);
		json_decref(changes);
		api_reply_error(r, 500, "memfd: %m");
		return;
	}
	rc = images_import(images_api_store(r), fd, ref,
	    api_query(r, "message"), changes, &id, &err);
	close(fd);
	xfree(ref);
	json_decref(changes);
	if (rc != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_stream_start(r, 200, "application/json");
	images_api_stream_json(r, json_pack("{s:s}", "status", id));
	xfree(id);
	api_stream_end(r);
}

/* ---- POST /images/load, GET /images/{name}/get ----------------------- */

static void
images_api_loaded_cb(const char *line, void *arg)
{
	struct api_req	*r = arg;
	char		*s = xasprintf("%s\n", line);

	images_api_stream_json(r, json_pack("{s:s}", "stream", s));
	xfree(s);
}

void
images_api_load(struct api_req *r)
{
	struct err	 err;
	int		 fd;

	if ((fd = images_api_body_fd(r)) < 0) {
		api_reply_error(r, 500, "memfd: %m");
		return;
	}
	/* dockerd answers 200 first; a failure is the stream's last line. */
	api_stream_start(r, 200, "application/json");
	if (images_load(images_api_store(r), fd, images_api_loaded_cb, r,
	    &err) != 0)
		images_api_stream_error(r, err.msg);
	close(fd);
	api_stream_end(r);
}

static void
images_api_save(struct api_req *r, const char *const *refs, size_t n)
{
	struct err	 err;
	int		 fd = memfd_create("lp-image-save", MFD_CLOEXEC);

	if (fd < 0) {
		api_reply_error(r, 500, "memfd: %m");
		return;
	}
	if (images_save(images_api_store(r), refs, n, fd, &err) != 0) {
		close(fd);
		api_reply_err(r, &err);
		return;
	}
	api_reply_tar_fd(r, fd);
}

void
images_api_get(struct api_req *r)
{
	const char	*ref = api_req_param(r, 0);

	images_api_save(r, &ref, 1);
}

void
images_api_get_many(struct api_req *r)
{
	const char	**refs = NULL, *v;
	size_t		  n = 0;

	while ((v = api_query_nth(r, "names", (int)n)) != NULL) {
		refs = xreallocarray(refs, n + 1, sizeof *refs);
		refs[n++] = v;
	}
	images_api_save(r, refs, n);
	xfree(refs);
}

/* ---- GET /images/json, /images/{name}/json, tag ---------------------- */

/* filters={"key":{"value":true}} or {"key":["value"]}: 1 if v matches. */
static int
images_api_filter_has(json_t *f, const char *key, const char *v)
{
	json_t	*vals = json_object_get(f, key), *x;
	size_t	 i;

	if (json_is_object(vals))
		return (json_object_get(vals, v) != NULL);
	json_array_foreach(vals, i, x)
		if (strcmp(json_string_value(x), v) == 0)
			return (1);
	return (0);
}

/* Each value of one filter key, as an array of strings. */
static json_t *
images_api_filter_values(json_t *f, const char *key)
{
	json_t		*vals = json_object_get(f, key), *out = json_array(), *x;
	const char	*k;
	size_t		 i;

	if (json_is_object(vals))
		json_object_foreach(vals, k, x)
			json_array_append_new(out, json_string(k));
	else
		json_array_foreach(vals, i, x)
			json_array_append(out, x);
	return (out);
}

/* Created of the listed image ref names, or -1. */
static json_int_t
images_api_created_of(struct images *st, json_t *all, const char *ref)
{
	struct images_image	*img = images_lookup(st, ref, NULL);
	json_t			*e;
	size_t			 i;

	json_array_foreach(all, i, e)
		if (img != NULL && strcmp(json_string_value(json_object_get(e,
		    "Id")), images_image_id(img)) == 0)
			return (json_integer_value(json_object_get(e,
			    "Created")));
	return (-1);
}

static int
images_api_keep(struct images *st, json_t *f, json_t *img, json_t *all)
{
	json_t		*tags = json_object_get(img, "RepoTags"), *vals, *v;
	json_t		*labels = json_object_get(img, "Labels");
	int		 dangling = json_array_size(tags) == 1 && strcmp(
	    json_string_value(json_array_get(tags, 0)), "<none>:<none>") == 0;
	int		 ok = 1;
	size_t		 i, k;
	json_int_t	 created = json_integer_value(json_object_get(img,
	    "Created"));

	if (images_api_filter_has(f, "dangling", "true") && !dangling)
		return (0);
	if (images_api_filter_has(f, "dangling", "false") && dangling)
		return (0);
	vals = images_api_filter_values(f, "reference");
	if (json_array_size(vals) > 0) {
		ok = 0;
		json_array_foreach(vals, i, v) {
			json_t *t;

			json_array_foreach(tags, k, t) {
				char *repo = xstrdup(json_string_value(t));

				if (fnmatch(json_string_value(v), repo, 0) == 0)
					ok = 1;
				*strrchr(repo, ':') = '\0';
				if (fnmatch(json_string_value(v), repo, 0) == 0)
					ok = 1;
				xfree(repo);
			}
		}
	}
	json_decref(vals);
	vals = images_api_filter_values(f, "label");
	json_array_foreach(vals, i, v) {
		const char	*l = json_string_value(v), *eq = strchr(l, '=');
		char		*key = eq != NULL ? xasprintf("%.*s",
		    (int)(eq - l), l) : xstrdup(l);
		const char	*have = json_string_value(json_object_get(labels,
		    key));

		if (have == NULL || (eq != NULL && strcmp(have, eq + 1) != 0))
			ok = 0;
		xfree(key);
	}
	json_decref(vals);
	for (int b = 0; b < 2; b++) {
		vals = images_api_filter_values(f, b ? "before" : "since");
		json_array_foreach(vals, i, v) {
			json_int_t c = images_api_created_of(st, all,
			    json_string_value(v));

			if (c >= 0 && (b ? created >= c : created <= c))
				ok = 0;
		}
		json_decref(vals);
	}
	return (ok);
}

void
images_api_list(struct api_req *r)
{
	struct images	*st = images_api_store(r);
	const char	*fs = api_query(r, "filters");
	json_t		*all = images_list_json(st, api_query_bool(r, "all"));
	json_t		*out = json_array(), *f = NULL, *img;
	size_t		 i;

	/* json_is_object() is a macro: its argument must not call. */
	if (fs != NULL && *fs != '\0')
		f = json_loads(fs, 0, NULL);
	if (fs != NULL && *fs != '\0' && !json_is_object(f)) {
		json_decref(f);
		json_decref(all);
		json_decref(out);
		api_reply_error(r, 400, "invalid filter '%s'", fs);
		return;
	}
	json_array_foreach(all, i, img)
		if (f == NULL || images_api_keep(st, f, img, all))
			json_array_append(out, img);
	json_decref(f);
	json_decref(all);
	apiversion_image_list(api_req_version(r), out, api_req_store(r));
	api_reply_json(r, 200, out);
}

void
images_api_inspect(struct api_req *r)
{
	struct images		*st = images_api_store(r);
	struct images_image	*img;
	struct err		 err;
	json_t			*j;

	if ((img = images_lookup(st, api_req_param(r, 0), &err)) == NULL) {
		api_reply_error(r, 404, "no such image: %s: %s", api_req_param(r, 0),
		    err.msg);
		return;
	}
	j = images_inspect_json(st, img);
	apiversion_image_inspect(api_req_version(r), j);
	api_reply_json(r, 200, j);
}

void
images_api_tag(struct api_req *r)
{
	struct images		*st = images_api_store(r);
	struct images_image	*img;
	const char		*repo = api_query(r, "repo");
	const char		*tag = api_query(r, "tag");
	struct err		 err;
	char			*ref;
	int			 rc;

	if ((img = images_lookup(st, api_req_param(r, 0), &err)) == NULL) {
		api_reply_err(r, &err);
		return;
	}
	ref = tag != NULL && *tag != '\0' ? xasprintf("%s:%s", repo != NULL ?
	    repo : "", tag) : xstrdup(repo != NULL ? repo : "");
	rc = images_tag(st, img, ref, &err);
	xfree(ref);
	if (rc != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 201);
}

/* ---- DELETE /images/{name} ------------------------------------------- */

struct images_api_users {
	const char	*id;
	const char	*running;	/* first running container's id */
	const char	*stopped;	/* first other one */
};

static void
images_api_users_cb(struct container *c, void *arg)
{
	struct images_api_users	*u = arg;

	if (strcmp(container_image_id(c), u->id) != 0)
		return;
	if (container_state(c) == CONTAINER_RUNNING) {
		if (u->running == NULL)
			u->running = container_id(c);
	} else if (u->stopped == NULL)
		u->stopped = container_id(c);
}

/* moby's isImageIDPrefix: ref names the image by (a prefix of) its id. */
static int
images_api_id_prefix(const char *id, const char *ref)
{
	return (strncmp(id, ref, strlen(ref)) == 0 ||
	    strncmp(id + 7, ref, strlen(ref)) == 0);
}

/* Do all tags name one repository? */
static int
images_api_one_repo(json_t *tags)
{
	const char	*first = json_string_value(json_array_get(tags, 0));
	size_t		 n = first != NULL ? strrchr(first, ':') - first : 0, i;
	json_t		*t;

	json_array_foreach(tags, i, t) {
		const char *s = json_string_value(t);

		if (strncmp(s, first, n) != 0 || s[n] != ':')
			return (0);
	}
	return (1);
}

static void
images_api_untag_all(struct images *st, struct images_image *img,
    json_t *records)
{
	json_t	*tags = images_tags(st, img), *t;
	size_t	 i;

	json_array_foreach(tags, i, t) {
		images_untag(st, json_string_value(t), NULL);
		json_array_append_new(records, json_pack("{s:O}", "Untagged",
		    t));
	}
	json_decref(tags);
}

void
images_api_delete(struct api_req *r)
{
	struct images		*st = images_api_store(r);
	struct images_image	*img;
	struct images_api_users	 u = { NULL, NULL, NULL };
	const char		*ref = api_req_param(r, 0);
	int			 force = api_query_bool(r, "force");
	int			 by_name = 0;
	json_t			*records = json_array(), *tags;
	struct err		 err;
	char			*norm;

	if ((img = images_lookup(st, ref, &err)) == NULL)
		goto fail;
	u.id = images_image_id(img);
	container_store_foreach(api_req_store(r), images_api_users_cb, &u);
	tags = images_tags(st, img);
	if (!images_api_id_prefix(u.id, ref)) {
		by_name = 1;
		if (!force && json_array_size(tags) == 1 && (u.running !=
		    NULL || u.stopped != NULL)) {
			err_set(&err, ERR_CONFLICT, "conflict: unable to remove "
			    "repository reference \"%s\" (must force) - "
			    "container %.12s is using its referenced image "
			    "%.12s", ref, u.running != NULL ? u.running :
			    u.stopped, u.id + 7);
			json_decref(tags);
			goto fail;
		}
		norm = images_ref_normalise(ref, NULL);
		images_untag(st, norm, NULL);
		json_array_append_new(records, json_pack("{s:s}", "Untagged",
		    norm));
		xfree(norm);
	} else if (json_array_size(tags) <= 1 || images_api_one_repo(tags)) {
		/* Hard conflicts first, before any tag goes (moby's order). */
		if (u.running != NULL) {
			err_set(&err, ERR_CONFLICT, "conflict: unable to delete "
			    "%.12s (cannot be forced) - image is being used by "
			    "running container %.12s", u.id + 7, u.running);
			json_decref(tags);
			goto fail;
		}
		if (!force && u.stopped != NULL) {
			err_set(&err, ERR_CONFLICT, "conflict: unable to delete "
			    "%.12s (must be forced) - image is being used by "
			    "stopped container %.12s", u.id + 7, u.stopped);
			json_decref(tags);
			goto fail;
		}
		images_api_untag_all(st, img, records);
	}
	json_decref(tags);
	tags = images_tags(st, img);
	if (json_array_size(tags) > 0) {
		if (by_name) {
			/* Other tags remain: the untag was the whole job. */
			json_decref(tags);
			api_reply_json(r, 200, records);
			return;
		}
		if (!force) {
			json_decref(tags);
			err_set(&err, ERR_CONFLICT, "conflict: unable to delete "
			    "%.12s (must be forced) - image is referenced in "
			    "multiple repositories", u.id + 7);
			goto fail;
		}
		images_api_untag_all(st, img, records);
	}
	json_decref(tags);
	/* imageDeleteHelper: a used image stays (dangling) after an untag. */
	if (u.running != NULL || (!force && u.stopped != NULL)) {
		if (by_name) {
			api_reply_json(r, 200, records);
			return;
		}
		err_set(&err, ERR_CONFLICT, "conflict: unable to delete %.12s "
		    "(%s) - image is being used by %s container %.12s",
		    u.id + 7, u.running != NULL ? "cannot be forced" :
		    "must be forced", u.running != NULL ? "running" : "stopped",
		    u.running != NULL ? u.running : u.stopped);
		goto fail;
	}
	if (by_name && u.stopped != NULL) {
		api_reply_json(r, 200, records);
		return;
	}
	if (images_delete(st, img, records, &err) != 0)
		goto fail;
	api_reply_json(r, 200, records);
	return;
fail:
	json_decref(records);
	api_reply_err(r, &err);
}

/* ---- container create: the image's half ------------------------------ */

int
images_api_create_image(struct images *st, const char *image,
    json_t **cmd, json_t **ep, struct images_image **out, struct err *err)
{
	struct images_image	*img;
	json_t			*ic;

	*out = NULL;
	if (st == NULL || image == NULL || *image == '\0')
		return (0);
	if ((img = images_lookup(st, image, err)) == NULL)
		return (-1);
	ic = json_object_get(images_image_config(img), "config");
	/* runconfig merge: a user Entrypoint also drops the image's Cmd. */
	if (json_array_size(*ep) == 0) {
		if (json_array_size(*cmd) == 0 && json_is_array(json_object_get(
		    ic, "Cmd"))) {
			json_decref(*cmd);
			*cmd = json_deep_copy(json_object_get(ic, "Cmd"));
		}
		if (*ep == NULL && json_is_array(json_object_get(ic,
		    "Entrypoint")))
			*ep = json_deep_copy(json_object_get(ic, "Entrypoint"));
	}
	*out = img;
	return (0);
}

void
images_api_create_merge(const struct images_image *img, json_t *config,
    const char *user)
{
	json_t		*ic = json_object_get(images_image_config(img), "config");
	json_t		*env = json_object_get(config, "Env");
	json_t		*labels = json_object_get(config, "Labels"), *v, *e;
	const char	*wd = json_string_value(json_object_get(config,
	    "WorkingDir")), *key, *iu;
	size_t		 i, k;

	json_array_foreach(json_object_get(ic, "Env"), i, v) {
		const char	*ie = json_string_value(v);
		size_t		 klen = strcspn(ie, "=");

		json_array_foreach(env, k, e) {
			const char *ue = json_string_value(e);

			if (strncmp(ue, ie, klen) == 0 && (ue[klen] == '=' ||
			    ue[klen] == '\0'))
				break;
		}
		if (k == json_array_size(env))
			json_array_append(env, v);
	}
	json_object_foreach(json_object_get(ic, "Labels"), key, v)
		if (json_object_get(labels, key) == NULL)
			json_object_set(labels, key, v);
	if ((wd == NULL || *wd == '\0') && json_is_string(json_object_get(ic,
	    "WorkingDir")))
		json_object_set(config, "WorkingDir", json_object_get(ic,
		    "WorkingDir"));
	iu = json_string_value(json_object_get(ic, "User"));
	json_object_set_new(config, "User", json_string(user != NULL &&
	    *user != '\0' ? user : iu != NULL ? iu : ""));
	json_object_set_new(config, "ImageID", json_string(
	    images_image_id(img)));
}
