/* SPDX-License-Identifier: MIT */
/*
 * Go-compatible time strings. Hand-written because strftime cannot trim
 * fraction digits and the log path formats one per line.
 */
#include <string.h>
#include <time.h>

#include "daemon/base/timeutil.h"

int64_t
timeutil_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int64_t
timeutil_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void
timeutil_civil(int64_t days, int *y, int *m, int *d)
{
	int64_t		era, yoe, doy, mp, z = days + 719468;
	unsigned	doe;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t
timeutil_days(int y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static char *
timeutil_put(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return (p + width);
}

size_t
timeutil_format(char *buf, int64_t ns, int fixed9)
{
	int64_t	 secs, days, sod;
	int	 y, mo, d, frac;
	char	*p = buf;

	secs = ns / 1000000000;
	frac = (int)(ns % 1000000000);
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	timeutil_civil(days, &y, &mo, &d);
	p = timeutil_put(p, y, 4);
	*p++ = '-';
	p = timeutil_put(p, mo, 2);
	*p++ = '-';
	p = timeutil_put(p, d, 2);
	*p++ = 'T';
	p = timeutil_put(p, (int)(sod / 3600), 2);
	*p++ = ':';
	p = timeutil_put(p, (int)(sod / 60 % 60), 2);
	*p++ = ':';
	p = timeutil_put(p, (int)(sod % 60), 2);
	if (fixed9 || frac != 0) {
		*p++ = '.';
		p = timeutil_put(p, frac, 9);
		if (!fixed9)
			while (p[-1] == '0')
				p--;
	}
	*p++ = 'Z';
	*p = '\0';
	return ((size_t)(p - buf));
}

static int
timeutil_digits(const char *s, size_t n, int *out)
{
	int	v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}


size_t
timeutil_format_local(char *buf, int64_t ns)
{
	struct tm	tm;
	time_t		secs = (time_t)(ns / 1000000000);
	long		off = 0;
	size_t		n;

	if (localtime_r(&secs, &tm) != NULL)
		off = tm.tm_gmtoff;
	n = timeutil_format(buf, ns + (int64_t)off * 1000000000, 0);
	if (off == 0)
		return (n);
	n--;				/* the 'Z' */
	buf[n++] = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	buf = timeutil_put(buf + n, (int)(off / 3600), 2);
	*buf++ = ':';
	buf = timeutil_put(buf, (int)(off / 60 % 60), 2);
	*buf = '\0';
	return (n + 5);
}

int
timeutil_parse(const char *s, size_t len, int64_t *ns, int *off)
{
	int	y, mo, d, h, mi, sec, oh, om, frac = 0, sign;
	int64_t	secs;
	size_t	i, nd;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return (-1);
	if (timeutil_digits(s, 4, &y) || timeutil_digits(s + 5, 2, &mo) ||
	    timeutil_digits(s + 8, 2, &d) || timeutil_digits(s + 11, 2, &h) ||
	    timeutil_digits(s + 14, 2, &mi) || timeutil_digits(s + 17, 2, &sec))
		return (-1);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return (-1);
	i = 19;
	if (i < len && s[i] == '.') {
		i++;
		for (nd = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		}
		if (nd == 0)
			return (-1);
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (i == len - 1 && (s[i] == 'Z' || s[i] == 'z')) {
		oh = om = 0;
		sign = 1;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
	    s[i + 3] == ':') {
		sign = s[i] == '-' ? -1 : 1;
		if (timeutil_digits(s + i + 1, 2, &oh) ||
		    timeutil_digits(s + i + 4, 2, &om))
			return (-1);
	} else
		return (-1);
	secs = (timeutil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
	    sign * (oh * 3600 + om * 60);
	/* int64 nanoseconds end in 1677 and 2262: saturate, as since= does. */
	if (secs > INT64_MAX / 1000000000 - 1)
		*ns = INT64_MAX;
	else if (secs < INT64_MIN / 1000000000 + 1)
		*ns = INT64_MIN + 1;	/* INT64_MIN is LOGLINE_NO_TIME */
	else
		*ns = secs * 1000000000 + frac;
	if (off != NULL)
		*off = sign * (oh * 3600 + om * 60);
	return (0);
}
