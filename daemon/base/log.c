/* SPDX-License-Identifier: MIT */
/*
 * Daemon log: one logfmt line per message, func name first in msg, quotes
 * and control bytes escaped so container output can never forge a line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/base/log.h"
#include "daemon/base/timeutil.h"

enum log_level	 log_level = LOG_LEVEL_INFO;
static FILE	*log_fp;

static const char *log_names[] = {
	"fatal", "error", "warning", "info", "debug"
};

const char *
log_level_name(enum log_level lvl)
{
	return (log_names[lvl]);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	if (strcmp(s, "warn") == 0) {
		*out = LOG_LEVEL_WARN;
		return (0);
	}
	return (-1);
}

static void
log_write(enum log_level lvl, const char *func, const char *fmt, va_list ap)
{
	char	 msg[2048], line[4608], ts[TIMEUTIL_BUFSZ];
	char	*p = line, *end = line + sizeof line - 3;
	FILE	*fp = log_fp != NULL ? log_fp : stderr;

	vsnprintf(msg, sizeof msg, fmt, ap);
	timeutil_format(ts, timeutil_now_ns(), 0);
	p += snprintf(p, (size_t)(end - p), "time=\"%s\" level=%s msg=\"", ts,
	    log_names[lvl]);
	if (func != NULL)
		p += snprintf(p, (size_t)(end - p), "%s: ", func);
	for (const unsigned char *s = (const unsigned char *)msg;
	    *s != '\0' && p < end - 4; s++) {
		if (*s == '"' || *s == '\\') {
			*p++ = '\\';
			*p++ = (char)*s;
		} else if (*s < 0x20 || *s == 0x7f)
			p += snprintf(p, 5, "\\x%02x", *s);
		else
			*p++ = (char)*s;
	}
	*p++ = '"';
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), fp);
	fflush(fp);
}

void
log_msg(enum log_level lvl, const char *func, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_write(lvl, func, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_write(LOG_LEVEL_FATAL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

static void
log_event_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("libevent: %s", msg);
		break;
	default:
		log_error("libevent: %s", msg);
		break;
	}
}

void
log_open(FILE *fp, enum log_level lvl)
{
	log_fp = fp;
	log_level = lvl;
	event_set_log_callback(log_event_cb);
}
