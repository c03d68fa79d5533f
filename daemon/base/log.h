/* SPDX-License-Identifier: MIT */
/*
 * The daemon's own log, on stderr in dockerd's logfmt shape:
 *   time="2026-11-27T02:54:18.123456789Z" level=info msg="..."
 * Macros test the level before evaluating their arguments.
 */
#ifndef LP_LOG_H
#define LP_LOG_H

#include <stdio.h>

enum log_level {
	LOG_LEVEL_FATAL,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

extern enum log_level log_level;

/* Returns 0 and sets *out for "debug", "info", "warn", "error", "fatal". */
int	log_level_parse(const char *, enum log_level *out);
const char *log_level_name(enum log_level);
/* Sends our log (and libevent's) to fp; NULL means stderr. */
void	log_open(FILE *fp, enum log_level);
void	log_msg(enum log_level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#define log_at(lvl, ...) do {						\
	if (log_level >= (lvl))						\
		log_msg((lvl), __func__, __VA_ARGS__);			\
} while (0)
#define log_debug(...)	log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)	log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...)	log_at(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
