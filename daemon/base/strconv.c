/* SPDX-License-Identifier: MIT */
/*
 * Integer and boolean parsing with Go's rules: strtol accepts leading
 * spaces and hexadecimal prefixes that Go refuses, so the digits are
 * checked here.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/base/strconv.h"

int
strconv_atoi(const char *s, int *out, struct err *err)
{
	const char	*p = s != NULL ? s : "";
	long long	 v = 0;
	int		 neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '\0')
		goto syntax;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto syntax;
		v = v * 10 + (*p - '0');
		if (v > 2147483647LL + neg)
			return (err_set(err, ERR_INVALID, "strconv.Atoi: "
			    "parsing \"%s\": value out of range", s));
	}
	*out = (int)(neg ? -v : v);
	return (0);
syntax:
	return (err_set(err, ERR_INVALID, "strconv.Atoi: parsing \"%s\": "
	    "invalid syntax", s != NULL ? s : ""));
}

int
strconv_parse_bool(const char *s, int *out, struct err *err)
{
	static const char *t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *f[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcmp(s, t[i]) == 0)
			return (*out = 1, 0);
		if (strcmp(s, f[i]) == 0)
			return (*out = 0, 0);
	}
	return (err_set(err, ERR_INVALID, "strconv.ParseBool: parsing \"%s\": "
	    "invalid syntax", s));
}

int
strconv_parse_int64(const char *s, size_t len, int64_t *out)
{
	char		 buf[32], *end;
	long long	 v;
	size_t		 i = 0;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '+' || buf[0] == '-')
		i = 1;
	if (buf[i] < '0' || buf[i] > '9')
		return (-1);
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || errno != 0)
		return (-1);
	*out = v;
	return (0);
}

int
strconv_bool_value(const char *v)
{
	const char	*s, *e;
	size_t		 n;
	static const char *falsy[] = { "", "0", "no", "false", "none" };

	if (v == NULL)
		return (0);
	for (s = v; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	n = (size_t)(e - s);
	for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++) {
		if (strlen(falsy[i]) == n && strncasecmp(s, falsy[i], n) == 0)
			return (0);
	}
	return (1);
}

/*
 * go-units' size pattern, digits[.digits...] [space] [kKmMgGtTpP][iI][bB],
 * in multiples of base (1000: FromHumanSize, 1024: RAMInBytes), as Go's
 * float; the errors of both.
 */
static int
strconv_go_size(const char *s, double base, double *out, struct err *err)
{
	static const char	 units[] = "kmgtp";
	const char		*p = s, *u;
	char			 num[400];
	double			 v;
	size_t			 n, digits;
	int			 dots = 0;

	if (!isdigit((unsigned char)*p))
		goto bad;
	while (isdigit((unsigned char)*p) || (*p == '.' &&
	    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[-1])))
		dots += *p++ == '.';
	n = digits = (size_t)(p - s);
	if (*p == ' ')
		p++;
	u = *p != '\0' ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (u != NULL)
		p++;
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0')
		goto bad;
	if (dots > 1)
		return (err_set(err, ERR_INVALID, "strconv.ParseFloat: "
		    "parsing \"%.*s\": invalid syntax", (int)n, s));
	/* Past 400 digits the value is far beyond int64 anyway. */
	if (n >= sizeof num)
		n = sizeof num - 1;
	memcpy(num, s, n);
	num[n] = '\0';
	v = strtod(num, NULL);
	if (isinf(v))
		return (err_set(err, ERR_INVALID, "strconv.ParseFloat: "
		    "parsing \"%.*s\": value out of range", (int)digits, s));
	if (u != NULL)
		v *= pow(base, (double)(u - units + 1));
	*out = v;
	return (0);
bad:
	return (err_set(err, ERR_INVALID, "invalid size: '%s'", s));
}

/* As Go's conversion on amd64: a value past int64 becomes INT64_MIN. */
static int64_t
strconv_go_int64(double v)
{
	return (v < 9223372036854775808.0 ? (int64_t)v : INT64_MIN);
}

int
strconv_ram_in_bytes(const char *s, int64_t *out, struct err *err)
{
	double	v;

	if (strconv_go_size(s, 1024, &v, err) != 0)
		return (-1);
	*out = strconv_go_int64(v);
	return (0);
}

int
strconv_from_human_size(const char *s, int64_t *out, struct err *err)
{
	double	v;

	if (strconv_go_size(s, 1000, &v, err) != 0)
		return (-1);
	*out = strconv_go_int64(v);
	return (0);
}
