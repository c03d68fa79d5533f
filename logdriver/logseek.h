/* SPDX-License-Identifier: MIT */
/*
 * Log seek: where a read with since begins, found by bisecting the files of
 * a snapshot on byte offsets instead of decoding every entry before it.
 * json-file entries of one container are written in time order; where the
 * probes see otherwise, the caller reads from the start as before.
 */
#ifndef LP_LOGSEEK_H
#define LP_LOGSEEK_H

#include <stdint.h>

struct logdecode;
struct logfile;

/* What one seek did: for the debug log and the tests. */
struct logseek_stats {
	int		 probes;	/* pread(2) calls */
	int64_t		 bytes;		/* bytes they read */
	int		 samples;	/* timed entries checked for order */
	const char	*why;		/* static; set when it returns -1 */
};

/*
 * Finds where to begin reading files[0..n) (oldest first, each up to its
 * size0, through its fd) for the entries with a time at or after since_ns:
 * file *file at offset *off, the start of a line, before which every
 * entry that decodes has a time before since_ns, so reading from there
 * with the since filter sends what reading from the start would. Reads at
 * most a few KiB per probe and O(log size) probes; dec is scratch space.
 * Returns 0, or -1 (why in st) when it cannot vouch for the answer: the
 * entries it decoded are out of time order, a read failed or came back
 * short, a line is longer than it reads, or it read too much in all; then
 * the caller reads from the start.
 */
int	logseek_since(const struct logfile *files, int n, int64_t since_ns,
	    struct logdecode *dec, int *file, int64_t *off,
	    struct logseek_stats *st);

#endif
