/* SPDX-License-Identifier: MIT */
/*
 * A process's identity from /proc, and the kill of a process a previous
 * daemon left behind that is safe against pid reuse.
 */
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/base/log.h"
#include "daemon/base/procident.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif

int
procident_read(pid_t pid, struct procident *id, char *state)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 start;
	int			 fd, pgrp, field;
	ssize_t			 n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? (errno = ESRCH, -1) : -1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (n == 0 ? (errno = ESRCH, -1) : -1);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields follow the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return (errno = EINVAL, -1);
	p += 2;
	if (state != NULL)
		*state = *p;
	if (sscanf(p, "%*c %*d %d", &pgrp) != 1)
		return (errno = EINVAL, -1);
	/* Field 3 is the state; the start time is field 22. */
	for (field = 3; field < 22 && p != NULL; field++) {
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	if (p == NULL || sscanf(p, "%llu", &start) != 1)
		return (errno = EINVAL, -1);
	id->pid = pid;
	id->pgid = (pid_t)pgrp;
	id->start_time = (uint64_t)start;
	return (0);
}

/*
 * The pidfd pins the process, so the check and the signal are about the
 * same one: after the start time matched, a successful signal 0 through
 * the pidfd proves the pid was not recycled in between, and while the
 * leader lives (a zombie too) its group id cannot be reused either.
 */
enum procident_orphan
procident_kill_orphan(const struct procident *want, int wait_ms)
{
	struct procident	 now;
	struct pollfd		 pfd;
	char			 state = '?';
	int			 pidfd;

	if (want->pid <= 1 || want->pgid <= 1)
		return (PROCIDENT_ORPHAN_STRANGER);
	pidfd = (int)syscall(SYS_pidfd_open, want->pid, 0);
	if (pidfd == -1 && errno == ESRCH)
		return (PROCIDENT_ORPHAN_GONE);
	if (procident_read(want->pid, &now, &state) != 0) {
		if (pidfd != -1)
			close(pidfd);
		return (errno == ESRCH ? PROCIDENT_ORPHAN_GONE :
		    PROCIDENT_ORPHAN_STRANGER);
	}
	if (want->start_time == 0 || now.start_time != want->start_time ||
	    now.pgid != want->pgid ||
	    (pidfd != -1 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL,
	    0) != 0)) {
		log_info("process %d: start time %" PRIu64 " group %d, saved "
		    "%" PRIu64 " group %d: a stranger, not signalled",
		    (int)want->pid, now.start_time, (int)now.pgid,
		    want->start_time, (int)want->pgid);
		if (pidfd != -1)
			close(pidfd);
		return (PROCIDENT_ORPHAN_STRANGER);
	}
	if (kill(-want->pgid, SIGKILL) != 0)
		kill(want->pid, SIGKILL);
	log_info("process %d: still running from a previous daemon; killed "
	    "its group %d", (int)want->pid, (int)want->pgid);
	/* The pidfd turns readable when the leader dies (as a zombie). */
	if (pidfd != -1 && state != 'Z') {
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, wait_ms) == -1 && errno == EINTR)
			;
	}
	if (pidfd != -1)
		close(pidfd);
	return (PROCIDENT_ORPHAN_KILLED);
}
