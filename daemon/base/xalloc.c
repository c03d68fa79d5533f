/* SPDX-License-Identifier: MIT */
/*
 * The one allocator: aborts on exhaustion (tmux's xmalloc.c rule), and in
 * unit-test builds (XALLOC_CMOCKA) goes through cmocka's test_malloc so that
 * every test checks it leaked nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/base/xalloc.h"

#ifdef XALLOC_CMOCKA
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#define raw_malloc(n)		_test_malloc((n), __FILE__, __LINE__)
#define raw_calloc(n, m)	_test_calloc((n), (m), __FILE__, __LINE__)
#define raw_realloc(p, n)	_test_realloc((p), (n), __FILE__, __LINE__)
#define raw_free(p)		_test_free((p), __FILE__, __LINE__)
#else
#define raw_malloc(n)		malloc(n)
#define raw_calloc(n, m)	calloc((n), (m))
#define raw_realloc(p, n)	realloc((p), (n))
#define raw_free(p)		free(p)
#endif

static void __attribute__((noreturn))
xalloc_die(size_t size)
{
	fprintf(stderr, "logpouchd: out of memory allocating %zu bytes\n",
	    size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = raw_malloc(size)) == NULL)
		xalloc_die(size);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = raw_calloc(n, size)) == NULL)
		xalloc_die(n * size);
	return (p);
}

void *
xrealloc(void *old, size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = raw_realloc(old, size)) == NULL)
		xalloc_die(size);
	return (p);
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xalloc_die(SIZE_MAX);
	return (xrealloc(old, n * size));
}

char *
xstrndup(const char *s, size_t max)
{
	size_t	 len = strnlen(s, max);
	char	*p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
xstrdup(const char *s)
{
	return (xstrndup(s, SIZE_MAX));
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 len;
	char	*p;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		xalloc_die(0);
	p = xmalloc((size_t)len + 1);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return (p);
}

void
xfree(void *p)
{
	if (p != NULL)
		raw_free(p);
}

void
xalloc_init_jansson(void)
{
	json_set_alloc_funcs(xmalloc, xfree);
}
