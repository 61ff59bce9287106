/*
 * ctlreq.h - one control socket request line, parsed (design.md §7).
 *
 *   COMMAND [--force] [PATH]
 *
 * COMMAND is one of the words below; "--force" is taken by rescan only;
 * PATH (retry, rescan) is the rest of the line, spaces included; it must
 * be absolute with no "." or ".." component, and comes out without
 * repeated or trailing slashes.  The line is at most CTL_LINE_MAX bytes without its "\n".
 */
#ifndef THUMPER_CTLREQ_H
#define THUMPER_CTLREQ_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_LINE_MAX 4096

enum ctl_cmd {
	CTL_STATUS,
	CTL_FAILURES,
	CTL_RETRY,
	CTL_PAUSE,
	CTL_RESUME,
	CTL_RESCAN,
	CTL_RELOAD,
	CTL_METRICS,
	CTL_VERSION,
};

struct ctl_request {
	enum ctl_cmd cmd;
	bool force;
	const char *path;	/* NULL when none; points into the line */
	bool privileged;	/* changes state: root or the daemon's uid only */
};

/*
 * Parses LINE[0..len) (no "\n"; modified in place, and LINE must have
 * room for a NUL at LINE[len]).  Returns 0, or -1 with
 * *err set to a static message.
 */
int ctl_parse(char *line, size_t len, struct ctl_request *req,
	      const char **err);

#endif
