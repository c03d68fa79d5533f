/* SPDX-License-Identifier: MIT */
/*
 * The prune endpoints docker container/image/network/volume prune and
 * docker system prune call, in dockerd 20.10's shapes.
 */
#ifndef LP_API_PRUNE_H
#define LP_API_PRUNE_H

struct api_req;

void	prune_containers(struct api_req *);
void	prune_images(struct api_req *);
void	prune_networks(struct api_req *);
void	prune_volumes(struct api_req *);
void	prune_build(struct api_req *);

#endif
