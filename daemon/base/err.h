/* SPDX-License-Identifier: MIT */
/*
 * Errors without allocation: a caller-owned struct err carries a code (an
 * errno or an ERR_* value) and a message; only api/ maps codes to HTTP.
 */
#ifndef LP_ERR_H
#define LP_ERR_H

enum {
	ERR_INVALID = 1000,	/* bad input from the client: 400 */
	ERR_NOT_FOUND,		/* 404 */
	ERR_CONFLICT,		/* 409 */
	ERR_NOT_MODIFIED,	/* 304 */
	ERR_AMBIGUOUS,		/* dockerd answers 500 for this */
	ERR_NOT_IMPLEMENTED,	/* 501 */
	ERR_INTERNAL,		/* 500 */
};

struct err {
	int	code;
	char	msg[256];
};

/* Sets code and message; returns -1 so callers can "return err_set(...)". */
int	err_set(struct err *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Prefixes the message with context ("open x: old message"); returns -1. */
int	err_wrap(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Sets the code to errno and the message to "<context>: strerror". */
int	err_errno(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
