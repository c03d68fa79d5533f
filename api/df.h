/* SPDX-License-Identifier: MIT */
/*
 * GET /system/df: what docker system df reads.
 */
#ifndef LP_API_DF_H
#define LP_API_DF_H

struct api_req;

void	df_system(struct api_req *);

#endif
