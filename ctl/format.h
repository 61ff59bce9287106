/*
 * format.h - how thumperctl writes for people: aligned labels, counts,
 * durations and dates, and error messages that name a path.
 *
 * The fmt_* value formatters write into the caller's 32-byte BUF and
 * return it (or a static string); they never fail, and print something
 * harmless for absurd values from a daemon (NaN, infinities, 1e300).
 */
#ifndef THUMPER_CTL_FORMAT_H
#define THUMPER_CTL_FORMAT_H

#define FMT_LABEL_WIDTH 10	/* labels are padded to this, plus a space */
#define FMT_LINE_WIDTH 80

/* NAME padded to FMT_LABEL_WIDTH and a space, on stdout. */
void fmt_label(const char *name);

/* V rounded, with thousands separators ("1,204"); "%g" when absurd. */
const char *fmt_count(double v, char buf[32]);

/* Milliseconds: "0.3 s", "12 s", "4m 05s", "2h 10m". */
const char *fmt_duration_ms(double ms, char buf[32]);

/* Seconds of uptime: "42s", "5m 3s", "3h 12m", "2d 5h". */
const char *fmt_uptime(double s, char buf[32]);

/* Milliseconds of latency: "14 ms", "1.5 ms", "1,200 ms". */
const char *fmt_millis(double v, char buf[32]);

/* Seconds since the epoch as local "YYYY-MM-DD HH:MM:SS", or "-". */
const char *fmt_when(double t, char buf[32]);

/* "thumperctl: BEFORE<PATH escaped><FMT...>\n" on stderr. */
__attribute__((format(printf, 3, 4)))
void fmt_say_path(const char *before, const char *path, const char *fmt, ...);

#endif
