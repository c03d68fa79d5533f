/* SPDX-License-Identifier: MIT */
/*
 * The detach-key scan: bytes that could start the sequence are held back
 * until the next byte tells; the whole sequence ends the attach.
 */
#include <string.h>

#include <event2/buffer.h>

#include "api/detachkeys.h"

int
detachkeys_parse(struct detachkeys *dk, const char *s)
{
	static const char	 ctl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
	const char		*p = s, *comma, *k;
	size_t			 len;

	memset(dk, 0, sizeof *dk);
	if (s == NULL || *s == '\0') {
		dk->keys[0] = 16;	/* ctrl-p */
		dk->keys[1] = 17;	/* ctrl-q */
		dk->n = 2;
		return (0);
	}
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (dk->n == DETACHKEYS_MAX)
			return (-1);
		if (len == 1)
			dk->keys[dk->n++] = (unsigned char)p[0];
		else if (len == 6 && strncmp(p, "ctrl-", 5) == 0 &&
		    p[5] != '\0' && (k = strchr(ctl, p[5])) != NULL)
			dk->keys[dk->n++] = (unsigned char)(k - ctl);
		else
			return (-1);
		if (comma == NULL)
			return (0);
		p = comma + 1;
	}
}

int
detachkeys_scan(struct detachkeys *dk, struct evbuffer *src,
    struct evbuffer *dst)
{
	unsigned char	 buf[4096];
	size_t		 n, i, start;
	int		 got;

	while ((got = evbuffer_remove(src, buf, sizeof buf)) > 0) {
		n = (size_t)got;
		for (i = start = 0; i < n; i++) {
			if (dk->n == 0)
				break;
			if (buf[i] == dk->keys[dk->matched]) {
				if (i > start)
					evbuffer_add(dst, buf + start,
					    i - start);
				start = i + 1;
				if (++dk->matched == dk->n)
					return (1);
				continue;
			}
			if (dk->matched > 0) {
				if (i > start)
					evbuffer_add(dst, buf + start,
					    i - start);
				evbuffer_add(dst, dk->keys, dk->matched);
				start = i;
				dk->matched = 0;
				i--;	/* the byte may start it again */
			}
		}
		if (n > start)
			evbuffer_add(dst, buf + start, n - start);
	}
	return (0);
}
