/*
 * stream.h - thumperctl's stream commands (design.md §7): `wait`, which
 * returns once sources are thumbnailed, and `events`, which follows the
 * daemon's event records.  Both keep their connection open.
 */
#ifndef THUMPER_CTL_STREAM_H
#define THUMPER_CTL_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#define EXIT_TIMEOUT 4		/* wait: the timeout passed first */

/*
 * Waits on SOCK for PATHS[0..n) (absolute, normalised, no newline) until
 * TIMEOUT_MS (-1: none).  Prints each thumbnail path (with JSON: each
 * answer as it came).  Returns 0 all done, EXIT_REFUSED one failed,
 * EXIT_USAGE one refused, EXIT_UNREACHABLE, or EXIT_TIMEOUT.
 */
int ctl_wait(const char *sock, char *const *paths, size_t n, long timeout_ms,
	     bool json);

/*
 * Prints SOCK's event records until the daemon ends the stream.  Returns
 * 0 when it stopped, EXIT_REFUSED when it dropped us for falling behind,
 * EXIT_UNREACHABLE otherwise.
 */
int ctl_events(const char *sock, bool json);

#endif
