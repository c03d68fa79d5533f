/* SPDX-License-Identifier: MIT */
/*
 * An attached exec: the process's stdio tied to its client's duplex
 * (api/duplex.h). The exec belongs to the client: when the client goes, so
 * does the process (SIGTERM, SIGKILL after EXEC_API_GRACE_MS); a half-close
 * only ends its stdin. Output waits while the client does not read.
 */
#ifndef LP_API_EXECIO_H
#define LP_API_EXECIO_H

struct api_req;
struct exec;

/* SIGTERM to SIGKILL when the client of an attached exec went away. */
#define EXEC_API_GRACE_MS	2000

/*
 * Hijacks r and starts e attached to it; everything after the hijack goes
 * in-band, as dockerd writes it. r is gone; the attachment frees itself.
 */
void	execio_attach(struct api_req *, struct exec *, int tty);

#endif
