/* SPDX-License-Identifier: MIT */
/*
 * File descriptors passed over a unix socket (SCM_RIGHTS): a listening
 * socket in a fresh private directory (sun_path is short, so not under
 * the data root), and the one descriptor a peer sends on it.
 */
#ifndef LP_FDPASS_H
#define LP_FDPASS_H

#include <stddef.h>

/*
 * Makes dir (a new /tmp/lpconsole.XXXXXX, 0700) and path, its socket,
 * listening and non-blocking: the listening fd, or -1 with errno and
 * nothing left. The caller closes it, unlinks path and removes dir.
 */
int	fdpass_listen(char *dir, size_t dlen, char *path, size_t plen);
/* Accepts one peer on lfd and returns the fd it sent, or -1. */
int	fdpass_recv(int lfd);

#endif
