/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the logs query parameters. since/until
 * (logs_parse_time), tail (logs_parse_tail) and dockerd's boolean rule
 * (strconv_bool_value) on arbitrary strings: no crash, no undefined behaviour
 * (overflow in the seconds/fraction arithmetic is what UBSan watches), and
 * a few invariants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "api/logs.h"
#include "daemon/base/strconv.h"
#include "daemon/base/err.h"
#include "daemon/base/log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s = malloc(size + 1);
	struct err	 err = { 0 };
	int64_t		 ns = 0, tail;
	int		 rc, b;

	log_level = LOG_LEVEL_ERROR;
	memcpy(s, data, size);
	s[size] = '\0';		/* query values are C strings */

	rc = logs_parse_time("since", s, &ns, &err);
	if (rc != 0 && (err.code != ERR_INVALID || err.msg[0] == '\0'))
		abort();
	if (rc != 0 && strlen(err.msg) >= sizeof err.msg)
		abort();

	tail = logs_parse_tail(s);
	if (tail < -1)
		abort();
	if (logs_parse_tail(NULL) != -1)
		abort();

	b = strconv_bool_value(s);
	if (b != 0 && b != 1)
		abort();
	/* Absent is false; so are the spellings dockerd lists. */
	if (strconv_bool_value(NULL) != 0 || strconv_bool_value("") != 0 ||
	    strconv_bool_value(" FaLsE\t") != 0 || strconv_bool_value("1") != 1)
		abort();
	free(s);
	return (0);
}
