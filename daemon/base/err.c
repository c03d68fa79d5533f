/* SPDX-License-Identifier: MIT */
/*
 * Error values: fixed buffers, so error paths never allocate (redis anet.c).
 * A text longer than its buffer is cut on a UTF-8 character boundary: a
 * message goes into JSON, where half a character makes it invalid.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/err.h"
#include "daemon/base/utf8.h"

static void	err_vformat(char *, size_t, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/* vsnprintf, but a cut never splits a character. */
static void
err_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int	n = vsnprintf(buf, size, fmt, ap);

	if (n < 0)
		buf[0] = '\0';
	else if ((size_t)n >= size)
		buf[utf8_trim_partial(buf, size - 1)] = '\0';
}

static void
err_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
err_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	err_vformat(buf, size, fmt, ap);
	va_end(ap);
}

/* "a: b" into err->msg; a long message is cut, which is fine for errors. */
static void
err_join(struct err *err, const char *a, const char *b)
{
	err_format(err->msg, sizeof err->msg, "%s: %s", a, b);
}

int
err_set(struct err *err, int code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return (-1);
	err->code = code;
	va_start(ap, fmt);
	err_vformat(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return (-1);
}

int
err_wrap(struct err *err, const char *fmt, ...)
{
	char	ctx[sizeof err->msg], old[sizeof err->msg];
	va_list	ap;

	if (err == NULL)
		return (-1);
	va_start(ap, fmt);
	err_vformat(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	err_join(err, ctx, old);
	return (-1);
}

int
err_errno(struct err *err, const char *fmt, ...)
{
	int	saved = errno;
	char	ctx[sizeof err->msg];
	va_list	ap;

	if (err == NULL)
		return (-1);
	va_start(ap, fmt);
	err_vformat(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	err->code = saved;
	err_join(err, ctx, strerror(saved));
	errno = saved;
	return (-1);
}
