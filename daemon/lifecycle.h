/*
 * lifecycle.h - thumperd's start, reload and stop (design.md §5, §8).
 *
 * For main and the control commands only: the modules lifecycle.c wires
 * together never call back into it.
 */
#ifndef THUMPER_LIFECYCLE_H
#define THUMPER_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "daemon/daemon.h"
#include "lib/config.h"

/*
 * daemon_start() takes CFG over (heap-allocated) and returns 0 or -errno
 * (logged, and the exit code is then 1); either way daemon_stop() then
 * closes whatever it opened, STOPPED_CB(D, DATA) is called once all is
 * closed and the loop runs out; daemon_free() after the loop.
 * daemon_reload() returns 0 (the reload runs), or -1 with why in err
 * (the running config stays).
 */
int daemon_start(struct daemon *d, uv_loop_t *loop, struct config *cfg,
		 bool debug, daemon_stopped_cb stopped_cb, void *data);
int daemon_reload(struct daemon *d, char *err, size_t errsz);
void daemon_stop(struct daemon *d);
void daemon_free(struct daemon *d);

/* What main exits with: 0, or 1 after a failure. */
int daemon_exit_code(const struct daemon *d);

/*
 * Root I was gone: if its folder is back, watches it, recycles the
 * workers (their sandbox could not include it) and walks it.  Returns
 * true when it came back now.
 */
bool daemon_root_back(struct daemon *d, int i);

#endif
