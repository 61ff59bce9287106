/*
 * testutil.h - what the Check unit tests share: running a suite, removing
 * the temporary folders they work in, and stand-in worker processes.
 */
#ifndef THUMPER_TESTUTIL_H
#define THUMPER_TESTUTIL_H

#include <check.h>
#include <sys/types.h>

/* Runs every test of S; returns the exit status: 0 when none failed. */
int testutil_run(Suite *s);

/* rm -rf DIR without following links.  Returns 0 or -1 (errno set). */
int testutil_rmtree(const char *dir);

/*
 * A child process named thumper-worker (what a walk takes for a live
 * writer of temporaries) until *KILL_FD is closed; reap it after.
 */
pid_t testutil_fake_worker(int *kill_fd);

/* The pid of a process that has come and gone. */
pid_t testutil_dead_pid(void);

#endif
