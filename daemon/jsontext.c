/* SPDX-License-Identifier: MIT */
/*
 * JSON strings that never fail: valid text goes in as it is, anything else
 * through the one sanitizer first.
 */
#include <string.h>

#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"
#include "daemon/jsontext.h"

json_t *
jsontext_newn(const char *s, size_t len)
{
	json_t	*j;
	char	*clean;
	size_t	 n;

	if (s == NULL)
		return (json_string_nocheck(""));
	if (utf8_valid(s, len))
		return (json_stringn_nocheck(s, len));
	clean = utf8_sanitize(s, len, &n);
	j = json_stringn_nocheck(clean, n);
	xfree(clean);
	return (j);
}

json_t *
jsontext_new(const char *s)
{
	return (jsontext_newn(s, s != NULL ? strlen(s) : 0));
}
