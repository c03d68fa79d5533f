/* SPDX-License-Identifier: MIT */
/*
 * The attrs a container's json-file entries carry: the labels and env
 * variables its log options name (labels, labels-regex, env, env-regex)
 * and the expanded tag, computed once at start as dockerd's json-file
 * logger does, so that `docker logs --details` shows the same text.
 *
 * Two honest differences from dockerd: the regex options are POSIX
 * extended expressions (RE2's common subset behaves the same), and the tag
 * template knows only the {{.Field}} form, refused otherwise.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"

struct logattrs {
	char	**keys;		/* owned, each owned */
	char	**values;	/* owned, each owned */
	size_t	  n;
	size_t	  cap;
};

/* A Go map's assignment: a later value for a key replaces the earlier. */
static void
logattrs_set(struct logattrs *a, const char *k, const char *v)
{
	size_t	i;

	for (i = 0; i < a->n; i++) {
		if (strcmp(a->keys[i], k) == 0) {
			xfree(a->values[i]);
			a->values[i] = xstrdup(v);
			return;
		}
	}
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 8 : a->cap * 2;
		a->keys = xreallocarray(a->keys, a->cap, sizeof *a->keys);
		a->values = xreallocarray(a->values, a->cap,
		    sizeof *a->values);
	}
	a->keys[a->n] = xstrdup(k);
	a->values[a->n++] = xstrdup(v);
}

static void
logattrs_clear(struct logattrs *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++) {
		xfree(a->keys[i]);
		xfree(a->values[i]);
	}
	xfree(a->keys);
	xfree(a->values);
}

/* Go's json.Marshal writes a map's keys in byte order. */
static void
logattrs_sort(struct logattrs *a)
{
	size_t	 i, j;
	char	*k, *v;

	for (i = 1; i < a->n; i++) {
		k = a->keys[i];
		v = a->values[i];
		for (j = i; j > 0 && strcmp(a->keys[j - 1], k) > 0; j--) {
			a->keys[j] = a->keys[j - 1];
			a->values[j] = a->values[j - 1];
		}
		a->keys[j] = k;
		a->values[j] = v;
	}
}

/* The comma-separated names in list that obj has, as string values. */
static void
logattrs_named(struct logattrs *a, const char *list, json_t *obj)
{
	char		*copy, *p, *name;
	const char	*v;

	p = copy = xstrdup(list);
	while ((name = strsep(&p, ",")) != NULL) {
		if ((v = json_string_value(json_object_get(obj, name))) !=
		    NULL)
			logattrs_set(a, name, v);
	}
	xfree(copy);
}

static int
logattrs_matching(struct logattrs *a, const char *pattern, json_t *obj,
    struct err *err)
{
	regex_t		 re;
	const char	*k;
	json_t		*v;
	char		 why[128];
	int		 rc;

	if ((rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &re, why, sizeof why);
		return (err_set(err, ERR_INVALID,
		    "error parsing regexp: %s: `%s`", why, pattern));
	}
	json_object_foreach(obj, k, v) {
		if (json_is_string(v) && regexec(&re, k, 0, NULL, 0) == 0)
			logattrs_set(a, k, json_string_value(v));
	}
	regfree(&re);
	return (0);
}

/* Config.Env as a map: the last K=V for a K wins, entries without = go. */
static json_t *
logattrs_env(json_t *env)
{
	json_t		*map = json_object(), *v;
	const char	*s, *eq;
	char		*k;
	size_t		 i;

	json_array_foreach(env, i, v) {
		if ((s = json_string_value(v)) == NULL ||
		    (eq = strchr(s, '=')) == NULL)
			continue;
		k = xstrndup(s, (size_t)(eq - s));
		json_object_set_new(map, k, json_string(eq + 1));
		xfree(k);
	}
	return (map);
}

/* Entrypoint then Cmd, joined by spaces: dockerd's Info.Command(). */
static void
logattrs_command(struct container *c, struct evbuffer *out)
{
	const char	*key[] = { "Entrypoint", "Cmd" };
	json_t		*v;
	size_t		 i, k, n = 0;

	for (k = 0; k < 2; k++) {
		json_array_foreach(json_object_get(c->config, key[k]), i, v) {
			evbuffer_add_printf(out, "%s%s", n++ ? " " : "",
			    json_string_value(v) ? json_string_value(v) : "");
		}
	}
}

static int
logattrs_field(struct container *c, const char *f, size_t len, size_t col,
    struct evbuffer *out, struct err *err)
{
	const char	*image = container_image_id(c);
	char		 host[256];

#define LOGATTRS_IS(s)	(len == sizeof(s) - 1 && memcmp(f, s, len) == 0)
	if (LOGATTRS_IS("ID"))
		evbuffer_add(out, c->id, 12);
	else if (LOGATTRS_IS("FullID") || LOGATTRS_IS("ContainerID"))
		evbuffer_add_printf(out, "%s", c->id);
	else if (LOGATTRS_IS("Name"))
		evbuffer_add_printf(out, "%s", c->name + (c->name[0] == '/'));
	else if (LOGATTRS_IS("ContainerName"))
		evbuffer_add_printf(out, "%s", c->name);
	else if (LOGATTRS_IS("ImageID"))
		evbuffer_add(out, image, strlen(image) < 12 ? strlen(image) :
		    12);
	else if (LOGATTRS_IS("ImageFullID") || LOGATTRS_IS("ContainerImageID"))
		evbuffer_add_printf(out, "%s", image);
	else if (LOGATTRS_IS("ImageName") ||
	    LOGATTRS_IS("ContainerImageName"))
		evbuffer_add_printf(out, "%s", container_json_str(c->config,
		    "Image"));
	else if (LOGATTRS_IS("DaemonName"))
		evbuffer_add_printf(out, "docker");
	else if (LOGATTRS_IS("Command"))
		logattrs_command(c, out);
	else if (LOGATTRS_IS("Hostname")) {
		if (gethostname(host, sizeof host) != 0)
			return (err_set(err, ERR_INTERNAL, "logger: can not "
			    "resolve hostname"));
		host[sizeof host - 1] = '\0';
		evbuffer_add_printf(out, "%s", host);
	} else
		return (err_set(err, ERR_INVALID, "template: log-tag:1:%zu: "
		    "executing \"log-tag\" at <.%.*s>: can't evaluate field "
		    "%.*s in type *logger.Info", col, (int)len, f, (int)len,
		    f));
#undef LOGATTRS_IS
	return (0);
}

/* Expands {{.Field}} (spaces allowed inside the braces); NULL with err. */
static char *
logattrs_tag(struct container *c, const char *tmpl, struct err *err)
{
	struct evbuffer	*out = evbuffer_new();
	const char	*p = tmpl, *open, *close, *f;
	size_t		 len;
	char		*s = NULL;

	while ((open = strstr(p, "{{")) != NULL) {
		evbuffer_add(out, p, (size_t)(open - p));
		if ((close = strstr(open + 2, "}}")) == NULL) {
			err_set(err, ERR_INVALID, "template: log-tag:1: "
			    "unclosed action");
			goto out;
		}
		for (f = open + 2; *f == ' '; f++)
			;
		for (len = 0; f[len] != '\0' && f[len] != ' ' &&
		    f + len < close; len++)
			;
		if (*f != '.' || len < 2 || strspn(f + len, " ") !=
		    (size_t)(close - f - len)) {
			err_set(err, ERR_INVALID, "logpouch: log opt 'tag': "
			    "only {{.Field}} templates are supported");
			goto out;
		}
		if (logattrs_field(c, f + 1, len - 1, (size_t)(f - tmpl), out,
		    err) != 0)
			goto out;
		p = close + 2;
	}
	evbuffer_add(out, p, strlen(p));
	len = evbuffer_get_length(out);
	s = xmalloc(len + 1);
	evbuffer_remove(out, s, len);
	s[len] = '\0';
out:
	evbuffer_free(out);
	return (s);
}

int
container_log_attrs(struct container *c, struct err *err)
{
	json_t		*cfg = json_object_get(json_object_get(c->hostconfig,
			    "LogConfig"), "Config");
	json_t		*labels = json_object_get(c->config, "Labels");
	json_t		*env = logattrs_env(json_object_get(c->config, "Env"));
	struct logattrs	 a = { NULL, NULL, 0, 0 };
	const char	*s;
	char		*tag = NULL;
	int		 rc = -1;

	if ((s = json_string_value(json_object_get(cfg, "labels"))) != NULL &&
	    *s != '\0')
		logattrs_named(&a, s, labels);
	if ((s = json_string_value(json_object_get(cfg, "labels-regex"))) !=
	    NULL && *s != '\0' && logattrs_matching(&a, s, labels, err) != 0)
		goto out;
	if ((s = json_string_value(json_object_get(cfg, "env"))) != NULL &&
	    *s != '\0')
		logattrs_named(&a, s, env);
	if ((s = json_string_value(json_object_get(cfg, "env-regex"))) !=
	    NULL && *s != '\0' && logattrs_matching(&a, s, env, err) != 0)
		goto out;
	if ((s = json_string_value(json_object_get(cfg, "tag"))) != NULL &&
	    *s != '\0') {
		if ((tag = logattrs_tag(c, s, err)) == NULL)
			goto out;
		if (*tag != '\0')
			logattrs_set(&a, "tag", tag);
	}
	logattrs_sort(&a);
	jsonfile_set_attrs(c->writer, (const char *const *)a.keys,
	    (const char *const *)a.values, a.n);
	rc = 0;
out:
	xfree(tag);
	logattrs_clear(&a);
	json_decref(env);
	return (rc);
}
