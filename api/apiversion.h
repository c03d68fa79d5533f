/* SPDX-License-Identifier: MIT */
/*
 * What differs between API versions in the JSON we answer, from moby's
 * api/docs (version-history): the engine builds each view once, as
 * dockerd 20.10 (1.41) shows it, and these adapt it to the request's
 * version in place, as moby's routers do. No I/O, no HTTP.
 */
#ifndef LP_API_APIVERSION_H
#define LP_API_APIVERSION_H

#include <jansson.h>

struct container_store;

/*
 * GET /containers/{id}/json: 1.42 no HostConfig.KernelMemory(TCP), 1.44
 * DNSNames and 1.48 GwPriority per network.
 */
void	apiversion_container_inspect(int version, json_t *);
/*
 * One GET /containers/json entry: the same network fields, and 1.46
 * HostConfig.Annotations.
 */
void	apiversion_container_summary(int version, json_t *);
/*
 * POST /containers/create's HostConfig as the store keeps it: fields a
 * version did not have are dropped, as moby's router does (1.42
 * ConsoleSize, 1.43 Annotations). KernelMemory is never kept.
 */
void	apiversion_create_hostconfig(int version, json_t *hc);
/*
 * GET /images/json's array: 1.43 empty RepoTags/RepoDigests instead of
 * "<none>:<none>", 1.44 no VirtualSize, 1.51 Containers = how many of
 * st's containers use the image (-1 before; st may be NULL: 0).
 */
void	apiversion_image_list(int version, json_t *, struct container_store *);
/*
 * GET /images/{name}/json: 1.44 no VirtualSize and no empty Created, 1.45
 * no Container/ContainerConfig, 1.50 Config without the container-only
 * fields (Hostname, Tty...). Config is copied before it is changed.
 */
void	apiversion_image_inspect(int version, json_t *);

#endif
