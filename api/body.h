/* SPDX-License-Identifier: MIT */
/*
 * Request bodies as dockerd reads them, for every endpoint that takes
 * JSON (create, exec create, exec start...).
 */
#ifndef LP_API_BODY_H
#define LP_API_BODY_H

#include <stddef.h>

#include <jansson.h>

struct api_req;
struct err;

/*
 * dockerd's CheckForJSON: 0 when the body is declared application/json or
 * not declared at all; otherwise replies 400 (r is gone) and returns -1.
 */
int		 api_check_json(struct api_req *);
/* The request body as a NUL-terminated string; NULL if over the limit. */
char		*api_body(struct api_req *, size_t *len);
/*
 * The body as a JSON object, with dockerd's decoder errors answered (an
 * empty body is EOF; gotype names the Go type in "cannot unmarshal").
 * NULL when r has been answered and is gone.
 */
json_t		*api_body_object(struct api_req *, const char *gotype);
/*
 * A body (len bytes) jansson refused, worded as Go's json.Decoder words it ("invalid
 * character 'i' looking for beginning of object key string"); fallback
 * when Go would have read it. err->code is kept.
 */
void		 api_body_syntax_error(const char *text, size_t len,
		     const char *fallback, struct err *);
/* Go's name for a JSON value's type in decoder errors. */
const char	*api_body_json_type(const json_t *);
/*
 * Go's decoding of obj[field] into a bool / a string: absent or null
 * leaves the zero value; another type is "json: cannot unmarshal X into
 * Go struct field GOTYPE.FIELD of type T" (ERR_INVALID).
 */
int		 api_body_bool(json_t *obj, const char *gotype,
		     const char *field, int *out, struct err *);
int		 api_body_string(json_t *obj, const char *gotype,
		     const char *field, const char **out, struct err *);

#endif
