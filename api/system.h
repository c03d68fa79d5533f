/* SPDX-License-Identifier: MIT */
/*
 * System endpoints: /_ping, /version and /info (with the NGoroutines and
 * NFd fields moby's own leak tests read).
 */
#ifndef LP_API_SYSTEM_H
#define LP_API_SYSTEM_H

#include "api/http.h"

void	system_ping(struct api_req *);
void	system_version(struct api_req *);
void	system_info(struct api_req *);

#endif
