/* SPDX-License-Identifier: MIT */
/*
 * Request bodies: dockerd's CheckForJSON, the body under its limit, and
 * the Go-JSON decoding rules endpoints share (a body that must be an
 * object, typed fields with Go's error wording).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/body.h"
#include "api/request.h"
#include "api/server.h"
#include "daemon/base/gojson.h"
#include "daemon/base/utf8.h"
#include "daemon/base/xalloc.h"

int
api_check_json(struct api_req *r)
{
	const char	*ct;
	size_t		 n;

	/* NULL too once the client is gone: nothing left to check. */
	ct = api_req_header(r, "Content-Type");
	if (ct == NULL || *ct == '\0')
		return (0);
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == strlen("application/json") &&
	    strncasecmp(ct, "application/json", n) == 0)
		return (0);
	api_reply_error(r, 400, "Content-Type specified (%s) must be "
	    "'application/json'", ct);
	return (-1);
}


char *
api_body(struct api_req *r, size_t *lenp)
{
	struct evbuffer	*in = api_req_input(r);
	size_t		 len = evbuffer_get_length(in);
	char		*s;

	if (len > api_req_server(r)->cfg.max_body)
		return (NULL);
	s = xmalloc(len + 1);
	evbuffer_copyout(in, s, len);
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (s);
}


const char *
api_body_json_type(const json_t *v)
{
	if (json_is_string(v))
		return ("string");
	if (json_is_number(v))
		return ("number");
	if (json_is_boolean(v))
		return ("bool");
	if (json_is_array(v))
		return ("array");
	return ("object");
}

void
api_body_syntax_error(const char *body, size_t len, const char *fallback,
    struct err *err)
{
	struct err	go;
	char		*text = xstrndup(body, len);	/* NUL-terminated */
	int		 bad = gojson_check(text, &go) != 0;

	xfree(text);
	/* json.Decoder says "unexpected EOF" where Unmarshal says more. */
	if (bad)
		err_set(err, err->code, "%s", strcmp(go.msg, "unexpected end "
		    "of JSON input") == 0 ? "unexpected EOF" : go.msg);
	else
		err_set(err, err->code, "%s", fallback);
}

json_t *
api_body_object(struct api_req *r, const char *gotype)
{
	json_t		*body;
	json_error_t	 jerr;
	char		*text, *clean;
	size_t		 len, i;

	if (api_check_json(r) != 0)
		return (NULL);
	if ((text = api_body(r, &len)) == NULL) {
		api_reply_error(r, 413, "request body too large");
		return (NULL);
	}
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	if (i == len) {
		xfree(text);
		api_reply_error(r, 400, "got EOF while reading request body");
		return (NULL);
	}
	/* As for create: Go reads invalid bytes in strings as U+FFFD. */
	if (!utf8_valid(text, len)) {
		clean = utf8_sanitize(text, len, &len);
		xfree(text);
		text = clean;
	}
	body = json_loadb(text, len, JSON_DISABLE_EOF_CHECK, &jerr);
	if (body == NULL) {
		struct err	e = { ERR_INVALID, "" };

		api_body_syntax_error(text, len, jerr.text, &e);
		xfree(text);
		api_reply_error(r, 400, "%s", e.msg);
		return (NULL);
	}
	xfree(text);
	if (!json_is_object(body)) {
		api_reply_error(r, 400, "json: cannot unmarshal %s into Go "
		    "value of type %s", api_body_json_type(body), gotype);
		json_decref(body);
		return (NULL);
	}
	return (body);
}

int
api_body_bool(json_t *body, const char *gotype, const char *field, int *out,
    struct err *err)
{
	json_t	*v = json_object_get(body, field);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_boolean(v))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field %s.%s of type bool",
		    api_body_json_type(v), gotype, field));
	*out = json_is_true(v);
	return (0);
}

int
api_body_string(json_t *body, const char *gotype, const char *field,
    const char **out, struct err *err)
{
	json_t	*v = json_object_get(body, field);

	*out = "";
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v))
		return (err_set(err, ERR_INVALID, "json: cannot unmarshal %s "
		    "into Go struct field %s.%s of type string",
		    api_body_json_type(v), gotype, field));
	*out = json_string_value(v);
	return (0);
}

