/* SPDX-License-Identifier: MIT */
/*
 * What the process costs right now: open fds, resident memory, heap. Read
 * by /info, /debug/vars and the leak checks.
 */
#ifndef LP_PROCINFO_H
#define LP_PROCINFO_H

#include <stddef.h>

int	procinfo_open_fds(void);
/* Resident set size in bytes, from /proc/self/statm. */
size_t	procinfo_rss(void);
/* Bytes malloc has handed out and not yet had back. */
size_t	procinfo_heap_in_use(void);

#endif
