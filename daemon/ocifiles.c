/* SPDX-License-Identifier: MIT */
/*
 * User lookup in the image's passwd and group files, and the per-container
 * etc files. Lookups read the files below rootfs; the image is ours, but a
 * symlinked /etc/passwd is still refused (O_NOFOLLOW) so nothing outside
 * the root is read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "daemon/base/xalloc.h"
#include "daemon/ocifiles.h"

/* rootfs/etc/name, neither etc nor name a symlink (out of the root). */
static FILE *
ocifiles_open(const char *rootfs, const char *name)
{
	char	*p = xasprintf("%s/etc", rootfs);
	int	 dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int	 fd = -1;

	xfree(p);
	if (dir != -1) {
		fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
	}
	return (fd == -1 ? NULL : fdopen(fd, "r"));
}

static int
ocifiles_number(const char *s, long *out)
{
	char	*end;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno != 0 || *end != '\0' || *out < 0 ? -1 : 0);
}

/*
 * Splits a passwd/group line into fields (in place); n fields wanted.
 * Returns 0 when the line has at least n.
 */
static int
ocifiles_fields(char *line, char **f, int n)
{
	int	i = 0;

	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return (-1);
	f[i++] = line;
	for (char *p = line; *p != '\0' && i < n; p++) {
		if (*p == ':') {
			*p = '\0';
			f[i++] = p + 1;
		}
	}
	return (i == n ? 0 : -1);
}

/* The passwd entry matching name or uid: 1 found, 0 not. */
static int
ocifiles_passwd(const char *rootfs, const char *who, long *uid, long *gid,
    char *name, size_t nlen)
{
	FILE	*f = ocifiles_open(rootfs, "passwd");
	char	 line[1024], *fl[7];
	long	 num = -1, u, g;
	int	 found = 0, numeric = ocifiles_number(who, &num) == 0;

	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
		if (ocifiles_fields(line, fl, 7) != 0 ||
		    ocifiles_number(fl[2], &u) != 0 ||
		    ocifiles_number(fl[3], &g) != 0)
			continue;
		if ((numeric && u == num) || strcmp(fl[0], who) == 0) {
			*uid = u;
			*gid = g;
			snprintf(name, nlen, "%s", fl[0]);
			found = 1;
		}
	}
	if (f != NULL)
		fclose(f);
	return (found);
}

/* The gid of group name or number: 1 found, 0 not. */
static int
ocifiles_group(const char *rootfs, const char *who, long *gid)
{
	FILE	*f = ocifiles_open(rootfs, "group");
	char	 line[4096], *fl[4];
	long	 num = -1, g;
	int	 found = 0, numeric = ocifiles_number(who, &num) == 0;

	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
		if (ocifiles_fields(line, fl, 4) != 0 ||
		    ocifiles_number(fl[2], &g) != 0)
			continue;
		if ((numeric && g == num) || strcmp(fl[0], who) == 0) {
			*gid = g;
			found = 1;
		}
	}
	if (f != NULL)
		fclose(f);
	return (found);
}

/* The groups that list name as a member: libcontainer's supplementary. */
static void
ocifiles_member_of(const char *rootfs, const char *name, long gid,
    json_t *out)
{
	FILE	*f = ocifiles_open(rootfs, "group");
	char	 line[4096], *fl[4], *m, *save;
	long	 g;

	while (f != NULL && name[0] != '\0' &&
	    fgets(line, sizeof line, f) != NULL) {
		if (ocifiles_fields(line, fl, 4) != 0 ||
		    ocifiles_number(fl[2], &g) != 0 || g == gid)
			continue;
		for (m = strtok_r(fl[3], ",", &save); m != NULL;
		    m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, name) == 0) {
				json_array_append_new(out, json_integer(g));
				break;
			}
		}
	}
	if (f != NULL)
		fclose(f);
}

json_t *
ocifiles_user(const char *rootfs, const char *user, struct err *err)
{
	char	*u = xstrdup(user != NULL ? user : ""), *grp, name[256] = "";
	long	 uid = 0, gid = 0, n;
	json_t	*extra = json_array();

	if ((grp = strchr(u, ':')) != NULL)
		*grp++ = '\0';
	if (u[0] != '\0' && !ocifiles_passwd(rootfs, u, &uid, &gid, name,
	    sizeof name)) {
		if (ocifiles_number(u, &n) != 0) {
			err_set(err, ERR_INTERNAL, "unable to find user %s: no "
			    "matching entries in passwd file", u);
			goto fail;
		}
		uid = n;	/* a uid not in passwd: gid 0, as runc */
		gid = 0;
	}
	if (grp != NULL && grp[0] != '\0' && !ocifiles_group(rootfs, grp,
	    &gid)) {
		if (ocifiles_number(grp, &n) != 0) {
			err_set(err, ERR_INTERNAL, "unable to find group %s: "
			    "no matching entries in group file", grp);
			goto fail;
		}
		gid = n;
	}
	if (u[0] == '\0')
		snprintf(name, sizeof name, "root");
	ocifiles_member_of(rootfs, name, gid, extra);
	xfree(u);
	return (json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)uid, "gid",
	    (json_int_t)gid, "additionalGids", extra));
fail:
	json_decref(extra);
	xfree(u);
	return (NULL);
}

static int
ocifiles_put(const char *dir, const char *name, const char *text,
    struct err *err)
{
	char	*p = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(p, "w");
	int	 rc = 0;

	if (f == NULL)
		rc = err_errno(err, "write %s", p);
	else {
		if (fputs(text, f) == EOF)
			rc = err_errno(err, "write %s", p);
		if (fclose(f) != 0 && rc == 0)
			rc = err_errno(err, "write %s", p);
		chmod(p, 0644);
	}
	xfree(p);
	return (rc);
}

static char *
ocifiles_slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf = NULL;
	size_t	 len = 0;

	if (f == NULL)
		return (xstrdup(""));
	buf = xcalloc(1, 65537);
	len = fread(buf, 1, 65536, f);
	buf[len] = '\0';
	fclose(f);
	return (buf);
}

/* libnetwork's resolvconf.FilterResolvDNS without IPv6. */
static char *
ocifiles_resolv(void)
{
	char	*in = ocifiles_slurp("/etc/resolv.conf"), *line, *save;
	char	*out = xstrdup(""), *tmp;
	int	 ns = 0;

	for (line = strtok_r(in, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "nameserver", 10) == 0 &&
		    (strstr(line, " 127.") != NULL ||
		    strstr(line, " ::1") != NULL || strchr(line + 11, ':')
		    != NULL))
			continue;
		if (strncmp(line, "nameserver", 10) == 0)
			ns++;
		tmp = xasprintf("%s%s\n", out, line);
		xfree(out);
		out = tmp;
	}
	if (ns == 0) {
		tmp = xasprintf("%s\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n",
		    out);
		xfree(out);
		out = tmp;
	}
	xfree(in);
	return (out);
}

int
ocifiles_write_etc(const char *dir, const char *hostname, int host,
    struct err *err)
{
	static const char	*hosts =
	    "127.0.0.1\tlocalhost\n"
	    "::1\tlocalhost ip6-localhost ip6-loopback\n"
	    "fe00::0\tip6-localnet\n"
	    "ff00::0\tip6-mcastprefix\n"
	    "ff02::1\tip6-allnodes\n"
	    "ff02::2\tip6-allrouters\n";
	char			*text, *resolv;
	int			 rc;

	text = xasprintf("%s\n", hostname);
	rc = ocifiles_put(dir, "hostname", text, err);
	xfree(text);
	if (rc != 0)
		return (-1);
	text = host ? ocifiles_slurp("/etc/hosts") : xstrdup(hosts);
	rc = ocifiles_put(dir, "hosts", text, err);
	xfree(text);
	if (rc != 0)
		return (-1);
	resolv = host ? ocifiles_slurp("/etc/resolv.conf") : ocifiles_resolv();
	rc = ocifiles_put(dir, "resolv.conf", resolv, err);
	xfree(resolv);
	return (rc);
}
