/* SPDX-License-Identifier: MIT */
/*
 * Image archives through libarchive: layer tars copied and hashed, applied
 * onto an image root with whiteouts, docker-save tars read and written,
 * trees copied for the vfs fallback. Plain files and fds; no HTTP.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "daemon/imgarchive.h"

#define IMGARCHIVE_BLOCK	65536
#define IMGARCHIVE_FLAGS	(ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER | \
	ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK | \
	ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS)

static void
imgarchive_hex(const unsigned char *md, char *hex)
{
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void
imgarchive_sha256(const void *p, size_t len, char *hex)
{
	unsigned char	md[32];
	unsigned int	mdlen = sizeof md;

	EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL);
	imgarchive_hex(md, hex);
}

int
imgarchive_sha256_file(const char *path, char *hex, struct err *err)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 md[32], *buf = xmalloc(IMGARCHIVE_BLOCK);
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		EVP_MD_CTX_free(ctx);
		xfree(buf);
		return (err_errno(err, "open %s", path));
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, IMGARCHIVE_BLOCK)) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	close(fd);
	xfree(buf);
	if (n < 0)
		return (err_errno(err, "read %s", path));
	imgarchive_hex(md, hex);
	return (0);
}

static int
imgarchive_fail(struct archive *a, struct err *err, const char *what)
{
	err_set(err, ERR_INVALID, "%s: %s", what, archive_error_string(a) ?
	    archive_error_string(a) : "unknown archive error");
	return (-1);
}

/*
 * The raw (decompressed) byte stream of in goes to out and into the hash:
 * libarchive's raw format undoes gzip, bzip2 or xz, as docker import does,
 * and passes a plain tar through untouched.
 */
int
imgarchive_copy_layer(int in, int out, char *hex, struct err *err)
{
	struct archive		*a = archive_read_new();
	struct archive_entry	*e;
	EVP_MD_CTX		*ctx = EVP_MD_CTX_new();
	unsigned char		 md[32], *buf = xmalloc(IMGARCHIVE_BLOCK);
	la_ssize_t		 n;
	int			 rc = -1;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (archive_read_open_fd(a, in, IMGARCHIVE_BLOCK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		imgarchive_fail(a, err, "archive/tar");
		goto out;
	}
	while ((n = archive_read_data(a, buf, IMGARCHIVE_BLOCK)) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		if (write(out, buf, (size_t)n) != n) {
			err_errno(err, "write layer");
			goto out;
		}
	}
	if (n < 0) {
		imgarchive_fail(a, err, "archive/tar");
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	imgarchive_hex(md, hex);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	archive_read_free(a);
	xfree(buf);
	return (rc);
}

static int
imgarchive_rm_cb(const char *p, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return (rmdir(p) != 0 && errno != ENOENT ? -1 : 0);
	return (unlink(p) != 0 && errno != ENOENT ? -1 : 0);
}

int
imgarchive_remove_tree(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) != 0)
		return (errno == ENOENT ? 0 : -1);
	if (!S_ISDIR(st.st_mode))
		return (unlink(path));
	return (nftw(path, imgarchive_rm_cb, 16, FTW_DEPTH | FTW_PHYS));
}

/* Removes what dir holds, keeping dir: an opaque whiteout. */
static void
imgarchive_empty_dir(const char *dir)
{
	char	*p;

	imgarchive_remove_tree(dir);
	p = xstrdup(dir);
	mkdir(p, 0755);
	xfree(p);
}

/* "./a/b" -> "a/b"; NULL for a path that climbs out with "..". */
static const char *
imgarchive_clean(const char *p)
{
	const char	*s;

	while (p[0] == '/' || (p[0] == '.' && p[1] == '/'))
		p += p[0] == '/' ? 1 : 2;
	for (s = p; (s = strstr(s, "..")) != NULL; s += 2) {
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return (NULL);
	}
	return (p);
}

/* One layer member: a whiteout deletes, anything else is written. */
static int
imgarchive_apply_one(struct archive *a, struct archive *w,
    struct archive_entry *e, const char *dir, int64_t *size)
{
	const char	*p = imgarchive_clean(archive_entry_pathname(e));
	const char	*base, *hl;
	char		*target, *parent;
	struct stat	 st;
	int		 rc;

	if (p == NULL || *p == '\0')
		return (0);
	base = strrchr(p, '/') != NULL ? strrchr(p, '/') + 1 : p;
	if (strncmp(base, ".wh.", 4) == 0) {
		parent = xasprintf("%s/%.*s", dir, (int)(base - p), p);
		if (strcmp(base, ".wh..wh..opq") == 0)
			imgarchive_empty_dir(parent);
		else {
			target = xasprintf("%s%s", parent, base + 4);
			imgarchive_remove_tree(target);
			xfree(target);
		}
		xfree(parent);
		return (0);
	}
	target = xasprintf("%s/%s", dir, p);
	/* A directory where the layer puts something else goes first. */
	if (lstat(target, &st) == 0 && S_ISDIR(st.st_mode) &&
	    archive_entry_filetype(e) != AE_IFDIR)
		imgarchive_remove_tree(target);
	archive_entry_set_pathname(e, target);
	if ((hl = archive_entry_hardlink(e)) != NULL) {
		char	*link;

		if ((hl = imgarchive_clean(hl)) == NULL) {
			xfree(target);
			return (0);
		}
		link = xasprintf("%s/%s", dir, hl);
		archive_entry_set_hardlink(e, link);
		xfree(link);
	} else if (archive_entry_filetype(e) == AE_IFREG)
		*size += archive_entry_size(e);
	rc = archive_write_header(w, e);
	if (rc < ARCHIVE_WARN) {
		/* mknod needs CAP_MKNOD: skip the node, keep the rest. */
		if (archive_entry_filetype(e) == AE_IFCHR ||
		    archive_entry_filetype(e) == AE_IFBLK) {
			log_debug("%s: skipped device %s", __func__, target);
			xfree(target);
			return (0);
		}
		xfree(target);
		return (-1);
	}
	xfree(target);
	if (archive_entry_size(e) > 0 && archive_entry_hardlink(e) == NULL &&
	    archive_write_data_block(w, NULL, 0, 0) == ARCHIVE_OK) {
		const void	*buf;
		size_t		 len;
		la_int64_t	 off;

		while ((rc = archive_read_data_block(a, &buf, &len, &off)) ==
		    ARCHIVE_OK) {
			if (archive_write_data_block(w, buf, len, off) <
			    ARCHIVE_WARN)
				return (-1);
		}
		if (rc != ARCHIVE_EOF)
			return (-1);
	}
	return (archive_write_finish_entry(w) < ARCHIVE_WARN ? -1 : 0);
}

int
imgarchive_apply(const char *path, const char *dir, int64_t *size,
    struct err *err)
{
	struct archive		*a = archive_read_new();
	struct archive		*w = archive_write_disk_new();
	struct archive_entry	*e;
	int			 rc = 0, r;

	*size = 0;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_write_disk_set_options(w, geteuid() == 0 ? IMGARCHIVE_FLAGS :
	    IMGARCHIVE_FLAGS & ~ARCHIVE_EXTRACT_OWNER);
	archive_write_disk_set_standard_lookup(w);
	if (archive_read_open_filename(a, path, IMGARCHIVE_BLOCK) !=
	    ARCHIVE_OK) {
		rc = imgarchive_fail(a, err, "archive/tar");
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (imgarchive_apply_one(a, w, e, dir, size) != 0) {
			rc = imgarchive_fail(archive_error_string(w) != NULL ?
			    w : a, err, "failed to register layer");
			goto out;
		}
	}
	/* An empty tar is a valid (empty) layer; garbage is not. */
	if (r != ARCHIVE_EOF)
		rc = imgarchive_fail(a, err, "archive/tar");
out:
	archive_write_free(w);
	archive_read_free(a);
	return (rc);
}

/*
 * Walks the tree at src (open in r) into w: each entry renamed under dst,
 * or relative to src when dst is NULL (the root itself left out), with
 * its data. With dst, w is an archive_write_disk (blocks at offsets);
 * without, a tar writer.
 */
static int
imgarchive_walk(struct archive *r, struct archive *w, const char *src,
    const char *dst, const char *what, struct err *err)
{
	struct archive_entry	*e;
	size_t			 srclen = strlen(src);
	const char		*rel;
	char			*name;
	const void		*buf;
	size_t			 len;
	la_int64_t		 off;
	int			 st;

	for (;;) {
		e = archive_entry_new();
		if ((st = archive_read_next_header2(r, e)) != ARCHIVE_OK) {
			archive_entry_free(e);
			return (st == ARCHIVE_EOF ? 0 : imgarchive_fail(r, err,
			    what));
		}
		archive_read_disk_descend(r);
		rel = archive_entry_sourcepath(e) + srclen;
		if (dst == NULL) {
			/* Relative names, as dockerd's export: "bin/sh". */
			rel += strspn(rel, "/");
			if (*rel == '\0') {
				archive_entry_free(e);
				continue;
			}
		}
		name = dst != NULL ? xasprintf("%s%s", dst, rel) : xstrdup(rel);
		archive_entry_set_pathname(e, name);
		xfree(name);
		if (archive_write_header(w, e) >= ARCHIVE_WARN &&
		    archive_entry_filetype(e) == AE_IFREG) {
			while (archive_read_data_block(r, &buf, &len, &off) ==
			    ARCHIVE_OK) {
				if (dst != NULL)
					archive_write_data_block(w, buf, len,
					    off);
				else
					archive_write_data(w, buf, len);
			}
		}
		if (dst != NULL)
			archive_write_finish_entry(w);
		archive_entry_free(e);
	}
}

int
imgarchive_copy_tree(const char *src, const char *dst, struct err *err)
{
	struct archive	*r = archive_read_disk_new();
	struct archive	*w = archive_write_disk_new();
	int		 rc;

	archive_read_disk_set_standard_lookup(r);
	archive_read_disk_set_behavior(r, 0);
	archive_write_disk_set_options(w, geteuid() == 0 ? IMGARCHIVE_FLAGS :
	    IMGARCHIVE_FLAGS & ~ARCHIVE_EXTRACT_OWNER);
	if (archive_read_disk_open(r, src) != ARCHIVE_OK)
		rc = imgarchive_fail(r, err, "copy");
	else
		rc = imgarchive_walk(r, w, src, dst, "copy", err);
	archive_write_free(w);
	archive_read_free(r);
	return (rc);
}

int
imgarchive_tar_tree(const char *src, int fd, struct err *err)
{
	struct archive	*r = archive_read_disk_new();
	struct archive	*w = archive_write_new();
	int		 rc;

	archive_read_disk_set_standard_lookup(r);
	archive_read_disk_set_behavior(r, 0);
	archive_write_set_format_pax_restricted(w);
	if (archive_read_disk_open(r, src) != ARCHIVE_OK ||
	    archive_write_open_fd(w, fd) != ARCHIVE_OK)
		rc = imgarchive_fail(r, err, "export");
	else if ((rc = imgarchive_walk(r, w, src, NULL, "export", err)) ==
	    0 && archive_write_close(w) != ARCHIVE_OK)
		rc = imgarchive_fail(w, err, "export");
	archive_write_free(w);
	archive_read_free(r);
	return (rc);
}

int
imgarchive_write(int fd, const struct imgarchive_entry *ents, size_t n,
    struct err *err)
{
	struct archive		*w = archive_write_new();
	struct archive_entry	*e;
	unsigned char		*buf = xmalloc(IMGARCHIVE_BLOCK);
	int			 rc = -1;

	archive_write_set_format_pax_restricted(w);
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK) {
		imgarchive_fail(w, err, "save");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct stat	 st;
		int		 in = -1;
		ssize_t		 len;

		memset(&st, 0, sizeof st);
		if (ents[i].path != NULL) {
			if ((in = open(ents[i].path, O_RDONLY | O_CLOEXEC)) <
			    0 || fstat(in, &st) != 0) {
				err_errno(err, "open %s", ents[i].path);
				if (in >= 0)
					close(in);
				goto out;
			}
		} else
			st.st_size = (off_t)ents[i].len;
		e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, ents[i].dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, ents[i].dir ? 0755 : 0644);
		archive_entry_set_size(e, ents[i].dir ? 0 : st.st_size);
		archive_entry_set_mtime(e, st.st_mtime, 0);
		archive_write_header(w, e);
		archive_entry_free(e);
		if (in >= 0) {
			while ((len = read(in, buf, IMGARCHIVE_BLOCK)) > 0)
				archive_write_data(w, buf, (size_t)len);
			close(in);
		} else if (!ents[i].dir)
			archive_write_data(w, ents[i].data, ents[i].len);
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		imgarchive_fail(w, err, "save");
		goto out;
	}
	rc = 0;
out:
	archive_write_free(w);
	xfree(buf);
	return (rc);
}

int
imgarchive_extract_flat(int fd, const char *dir, struct err *err)
{
	struct archive		*a = archive_read_new();
	struct archive_entry	*e;
	unsigned char		*buf = xmalloc(IMGARCHIVE_BLOCK);
	int			 rc = 0, r;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, fd, IMGARCHIVE_BLOCK) != ARCHIVE_OK) {
		rc = imgarchive_fail(a, err, "archive/tar");
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char	*p = imgarchive_clean(archive_entry_pathname(e));
		char		*name, *s;
		la_ssize_t	 n;
		int		 out;

		if (p == NULL || archive_entry_filetype(e) != AE_IFREG)
			continue;
		name = xasprintf("%s/%s", dir, p);
		for (s = name + strlen(dir) + 1; *s != '\0'; s++)
			if (*s == '/')
				*s = '_';
		out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		xfree(name);
		if (out < 0) {
			rc = err_errno(err, "extract");
			goto out;
		}
		while ((n = archive_read_data(a, buf, IMGARCHIVE_BLOCK)) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		close(out);
		if (n != 0) {
			rc = imgarchive_fail(a, err, "archive/tar");
			goto out;
		}
	}
	if (r != ARCHIVE_EOF)
		rc = imgarchive_fail(a, err, "archive/tar");
out:
	archive_read_free(a);
	xfree(buf);
	return (rc);
}
