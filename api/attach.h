/* SPDX-License-Identifier: MIT */
/*
 * Attach endpoints (dockerd 20.10): POST /containers/{id}/attach, the
 * connection hijacked into a duplex tied to the container's attach point
 * (daemon/attach.h), and POST /containers/{id}/resize.
 */
#ifndef LP_API_ATTACH_H
#define LP_API_ATTACH_H

struct api_req;

void	attach_api_attach(struct api_req *);
void	attach_api_resize(struct api_req *);

#endif
