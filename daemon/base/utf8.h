/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 with Go's rules (unicode/utf8): what is a character, where a text
 * may be cut, and the one sanitizer every text from a client or the system
 * goes through before it becomes JSON, which must be valid UTF-8
 * (daemon/jsontext.h builds the JSON strings; this layer has no jansson).
 */
#ifndef LP_UTF8_H
#define LP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* U+FFFD, what Go's encoding/json writes for each invalid byte. */
#define UTF8_REPLACEMENT	"\xef\xbf\xbd"

/*
 * Go's utf8.DecodeRune on s[:len] (len > 0): the length of the character
 * at s (1 to 4) with *rune set, or 1 with *rune = -1 for an invalid byte
 * (overlong forms, surrogates, past U+10FFFF, stray or missing
 * continuation bytes).
 */
size_t	 utf8_decode(const char *s, size_t len, int32_t *rune);
/* Go's utf8.Valid. */
int	 utf8_valid(const char *s, size_t len);
/*
 * The length of s[:len] without a last character that was cut short: for
 * a text a fixed buffer truncated, so the cut falls on a boundary.
 */
size_t	 utf8_trim_partial(const char *s, size_t len);
/* The longest prefix of s[:len] of at most max bytes ending on a boundary. */
size_t	 utf8_cut(const char *s, size_t len, size_t max);
/* The length utf8_sanitize() gives s[:len]. */
size_t	 utf8_sanitized_len(const char *s, size_t len);
/*
 * A copy of s[:len] with each invalid byte replaced by U+FFFD (one per
 * byte, as Go's encoder does); NUL-terminated, the caller frees it with
 * xfree. *outlen, if not NULL, gets the length.
 */
char	*utf8_sanitize(const char *s, size_t len, size_t *outlen);
/*
 * The same into dst (dstsz > 0, always NUL-terminated), cut on a boundary
 * when it does not fit. Returns the length written.
 */
size_t	 utf8_sanitize_buf(char *dst, size_t dstsz, const char *s,
	    size_t len);
#endif
