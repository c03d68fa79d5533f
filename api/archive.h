/* SPDX-License-Identifier: MIT */
/*
 * docker cp's endpoints: GET, HEAD and PUT /containers/{id}/archive?path=.
 */
#ifndef LP_API_ARCHIVE_H
#define LP_API_ARCHIVE_H

struct api_req;

/* GET: the tar of path; HEAD: its stat alone (X-Docker-Container-Path-Stat). */
void	archive_api_get(struct api_req *);
/* PUT: the request's tar extracted into the directory path. */
void	archive_api_put(struct api_req *);

#endif
