/*
 * ctlproto.c - the control protocol's command table (see ctlproto.h).
 *
 * The table is indexed by enum ctl_cmd; the daemon's parser, thumperctl's
 * usage and dispatch, and the tests walk it.  Which commands are privileged
 * and which are answered during a reload is written only here
 * (design.md §7).
 */
#include <config.h>

#include <string.h>

#include "lib/ctlproto.h"

const struct ctl_command ctl_commands[CTL_NCOMMANDS] = {
	[CTL_STATUS] = { .name = "status", .while_reloading = true },
	[CTL_FAILURES] = { .name = "failures" },
	[CTL_RETRY] = { .name = "retry", .privileged = true, .path = true },
	[CTL_PAUSE] = { .name = "pause", .privileged = true },
	[CTL_RESUME] = { .name = "resume", .privileged = true },
	[CTL_RESCAN] = { .name = "rescan", .privileged = true, .path = true,
			 .force = true },
	[CTL_RELOAD] = { .name = "reload", .privileged = true },
	[CTL_METRICS] = { .name = "metrics", .text_reply = true,
			  .while_reloading = true },
	[CTL_VERSION] = { .name = "version", .while_reloading = true },
	[CTL_WAIT] = { .name = "wait", .path = true, .path_required = true,
		       .stream = true },
	[CTL_EVENTS] = { .name = "events", .stream = true,
			 .while_reloading = true },
};

const struct ctl_command *
ctl_command_find(const char *word, size_t len)
{
	for (size_t i = 0; i < CTL_NCOMMANDS; i++)
		if (strlen(ctl_commands[i].name) == len &&
		    memcmp(word, ctl_commands[i].name, len) == 0)
			return &ctl_commands[i];
	return NULL;
}

enum ctl_cmd
ctl_command_id(const struct ctl_command *cmd)
{
	return (enum ctl_cmd)(cmd - ctl_commands);
}
