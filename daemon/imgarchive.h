/* SPDX-License-Identifier: MIT */
/*
 * Archive helpers under the image store: layer tars in and out, trees
 * copied and removed, sha256 digests (libarchive, OpenSSL). Knows nothing
 * of images; hex buffers hold 64 digits plus NUL.
 */
#ifndef LP_DAEMON_IMGARCHIVE_H
#define LP_DAEMON_IMGARCHIVE_H

#include <stddef.h>
#include <stdint.h>

struct err;

/* The layer written from in goes to out uncompressed, its sha256 to hex. */
int		 imgarchive_copy_layer(int in, int out, char *hex,
		     struct err *);
/*
 * Applies the layer tar at path on top of dir: whiteouts (.wh.name,
 * .wh..wh..opq) delete what lower layers left, ownership and modes kept,
 * device nodes skipped when mknod is not permitted. *size: the bytes of
 * its regular files (dockerd's layer Size).
 */
int		 imgarchive_apply(const char *path, const char *dir,
		     int64_t *size, struct err *);
/* Copies the tree src to dst (created), keeping owners, modes, links. */
int		 imgarchive_copy_tree(const char *src, const char *dst,
		     struct err *);
/* A tar (pax) of the tree at src to fd, names relative to src. */
int		 imgarchive_tar_tree(const char *src, int fd, struct err *);
/* sha256 of len bytes, as 64 hex digits plus NUL in hex. */
void		 imgarchive_sha256(const void *, size_t len, char *hex);
int		 imgarchive_sha256_file(const char *path, char *hex,
		     struct err *);
/* One member of a tar to write: from a file (path) or from memory. */
struct imgarchive_entry {
	const char	*name;
	const char	*path;		/* NULL: data/len */
	const void	*data;
	size_t		 len;
	int		 dir;		/* a directory entry */
};
int		 imgarchive_write(int fd, const struct imgarchive_entry *,
		     size_t n, struct err *);
/*
 * Extracts the regular files of the tar read from fd into dir, each named
 * by its member path with '/' turned into '_' (no traversal possible).
 */
int		 imgarchive_extract_flat(int fd, const char *dir,
		     struct err *);
/* rm -rf path; 0 when it is gone (or never was). */
int		 imgarchive_remove_tree(const char *path);

#endif
