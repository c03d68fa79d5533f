/* SPDX-License-Identifier: MIT */
/*
 * Go's strconv integer and boolean parsing, which dockerd's parameters
 * and log options go through: the same accepted strings and error texts.
 */
#ifndef LP_STRCONV_H
#define LP_STRCONV_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/base/err.h"

/*
 * strconv.Atoi: optional sign, decimal digits, 32-bit range. Errors are
 * ERR_INVALID with Go's text: strconv.Atoi: parsing "x": invalid syntax /
 * value out of range.
 */
int	strconv_atoi(const char *s, int *out, struct err *);
/*
 * strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False.
 * ERR_INVALID with Go's text: strconv.ParseBool: parsing "x": invalid syntax.
 */
int	strconv_parse_bool(const char *s, int *out, struct err *);
/*
 * dockerd's httputils.BoolValue: false iff s is NULL, or after trimming
 * ASCII space "", "0", "no", "false" or "none" (any case); true otherwise.
 */
int	strconv_bool_value(const char *s);
/* strconv.ParseInt(s[:len], 10, 64); 0, or -1 for syntax or range. */
int	strconv_parse_int64(const char *s, size_t len, int64_t *out);
/*
 * go-units RAMInBytes (v0.4.0, dockerd 20.10's max-buffer-size and
 * memory sizes): digits[.digits...] [space] [kKmMgGtTpP][iI][bB], binary
 * multiples (1k = 1024), truncated to an integer. Errors are ERR_INVALID
 * with go-units' text: invalid size: 'x', or strconv.ParseFloat's for
 * "1.2.3" (the pattern allows it, the float parser not). As Go's
 * conversion on amd64, a value past int64 becomes INT64_MIN.
 */
int	strconv_ram_in_bytes(const char *s, int64_t *out, struct err *);
/* go-units FromHumanSize: the same pattern, decimal multiples (1k = 1000). */
int	strconv_from_human_size(const char *s, int64_t *out, struct err *);

#endif
