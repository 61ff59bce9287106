/*
 * spawn.h - what a worker process is started with: its program and its
 * environment.  Private to pool/.
 */
#ifndef THUMPER_SPAWN_H
#define THUMPER_SPAWN_H

#include <stddef.h>

/*
 * The environment for a new worker: ours without any THUMPER_ variable
 * (every setting reaches the worker in its SETUP frame), plus
 * THUMPER_PARENT_PID, written into PPID (PPIDSZ bytes), which the worker
 * checks before it reads a frame.  Returns a NULL-terminated array that
 * points into environ and PPID; the caller frees the array only.  NULL
 * when out of memory.
 */
char **spawn_env(char *ppid, size_t ppidsz);

#endif
