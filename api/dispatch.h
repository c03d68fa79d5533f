/* SPDX-License-Identifier: MIT */
/*
 * Request dispatch: evhttp's requests, checked as dockerd checks them,
 * handed to the route table's handlers. Attached by main.c.
 */
#ifndef LP_API_DISPATCH_H
#define LP_API_DISPATCH_H

struct server;

/* Every request the server's evhttp receives goes through the routes. */
void	dispatch_attach(struct server *);
/* The --metrics-addr server: GET /metrics only, 404 for the rest. */
void	dispatch_attach_metrics(struct server *);

#endif
