/* SPDX-License-Identifier: MIT */
/*
 * containerd's platform specifiers ("linux", "linux/arm64", "linux/arm/v7"),
 * which dockerd's create takes as ?platform=: parsed and normalised as
 * containerd's platforms.Parse does, printed as platforms.Format.
 */
#ifndef LP_PLATFORM_H
#define LP_PLATFORM_H

#include "daemon/base/err.h"

struct platform {
	char	os[32];
	char	arch[32];
	char	variant[16];
};

/*
 * Parses spec into *p (OS and architecture lowercased and normalised:
 * x86_64 is amd64, aarch64 arm64, ...); a lone OS takes this machine's
 * architecture. -1 with ERR_INVALID and containerd's words otherwise.
 */
int	platform_parse(const char *spec, struct platform *, struct err *);
/* "os/arch[/variant]" into buf. */
void	platform_format(const struct platform *, char *buf, size_t len);
/* OnlyPlatformWithFallback's match for an image's os/arch/variant. */
int	platform_match(const struct platform *want, const char *os,
	    const char *arch, const char *variant);

#endif
