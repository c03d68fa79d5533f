/* SPDX-License-Identifier: MIT */
/*
 * Process figures from /proc and the allocator; cheap enough for /info.
 */
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

#include "daemon/base/procinfo.h"

int
procinfo_open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	int		 n = 0;

	if (d == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n - 1);		/* not counting the DIR's own fd */
}

size_t
procinfo_rss(void)
{
	FILE		*fp = fopen("/proc/self/statm", "r");
	unsigned long	 size, resident = 0;

	if (fp == NULL)
		return (0);
	if (fscanf(fp, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(fp);
	return ((size_t)resident * (size_t)sysconf(_SC_PAGESIZE));
}

size_t
procinfo_heap_in_use(void)
{
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}
