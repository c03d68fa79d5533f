/* SPDX-License-Identifier: MIT */
/*
 * The log viewer (docs/ui.md): its static files, built into the binary
 * (ui/ -> ui_assets.c at build time), and the checks that keep another
 * site's page in the same browser away from the API on its listener.
 */
#ifndef LP_API_UI_H
#define LP_API_UI_H

#include "api/http.h"

/*
 * For every request on the UI listener, before routing: 1 when it was
 * refused (403 sent: a Host that is not loopback or an IP literal, an
 * Origin that is not the page's, or another site's fetch of the API).
 */
int	ui_guard_refuses(struct evhttp_request *, const char *path);

/* GET /ui/ and /ui/{file}: a built-in file, 404 for any other name. */
void	ui_static(struct api_req *);
/* GET / and /ui: 301 to /ui/. */
void	ui_redirect(struct api_req *);

#endif
