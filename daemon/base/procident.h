/* SPDX-License-Identifier: MIT */
/*
 * Process identity across a daemon restart, read from /proc/<pid>/stat.
 */
#ifndef LP_PROCIDENT_H
#define LP_PROCIDENT_H

#include <sys/types.h>

#include <stdint.h>

/*
 * What names a process across a daemon restart: its pid, its process group
 * and its start time (clock ticks after boot, /proc/<pid>/stat field 22),
 * which differs when the pid has been reused. start_time 0: unknown.
 */
struct procident {
	pid_t		pid;
	pid_t		pgid;
	uint64_t	start_time;
};

/* Reads pid's ident from /proc: 0, or -1 with errno (ESRCH: no such pid). */
int		 procident_read(pid_t, struct procident *, char *state);

enum procident_orphan {
	PROCIDENT_ORPHAN_KILLED,	/* same process: group SIGKILLed */
	PROCIDENT_ORPHAN_GONE,		/* no process with that pid */
	PROCIDENT_ORPHAN_STRANGER,	/* pid reused, or not verifiable */
};
/*
 * A process a previous daemon started (and lost with its pipes): when the
 * pid still names the same process (same start time), SIGKILLs its group
 * and waits up to wait_ms for it to die. A reused pid is never signalled.
 */
enum procident_orphan procident_kill_orphan(const struct procident *,
		     int wait_ms);

#endif
