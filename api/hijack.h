/* SPDX-License-Identifier: MIT */
/*
 * A request turned into a hijacked stream (exec start, attach): dockerd's
 * reply head, then the socket handed to a duplex that owns it from then on.
 */
#ifndef LP_API_HIJACK_H
#define LP_API_HIJACK_H

struct api_req;
struct duplex;
struct duplex_opts;

/*
 * Hijacks r (dockerd's answer: 101 UPGRADED when the client asked for
 * "Upgrade", else 200, the raw-stream type, the common headers) and makes
 * a duplex of it under the server's root, with the server's write
 * timeout; the head goes out alone (duplex_send_head()). r is gone in
 * every case; NULL when the client already was.
 */
struct duplex	*hijack_duplex(struct api_req *, const struct duplex_opts *);

#endif
