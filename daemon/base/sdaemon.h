/* SPDX-License-Identifier: MIT */
/*
 * The service manager's two small protocols, as sd-daemon(3) documents
 * them: the listening sockets systemd hands over (LISTEN_PID, LISTEN_FDS,
 * fds from 3) and the readiness datagrams to $NOTIFY_SOCKET.
 */
#ifndef LP_SDAEMON_H
#define LP_SDAEMON_H

#include "daemon/base/err.h"

#define SDAEMON_FDS_START	3	/* SD_LISTEN_FDS_START */
#define SDAEMON_MAX_FDS		16

struct sdaemon {
	int	fds[SDAEMON_MAX_FDS];	/* owned; -1 once handed out */
	int	nfds;			/* LISTEN_FDS, as passed */
	char	notify[108];		/* $NOTIFY_SOCKET ("@" = abstract) */
};

/*
 * Takes over what the environment says: the passed fds if LISTEN_PID is
 * our pid (each made close-on-exec), and $NOTIFY_SOCKET. Always removes
 * LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and NOTIFY_SOCKET from the
 * environment, so no child (the OCI runtime reads both protocols) sees
 * them. Returns 0, or -1 with err set for a malformed LISTEN_FDS.
 */
int	sdaemon_init(struct sdaemon *, struct err *);
/*
 * Hands out the fds "fd://SPEC" names: all not yet taken for "" or "*",
 * else fd number SPEC, as dockerd's -H fd://N. Stores up to max fds in
 * out (the caller owns them then) and returns how many, or -1 with err
 * set in dockerd's words.
 */
int	sdaemon_take(struct sdaemon *, const char *spec, int *out, int max,
	    struct err *);
/* Closes the passed fds nobody took (dockerd closes them too). */
void	sdaemon_close_rest(struct sdaemon *);
/*
 * Sends state ("READY=1", "STOPPING=1") to the notify socket; nothing
 * when there is none. Returns 0, or -1 with err set.
 */
int	sdaemon_notify(const struct sdaemon *, const char *state,
	    struct err *);

#endif
