/* SPDX-License-Identifier: MIT */
/*
 * Replies on a bare evhttp request (no struct api_req): what dispatch
 * answers before a handler exists, and what api/request.c builds on.
 */
#ifndef LP_API_REPLY_H
#define LP_API_REPLY_H

struct evbuffer;
struct evhttp_request;

/* Docker's "<major>.<minor>" -> major*100+minor (1.41 -> 141). */
#define API_VERSION(maj, min)	((maj) * 100 + (min))
#define API_VERSION_MIN		API_VERSION(1, 12)
#define API_VERSION_MAX		API_VERSION(1, 41)

const char	*api_status_reason(int status);
/* Adds dockerd's common headers (Api-Version, Server, Ostype...). */
void		 api_add_common_headers(struct evhttp_request *);
/*
 * evhttp_send_reply, but HEAD gets the body's Content-Length and no body,
 * as Go answers. body is not taken; may be NULL.
 */
void		 api_reply_send(struct evhttp_request *, int status,
		     struct evbuffer *body);
/*
 * Docker's error body {"message":"..."} for msg, whatever its bytes:
 * invalid UTF-8 becomes U+FFFD. Never NULL; the caller frees it.
 */
char		*api_error_body(const char *msg);
/* Answers req with msg in Docker's error shape (text for API <= 1.23). */
void		 api_reply_raw_error(struct evhttp_request *, int version,
		     int status, int common_headers, const char *msg);
/* ERR_* (and errno) -> the HTTP status dockerd gives it. */
int		 api_err_status(int code);

#endif
