/* SPDX-License-Identifier: MIT */
/*
 * Replies that need no request object: status reasons, dockerd's common
 * headers, Docker's error shape, and a HEAD-aware send. Used for the
 * requests dispatch rejects before a handler runs, and by api/request.c.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/reply.h"
#include "daemon/base/err.h"
#include "daemon/base/log.h"
#include "daemon/base/xalloc.h"
#include "daemon/jsontext.h"

#define API_SERVER_HEADER	"logpouch/" LOGPOUCH_VERSION " (linux)"

const char *
api_status_reason(int status)
{
	switch (status) {
	case 101: return ("UPGRADED");
	case 200: return ("OK");
	case 201: return ("Created");
	case 204: return ("No Content");
	case 301: return ("Moved Permanently");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 409: return ("Conflict");
	case 413: return ("Request Entity Too Large");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 503: return ("Service Unavailable");
	default: return ("Unknown");
	}
}


const char *
api_version_advertised(int version, char *buf, size_t len)
{
	int	v = version != 0 && version <= API_VERSION_LEGACY ?
		    API_VERSION_LEGACY : API_VERSION_MAX;

	snprintf(buf, len, "%d.%d", v / 100, v % 100);
	return (buf);
}

const char *
api_stream_media_type(int version, int tty)
{
	if (version < API_VERSION(1, 42))
		return (NULL);
	return (tty ? API_MEDIA_RAW : API_MEDIA_MULTIPLEXED);
}

void
api_add_common_headers(struct evhttp_request *req, int version)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 v[16];

	evhttp_add_header(h, "Api-Version", api_version_advertised(version, v,
	    sizeof v));
	evhttp_add_header(h, "Docker-Experimental", "false");
	evhttp_add_header(h, "Ostype", "linux");
	evhttp_add_header(h, "Server", API_SERVER_HEADER);
}


/*
 * evhttp_send_reply, but a HEAD reply gets the body's Content-Length and
 * no body, as Go's server answers: libevent would send the body without a
 * length, and the client would read it as an unsolicited response.
 */
void
api_reply_send(struct evhttp_request *req, int status, struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 len[32];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		if (status >= 200 && status != 204 && status != 304 &&
		    evhttp_find_header(h, "Content-Length") == NULL) {
			snprintf(len, sizeof len, "%zu", body != NULL ?
			    evbuffer_get_length(body) : 0);
			evhttp_add_header(h, "Content-Length", len);
		}
		body = NULL;
	}
	evhttp_send_reply(req, status, api_status_reason(status), body);
}


char *
api_error_body(const char *msg)
{
	json_t	*o = json_object();
	char	*s;

	/* utf8_json: any bytes in, a valid string out; the pack cannot fail. */
	json_object_set_new(o, "message", jsontext_new(msg));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		fatal("%s: jansson cannot encode a sanitized string", __func__);
	return (s);
}


void
api_reply_raw_error(struct evhttp_request *req, int version, int status,
    int common_headers, const char *msg)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf = evbuffer_new();
	char			*s;

	if (common_headers)
		api_add_common_headers(req, version);
	if (version != 0 && version <= API_VERSION(1, 23)) {
		/* Go's http.Error: the text as it is, not JSON. */
		evhttp_add_header(h, "Content-Type",
		    "text/plain; charset=utf-8");
		evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
		evbuffer_add_printf(buf, "%s\n", msg);
	} else {
		s = api_error_body(msg);
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add_printf(buf, "%s\n", s);
		xfree(s);
	}
	api_reply_send(req, status, buf);
	evbuffer_free(buf);
}


int
api_err_status(int code)
{
	switch (code) {
	case ERR_INVALID:
		return (400);
	case ERR_NOT_FOUND:
		return (404);
	case ERR_CONFLICT:
		return (409);
	case ERR_NOT_MODIFIED:
		return (304);
	case ERR_NOT_IMPLEMENTED:
		return (501);
	default:
		return (500);
	}
}

