/* SPDX-License-Identifier: MIT */
/*
 * Socket activation and readiness notification without libsystemd: both
 * protocols are a documented, stable interface (sd_listen_fds(3),
 * sd_notify(3)), a few system calls each. See docs/systemd.md for why.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/sdaemon.h"

static const char *const sdaemon_env[] = {
	"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
};

/* A whole decimal number in [0, max], or -1. */
static long
sdaemon_number(const char *s, long max)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return (-1);
	return (v);
}

static int
sdaemon_init_fds(struct sdaemon *sd, struct err *err)
{
	const char	*pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	long		 v;

	/* Not for us: a parent that was activated leaked them. */
	if (pid == NULL || n == NULL ||
	    sdaemon_number(pid, INT_MAX) != (long)getpid())
		return (0);
	if ((v = sdaemon_number(n, SDAEMON_MAX_FDS)) < 0)
		return (err_set(err, EINVAL, "invalid LISTEN_FDS \"%s\": want "
		    "0 to %d sockets", n, SDAEMON_MAX_FDS));
	for (int i = 0; i < (int)v; i++) {
		int	fd = SDAEMON_FDS_START + i, flags;

		if ((flags = fcntl(fd, F_GETFD)) == -1)
			return (err_errno(err, "LISTEN_FDS=%ld, but fd %d",
			    v, fd));
		/* Ours alone: no container or runtime may inherit it. */
		if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1)
			return (err_errno(err, "fd %d: FD_CLOEXEC", fd));
		sd->fds[i] = fd;
		sd->nfds = i + 1;
	}
	return (0);
}

static int
sdaemon_init_notify(struct sdaemon *sd, struct err *err)
{
	const char	*ns = getenv("NOTIFY_SOCKET");

	if (ns == NULL || *ns == '\0')
		return (0);
	/* sun_path holds the name; an abstract one trades '@' for NUL. */
	if (strlen(ns) >= sizeof sd->notify ||
	    (ns[0] != '/' && ns[0] != '@') || (ns[0] == '@' && ns[1] == '\0'))
		return (err_set(err, EINVAL, "unsupported NOTIFY_SOCKET \"%s\": "
		    "want an absolute path or @abstract name", ns));
	strcpy(sd->notify, ns);
	return (0);
}

int
sdaemon_init(struct sdaemon *sd, struct err *err)
{
	int	rc;

	memset(sd, 0, sizeof *sd);
	for (int i = 0; i < SDAEMON_MAX_FDS; i++)
		sd->fds[i] = -1;
	rc = sdaemon_init_fds(sd, err);
	if (rc == 0)
		rc = sdaemon_init_notify(sd, err);
	/*
	 * Cleared whatever we made of them: runc, for one, reads both (it
	 * would hand LISTEN_FDS fds to the container, and make `runc start`
	 * wait for the container's own READY=1 on a NOTIFY_SOCKET).
	 */
	for (size_t i = 0; i < sizeof sdaemon_env / sizeof sdaemon_env[0]; i++)
		unsetenv(sdaemon_env[i]);
	if (rc != 0)
		sdaemon_close_rest(sd);
	return (rc);
}

int
sdaemon_take(struct sdaemon *sd, const char *spec, int *out, int max,
    struct err *err)
{
	int	n = 0;
	long	fd;

	if (sd->nfds == 0)
		return (err_set(err, ENOENT, "no sockets found via socket "
		    "activation: make sure the service was started by "
		    "systemd"));
	if (*spec == '\0' || strcmp(spec, "*") == 0) {
		for (int i = 0; i < sd->nfds; i++) {
			if (sd->fds[i] == -1)
				continue;
			if (n == max)
				return (err_set(err, EINVAL, "too many socket "
				    "activated files (at most %d)", max));
			out[n++] = sd->fds[i];
			sd->fds[i] = -1;
		}
		if (n == 0)
			return (err_set(err, ENOENT, "no sockets left for "
			    "fd://%s: an earlier -H fd:// took them all",
			    spec));
		return (n);
	}
	if ((fd = sdaemon_number(spec, INT_MAX)) < 0)
		return (err_set(err, EINVAL, "failed to parse systemd fd "
		    "address: should be a number: %s", spec));
	if (fd < SDAEMON_FDS_START || fd >= SDAEMON_FDS_START + sd->nfds)
		return (err_set(err, ENOENT, "too few socket activated files "
		    "passed in by systemd"));
	if (sd->fds[fd - SDAEMON_FDS_START] == -1)
		return (err_set(err, EINVAL, "fd %ld is taken by another "
		    "-H fd://", fd));
	if (max < 1)
		return (err_set(err, EINVAL, "too many socket activated "
		    "files"));
	out[0] = sd->fds[fd - SDAEMON_FDS_START];
	sd->fds[fd - SDAEMON_FDS_START] = -1;
	return (1);
}

void
sdaemon_close_rest(struct sdaemon *sd)
{
	for (int i = 0; i < sd->nfds; i++) {
		if (sd->fds[i] == -1)
			continue;
		log_debug("%s: closing fd %d, which no -H fd:// named",
		    __func__, sd->fds[i]);
		close(sd->fds[i]);
		sd->fds[i] = -1;
	}
}

int
sdaemon_notify(const struct sdaemon *sd, const char *state,
    struct err *err)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	socklen_t		len;
	ssize_t			n;
	int			fd, saved;

	if (sd->notify[0] == '\0')
		return (0);
	memcpy(sun.sun_path, sd->notify, strlen(sd->notify));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(sd->notify));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract: no trailing NUL */
	else
		len++;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (err_errno(err, "notify socket"));
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return (err_errno(err, "notify %s", sd->notify));
	}
	log_debug("%s: sent %s to %s", __func__, state, sd->notify);
	return (0);
}
