/*
 * tap.h - TAP output for the C programs among the integration tests
 * (jpeg_quality, tiff_identity, ...): one line per check, the plan last.
 */
#ifndef THUMPER_TAP_H
#define THUMPER_TAP_H

/* Prints "ok N - ..." or "not ok N - ..." for one check. */
void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether every check so far passed. */
int tap_all_ok(void);

/* Prints the plan; returns the exit status: 0 when every check passed. */
int tap_done(void);

#endif
