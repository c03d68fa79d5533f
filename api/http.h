/* SPDX-License-Identifier: MIT */
/*
 * What an endpoint handler includes: the request (api/request.h), the
 * replies that need no request (api/reply.h) and the body readers
 * (api/body.h). Nothing in those includes this header.
 */
#ifndef LP_API_HTTP_H
#define LP_API_HTTP_H

#include "api/body.h"
#include "api/reply.h"
#include "api/request.h"

#endif
