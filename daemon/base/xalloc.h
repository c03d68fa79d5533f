/* SPDX-License-Identifier: MIT */
/*
 * Allocation that never returns NULL: out of memory aborts. Unit-test builds
 * route these through cmocka's checked allocator, so a test that leaves a
 * block behind fails. Memory from xmalloc is freed with xfree, never free().
 */
#ifndef LP_XALLOC_H
#define LP_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));
void	 xfree(void *);

/*
 * Grows *bufp (of *capp bytes) to at least need bytes, doubling from 256,
 * keeping the contents. Inline: decoders call it on every line, and it
 * nearly always returns at once.
 */
static inline void
xgrow(char **bufp, size_t *capp, size_t need)
{
	size_t	cap = *capp;

	if (need <= cap)
		return;
	if (cap < 256)
		cap = 256;
	while (cap < need)
		cap *= 2;
	*bufp = xrealloc(*bufp, cap);
	*capp = cap;
}

/* Makes jansson allocate through xmalloc/xfree (checked in unit tests). */
void	 xalloc_init_jansson(void);

#endif
