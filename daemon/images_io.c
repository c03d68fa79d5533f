/* SPDX-License-Identifier: MIT */
/*
 * Images in and out: docker import (a rootfs tar and Dockerfile change
 * lines), docker load and docker save (manifest.json, <id>.json,
 * <layer>/layer.tar), through the store's images_add() and the archive
 * helpers. No HTTP.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/images.h"
#include "daemon/images_int.h"
#include "daemon/imgarchive.h"

/* A temporary file or directory under image/tmp, removed by the caller. */
static char *
images_io_tmp(struct images *st, const char *what)
{
	char	*tmpl = images_path(st, "tmp/%s-XXXXXX", what);

	if (mkdtemp(tmpl) == NULL) {
		xfree(tmpl);
		return (NULL);
	}
	return (tmpl);
}

/* Moves file (a layer tar with this diff hex) into layers/, once. */
static int
images_io_keep_layer(struct images *st, const char *file, const char *hex,
    struct err *err)
{
	char		*dst = images_path(st, "layers/%s.tar", hex);
	struct stat	 sb;
	int		 rc = 0;

	if (stat(dst, &sb) != 0 && rename(file, dst) != 0)
		rc = err_errno(err, "store layer %s", hex);
	xfree(dst);
	return (rc);
}

/* ---- docker import: the change lines --------------------------------- */

/* Words split on blanks, "double quotes" kept together and dropped. */
static json_t *
images_io_words(const char *s)
{
	json_t	*out = json_array();
	char	*w = xmalloc(strlen(s) + 1), *p;

	while (*s != '\0') {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		for (p = w; *s != '\0' && !isspace((unsigned char)*s); s++) {
			if (*s == '"') {
				while (*++s != '\0' && *s != '"')
					*p++ = *s;
				if (*s == '\0')
					break;
			} else
				*p++ = *s;
		}
		*p = '\0';
		json_array_append_new(out, json_string(w));
	}
	xfree(w);
	return (out);
}

/* CMD and ENTRYPOINT: a JSON array of strings, else sh -c. */
static json_t *
images_io_cmd(const char *rest)
{
	json_t	*j = json_loads(rest, 0, NULL), *v;
	size_t	 i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (!json_is_string(v))
				break;
		if (i == json_array_size(j))
			return (j);
	}
	json_decref(j);
	if (*rest == '\0')
		return (json_pack("[s, s]", "/bin/sh", "-c"));
	return (json_pack("[s, s, s]", "/bin/sh", "-c", rest));
}

/* key=value words (ENV, LABEL); ENV also takes "key value...". */
static int
images_io_pairs(const char *inst, const char *rest, int env, json_t *cfg,
    struct err *err)
{
	json_t		*words = images_io_words(rest), *w;
	json_t		*dst;
	const char	*s;
	size_t		 i;

	if (json_array_size(words) == 0) {
		json_decref(words);
		return (err_set(err, ERR_INVALID, "%s requires at least one "
		    "argument", inst));
	}
	s = json_string_value(json_array_get(words, 0));
	if (env && strchr(s, '=') == NULL) {
		const char *v = rest + strspn(rest, " \t");

		v += strcspn(v, " \t");
		v += strspn(v, " \t");
		json_decref(words);
		words = json_pack("[s+++]", s, "=", "", v);
	}
	dst = json_object_get(cfg, env ? "Env" : "Labels");
	json_array_foreach(words, i, w) {
		const char	*kv = json_string_value(w);
		const char	*eq = strchr(kv, '=');
		size_t		 klen = eq != NULL ? (size_t)(eq - kv) : 0;
		char		*key;

		if (eq == NULL || klen == 0) {
			json_decref(words);
			return (err_set(err, ERR_INVALID, "Syntax error - can't "
			    "find = in \"%s\". Must be of the form: name=value",
			    kv));
		}
		key = xasprintf("%.*s", (int)klen, kv);
		if (!env) {
			if (!json_is_object(dst))
				json_object_set_new(cfg, "Labels",
				    dst = json_object());
			json_object_set_new(dst, key, json_string(eq + 1));
		} else {
			size_t	 k;
			json_t	*e;

			if (!json_is_array(dst))
				json_object_set_new(cfg, "Env",
				    dst = json_array());
			json_array_foreach(dst, k, e) {
				const char *old = json_string_value(e);

				if (strncmp(old, kv, klen + 1) == 0)
					break;
			}
			if (k < json_array_size(dst))
				json_array_set_new(dst, k, json_string(kv));
			else
				json_array_append_new(dst, json_string(kv));
		}
		xfree(key);
	}
	json_decref(words);
	return (0);
}

/* One Dockerfile line of `changes` applied to cfg, as dockerd's commit. */
static int
images_io_change(const char *line, json_t *cfg, int *cmd_set,
    struct err *err)
{
	size_t		 n = strcspn(line + strspn(line, " \t"), " \t");
	const char	*word = line + strspn(line, " \t");
	const char	*rest = word + n;
	char		*inst = xasprintf("%.*s", (int)n, word), *p;
	int		 rc = 0;

	rest += strspn(rest, " \t");
	for (p = inst; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(inst, "cmd") == 0) {
		json_object_set_new(cfg, "Cmd", images_io_cmd(rest));
		*cmd_set = 1;
	} else if (strcmp(inst, "entrypoint") == 0) {
		json_object_set_new(cfg, "Entrypoint", images_io_cmd(rest));
		if (!*cmd_set)
			json_object_set_new(cfg, "Cmd", json_null());
	} else if (strcmp(inst, "env") == 0)
		rc = images_io_pairs("ENV", rest, 1, cfg, err);
	else if (strcmp(inst, "label") == 0)
		rc = images_io_pairs("LABEL", rest, 0, cfg, err);
	else if (strcmp(inst, "workdir") == 0) {
		const char	*old = json_string_value(json_object_get(cfg,
		    "WorkingDir"));

		p = rest[0] == '/' ? xstrdup(rest) : xasprintf("%s/%s",
		    old != NULL && *old != '\0' ? old : "", rest);
		json_object_set_new(cfg, "WorkingDir", json_string(p));
		xfree(p);
	} else if (strcmp(inst, "user") == 0)
		json_object_set_new(cfg, "User", json_string(rest));
	else if (strcmp(inst, "stopsignal") == 0)
		json_object_set_new(cfg, "StopSignal", json_string(rest));
	else if (strcmp(inst, "expose") == 0 || strcmp(inst, "volume") == 0) {
		int	 expose = inst[0] == 'e';
		json_t	*words = images_io_words(rest), *w, *dst;
		size_t	 i;

		dst = json_object_get(cfg, expose ? "ExposedPorts" : "Volumes");
		if (!json_is_object(dst))
			json_object_set_new(cfg, expose ? "ExposedPorts" :
			    "Volumes", dst = json_object());
		json_array_foreach(words, i, w) {
			const char *s = json_string_value(w);

			p = expose && strchr(s, '/') == NULL ?
			    xasprintf("%s/tcp", s) : xstrdup(s);
			json_object_set_new(dst, p, json_object());
			xfree(p);
		}
		json_decref(words);
	} else
		rc = err_set(err, ERR_INVALID, "%s is not a valid change "
		    "command", inst);
	xfree(inst);
	return (rc);
}

/* A container.Config with Go's field order and empty values. */
static json_t *
images_io_empty_config(void)
{
	return (json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b,"
	    " s:n, s:n, s:s, s:n, s:s, s:n, s:n, s:n}",
	    "Hostname", "", "Domainname", "", "User", "",
	    "AttachStdin", 0, "AttachStdout", 0, "AttachStderr", 0,
	    "Tty", 0, "OpenStdin", 0, "StdinOnce", 0, "Env", "Cmd",
	    "Image", "", "Volumes", "WorkingDir", "", "Entrypoint",
	    "OnBuild", "Labels"));
}

/* Keys omitted when empty go where Go's struct puts them. */
static json_t *
images_io_ordered(json_t *cfg)
{
	static const char *order[] = { "Hostname", "Domainname", "User",
	    "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts",
	    "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes",
	    "WorkingDir", "Entrypoint", "OnBuild", "Labels", "StopSignal" };
	json_t	*out = json_object(), *v;

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if ((v = json_object_get(cfg, order[i])) != NULL)
			json_object_set(out, order[i], v);
	json_decref(cfg);
	return (out);
}

static const char *
images_io_arch(void)
{
	static struct utsname	u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") == 0)
		return ("amd64");
	if (strcmp(u.machine, "aarch64") == 0)
		return ("arm64");
	return (u.machine);
}

int
images_import(struct images *st, int fd, const char *ref,
    const char *comment, json_t *changes, char **id, struct err *err)
{
	struct images_image	*img;
	json_t			*cfg = images_io_empty_config(), *doc, *v;
	char			 hex[65], now[64], *tmp, *layer, *text, *d;
	int			 out, cmd_set = 0, rc = -1;
	size_t			 i;

	*id = NULL;
	json_array_foreach(changes, i, v) {
		if (images_io_change(json_string_value(v), cfg, &cmd_set,
		    err) != 0) {
			json_decref(cfg);
			return (-1);
		}
	}
	cfg = images_io_ordered(cfg);
	if ((tmp = images_io_tmp(st, "import")) == NULL) {
		json_decref(cfg);
		return (err_errno(err, "mkdtemp"));
	}
	layer = xasprintf("%s/layer.tar", tmp);
	if ((out = open(layer, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		err_errno(err, "open %s", layer);
		goto done;
	}
	rc = imgarchive_copy_layer(fd, out, hex, err);
	close(out);
	if (rc != 0 || (rc = images_io_keep_layer(st, layer, hex, err)) != 0)
		goto done;
	rc = -1;
	timeutil_format(now, timeutil_now_ns(), 0);
	if (comment == NULL || *comment == '\0')
		comment = "Imported from -";
	d = xasprintf("sha256:%s", hex);
	/* Keys sorted, as dockerd marshals image.Image through a map. */
	doc = json_pack("{s:s, s:s, s:O, s:o, s:s, s:s, s:[{s:s, s:s}],"
	    " s:s, s:{s:s, s:[s]}}",
	    "architecture", images_io_arch(), "comment", comment,
	    "config", cfg, "container_config", images_io_empty_config(),
	    "created", now, "docker_version", LOGPOUCH_VERSION,
	    "history", "created", now, "comment", comment, "os", "linux",
	    "rootfs", "type", "layers", "diff_ids", d);
	xfree(d);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	img = images_add(st, text, strlen(text), err);
	xfree(text);
	if (img == NULL || (ref != NULL && images_tag(st, img, ref, err) != 0))
		goto done;
	images_event(st, img, "import", img->id);
	*id = xstrdup(images_image_id(img));
	rc = 0;
done:
	json_decref(cfg);
	xfree(layer);
	imgarchive_remove_tree(tmp);
	xfree(tmp);
	return (rc);
}

/* ---- docker load and save -------------------------------------------- */

/* The flattened name extract_flat gave a member path. */
static char *
images_io_member(const char *dir, const char *name)
{
	char	*p = xasprintf("%s/%s", dir, name), *s;

	for (s = p + strlen(dir) + 1; *s != '\0'; s++)
		if (*s == '/')
			*s = '_';
	return (p);
}

static char *
images_io_slurp(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	int		 fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		return (NULL);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	*len = read(fd, buf, (size_t)sb.st_size) == sb.st_size ?
	    (size_t)sb.st_size : 0;
	buf[*len] = '\0';
	close(fd);
	return (buf);
}

static int
images_io_load_one(struct images *st, const char *dir, json_t *m,
    void (*line)(const char *, void *), void *arg, struct err *err)
{
	const char		*cname = json_string_value(json_object_get(m,
	    "Config"));
	json_t			*layers = json_object_get(m, "Layers"), *v;
	json_t			*tags = json_object_get(m, "RepoTags"), *ids;
	struct images_image	*img;
	char			*p, *bytes, hex[65], *msg, *norm;
	size_t			 len, i;
	json_t			*cfg;
	int			 rc;

	if (cname == NULL)
		return (err_set(err, ERR_INVALID, "invalid manifest"));
	p = images_io_member(dir, cname);
	bytes = images_io_slurp(p, &len);
	xfree(p);
	if (bytes == NULL)
		return (err_set(err, ERR_INVALID, "open %s: no such file or "
		    "directory", cname));
	cfg = json_loadb(bytes, len, 0, NULL);
	ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (json_array_size(ids) != json_array_size(layers)) {
		json_decref(cfg);
		xfree(bytes);
		return (err_set(err, ERR_INVALID, "invalid manifest, layers "
		    "length mismatch: expected %zu, got %zu",
		    json_array_size(ids), json_array_size(layers)));
	}
	json_array_foreach(layers, i, v) {
		const char	*want = json_string_value(json_array_get(ids, i));

		p = images_io_member(dir, json_string_value(v) != NULL ?
		    json_string_value(v) : "");
		if (imgarchive_sha256_file(p, hex, err) != 0 || want == NULL ||
		    strcmp(want + 7, hex) != 0 ||
		    images_io_keep_layer(st, p, hex, err) != 0) {
			if (want != NULL && err != NULL && err->msg[0] == '\0')
				err_set(err, ERR_INVALID, "invalid diffID "
				    "for layer %zu: expected %s, got sha256:%s",
				    i, want, hex);
			xfree(p);
			json_decref(cfg);
			xfree(bytes);
			return (-1);
		}
		xfree(p);
	}
	json_decref(cfg);
	img = images_add(st, bytes, len, err);
	xfree(bytes);
	if (img == NULL)
		return (-1);
	if (json_array_size(tags) == 0) {
		msg = xasprintf("Loaded image ID: %s", images_image_id(img));
		line(msg, arg);
		xfree(msg);
	}
	json_array_foreach(tags, i, v) {
		/* dockerd's load sets its tags without a tag event. */
		if ((norm = images_ref_normalise(json_string_value(v),
		    err)) == NULL)
			return (-1);
		rc = images_set_tag(st, img, norm, err);
		xfree(norm);
		if (rc != 0)
			return (-1);
		msg = xasprintf("Loaded image: %s", json_string_value(v));
		line(msg, arg);
		xfree(msg);
	}
	images_event(st, img, "load", img->id);
	return (0);
}

int
images_load(struct images *st, int fd, void (*line)(const char *, void *),
    void *arg, struct err *err)
{
	char	*dir = images_io_tmp(st, "load"), *p;
	json_t	*man, *m;
	size_t	 i;
	int	 rc = -1;

	if (dir == NULL)
		return (err_errno(err, "mkdtemp"));
	if (err != NULL)
		err->msg[0] = '\0';
	if (imgarchive_extract_flat(fd, dir, err) != 0)
		goto out;
	p = xasprintf("%s/manifest.json", dir);
	man = json_load_file(p, 0, NULL);
	xfree(p);
	if (!json_is_array(man)) {
		json_decref(man);
		err_set(err, ERR_INVALID, "open %s/repositories: no such file "
		    "or directory", dir);
		goto out;
	}
	json_array_foreach(man, i, m) {
		if (images_io_load_one(st, dir, m, line, arg, err) != 0) {
			json_decref(man);
			goto out;
		}
	}
	json_decref(man);
	rc = 0;
out:
	imgarchive_remove_tree(dir);
	xfree(dir);
	return (rc);
}

static void
images_io_saved(struct images *st, const char *config)
{
	struct images_image	*img;
	char			*id = xasprintf("sha256:%.64s", config);

	if ((img = images_lookup(st, id, NULL)) != NULL)
		images_event(st, img, "save", img->id);
	xfree(id);
}

int
images_save(struct images *st, const char *const *refs, size_t n, int fd,
    struct err *err)
{
	struct imgarchive_entry	*ents = NULL;
	json_t			*man = json_array(), *repos = json_object();
	json_t			*ids, *v, *layers, *e = NULL;
	char			*mtext, *rtext, *norm;
	size_t			 ne = 0, i, k;
	int			 rc = -1;

	for (i = 0; i < n; i++) {
		struct images_image	*img = images_lookup(st, refs[i], err);
		const char		*id;

		if (img == NULL)
			goto out;
		id = images_image_id(img);
		for (k = 0; k < json_array_size(man); k++) {
			e = json_array_get(man, k);
			if (strncmp(json_string_value(json_object_get(e,
			    "Config")), id + 7, 64) == 0)
				break;
		}
		if (k == json_array_size(man)) {
			ids = json_object_get(json_object_get(
			    images_image_config(img), "rootfs"), "diff_ids");
			layers = json_array();
			json_array_foreach(ids, k, v)
				json_array_append_new(layers, json_sprintf(
				    "%s/layer.tar", json_string_value(v) + 7));
			e = json_pack("{s:s+, s:[], s:o}", "Config", id + 7,
			    ".json", "RepoTags", "Layers", layers);
			json_array_append_new(man, e);
		}
		/* A name saves that tag; an id saves the image untagged. */
		norm = images_ref_normalise(refs[i], NULL);
		if (norm != NULL && strncmp(refs[i], id + 7,
		    strlen(refs[i])) != 0 && strncmp(refs[i], id,
		    strlen(refs[i])) != 0) {
			char *colon = strrchr(norm, ':');

			json_array_append_new(json_object_get(e, "RepoTags"),
			    json_string(norm));
			*colon = '\0';
			if (json_object_get(repos, norm) == NULL)
				json_object_set_new(repos, norm, json_object());
			layers = json_object_get(e, "Layers");
			json_object_set_new(json_object_get(repos, norm),
			    colon + 1, json_sprintf("%.64s", json_string_value(
			    json_array_get(layers, json_array_size(layers) -
			    1))));
		}
		xfree(norm);
	}
	mtext = json_dumps(man, JSON_COMPACT);
	rtext = json_dumps(repos, JSON_COMPACT);
	json_array_foreach(man, i, e) {
		const char *c = json_string_value(json_object_get(e, "Config"));

		ents = xreallocarray(ents, ne + 1 + 2 *
		    json_array_size(json_object_get(e, "Layers")), sizeof *ents);
		memset(&ents[ne], 0, sizeof *ents);
		ents[ne].name = c;
		ents[ne++].path = images_path(st, "content/%.64s", c);
		json_array_foreach(json_object_get(e, "Layers"), k, v) {
			const char *l = json_string_value(v);

			memset(&ents[ne], 0, 2 * sizeof *ents);
			ents[ne].name = xasprintf("%.64s", l);
			ents[ne++].dir = 1;
			ents[ne].name = l;
			ents[ne++].path = images_path(st, "layers/%.64s.tar", l);
		}
	}
	ents = xreallocarray(ents, ne + 2, sizeof *ents);
	memset(&ents[ne], 0, 2 * sizeof *ents);
	ents[ne].name = "manifest.json";
	ents[ne].data = mtext;
	ents[ne++].len = strlen(mtext);
	ents[ne].name = "repositories";
	ents[ne].data = rtext;
	ents[ne++].len = strlen(rtext);
	if ((rc = imgarchive_write(fd, ents, ne, err)) == 0)
		json_array_foreach(man, i, e)
			images_io_saved(st, json_string_value(json_object_get(e,
			    "Config")));
	for (i = 0; i < ne; i++) {
		xfree((char *)ents[i].path);
		if (ents[i].dir)
			xfree((char *)ents[i].name);
	}
	xfree(ents);
	xfree(mtext);
	xfree(rtext);
out:
	json_decref(man);
	json_decref(repos);
	return (rc);
}
