/*
 * format.c - numbers, durations and dates as thumperctl shows them to
 * people (see format.h).
 *
 * Every value comes from the daemon's reply and may be anything a JSON
 * number can be, so each formatter clamps NaN, infinities and huge values
 * before converting; none of them can overflow its 32-byte buffer.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/escape.h"
#include "ctl/format.h"

void fmt_label(const char *name)
{
	printf("%-*s ", FMT_LABEL_WIDTH, name);
}

const char *fmt_count(double v, char buf[32])
{
	char digits[32];
	size_t n, o = 0;

	if (!(fabs(v) < 1e18)) {
		snprintf(buf, 32, "%g", v);
		return buf;
	}
	n = (size_t)snprintf(digits, sizeof(digits), "%lld", llround(v));
	for (size_t i = 0; i < n; i++) {
		buf[o++] = digits[i];
		if (digits[i] != '-' && i + 1 < n && (n - 1 - i) % 3 == 0)
			buf[o++] = ',';
	}
	buf[o] = '\0';
	return buf;
}

const char *fmt_duration_ms(double ms, char buf[32])
{
	double s = ms / 1000;

	if (!(s >= 0 && s < 1e12))
		s = 0;
	if (s < 10)
		snprintf(buf, 32, "%.1f s", s);
	else if (s < 60)
		snprintf(buf, 32, "%.0f s", floor(s));
	else if (s < 3600)
		snprintf(buf, 32, "%.0fm %02.0fs", floor(s / 60),
			 floor(fmod(s, 60)));
	else
		snprintf(buf, 32, "%.0fh %02.0fm", floor(s / 3600),
			 floor(fmod(s, 3600) / 60));
	return buf;
}

const char *fmt_uptime(double s, char buf[32])
{
	if (!(s >= 0 && s < 1e12))
		s = 0;
	s = floor(s);
	if (s < 60)
		snprintf(buf, 32, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, 32, "%.0fm %.0fs", floor(s / 60), fmod(s, 60));
	else if (s < 86400)
		snprintf(buf, 32, "%.0fh %.0fm", floor(s / 3600),
			 floor(fmod(s, 3600) / 60));
	else
		snprintf(buf, 32, "%.0fd %.0fh", floor(s / 86400),
			 floor(fmod(s, 86400) / 3600));
	return buf;
}

const char *fmt_millis(double v, char buf[32])
{
	if (v >= 0 && v < 10 && v != floor(v)) {
		snprintf(buf, 32, "%.1f ms", v);
		return buf;
	}
	fmt_count(v, buf);
	strcat(buf, " ms");
	return buf;
}

const char *fmt_when(double t, char buf[32])
{
	time_t tt;
	struct tm tm;

	if (!(t > 0 && t < 1e11))
		return "-";
	tt = (time_t)t;
	if (!localtime_r(&tt, &tm) ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return "-";
	return buf;
}

void fmt_say_path(const char *before, const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "thumperctl: %s", before);
	escape_text(stderr, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
