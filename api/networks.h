/* SPDX-License-Identifier: MIT */
/*
 * GET /networks, GET /networks/{id} and GET /volumes: what exists without
 * a bridge or a volume driver (daemon/networks.h), in dockerd's shapes.
 */
#ifndef LP_API_NETWORKS_H
#define LP_API_NETWORKS_H

struct api_req;

void	networks_api_list(struct api_req *);
void	networks_api_inspect(struct api_req *);
void	volumes_api_list(struct api_req *);
void	volumes_api_inspect(struct api_req *);

#endif
