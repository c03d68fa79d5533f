/* SPDX-License-Identifier: MIT */
/*
 * docker cp: the stat, the tar and the extraction of a path in a
 * container's root (GET, HEAD and PUT /containers/{id}/archive), as
 * dockerd's daemon/archive.go does them: the path is absolute in the
 * container, its directory part resolved with the symlinks followed inside
 * the root (never out of it), its last element followed only with a
 * trailing "/" or "/."; the tar's names are rebased on the path's own last
 * element. A running container's mounted root is used as it is; a stopped
 * one is mounted for the call, as export does.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "daemon/base/timeutil.h"
#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/ociruntime.h"

/* Links followed before a path is given up as a loop (Linux's 40). */
#define ARCHIVE_MAX_LINKS	40

/* The root for the call; none under the process runtime. */
static char *
container_archive_root(struct container *c, int *mounted, struct err *err)
{
	*mounted = 0;
	if (strcmp(container_json_str(c->hostconfig, "Runtime"),
	    OCIRUNTIME_PROCESS) == 0) {
		err_set(err, ERR_NOT_IMPLEMENTED, "container %.12s runs under "
		    "%s, which gives it no root of its own", c->id,
		    OCIRUNTIME_PROCESS);
		return (NULL);
	}
	return (container_oci_root_get(c, mounted, err));
}

/*
 * FollowSymlinkInScope: the host path of the container path p (absolute,
 * clean or not) with every symlink followed as the container would, ".."
 * and absolute targets kept inside root. NULL on a loop.
 */
static char *
container_archive_scope(const char *root, const char *p)
{
	char	 cur[PATH_MAX] = "", rest[PATH_MAX * 2], link[PATH_MAX];
	char	 host[PATH_MAX * 2], *comp, *next, *slash;
	int	 links = 0;
	ssize_t	 n;

	if (snprintf(rest, sizeof rest, "%s", p) >= (int)sizeof rest)
		return (NULL);
	for (comp = rest; comp != NULL; comp = next) {
		while (*comp == '/')
			comp++;
		if ((next = strchr(comp, '/')) != NULL)
			*next++ = '\0';
		if (*comp == '\0' || strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if ((slash = strrchr(cur, '/')) != NULL)
				*slash = '\0';
			continue;
		}
		if (snprintf(host, sizeof host, "%s%s/%s", root, cur, comp) >=
		    (int)sizeof host)
			return (NULL);
		if ((n = readlink(host, link, sizeof link - 1)) < 0) {
			if (strlen(cur) + strlen(comp) + 2 < sizeof cur) {
				strcat(cur, "/");
				strcat(cur, comp);
			}
			continue;
		}
		if (++links > ARCHIVE_MAX_LINKS)
			return (NULL);
		link[n] = '\0';
		/* The target, then what was left after this element. */
		if (snprintf(host, sizeof host, "%s/%s", link, next != NULL ?
		    next : "") >= (int)sizeof host)
			return (NULL);
		if (link[0] == '/')
			cur[0] = '\0';
		if (snprintf(rest, sizeof rest, "%s", host) >= (int)sizeof rest)
			return (NULL);
		next = rest;
	}
	return (xasprintf("%s%s", root, cur));
}

/*
 * container.ResolvePath: *abs is "/" + path, cleaned but for a trailing
 * "/" or "/."; the result is the host path with the directory part
 * resolved in scope and the last element as it is.
 */
static char *
container_archive_resolve(const char *root, const char *path, char **abs)
{
	char	*a, *dir, *base, *rdir, *out;
	size_t	 n;

	a = xasprintf("/%s", path);
	*abs = a;
	n = strlen(a);
	/* A trailing "/" or "/." means the last element is followed. */
	if (a[n - 1] == '/' || (n >= 2 && strcmp(a + n - 2, "/.") == 0)) {
		rdir = container_archive_scope(root, a);
		if (rdir == NULL)
			return (NULL);
		out = xasprintf("%s/", rdir);
		xfree(rdir);
		return (out);
	}
	dir = xstrdup(a);
	base = strrchr(dir, '/');
	*base++ = '\0';
	rdir = container_archive_scope(root, *dir != '\0' ? dir : "/");
	out = rdir != NULL ? xasprintf("%s/%s", rdir, base) : NULL;
	xfree(rdir);
	xfree(dir);
	return (out);
}

/* Go's os.FileMode of a stat: the type bits above the permissions. */
static uint32_t
container_archive_gomode(mode_t m)
{
	uint32_t	 g = (uint32_t)(m & 0777);

	if (S_ISDIR(m))
		g |= 1U << 31;
	else if (S_ISLNK(m))
		g |= 1U << 27;
	else if (S_ISBLK(m))
		g |= 1U << 26;
	else if (S_ISCHR(m))
		g |= 1U << 26 | 1U << 21;
	else if (S_ISFIFO(m))
		g |= 1U << 25;
	else if (S_ISSOCK(m))
		g |= 1U << 24;
	if (m & S_ISUID)
		g |= 1U << 23;
	if (m & S_ISGID)
		g |= 1U << 22;
	if (m & S_ISVTX)
		g |= 1U << 20;
	return (g);
}

/* filepath.Base: the last element ("/" for the root), trailing '/'s off. */
static char *
container_archive_base(const char *abs)
{
	char	*s = xstrdup(abs), *b;
	size_t	 n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	if (n >= 2 && strcmp(s + n - 2, "/.") == 0) {
		s[n - 2] = '\0';
		n -= 2;
		if (n == 0)
			strcpy(s, "/");
	}
	b = strcmp(s, "/") == 0 ? xstrdup("/") : xstrdup(strrchr(s, '/') +
	    1);
	xfree(s);
	return (b);
}

/* The X-Docker-Container-Path-Stat value: base64 of dockerd's JSON. */
static char *
container_archive_stat_header(const char *root, const char *abs,
    const char *resolved, const struct stat *sb)
{
	char		 mtime[64], *name = container_archive_base(abs), *target;
	char		*json, *out;
	json_t		*j;
	size_t		 n;

	timeutil_format(mtime, (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec, 0);
	target = xstrdup("");
	if (S_ISLNK(sb->st_mode)) {
		char	*host = container_archive_scope(root, abs);

		xfree(target);
		target = host != NULL ? xasprintf("/%s", host + strlen(root) +
		    strspn(host + strlen(root), "/")) : xstrdup("");
		xfree(host);
	}
	(void)resolved;
	j = json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", name, "size",
	    (json_int_t)sb->st_size, "mode", (json_int_t)
	    container_archive_gomode(sb->st_mode), "mtime", mtime,
	    "linkTarget", target);
	json = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	n = strlen(json);
	out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)json,
	    (int)n);
	free(json);
	xfree(name);
	xfree(target);
	return (out);
}

/*
 * A path that is not there is a 404; any other lstat failure (a file
 * asked for as a directory) is dockerd's 500 with Go's words.
 */
static int
container_archive_lstat(struct container *c, const char *path,
    const char *res, struct stat *sb, struct err *err)
{
	const char	*why;

	if (res != NULL && lstat(res, sb) == 0)
		return (0);
	if (res == NULL || errno == ENOENT)
		return (err_set(err, ERR_NOT_FOUND, "Could not find the file "
		    "%s in container %s", path, c->name + (c->name[0] == '/')));
	why = strerror(errno);
	return (err_set(err, ERR_INTERNAL, "lstat %s: %c%s", res,
	    tolower((unsigned char)why[0]), why + 1));
}

int
container_archive_stat(struct container *c, const char *path, char **header,
    struct err *err)
{
	return (container_archive_get(c, path, -1, header, err));
}

/*
 * The tar of what res names, its names rebased on abs's last element as
 * dockerd's TarResourceRebase: "bar/quux" gives "quux/", "quux/baz".
 */
static int
container_archive_tar(const char *res, const char *abs, int fd,
    struct err *err)
{
	struct archive		*r = archive_read_disk_new();
	struct archive		*w = archive_write_new();
	struct archive_entry	*e;
	char			*src = xstrdup(res), *rebase, *name;
	const char		*rel;
	size_t			 n = strlen(src), dirlen;
	const void		*buf;
	size_t			 len;
	la_int64_t		 off;
	int			 st, rc = 0;

	while (n > 1 && src[n - 1] == '/')
		src[--n] = '\0';
	dirlen = (size_t)(strrchr(src, '/') - src) + 1;
	rebase = container_archive_base(abs);
	archive_read_disk_set_standard_lookup(r);
	archive_read_disk_set_symlink_physical(r);
	archive_read_disk_set_behavior(r, 0);
	archive_write_set_format_pax_restricted(w);
	if (archive_read_disk_open(r, src) != ARCHIVE_OK ||
	    archive_write_open_fd(w, fd) != ARCHIVE_OK) {
		rc = err_set(err, ERR_INTERNAL, "archive %s: %s", abs,
		    archive_error_string(r) != NULL ? archive_error_string(r) :
		    archive_error_string(w));
		goto out;
	}
	for (;;) {
		e = archive_entry_new();
		if ((st = archive_read_next_header2(r, e)) != ARCHIVE_OK) {
			archive_entry_free(e);
			if (st != ARCHIVE_EOF)
				rc = err_set(err, ERR_INTERNAL, "archive %s: %s",
				    abs, archive_error_string(r));
			break;
		}
		archive_read_disk_descend(r);
		/* Past the source's own name: "" for it, "/x" below it. */
		rel = archive_entry_sourcepath(e) + dirlen;
		rel += strcspn(rel, "/");
		if (strcmp(rebase, "/") == 0 && *rel == '/')
			rel++;
		name = xasprintf("%s%s%s", rebase, rel,
		    archive_entry_filetype(e) == AE_IFDIR && strcmp(rebase,
		    "/") != 0 && (*rel == '\0' || rel[strlen(rel) - 1] !=
		    '/') ? "/" : "");
		archive_entry_set_pathname(e, name);
		xfree(name);
		if (archive_write_header(w, e) >= ARCHIVE_WARN &&
		    archive_entry_filetype(e) == AE_IFREG)
			while (archive_read_data_block(r, &buf, &len, &off) ==
			    ARCHIVE_OK)
				archive_write_data(w, buf, len);
		archive_entry_free(e);
	}
	if (rc == 0 && archive_write_close(w) != ARCHIVE_OK)
		rc = err_set(err, ERR_INTERNAL, "archive %s: %s", abs,
		    archive_error_string(w));
out:
	archive_write_free(w);
	archive_read_free(r);
	xfree(rebase);
	xfree(src);
	return (rc);
}

int
container_archive_get(struct container *c, const char *path, int fd,
    char **header, struct err *err)
{
	char		*root, *abs = NULL, *res;
	struct stat	 sb;
	int		 mounted, rc = -1;

	*header = NULL;
	if ((root = container_archive_root(c, &mounted, err)) == NULL)
		return (-1);
	res = container_archive_resolve(root, path, &abs);
	/* fd -1: the stat alone (HEAD). */
	if (container_archive_lstat(c, path, res, &sb, err) == 0 &&
	    (fd < 0 || container_archive_tar(res, abs, fd, err) == 0)) {
		*header = container_archive_stat_header(root, abs, res, &sb);
		rc = 0;
	}
	xfree(res);
	xfree(abs);
	container_oci_root_put(c, root, mounted);
	return (rc);
}

/*
 * One entry of an upload: its name made relative to dest (no way out of
 * it: ".." elements are refused), and noOverwriteDirNonDir checked.
 */
static int
container_archive_place(struct archive_entry *e, const char *dest,
    int no_overwrite, struct err *err)
{
	const char	*name = archive_entry_pathname(e), *hl;
	char		*target, *p;
	struct stat	 sb;
	int		 is_dir = archive_entry_filetype(e) == AE_IFDIR;

	name += strspn(name, "/");
	for (p = (char *)name; p != NULL && *p != '\0';
	    p = strchr(p, '/') != NULL ? strchr(p, '/') + 1 : NULL)
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return (err_set(err, ERR_INVALID, "invalid path in "
			    "archive: %s", archive_entry_pathname(e)));
	target = xasprintf("%s/%s", dest, name);
	for (size_t n = strlen(target); n > 1 && target[n - 1] == '/'; n--)
		target[n - 1] = '\0';	/* lstat the entry, not a dir in it */
	if (no_overwrite && lstat(target, &sb) == 0 &&
	    S_ISDIR(sb.st_mode) != is_dir) {
		err_set(err, ERR_INTERNAL, is_dir ? "cannot overwrite "
		    "non-directory \"%s\" with directory \"%s\"" : "cannot "
		    "overwrite directory \"%s\" with non-directory \"%s\"",
		    target + strlen(dest), name);
		xfree(target);
		return (-1);
	}
	archive_entry_set_pathname(e, target);
	xfree(target);
	if ((hl = archive_entry_hardlink(e)) != NULL) {
		target = xasprintf("%s/%s", dest, hl + strspn(hl, "/"));
		archive_entry_set_hardlink(e, target);
		xfree(target);
	}
	return (0);
}

static int
container_archive_untar(const void *tar, size_t len, const char *dest,
    int no_overwrite, struct err *err)
{
	struct archive		*r = archive_read_new();
	struct archive		*w = archive_write_disk_new();
	struct archive_entry	*e;
	const void		*buf;
	size_t			 n;
	la_int64_t		 off;
	int			 st, rc = 0;

	archive_read_support_format_tar(r);
	archive_read_support_filter_all(r);
	/* Owners and modes as the tar says (as root, as dockerd). */
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	archive_write_disk_set_standard_lookup(w);
	if (archive_read_open_memory(r, tar, len) != ARCHIVE_OK) {
		rc = err_set(err, ERR_INTERNAL, "%s", archive_error_string(r));
		goto out;
	}
	while ((st = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
		if ((rc = container_archive_place(e, dest, no_overwrite,
		    err)) != 0)
			break;
		if (archive_write_header(w, e) < ARCHIVE_WARN) {
			rc = err_set(err, ERR_INTERNAL, "%s",
			    archive_error_string(w));
			break;
		}
		while (archive_read_data_block(r, &buf, &n, &off) == ARCHIVE_OK)
			archive_write_data_block(w, buf, n, off);
		archive_write_finish_entry(w);
	}
	if (rc == 0 && st != ARCHIVE_EOF)
		rc = err_set(err, ERR_INTERNAL, "%s", archive_error_string(r));
	if (archive_write_close(w) != ARCHIVE_OK && rc == 0)
		rc = err_set(err, ERR_INTERNAL, "%s", archive_error_string(w));
out:
	archive_write_free(w);
	archive_read_free(r);
	return (rc);
}

int
container_archive_put(struct container *c, const char *path,
    const void *tar, size_t len, int no_overwrite, struct err *err)
{
	char		*root, *abs, *dest;
	struct stat	 sb;
	int		 mounted, rc = -1;

	if ((root = container_archive_root(c, &mounted, err)) == NULL)
		return (-1);
	abs = xasprintf("/%s", path);
	dest = container_archive_scope(root, abs);
	if (dest == NULL || stat(dest, &sb) != 0)
		err_set(err, ERR_NOT_FOUND, "Could not find the file %s in "
		    "container %s", path, c->name + (c->name[0] == '/'));
	else if (!S_ISDIR(sb.st_mode))
		err_set(err, ERR_INTERNAL, "extraction point is not a "
		    "directory");
	else
		rc = container_archive_untar(tar, len, dest, no_overwrite, err);
	xfree(dest);
	xfree(abs);
	container_oci_root_put(c, root, mounted);
	return (rc);
}
