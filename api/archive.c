/* SPDX-License-Identifier: MIT */
/*
 * docker cp over the API, as dockerd's router answers it: the path is
 * required (400 "bad parameter: pathcannot be empty", dockerd's words),
 * the stat goes in X-Docker-Container-Path-Stat on GET and HEAD, a HEAD
 * that finds nothing is a bodyless 404, the tar is built in a memfd before
 * the first byte (a failure half way is still a JSON error), and PUT
 * takes the whole tar from the request body.
 */
#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api/archive.h"
#include "api/http.h"
#include "daemon/container.h"
#include "daemon/base/xalloc.h"

/* The container and ?path=, or NULL once answered. */
static struct container *
archive_api_target(struct api_req *r, const char **path)
{
	struct container	*c;
	struct err		 err;

	*path = api_query(r, "path");
	if (*path == NULL || **path == '\0') {
		api_reply_error(r, 400, "bad parameter: pathcannot be empty");
		return (NULL);
	}
	if ((c = container_store_lookup(api_req_store(r), api_req_param(r, 0),
	    &err)) == NULL)
		api_reply_err(r, &err);
	return (c);
}

void
archive_api_get(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	const char		*path;
	char			*stat = NULL;
	int			 fd, rc;

	if ((c = archive_api_target(r, &path)) == NULL)
		return;
	if (api_req_method(r) == EVHTTP_REQ_HEAD) {
		if (container_archive_stat(c, path, &stat, &err) != 0) {
			/* evhttp sends a HEAD's head only: no JSON body. */
			api_reply_err(r, &err);
			return;
		}
		api_req_add_header(r, "X-Docker-Container-Path-Stat", stat);
		api_req_add_header(r, "Content-Type", "application/x-tar");
		xfree(stat);
		api_reply_empty(r, 200);
		return;
	}
	if ((fd = memfd_create("lp-archive", MFD_CLOEXEC)) < 0) {
		api_reply_error(r, 500, "memfd: %m");
		return;
	}
	rc = container_archive_get(c, path, fd, &stat, &err);
	if (rc != 0) {
		close(fd);
		api_reply_err(r, &err);
		return;
	}
	api_req_add_header(r, "X-Docker-Container-Path-Stat", stat);
	xfree(stat);
	api_reply_tar_fd(r, fd);
}

void
archive_api_put(struct api_req *r)
{
	struct container	*c;
	struct err		 err;
	struct evbuffer		*in;
	const char		*path;
	size_t			 len;

	if ((c = archive_api_target(r, &path)) == NULL)
		return;
	in = api_req_input(r);
	len = evbuffer_get_length(in);
	if (container_archive_put(c, path, len > 0 ? evbuffer_pullup(in, -1) :
	    (const unsigned char *)"", len, api_query_bool(r,
	    "noOverwriteDirNonDir"), &err) != 0) {
		api_reply_err(r, &err);
		return;
	}
	api_reply_empty(r, 200);
}
