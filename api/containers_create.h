/* SPDX-License-Identifier: MIT */
/*
 * POST /containers/create and its body's validation, answered as dockerd
 * 20.10 answers them.
 */
#ifndef LP_API_CONTAINERS_CREATE_H
#define LP_API_CONTAINERS_CREATE_H

#include <stddef.h>

#include <jansson.h>

#include "daemon/base/err.h"

struct api_req;

void	containers_create(struct api_req *);

/*
 * The create body's validation alone (what containers_create answers), for
 * tests/fuzz/fuzz_create.c: 0 with Config and HostConfig (caller owns), or
 * -1 with err (ERR_INVALID 400, ERR_INTERNAL 500 "EOF").
 */
int	containers_create_parse(const char *text, size_t len,
	    json_t **config, json_t **hostconfig, struct err *);
/*
 * The daemon's default log driver and options (--log-driver, --log-opt),
 * checked as a create checks a container's: 0, or -1 with err ("failed to
 * set log opts: unknown log opt 'x' for json-file log driver").
 */
int	containers_create_log_default_check(const char *driver, json_t *opts,
	    struct err *);

#endif
