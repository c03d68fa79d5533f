/* SPDX-License-Identifier: MIT */
/*
 * JSON strings from any bytes: every text from a client or the system
 * (names, paths, commands, error messages) becomes JSON through here, so a
 * reply can never fail to encode on invalid UTF-8 (daemon/base/utf8.h has
 * the rules; it stays free of jansson).
 */
#ifndef LP_JSONTEXT_H
#define LP_JSONTEXT_H

#include <stddef.h>

#include <jansson.h>

/*
 * A new JSON string holding s (NULL: ""), invalid bytes replaced by
 * U+FFFD as Go's encoder does: unlike json_string() it never fails. For
 * json_pack's "o" and json_object_set_new.
 */
json_t	*jsontext_new(const char *s);
json_t	*jsontext_newn(const char *s, size_t len);

#endif
