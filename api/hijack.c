/* SPDX-License-Identifier: MIT */
#include <event2/buffer.h>

#include "api/duplex.h"
#include "api/hijack.h"
#include "api/http.h"
#include "api/server.h"

/*
 * dockerd's hijack response: status, stream type, common headers. From
 * API 1.42 an upgraded non-tty stream says it is multiplexed; a plain
 * 200 stays raw-stream, as in dockerd 28.
 */
static struct evbuffer *
hijack_head(struct api_req *r, int tty)
{
	struct evbuffer		*buf = evbuffer_new();
	const char		*type = api_stream_media_type(
				    api_req_version(r), tty);

	/* dockerd looks only for the header's presence. */
	if (api_req_header(r, "Upgrade") != NULL)
		evbuffer_add_printf(buf, "HTTP/1.1 101 UPGRADED\r\n"
		    "Content-Type: %s\r\n"
		    "Connection: Upgrade\r\nUpgrade: tcp\r\n",
		    type != NULL ? type : API_MEDIA_RAW);
	else
		evbuffer_add_printf(buf, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: " API_MEDIA_RAW "\r\n");
	api_hijack_head(r, buf);
	evbuffer_add(buf, "\r\n", 2);
	return (buf);
}

struct duplex *
hijack_duplex(struct api_req *r, const struct duplex_opts *o)
{
	struct server		*srv = api_req_server(r);
	struct duplex_opts	 oo = *o;
	struct evbuffer		*head, *pending, *early;
	struct duplex		*d = NULL;
	int			 fd;

	head = hijack_head(r, o->tty);
	pending = evbuffer_new();
	early = evbuffer_new();
	fd = api_hijack(r, pending, early);	/* r is gone */
	if (fd != -1) {
		oo.write_timeout = srv->cfg.write_timeout;
		d = duplex_new(srv->base, srv->root, fd, pending, early, &oo);
		duplex_send_head(d, head);
	}
	evbuffer_free(head);
	evbuffer_free(pending);
	evbuffer_free(early);
	return (d);
}

