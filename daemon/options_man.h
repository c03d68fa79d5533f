/* SPDX-License-Identifier: MIT */
/*
 * logpouchd(8) and logpouch.json(5) in roff, written from the options
 * table (options_table.h) by `logpouchd --man=8|5` at build time.
 */
#ifndef LP_OPTIONS_MAN_H
#define LP_OPTIONS_MAN_H

#include <stdio.h>

/*
 * Writes the page of section 8 (logpouchd) or 5 (logpouch.json) on fp.
 * Returns 0, or -1 for another section or a failed write.
 */
int	options_man_write(FILE *fp, int section, const char *version);

#endif
