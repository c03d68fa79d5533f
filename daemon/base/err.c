/* SPDX-License-Identifier: MIT */
/*
 * Error values: fixed buffers, so error paths never allocate (redis anet.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/err.h"

/* "a: b" into err->msg; a long message is cut, which is fine for errors. */
static void
err_join(struct err *err, const char *a, const char *b)
{
	if (snprintf(err->msg, sizeof err->msg, "%s: %s", a, b) >=
	    (int)sizeof err->msg)
		err->msg[sizeof err->msg - 1] = '\0';
}

int
err_set(struct err *err, int code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return (-1);
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
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
	vsnprintf(ctx, sizeof ctx, fmt, ap);
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
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	err->code = saved;
	err_join(err, ctx, strerror(saved));
	errno = saved;
	return (-1);
}
