/* SPDX-License-Identifier: MIT */
/*
 * What a create names of other containers, resolved as dockerd resolves
 * them before the container exists: its links and its IPC donor.
 */
#include <string.h>

#include <jansson.h>

#include "api/containers_refs.h"
#include "daemon/base/err.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/jsontext.h"

/*
 * HostConfig.Links, "name[:alias]": each must name a container, as
 * dockerd's registerLinks. Kept as "/<its name>:<alias>"; inspect adds
 * this container's name ("/a:/b/alias") once it has one.
 */
static int
containers_refs_links(struct container_store *st, json_t *hc,
    struct err *err)
{
	json_t			*links = json_object_get(hc, "Links");
	json_t			*kept, *v;
	struct container	*target;
	const char		*s, *colon;
	char			*name, *text;
	struct err		 why;
	size_t			 i;

	if (json_array_size(links) == 0)
		return (0);
	kept = json_array();
	json_array_foreach(links, i, v) {
		s = json_string_value(v);
		colon = strchr(s, ':');
		if (*s == '\0' || (colon != NULL && strchr(colon + 1, ':') !=
		    NULL)) {
			json_decref(kept);
			return (err_set(err, ERR_INTERNAL, "bad format for "
			    "links: %s", s));
		}
		name = colon != NULL ? xstrndup(s, (size_t)(colon - s)) :
		    xstrdup(s);
		if ((target = container_store_lookup(st, name, &why)) == NULL) {
			err_set(err, ERR_INVALID, "could not get container for "
			    "%s: %s", name, why.msg);
			xfree(name);
			json_decref(kept);
			return (-1);
		}
		s = colon != NULL ? colon + 1 : name;
		text = xasprintf("%s:%s", container_name(target),
		    s + (*s == '/'));
		json_array_append_new(kept, jsontext_new(text));
		xfree(text);
		xfree(name);
	}
	json_object_set_new(hc, "Links", kept);
	return (0);
}

/* container:<donor> is kept as container:<its id>, as dockerd keeps it. */
static int
containers_refs_ipc(struct container_store *st, json_t *hc,
    struct err *err)
{
	const char		*m = json_string_value(json_object_get(hc,
				    "IpcMode"));
	struct container	*d;

	if (m == NULL || strncmp(m, "container:", 10) != 0)
		return (0);
	if ((d = container_store_lookup(st, m + 10, err)) == NULL)
		return (-1);
	json_object_set_new(hc, "IpcMode", json_sprintf("container:%s",
	    container_id(d)));
	return (0);
}

int
containers_refs_resolve(struct container_store *st, json_t *hc,
    struct err *err)
{
	if (containers_refs_links(st, hc, err) != 0)
		return (-1);
	return (containers_refs_ipc(st, hc, err));
}
