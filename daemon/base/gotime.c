/* SPDX-License-Identifier: MIT */
/*
 * Go's duration and the timestamp shapes of dockerd's api/types/time,
 * parsed by walking the same layouts Go's time.Parse walks, so that both
 * what is accepted and the error texts match.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/base/gotime.h"

#define NS_PER_S	1000000000LL


/* v / 10^prec as ".12" after the integer, trailing zeros and point dropped. */
static char *
gotime_frac(char *p, uint64_t *v, int prec)
{
	char	digits[9];
	int	n = 0, i;

	for (i = 0; i < prec; i++) {
		digits[i] = (char)('0' + *v % 10);
		*v /= 10;
	}
	/* digits[0] is the last digit: skip the zeros that end it. */
	while (n < prec && digits[n] == '0')
		n++;
	if (n == prec)
		return (p);
	*p++ = '.';
	for (i = prec - 1; i >= n; i--)
		*p++ = digits[i];
	return (p);
}

void
gotime_duration_string(char *buf, int64_t ns)
{
	uint64_t	 u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	uint64_t	 whole, frac;
	char		 f[16], *q;
	const char	*unit;
	int		 prec, n;

	if (u == 0) {
		strcpy(buf, "0s");
		return;
	}
	if (u < (uint64_t)NS_PER_S) {
		prec = u < 1000 ? 0 : u < 1000000 ? 3 : 6;
		unit = u < 1000 ? "ns" : u < 1000000 ? "\xc2\xb5s" : "ms";
	} else {
		prec = 9;
		unit = "s";
	}
	frac = u;
	q = gotime_frac(f, &frac, prec);
	*q = '\0';
	whole = frac;
	n = snprintf(buf, GOTIME_DURATION_BUFSZ, "%s", ns < 0 ? "-" : "");
	if (prec == 9) {
		if (whole >= 3600)
			n += snprintf(buf + n, GOTIME_DURATION_BUFSZ - (size_t)n,
			    "%lluh", (unsigned long long)(whole / 3600));
		if (whole >= 60)
			n += snprintf(buf + n, GOTIME_DURATION_BUFSZ - (size_t)n,
			    "%llum", (unsigned long long)(whole / 60 % 60));
		whole %= 60;
	}
	snprintf(buf + n, GOTIME_DURATION_BUFSZ - (size_t)n, "%llu%s%s",
	    (unsigned long long)whole, f, unit);
}

int
gotime_duration(const char *s, int64_t *ns, struct err *err)
{
	static const struct {
		const char	*name;
		int64_t		 ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", NS_PER_S },
		{ "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
	};
	const char	*p = s, *u;
	double		 total = 0;
	int		 neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ns = 0;
		return (0);
	}
	if (*p == '\0')
		return (err_set(err, ERR_INTERNAL, "time: invalid duration "
		    "\"%s\"", s));
	while (*p != '\0') {
		double	 v = 0, scale = 1;
		int	 digits = 0;
		size_t	 ulen, i;

		for (; isdigit((unsigned char)*p); p++, digits++)
			v = v * 10 + (*p - '0');
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++, digits++) {
				scale /= 10;
				v += (*p - '0') * scale;
			}
		}
		if (digits == 0)
			return (err_set(err, ERR_INTERNAL, "time: invalid "
			    "duration \"%s\"", s));
		for (u = p; *p != '\0' && *p != '.' &&
		    !isdigit((unsigned char)*p); p++)
			;
		ulen = (size_t)(p - u);
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			if (strlen(units[i].name) == ulen &&
			    memcmp(units[i].name, u, ulen) == 0)
				break;
		}
		if (ulen == 0)
			return (err_set(err, ERR_INTERNAL, "time: missing "
			    "unit in duration \"%s\"", s));
		if (i == sizeof units / sizeof units[0]) {
			char	unit[64];

			snprintf(unit, sizeof unit, "%.*s", (int)ulen, u);
			return (err_set(err, ERR_INTERNAL, "time: unknown "
			    "unit \"%s\" in duration \"%s\"", unit, s));
		}
		total += v * (double)units[i].ns;
		if (total > 9.2e18)	/* Go: invalid duration (overflow) */
			return (err_set(err, ERR_INTERNAL, "time: invalid "
			    "duration \"%s\"", s));
	}
	*ns = (int64_t)(neg ? -total : total);
	return (0);
}

/* The parts a layout fills; zone_set: the value carried its own zone. */
struct gotime_parts {
	int	year, mon, day, hour, min, sec, zone_set, zone_off;
	long	nsec;
};

static int
gotime_digits(const char **v, int n, int *out)
{
	int	x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*v)[i]))
			return (-1);
		x = x * 10 + ((*v)[i] - '0');
	}
	*v += n;
	*out = x;
	return (0);
}

static int
gotime_days_in(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return (29);
	return (days[mon - 1]);
}

/*
 * time.Parse for layouts made of 2006 01 02 15 04 05 .999999999 Z07:00
 * and literals. 0, or -1 with Go's ParseError text in err.
 */
static int
gotime_parse(const char *layout, const char *value, struct gotime_parts *t,
    struct err *err)
{
	static const char *const std[] = { "2006", "01", "02", "15", "04",
	    "05", ".999999999", "Z07:00" };
	const char	*l = layout, *v = value, *elem, *start;
	int		 k, *field, h, m;
	const char	*range_what;
	char		 lit[2] = { 0, 0 };

	memset(t, 0, sizeof *t);
	t->mon = t->day = 1;
	while (*l != '\0') {
		for (k = 0; k < 8; k++)
			if (strncmp(l, std[k], strlen(std[k])) == 0)
				break;
		if (k == 8) {	/* a literal byte */
			if (*v != *l) {
				lit[0] = *l;
				elem = lit;
				goto cannot;
			}
			l++;
			v++;
			continue;
		}
		elem = std[k];
		l += strlen(std[k]);
		field = k == 0 ? &t->year : k == 1 ? &t->mon : k == 2 ?
		    &t->day : k == 3 ? &t->hour : k == 4 ? &t->min : &t->sec;
		if (k <= 5) {
			/* Go's hour (15) may have one digit, the rest not. */
			if (gotime_digits(&v, k == 0 ? 4 : k == 3 &&
			    isdigit((unsigned char)v[0]) &&
			    !isdigit((unsigned char)v[1]) ? 1 : 2, field) != 0)
				goto cannot;
			range_what = k == 1 && (*field < 1 || *field > 12) ?
			    "month" : k == 2 && *field > 31 ? "day" : k == 3 &&
			    *field > 23 ? "hour" : k == 4 && *field > 59 ?
			    "minute" : k == 5 && *field > 59 ? "second" : NULL;
			if (range_what != NULL)
				return (err_set(err, ERR_INTERNAL, "parsing "
				    "time \"%s\": %s out of range", value,
				    range_what));
			continue;
		}
		if (k == 6) {	/* an optional fraction, any length */
			long	scale = NS_PER_S / 10;

			if (*v != '.' || !isdigit((unsigned char)v[1]))
				continue;
			for (v++; isdigit((unsigned char)*v); v++) {
				t->nsec += (*v - '0') * scale;
				scale /= 10;
			}
			continue;
		}
		if (*v == 'Z') {	/* Z07:00 */
			v++;
			t->zone_set = 1;
			continue;
		}
		start = v;
		if ((*v != '+' && *v != '-') || (v++, gotime_digits(&v, 2, &h))
		    != 0 || *v++ != ':' || gotime_digits(&v, 2, &m) != 0) {
			v = start;
			goto cannot;
		}
		t->zone_set = 1;
		t->zone_off = (v[-6] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	}
	if (*v != '\0')
		return (err_set(err, ERR_INTERNAL, "parsing time \"%s\": extra "
		    "text: \"%s\"", value, v));
	if (t->day < 1 || t->day > gotime_days_in(t->year, t->mon))
		return (err_set(err, ERR_INTERNAL, "parsing time \"%s\": day "
		    "out of range", value));
	return (0);
cannot:
	return (err_set(err, ERR_INTERNAL, "parsing time \"%s\" as \"%s\": "
	    "cannot parse \"%s\" as \"%s\"", value, layout, v, elem));
}

/* ParseTimestamps' shape: digits, an optional fraction of digits. */
static int
gotime_unix(const char *v, int64_t *ns)
{
	char		*end;
	long long	 sec;
	long		 nsec = 0, scale = NS_PER_S / 10;

	if (*v == '\0')
		return (-1);
	sec = strtoll(v, &end, 10);
	if (end == v || (*end != '\0' && *end != '.'))
		return (-1);
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++) {
			nsec += (*end - '0') * scale;
			scale /= 10;
		}
		if (*end != '\0')
			return (-1);
	}
	*ns = (int64_t)sec * NS_PER_S + (sec < 0 ? -nsec : nsec);
	return (0);
}

int
gotime_timestamp(const char *value, int64_t now_ns, int64_t *ns,
    struct err *err)
{
	struct gotime_parts	 t;
	struct tm		 tm, lt;
	const char		*layout, *colon;
	int64_t			 d, secs;
	time_t			 now = (time_t)(now_ns / NS_PER_S);
	int			 local, tcolons = 0;
	struct err		 perr;

	if (strcmp(value, "0") != 0 && gotime_duration(value, &d, NULL) == 0) {
		secs = now_ns - d;
		/* Unix(): whole seconds, rounded down. */
		*ns = (secs / NS_PER_S - (secs % NS_PER_S < 0)) * NS_PER_S;
		return (0);
	}
	local = strpbrk(value, "zZ+") == NULL;
	for (const char *p = value, *q; (q = strchr(p, '-')) != NULL; p = q + 1)
		tcolons++;
	if (tcolons == 3)
		local = 0;
	tcolons = 0;
	for (colon = value; (colon = strchr(colon, ':')) != NULL; colon++)
		tcolons++;
	if (strchr(value, '.') != NULL)
		layout = local ? "2006-01-02T15:04:05.999999999" :
		    "2006-01-02T15:04:05.999999999Z07:00";
	else if (strchr(value, 'T') != NULL) {
		if (!local && strpbrk(value, "zZ") == NULL && tcolons > 0)
			tcolons--;
		layout = tcolons == 0 ? (local ? "2006-01-02T15" :
		    "2006-01-02T15Z07:00") : tcolons == 1 ? (local ?
		    "2006-01-02T15:04" : "2006-01-02T15:04Z07:00") : (local ?
		    "2006-01-02T15:04:05" : "2006-01-02T15:04:05Z07:00");
	} else
		layout = local ? "2006-01-02" : "2006-01-02Z07:00";
	if (gotime_parse(layout, value, &t, &perr) != 0) {
		if (strchr(value, '-') != NULL)
			return (err_set(err, perr.code, "%s", perr.msg));
		if (gotime_unix(value, ns) != 0)
			return (err_set(err, ERR_INTERNAL, "failed to parse "
			    "value as time or duration: \"%s\"", value));
		return (0);
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = t.year - 1900;
	tm.tm_mon = t.mon - 1;
	tm.tm_mday = t.day;
	tm.tm_hour = t.hour;
	tm.tm_min = t.min;
	tm.tm_sec = t.sec;
	secs = (int64_t)timegm(&tm);
	/* Go: time.FixedZone(reference.Zone()), the zone now has. */
	if (!t.zone_set && localtime_r(&now, &lt) != NULL)
		t.zone_off = (int)lt.tm_gmtoff;
	*ns = (secs - t.zone_off) * NS_PER_S + t.nsec;
	return (0);
}
