/*
 * ctlproto.h - the control protocol between thumperd and thumperctl
 * (design.md §7): the request line's limit and the command list.
 *
 * thumperd's request parser (daemon/ctlreq.c), thumperctl and the tests
 * all take the commands from ctl_commands[], so a command is added here
 * once.  A request is one line, "COMMAND [--force] [PATH]\n"; the reply
 * is one JSON document (Prometheus text for a text_reply command), which
 * `version` reports along with CTL_PROTOCOL_VERSION.  A stream command
 * (wait, events) keeps the connection: its replies are JSON lines for as
 * long as the client stays (design.md §7), and a `wait` connection may
 * send further `wait PATH` lines.
 *
 * Bump CTL_PROTOCOL_VERSION if a command is removed or renamed, changes
 * what it takes, or a reply field changes meaning; adding a command or a
 * reply field does not need it (clients ignore fields they do not know).
 */
#ifndef THUMPER_CTLPROTO_H
#define THUMPER_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_PROTOCOL_VERSION 1
#define CTL_LINE_MAX 4096	/* bytes of a request line before its "\n" */
#define CTL_FORCE "--force"	/* the option of a command with .force */

/* Indexes ctl_commands[]; CTL_NCOMMANDS counts them (keep it on the last). */
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
	CTL_WAIT,
	CTL_EVENTS,
};
#define CTL_NCOMMANDS (CTL_EVENTS + 1)

struct ctl_command {
	const char *name;	/* the word on the wire */
	bool privileged;	/* changes state: root or the daemon's uid only
				   (SO_PEERCRED) */
	bool path;		/* takes a PATH, the rest of the line */
	bool path_required;	/* ... and must have one */
	bool force;		/* takes an optional CTL_FORCE before PATH */
	bool text_reply;	/* answers Prometheus text, not JSON */
	bool while_reloading;	/* answered while a reload is in progress */
	bool stream;		/* keeps the connection, answers in lines */
};

/* Every command, in the order of design.md §2, indexed by enum ctl_cmd. */
extern const struct ctl_command ctl_commands[CTL_NCOMMANDS];

/*
 * The command whose name is WORD[0..len) (not NUL-terminated), or NULL.
 * Names are matched exactly, case included.
 */
const struct ctl_command *ctl_command_find(const char *word, size_t len);

/* The enum ctl_cmd of CMD, an element of ctl_commands[]. */
enum ctl_cmd ctl_command_id(const struct ctl_command *cmd);

#endif
