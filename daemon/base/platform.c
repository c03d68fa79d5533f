/* SPDX-License-Identifier: MIT */
/*
 * Platform specifiers as containerd's platforms package reads them: each
 * component [A-Za-z0-9_-]+, one to three of them, names normalised.
 */
#include <sys/utsname.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/platform.h"

static const char *const platform_oses[] = {
	"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos",
	"ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris",
	"windows", "zos", NULL
};

static const char *const platform_arches[] = {
	"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be",
	"ppc64", "ppc64le", "loong64", "mips", "mipsle", "mips64", "mips64le",
	"mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390",
	"s390x", "sparc", "sparc64", "wasm", NULL
};

static int
platform_in(const char *const *set, const char *s)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, s) == 0)
			return (1);
	return (0);
}

static void
platform_lower(char *dst, size_t len, const char *src, size_t n)
{
	size_t	i;

	for (i = 0; i < n && i + 1 < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* normalizeArch: the names Go and uname give, to Go's. */
static void
platform_norm_arch(struct platform *p)
{
	if (strcmp(p->arch, "i386") == 0)
		snprintf(p->arch, sizeof p->arch, "386");
	else if (strcmp(p->arch, "x86_64") == 0 ||
	    strcmp(p->arch, "x86-64") == 0)
		snprintf(p->arch, sizeof p->arch, "amd64");
	else if (strcmp(p->arch, "aarch64") == 0)
		snprintf(p->arch, sizeof p->arch, "arm64");
	else if (strcmp(p->arch, "armhf") == 0) {
		snprintf(p->arch, sizeof p->arch, "arm");
		snprintf(p->variant, sizeof p->variant, "v7");
	} else if (strcmp(p->arch, "armel") == 0) {
		snprintf(p->arch, sizeof p->arch, "arm");
		snprintf(p->variant, sizeof p->variant, "v6");
	}
	if (strcmp(p->arch, "amd64") == 0)
		p->variant[0] = '\0';
	if (strcmp(p->arch, "arm64") == 0 && (strcmp(p->variant, "8") == 0 ||
	    strcmp(p->variant, "v8") == 0))
		p->variant[0] = '\0';
	if (strcmp(p->arch, "arm") == 0 && strlen(p->variant) == 1 &&
	    isdigit((unsigned char)p->variant[0])) {
		p->variant[1] = p->variant[0];
		p->variant[0] = 'v';
		p->variant[2] = '\0';
	}
}

int
platform_parse(const char *spec, struct platform *p, struct err *err)
{
	const char	*part[4], *s;
	size_t		 len[4], n = 0;
	struct utsname	 u;

	memset(p, 0, sizeof *p);
	if (strchr(spec, '*') != NULL)
		return (err_set(err, ERR_INVALID, "\"%s\": wildcards not yet "
		    "supported: not implemented", spec));
	for (s = spec;; s++) {
		size_t	l = strcspn(s, "/");

		if (n < 4) {
			part[n] = s;
			len[n] = l;
		}
		n++;
		s += l;
		if (*s == '\0')
			break;
	}
	/* Every component first, then their number, as containerd. */
	for (size_t k = 0; k < n && k < 4; k++) {
		size_t	i = 0;

		while (i < len[k] && (isalnum((unsigned char)part[k][i]) ||
		    part[k][i] == '_' || part[k][i] == '-'))
			i++;
		if (len[k] == 0 || i < len[k])
			return (err_set(err, ERR_INVALID, "\"%.*s\" is an "
			    "invalid component of \"%s\": platform specifier "
			    "component must match \"^[A-Za-z0-9_-]+$\": invalid "
			    "argument", (int)len[k], part[k], spec));
	}
	if (n > 3)
		return (err_set(err, ERR_INVALID, "\"%s\": cannot parse "
		    "platform specifier: invalid argument", spec));
	platform_lower(p->os, sizeof p->os, part[0], len[0]);
	if (strcmp(p->os, "macos") == 0)
		snprintf(p->os, sizeof p->os, "darwin");
	if (n == 1) {
		uname(&u);
		if (platform_in(platform_oses, p->os)) {
			platform_lower(p->arch, sizeof p->arch, u.machine,
			    strlen(u.machine));
			platform_norm_arch(p);
			return (0);
		}
		platform_lower(p->arch, sizeof p->arch, part[0], len[0]);
		platform_norm_arch(p);
		if (!platform_in(platform_arches, p->arch))
			return (err_set(err, ERR_INVALID, "\"%s\": unknown "
			    "operating system or architecture: invalid argument",
			    spec));
		snprintf(p->os, sizeof p->os, "linux");
		return (0);
	}
	platform_lower(p->arch, sizeof p->arch, part[1], len[1]);
	if (n == 3)
		platform_lower(p->variant, sizeof p->variant, part[2], len[2]);
	platform_norm_arch(p);
	/* A variant given in full is kept in full, as containerd keeps it. */
	if (n == 3 && strcmp(p->arch, "arm64") == 0 && *p->variant == '\0')
		snprintf(p->variant, sizeof p->variant, "v8");
	return (0);
}

void
platform_format(const struct platform *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s%s", p->os, p->arch, *p->variant != '\0' ?
	    "/" : "", p->variant);
}

int
platform_match(const struct platform *want, const char *os,
    const char *arch, const char *variant)
{
	return (os != NULL && arch != NULL && strcmp(want->os, os) == 0 &&
	    strcmp(want->arch, arch) == 0 && (*want->variant == '\0' ||
	    (variant != NULL && strcmp(want->variant, variant) == 0)));
}
