/*
 * ctest.h - what the C programs among the integration tests share: TAP
 * lines, a temporary folder removed when every test passed, reading a
 * whole file.
 */
#ifndef THUMPER_CTEST_H
#define THUMPER_CTEST_H

#include <stddef.h>
#include <stdint.h>

/* Prints "ok N - ..." or "not ok N - ..." and counts a failure. */
void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "ok N - # SKIP ...": a test that cannot run here. */
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Makes the temporary folder (/tmp/thumper-NAME.XXXXXX) into DIR, with an
 * "out" folder inside.  Returns 0, or -1 after printing a TAP skip-all.
 */
int ctest_tmpdir(const char *name, char *dir, size_t dirsz);

/*
 * Prints the plan; removes DIR when every test passed, else names it.
 * Returns the exit status: 0 (the TAP lines carry the failures).
 */
int ctest_done(const char *dir);

/* The whole file PATH, malloc'd, its size in *LEN; NULL when unreadable. */
uint8_t *ctest_slurp(const char *path, size_t *len);

#endif
