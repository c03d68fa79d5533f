/* SPDX-License-Identifier: MIT */
/*
 * Replies on a bare evhttp request (no struct api_req): what dispatch
 * answers before a handler exists, and what api/request.c builds on.
 */
#ifndef LP_API_REPLY_H
#define LP_API_REPLY_H

#include <stddef.h>

struct evbuffer;
struct evhttp_request;

/* Docker's "<major>.<minor>" -> major*100+minor (1.41 -> 141). */
#define API_VERSION(maj, min)	((maj) * 100 + (min))
#define API_VERSION_MIN		API_VERSION(1, 12)
/* Docker 28's API, what an unversioned request gets. */
#define API_VERSION_MAX		API_VERSION(1, 51)
/* dockerd 20.10's: at or below it, answers are dockerd 20.10's bytes. */
#define API_VERSION_LEGACY	API_VERSION(1, 41)

/*
 * The version a reply to a request at version says the server speaks
 * (Api-Version, /version): 1.41 up to 1.41, as dockerd 20.10 answered,
 * the newest above. Written "1.51" into buf.
 */
const char	*api_version_advertised(int version, char *buf, size_t len);

const char	*api_status_reason(int status);
/*
 * The Content-Type of a logs, attach or exec stream at version (1.42 on):
 * multiplexed (stdcopy frames) unless tty, raw with tty; NULL before 1.42,
 * where dockerd sent none (logs) or always the raw one (hijacks).
 */
#define API_MEDIA_RAW		"application/vnd.docker.raw-stream"
#define API_MEDIA_MULTIPLEXED	"application/vnd.docker.multiplexed-stream"
const char	*api_stream_media_type(int version, int tty);
/* Adds dockerd's common headers (Api-Version, Server, Ostype...). */
void		 api_add_common_headers(struct evhttp_request *, int version);
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
