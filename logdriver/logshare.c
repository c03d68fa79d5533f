/* SPDX-License-Identifier: MIT */
/*
 * Log share: an append copied and decoded once for all the followers at
 * the head (see logshare.h).
 */
#include <stdint.h>
#include <string.h>

#include "daemon/base/xalloc.h"
#include "logdriver/jsonfile.h"
#include "logdriver/logdecode.h"
#include "logdriver/logshare.h"

struct logshare_memo {
	uint32_t	  key;
	void		 *obj;		/* owned: free_fn */
	void		(*free_fn)(void *);
};

struct logshare {
	unsigned		 refs;
	uint64_t		 append_id;	/* the notification's */
	char			*bytes;		/* owned: the append */
	size_t			 len;
	struct logline		*entries;	/* owned */
	size_t			 nentries;
	char			*text;		/* owned: their strings */
	uint64_t		 skipped;
	int64_t			 min_time;
	struct logshare_memo	 memos[LOGSHARE_MEMOS];
	int			 nmemos;
};

/*
 * The share of the notification running now. Not a reference: the share
 * clears it when it goes, so nothing is held once every follower has
 * delivered it, and a later notification (a new id) never matches.
 */
static struct logshare	*logshare_current;

/* Appends n bytes to the text arena; returns their offset. */
static size_t
logshare_text_add(char **text, size_t *len, size_t *cap, const char *p,
    size_t n)
{
	size_t	off = *len;

	if (*len + n > *cap) {
		while (*len + n > *cap)
			*cap = *cap != 0 ? *cap * 2 : 256;
		*text = xrealloc(*text, *cap);
	}
	if (n > 0)
		memcpy(*text + off, p, n);
	*len += n;
	return (off);
}

/*
 * Decodes every line, keeping each entry's strings in one arena. While
 * the arena grows the entries hold offsets; they become pointers at the
 * end, when it no longer moves.
 */
static void
logshare_decode(struct logshare *sh)
{
	struct logdecode	 dec;
	struct logline		 ll;
	const char		*p = sh->bytes, *end = sh->bytes + sh->len;
	const char		*nl;
	size_t			 tlen = 0, tcap = 0, cap = 0;
	size_t			*logoff = NULL, *detoff = NULL;

	logdecode_init(&dec);
	sh->min_time = INT64_MAX;
	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL;
	    p = nl + 1) {
		if (logdecode_line(&dec, p, (size_t)(nl - p), &ll) != 0) {
			sh->skipped++;
			continue;
		}
		if (sh->nentries == cap) {
			cap = cap != 0 ? cap * 2 : 8;
			sh->entries = xreallocarray(sh->entries, cap,
			    sizeof *sh->entries);
			logoff = xreallocarray(logoff, cap, sizeof *logoff);
			detoff = xreallocarray(detoff, cap, sizeof *detoff);
		}
		logoff[sh->nentries] = logshare_text_add(&sh->text, &tlen,
		    &tcap, ll.log, ll.loglen);
		detoff[sh->nentries] = logshare_text_add(&sh->text, &tlen,
		    &tcap, ll.details, ll.detailslen);
		sh->entries[sh->nentries++] = ll;
		if (ll.time_ns < sh->min_time)
			sh->min_time = ll.time_ns;
	}
	logdecode_clear(&dec);
	if (sh->text == NULL)
		sh->text = xcalloc(1, 1);	/* "" for empty strings */
	for (size_t i = 0; i < sh->nentries; i++) {
		sh->entries[i].log = sh->text + logoff[i];
		sh->entries[i].details = sh->text + detoff[i];
	}
	xfree(logoff);
	xfree(detoff);
}

struct logshare *
logshare_get(struct jsonfile *jf, const char *bytes, size_t n)
{
	struct logshare	*sh = logshare_current;
	uint64_t	 id = jsonfile_append_id(jf);

	if (sh != NULL && sh->append_id == id && sh->len == n) {
		sh->refs++;
		return (sh);
	}
	sh = xcalloc(1, sizeof *sh);
	sh->refs = 1;
	sh->append_id = id;
	sh->bytes = xmalloc(n > 0 ? n : 1);
	memcpy(sh->bytes, bytes, n);
	sh->len = n;
	logshare_decode(sh);
	logshare_current = sh;
	return (sh);
}

void
logshare_unref(struct logshare *sh)
{
	if (sh == NULL || --sh->refs > 0)
		return;
	if (logshare_current == sh)
		logshare_current = NULL;
	for (int i = 0; i < sh->nmemos; i++)
		sh->memos[i].free_fn(sh->memos[i].obj);
	xfree(sh->entries);
	xfree(sh->text);
	xfree(sh->bytes);
	xfree(sh);
}

const char *
logshare_bytes(const struct logshare *sh, size_t *len)
{
	*len = sh->len;
	return (sh->bytes);
}

const struct logline *
logshare_entries(const struct logshare *sh, size_t *n)
{
	*n = sh->nentries;
	return (sh->entries);
}

uint64_t
logshare_skipped(const struct logshare *sh)
{
	return (sh->skipped);
}

int64_t
logshare_min_time(const struct logshare *sh)
{
	return (sh->min_time);
}

void *
logshare_memo(const struct logshare *sh, uint32_t key)
{
	for (int i = 0; i < sh->nmemos; i++)
		if (sh->memos[i].key == key)
			return (sh->memos[i].obj);
	return (NULL);
}

int
logshare_memo_put(struct logshare *sh, uint32_t key, void *obj,
    void (*free_fn)(void *))
{
	if (sh->nmemos == LOGSHARE_MEMOS || logshare_memo(sh, key) != NULL)
		return (-1);
	sh->memos[sh->nmemos].key = key;
	sh->memos[sh->nmemos].obj = obj;
	sh->memos[sh->nmemos].free_fn = free_fn;
	sh->nmemos++;
	return (0);
}
