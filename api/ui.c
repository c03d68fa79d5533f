/* SPDX-License-Identifier: MIT */
/*
 * The log viewer: the built-in files under /ui/, and the browser checks on
 * its listener. The page itself (ui/app.js) uses the ordinary endpoints,
 * so nothing here streams and nothing here knows containers.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api/ui.h"
#include "api/ui_assets.h"
#include "daemon/base/log.h"

/* Same-origin only, nothing inline, no frames: the page needs no more. */
#define UI_CSP	"default-src 'self'; object-src 'none'; base-uri 'none'; " \
		"form-action 'none'; frame-ancestors 'none'"

static const char *
ui_content_type(const char *name)
{
	const char	*dot = strrchr(name, '.');

	if (dot == NULL)
		return ("application/octet-stream");
	if (strcmp(dot, ".html") == 0)
		return ("text/html; charset=utf-8");
	if (strcmp(dot, ".js") == 0)
		return ("text/javascript; charset=utf-8");
	if (strcmp(dot, ".css") == 0)
		return ("text/css; charset=utf-8");
	if (strcmp(dot, ".svg") == 0)
		return ("image/svg+xml");
	return ("application/octet-stream");
}

/*
 * A Host a DNS-rebinding page cannot send: its own name resolved to
 * 127.0.0.1 arrives as that name, so only names that never go to DNS
 * pass ("localhost", "*.localhost", which browsers keep on loopback)
 * and IP literals. The port is not checked: an ssh -L forward changes it.
 */
static int
ui_host_ok(const char *host)
{
	char		 name[256];
	const char	*end;
	size_t		 n;
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (host == NULL || *host == '\0')
		return (0);
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return (0);
		host++;
	} else if ((end = strrchr(host, ':')) == NULL)
		end = host + strlen(host);
	if ((n = (size_t)(end - host)) == 0 || n >= sizeof name)
		return (0);
	memcpy(name, host, n);
	name[n] = '\0';
	if (inet_pton(AF_INET, name, &a4) == 1 ||
	    inet_pton(AF_INET6, name, &a6) == 1)
		return (1);
	if (strcasecmp(name, "localhost") == 0)
		return (1);
	return (n > 10 && strcasecmp(name + n - 10, ".localhost") == 0);
}

/* Origin, when sent, must be this page's own: http://<Host>. */
static int
ui_origin_ok(const char *origin, const char *host)
{
	if (origin == NULL)
		return (1);
	return (strncasecmp(origin, "http://", 7) == 0 &&
	    strcasecmp(origin + 7, host) == 0);
}

int
ui_guard_refuses(struct evhttp_request *req, const char *path)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	const char		*host = evhttp_find_header(h, "Host");
	const char		*origin = evhttp_find_header(h, "Origin");
	const char		*site = evhttp_find_header(h, "Sec-Fetch-Site");
	const char		*why = NULL;
	char			 msg[512];

	if (!ui_host_ok(host))
		why = "Host is not loopback or an IP address";
	else if (!ui_origin_ok(origin, host))
		why = "Origin is another site";
	/*
	 * The page's files may be linked from anywhere; the API is for the
	 * page alone (a typed URL, a bookmark or curl send no header or
	 * "none").
	 */
	else if (site != NULL && strncmp(path, "/ui", 3) != 0 &&
	    strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		why = "Sec-Fetch-Site is not same-origin";
	if (why == NULL)
		return (0);
	/* Debug only: another site's page could fill an info log. */
	log_debug("ui: refused %s (Host %s, Origin %s, Sec-Fetch-Site %s): %s",
	    path, host != NULL ? "set" : "none", origin != NULL ? "set" :
	    "none", site != NULL ? site : "none", why);
	snprintf(msg, sizeof msg, "refused by the log viewer's browser "
	    "checks: %s (docs/ui.md)", why);
	api_reply_raw_error(req, API_VERSION_MAX, 403, 1, msg);
	return (1);
}

void
ui_static(struct api_req *r)
{
	const char	*name = api_req_param(r, 0);
	struct evbuffer	*buf;

	if (name == NULL)
		name = "index.html";
	for (size_t i = 0; i < ui_nassets; i++) {
		if (strcmp(ui_assets[i].name, name) != 0)
			continue;
		buf = evbuffer_new();
		evbuffer_add_reference(buf, ui_assets[i].data,
		    ui_assets[i].size, NULL, NULL);
		api_req_add_header(r, "Content-Type",
		    ui_content_type(name));
		api_req_add_header(r, "Cache-Control", "no-cache");
		api_req_add_header(r, "X-Content-Type-Options", "nosniff");
		api_req_add_header(r, "Content-Security-Policy", UI_CSP);
		api_req_add_header(r, "Referrer-Policy", "no-referrer");
		api_reply_buf(r, 200, buf);
		evbuffer_free(buf);
		return;
	}
	api_reply_error(r, 404, "page not found");
}

void
ui_redirect(struct api_req *r)
{
	api_req_add_header(r, "Location", "/ui/");
	api_reply_empty(r, 301);
}
