/* SPDX-License-Identifier: MIT */
/*
 * Log details: builds a decoded record's details prefix (details=1) from
 * its attrs, into the decoder's buffers.
 */
#ifndef LP_LOGDETAILS_H
#define LP_LOGDETAILS_H

#include <stddef.h>

/*
 * Scratch space a decoder embeds (zeroed is ready): the pairs found in a
 * record's attrs, as offsets into the decoder's key/value text, and the
 * details text built from them.
 */
struct logdetails {
	char		*text;		/* owned: the details prefix */
	size_t		 len;
	size_t		 cap;
	size_t		*pairs;		/* owned: offsets into kv, 4 a pair */
	size_t		 pairscap;
};

void	 logdetails_clear(struct logdetails *);
/* Adds a key/value pair slot (4 offsets into kv) for pair npairs. */
size_t	*logdetails_pair_add(struct logdetails *, size_t npairs);
/*
 * Builds the details text from the npairs pairs into kv. Returns -1 on a
 * duplicate key (the fast path then hands the line to jansson).
 */
int	 logdetails_build(struct logdetails *, const char *kv,
	     size_t npairs);

#endif
