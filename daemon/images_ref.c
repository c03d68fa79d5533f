/* SPDX-License-Identifier: MIT */
/*
 * Image references as dockerd's ParseNormalizedNamed + TagNameOnly parse
 * them: lowercase path components, an optional registry host, a tag
 * (default latest), docker.io/library/ reduced to the familiar name.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/base/xalloc.h"
#include "daemon/images.h"

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static int
images_ref_component_ok(const char *s, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		size_t	start = i, sep;

		while (i < len && ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			i++;
		if (i == start)
			return (0);
		if (i == len)
			return (1);
		sep = i;
		if (s[i] == '.' || s[i] == '_') {
			i++;
			if (s[sep] == '_' && i < len && s[i] == '_')
				i++;
		} else
			while (i < len && s[i] == '-')
				i++;
		if (i == sep || i == len)
			return (0);
	}
	return (len > 0);
}

char *
images_ref_normalise(const char *ref, struct err *err)
{
	const char	*slash = strrchr(ref, '/'), *colon, *name, *p, *q;
	char		*repo, *out;
	size_t		 n;

	colon = strrchr(slash != NULL ? slash : ref, ':');
	if (*ref == '\0' || strchr(ref, '@') != NULL) {
		err_set(err, ERR_INVALID, "invalid reference format");
		return (NULL);
	}
	n = colon != NULL ? (size_t)(colon - ref) : strlen(ref);
	repo = xasprintf("%.*s", (int)n, ref);
	for (p = repo; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z') {
			xfree(repo);
			err_set(err, ERR_INVALID, "invalid reference format: "
			    "repository name must be lowercase");
			return (NULL);
		}
	name = repo;
	if (strncmp(name, "docker.io/", 10) == 0)
		name += 10;
	else if (strncmp(name, "index.docker.io/", 16) == 0)
		name += 16;
	if (name != repo && strncmp(name, "library/", 8) == 0 &&
	    strchr(name + 8, '/') == NULL)
		name += 8;
	/* The first component may be a registry host (has '.' or ':'). */
	for (p = name; *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		q = strchr(p, '/') != NULL ? strchr(p, '/') : p + strlen(p);
		if (p == name && *q == '/' && (memchr(p, '.', (size_t)(q - p))
		    != NULL || strncmp(p, "localhost", 9) == 0))
			continue;
		if (!images_ref_component_ok(p, (size_t)(q - p)))
			goto bad;
	}
	if (colon != NULL) {
		const char	*t = colon + 1;

		n = strlen(t);
		if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-' ||
		    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
		    "VWXYZ0123456789_.-") != n)
			goto bad;
	}
	out = xasprintf("%s:%s", name, colon != NULL ? colon + 1 : "latest");
	xfree(repo);
	return (out);
bad:
	xfree(repo);
	err_set(err, ERR_INVALID, "invalid reference format");
	return (NULL);
}
