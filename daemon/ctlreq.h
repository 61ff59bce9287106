/*
 * ctlreq.h - one control socket request line, parsed (design.md §7).
 *
 *   COMMAND [--force] [PATH]
 *
 * COMMAND is the name of one of lib/ctlproto.h's ctl_commands[]; "--force"
 * is taken by a command with .force (rescan) only; PATH (a command with
 * .path: retry, rescan) is the rest of the line, spaces included; it must
 * be absolute with no "." or ".." component, and comes out without
 * repeated or trailing slashes.  The line is at most CTL_LINE_MAX bytes
 * without its "\n".
 */
#ifndef THUMPER_CTLREQ_H
#define THUMPER_CTLREQ_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/ctlproto.h"

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
