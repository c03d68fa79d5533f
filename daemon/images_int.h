/* SPDX-License-Identifier: MIT */
/*
 * The image store's own view, shared by images.c (the store) and
 * images_rootfs.c (container roots), which reads the store's directory and
 * an image's id here rather than calling back into images.c. Nothing
 * outside daemon/images*.c includes it.
 */
#ifndef LP_DAEMON_IMAGES_INT_H
#define LP_DAEMON_IMAGES_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct err;
struct events;

#define IMAGES_ID_LEN	71	/* "sha256:" + 64 hex */

struct images_image {
	char		 id[IMAGES_ID_LEN + 1];
	json_t		*config;	/* parsed config document */
	int64_t		 size;		/* bytes of the layers' files */
};

struct images {
	char			 *dir;
	struct images_image	**v;
	size_t			  n;
	json_t			 *tags;	/* "name:tag" -> "sha256:..." */
	json_t			 *meta;	/* id -> {Size, LastTagTime} */
	int			  overlay;
	struct events		 *events;	/* borrowed; NULL: none */
};

/* dockerd's LogImageEvent for img (its labels), name when not NULL. */
void	images_event(struct images *, const struct images_image *,
	    const char *action, const char *name);
/* Tags img as the normalised ref, quietly: load tags without an event. */
int	images_set_tag(struct images *, struct images_image *,
	    const char *ref, struct err *);

/* Mounts one overlay in a scratch dir under dir: 1 when the kernel allows. */
int	images_rootfs_probe(const char *dir);

#endif
