/* SPDX-License-Identifier: MIT */
/*
 * Go's encoding/json, the parts dockerd's error texts and values expose.
 */
#ifndef LP_GOJSON_H
#define LP_GOJSON_H

#include "daemon/base/err.h"

/*
 * json.Unmarshal's syntax check: 0 when text is one valid JSON value, or
 * -1 with ERR_INTERNAL and the scanner's words ("invalid character 'x'
 * looking for beginning of value", "unexpected end of JSON input").
 */
int	 gojson_check(const char *text, struct err *);
/*
 * Unquotes the string starting at *pp (its opening quote) of a text that
 * gojson_check() accepted, as Go does (bad UTF-8 and lone surrogates
 * become U+FFFD); moves *pp past the closing quote. Free with xfree().
 */
char	*gojson_unquote(const unsigned char **pp);

#endif
