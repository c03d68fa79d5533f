/* SPDX-License-Identifier: MIT */
/*
 * Log details: builds a decoded record's details prefix (details=1) from
 * its attrs, into the decoder's buffers.
 */
#ifndef LP_LOGDETAILS_H
#define LP_LOGDETAILS_H

#include <stddef.h>

struct logdecode;

/* Adds a key/value pair slot (4 offsets into dec->kv) for pair npairs. */
size_t	*logdetails_pair_add(struct logdecode *, size_t npairs);
/*
 * Builds the details text from the npairs pairs in dec->kv. Returns -1 on
 * a duplicate key (the fast path then hands the line to jansson).
 */
int	 logdetails_build(struct logdecode *, size_t npairs);

#endif
