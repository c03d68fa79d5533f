/* SPDX-License-Identifier: MIT */
/*
 * Log share: one append to a json-file as the followers at its head share
 * it. A thousand followers of one container used to copy, decode and
 * frame every appended line a thousand times; a share is copied and
 * decoded once, by the first follower that asks during the writer's
 * notification, and what a consumer makes of it (frames for its stream
 * options) is kept in a memo that every other consumer with the same
 * options takes instead of making its own.
 *
 * Refcounted: each follower holding a share until it has delivered it
 * keeps one reference; the last unref frees the share and its memos.
 */
#ifndef LP_LOGSHARE_H
#define LP_LOGSHARE_H

#include <stddef.h>
#include <stdint.h>

#include "logdriver/logline.h"

struct jsonfile;
struct logshare;

/* Consumer kinds one share remembers (distinct stream options). */
#define LOGSHARE_MEMOS	4

/*
 * A reference to the share of jf's latest append, whose n bytes at bytes
 * a follower that was at the head sees through jsonfile_peek: the first
 * call of a notification copies and decodes them, the others of the same
 * notification get the same share. Call only from jf's APPEND callback.
 */
struct logshare		*logshare_get(struct jsonfile *, const char *bytes,
			     size_t n);
void			 logshare_unref(struct logshare *);

/* The raw bytes, for a follower that has to read them itself after all. */
const char		*logshare_bytes(const struct logshare *, size_t *len);
/*
 * The readable entries, in file order; their strings live as long as the
 * share. Lines the decoder refuses are left out and counted.
 */
const struct logline	*logshare_entries(const struct logshare *,
			     size_t *n);
uint64_t		 logshare_skipped(const struct logshare *);
/* The earliest entry time, for a follower's since (INT64_MAX if none). */
int64_t			 logshare_min_time(const struct logshare *);

/* What a consumer of kind key made of this share, or NULL. */
void			*logshare_memo(const struct logshare *, uint32_t key);
/*
 * Keeps obj as key's memo, freed with free_fn with the share: 0, or -1
 * when LOGSHARE_MEMOS kinds are already kept (the caller keeps obj).
 */
int			 logshare_memo_put(struct logshare *, uint32_t key,
			     void *obj, void (*free_fn)(void *));

#endif
