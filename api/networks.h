/* SPDX-License-Identifier: MIT */
/*
 * GET /networks, GET /networks/{id}, GET /volumes and GET /plugins: what
 * exists without a bridge, a volume driver or plugins (daemon/networks.h),
 * in dockerd's shapes.
 */
#ifndef LP_API_NETWORKS_H
#define LP_API_NETWORKS_H

struct api_req;

void	networks_api_list(struct api_req *);
void	networks_api_inspect(struct api_req *);
void	volumes_api_list(struct api_req *);
void	volumes_api_inspect(struct api_req *);
/* GET /plugins and /plugins/{name}/json: there is no plugin system. */
void	plugins_api_list(struct api_req *);
void	plugins_api_inspect(struct api_req *);

#endif
