/* SPDX-License-Identifier: MIT */
/*
 * Attach endpoints (dockerd 20.10): POST /containers/{id}/attach, the
 * connection hijacked into a duplex tied to the container's attach point
 * (daemon/attach.h), and POST /containers/{id}/resize.
 */
#ifndef LP_API_ATTACH_H
#define LP_API_ATTACH_H

#include <stddef.h>

struct api_req;

#define ATTACH_API_KEYS_MAX	16

void	attach_api_attach(struct api_req *);
void	attach_api_resize(struct api_req *);
/*
 * dockerd's detach-key syntax ("ctrl-p,ctrl-q", "a", "ctrl-@"): the bytes
 * into keys (at most ATTACH_API_KEYS_MAX); -1 when a key is unknown.
 */
int	attach_api_parse_keys(const char *, unsigned char *keys, size_t *n);

#endif
