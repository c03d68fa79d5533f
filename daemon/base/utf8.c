/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as Go reads it. Go's encoding/json turns each byte that does not
 * start a valid character into U+FFFD; jansson instead refuses the whole
 * text (json_string returns NULL, json_pack fails), so every text that can
 * hold such bytes goes through utf8_sanitize() (or jsontext_new(), above) first.
 */
#include <string.h>

#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"

/*
 * For a lead byte: how many continuation bytes follow (-1: never a lead)
 * and the range the first of them must be in, which is what rules out
 * overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF
 * (F4). The second and third continuation bytes are always 80..BF.
 */
static int
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return (0);
	if (c < 0xc2)
		return (-1);
	if (c < 0xe0)
		return (1);
	if (c < 0xf0) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return (2);
	}
	if (c < 0xf5) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return (3);
	}
	return (-1);
}

size_t
utf8_decode(const char *s, size_t len, int32_t *rune)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		 lo, hi;
	int			 need = utf8_lead(u[0], &lo, &hi);
	int32_t			 r;

	*rune = -1;
	if (need == 0) {
		*rune = u[0];
		return (1);
	}
	if (need < 0 || len < (size_t)need + 1 || u[1] < lo || u[1] > hi)
		return (1);
	for (int i = 2; i <= need; i++) {
		if (u[i] < 0x80 || u[i] > 0xbf)
			return (1);
	}
	r = u[0] & (0x7f >> (need + 1));
	for (int i = 1; i <= need; i++)
		r = r << 6 | (u[i] & 0x3f);
	*rune = r;
	return ((size_t)need + 1);
}

int
utf8_valid(const char *s, size_t len)
{
	size_t	i = 0;
	int32_t	r;

	while (i < len) {
		/* ASCII runs are the common case. */
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		i += utf8_decode(s + i, len - i, &r);
		if (r < 0)
			return (0);
	}
	return (1);
}

size_t
utf8_trim_partial(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		 lo, hi;
	size_t			 p = len;
	int			 need;

	/* Back over at most three continuation bytes to the last lead. */
	while (p > 0 && len - p < 3 && u[p - 1] >= 0x80 && u[p - 1] <= 0xbf)
		p--;
	if (p == 0)
		return (len);
	p--;
	need = utf8_lead(u[p], &lo, &hi);
	if (need <= 0 || len - p > (size_t)need)
		return (len);		/* ASCII, invalid, or complete */
	/* Only a valid beginning of a character was cut; invalid bytes stay. */
	if (len - p > 1 && (u[p + 1] < lo || u[p + 1] > hi))
		return (len);
	return (p);
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (len);
	return (utf8_trim_partial(s, max));
}

size_t
utf8_sanitized_len(const char *s, size_t len)
{
	size_t	i = 0, n = 0, k;
	int32_t	r;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &r);
		n += r < 0 ? sizeof UTF8_REPLACEMENT - 1 : k;
		i += k;
	}
	return (n);
}

size_t
utf8_sanitize_buf(char *dst, size_t dstsz, const char *s, size_t len)
{
	size_t		 i = 0, o = 0, k, w;
	const char	*from;
	int32_t		 r;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &r);
		from = r < 0 ? UTF8_REPLACEMENT : s + i;
		w = r < 0 ? sizeof UTF8_REPLACEMENT - 1 : k;
		if (o + w >= dstsz)
			break;		/* whole characters only */
		memcpy(dst + o, from, w);
		o += w;
		i += k;
	}
	dst[o] = '\0';
	return (o);
}

char *
utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
	size_t	 n = utf8_sanitized_len(s, len);
	char	*out = xmalloc(n + 1);

	utf8_sanitize_buf(out, n + 1, s, len);
	if (outlen != NULL)
		*outlen = n;
	return (out);
}
