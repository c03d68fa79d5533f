/* SPDX-License-Identifier: MIT */
/*
 * Exec endpoints (dockerd 20.10, API 1.41): create, start (detached, or
 * attached on the hijacked connection as a raw stream), resize, inspect.
 * An attached exec belongs to its client: when the client goes, so does
 * the process (SIGTERM, SIGKILL after EXEC_API_GRACE_MS).
 */
#ifndef LP_API_EXEC_H
#define LP_API_EXEC_H

#include "api/execio.h"	/* EXEC_API_GRACE_MS */
#include "api/http.h"

void	exec_api_create(struct api_req *);
void	exec_api_start(struct api_req *);
void	exec_api_resize(struct api_req *);
void	exec_api_inspect(struct api_req *);

#endif
