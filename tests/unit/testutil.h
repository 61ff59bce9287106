/*
 * testutil.h - what the Check unit tests share: running a suite and
 * removing the temporary folders they work in.
 */
#ifndef THUMPER_TESTUTIL_H
#define THUMPER_TESTUTIL_H

#include <check.h>

/* Runs every test of S; returns the exit status: 0 when none failed. */
int testutil_run(Suite *s);

/* rm -rf DIR without following links.  Returns 0 or -1 (errno set). */
int testutil_rmtree(const char *dir);

#endif
