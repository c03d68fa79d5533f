/* SPDX-License-Identifier: MIT */
/*
 * The predefined networks and their identity. Nothing here changes while
 * the daemon runs: the set is fixed until bridge networking exists, and
 * which containers sit on a network is the container store's to say.
 */
#include <sys/random.h>

#include <stdio.h>
#include <string.h>

#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/networks.h"

#define NETWORK_ID_LEN	64

struct network {
	const char	*name;
	const char	*driver;	/* dockerd's driver for that mode */
	char		 id[NETWORK_ID_LEN + 1];
	int64_t		 created_ns;
};

struct networks {
	struct network	 v[2];
};

static const struct {
	const char	*name, *driver;
} networks_predefined[] = {
	{ "none", "null" },
	{ "host", "host" },
};

static int
networks_make_id(char *id)
{
	unsigned char	raw[NETWORK_ID_LEN / 2];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return (-1);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return (0);
}

/* A saved entry is taken only when it is whole; otherwise it is made anew. */
static int
networks_take_saved(struct network *n, json_t *saved)
{
	const char	*id = json_string_value(json_object_get(saved, "Id"));
	const char	*at = json_string_value(json_object_get(saved,
			    "Created"));
	int		 off;

	if (id == NULL || strlen(id) != NETWORK_ID_LEN ||
	    strspn(id, "0123456789abcdef") != NETWORK_ID_LEN || at == NULL ||
	    timeutil_parse(at, strlen(at), &n->created_ns, &off) != 0)
		return (-1);
	memcpy(n->id, id, sizeof n->id);
	return (0);
}

static int
networks_save(const struct networks *nw, const char *path, struct err *err)
{
	char	 at[TIMEUTIL_BUFSZ], *tmp = xasprintf("%s.tmp", path);
	json_t	*j = json_object();
	int	 rc = 0;

	for (size_t i = 0; i < networks_count(nw); i++) {
		timeutil_format(at, nw->v[i].created_ns, 0);
		json_object_set_new(j, nw->v[i].name, json_pack("{s:s, s:s}",
		    "Id", nw->v[i].id, "Created", at));
	}
	if (json_dump_file(j, tmp, JSON_COMPACT) != 0 || rename(tmp, path) !=
	    0)
		rc = err_errno(err, "write %s", path);
	json_decref(j);
	xfree(tmp);
	return (rc);
}

struct networks *
networks_new(const char *data_root, struct err *err)
{
	struct networks	*nw = xcalloc(1, sizeof *nw);
	char		*path = xasprintf("%s/networks.json", data_root);
	json_t		*saved = json_load_file(path, 0, NULL);
	int		 dirty = 0;

	for (size_t i = 0; i < networks_count(nw); i++) {
		struct network	*n = &nw->v[i];

		n->name = networks_predefined[i].name;
		n->driver = networks_predefined[i].driver;
		if (networks_take_saved(n, json_object_get(saved,
		    n->name)) == 0)
			continue;
		if (networks_make_id(n->id) != 0) {
			err_errno(err, "getrandom");
			goto fail;
		}
		n->created_ns = timeutil_now_ns();
		dirty = 1;
	}
	if (dirty && networks_save(nw, path, err) != 0)
		goto fail;
	json_decref(saved);
	xfree(path);
	return (nw);
fail:
	json_decref(saved);
	xfree(path);
	xfree(nw);
	return (NULL);
}

void
networks_free(struct networks *nw)
{
	xfree(nw);
}

size_t
networks_count(const struct networks *nw)
{
	return (sizeof nw->v / sizeof nw->v[0]);
}

const struct network *
networks_at(const struct networks *nw, size_t i)
{
	return (i < networks_count(nw) ? &nw->v[i] : NULL);
}

const struct network *
networks_lookup(const struct networks *nw, const char *ref, struct err *err)
{
	const struct network	*hit = NULL;
	size_t			 n = 0, len = strlen(ref);

	for (size_t i = 0; i < networks_count(nw); i++)
		if (strcmp(nw->v[i].id, ref) == 0)
			return (&nw->v[i]);
	for (size_t i = 0; i < networks_count(nw); i++)
		if (strcmp(nw->v[i].name, ref) == 0)
			return (&nw->v[i]);
	for (size_t i = 0; len > 0 && i < networks_count(nw); i++)
		if (strncmp(nw->v[i].id, ref, len) == 0) {
			hit = &nw->v[i];
			n++;
		}
	if (n == 1)
		return (hit);
	if (n > 1)
		err_set(err, ERR_AMBIGUOUS, "network %s is ambiguous (%zu "
		    "matches found based on ID prefix)", ref, n);
	else
		err_set(err, ERR_NOT_FOUND, "network %s not found", ref);
	return (NULL);
}

const char *
network_name(const struct network *n)
{
	return (n->name);
}

const char *
network_id(const struct network *n)
{
	return (n->id);
}

const char *
network_driver(const struct network *n)
{
	return (n->driver);
}

json_t *
network_view(const struct network *n)
{
	char	at[TIMEUTIL_BUFSZ];

	timeutil_format(at, n->created_ns, 0);
	return (json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:[]}, "
	    "s:b, s:b, s:b, s:{s:s}, s:b, s:{}, s:{}, s:{}}",
	    "Name", n->name, "Id", n->id, "Created", at, "Scope", "local",
	    "Driver", n->driver, "EnableIPv6", 0,
	    "IPAM", "Driver", "default", "Options", "Config",
	    "Internal", 0, "Attachable", 0, "Ingress", 0,
	    "ConfigFrom", "Network", "", "ConfigOnly", 0,
	    "Containers", "Options", "Labels"));
}
