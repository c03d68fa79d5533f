/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the json-file record decoder. Input is split at '\n'
 * into lines decoded in turn by one decoder (so the attrs cache and the
 * scratch buffers carry over, as in a reader), and by jansson alone. No
 * line may crash either; where both accept a line they must agree field by
 * field (log bytes, stream, time, offset, details).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/log.h"
#include "logdriver/logdecode.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_logline_mismatch(const char *what, const char *line, size_t len)
{
	fprintf(stderr, "fast and jansson decoders disagree on %s for "
	    "line (%zu bytes): %.*s\n", what, len, (int)len, line);
	abort();
}

static void
fuzz_logline_compare(const struct logline *a, const struct logline *b,
    const char *line, size_t len)
{
	if (a->loglen != b->loglen || memcmp(a->log, b->log, a->loglen) != 0)
		fuzz_logline_mismatch("log", line, len);
	if (a->stream != b->stream)
		fuzz_logline_mismatch("stream", line, len);
	if (a->has_time != b->has_time || a->time_ns != b->time_ns ||
	    a->time_off != b->time_off)
		fuzz_logline_mismatch("time", line, len);
	if (a->detailslen != b->detailslen ||
	    memcmp(a->details, b->details, a->detailslen) != 0)
		fuzz_logline_mismatch("details", line, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logdecode	 fast, ref;
	struct logline		 a, b;
	const char		*p = (const char *)data, *end = p + size, *nl;
	int			 ra, rb;

	log_level = LOG_LEVEL_ERROR;
	logdecode_init(&fast);
	logdecode_init(&ref);
	while (p <= end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		ra = logdecode_line(&fast, p, (size_t)(nl - p), &a);
		rb = logdecode_jansson(&ref, p, (size_t)(nl - p), &b);
		if (ra == 0 && rb == 0)
			fuzz_logline_compare(&a, &b, p, (size_t)(nl - p));
		p = nl + 1;
	}
	logdecode_clear(&fast);
	logdecode_clear(&ref);
	return (0);
}
