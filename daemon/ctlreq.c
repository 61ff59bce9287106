/*
 * ctlreq.c - the control request grammar (see ctlreq.h).
 *
 * The words, which of them take --force or a PATH and which need
 * privilege all come from lib/ctlproto.h's table; this file only splits
 * the line and checks the PATH.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "daemon/ctlreq.h"

/*
 * "unknown command (status, failures, ...)": every name of the table, in
 * its order.  Built on first use into a static buffer.
 */
static const char *
unknown_command(void)
{
	static char msg[512];
	size_t len;

	if (msg[0] != '\0')
		return msg;
	len = (size_t)snprintf(msg, sizeof(msg), "unknown command (");
	for (size_t i = 0; i < CTL_NCOMMANDS && len < sizeof(msg); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s",
					i ? ", " : "", ctl_commands[i].name);
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, ")");
	return msg;
}

/*
 * True when PATH has no "." or ".." component (they could lead out of a
 * root past a prefix check).  Repeated and trailing slashes are removed
 * in place ("/" stays "/").
 */
static bool
plain_path(char *path)
{
	char *in = path, *out = path;

	while (*in) {
		size_t len;

		while (*in == '/')
			in++;
		len = strcspn(in, "/");
		if ((len == 1 && in[0] == '.') ||
		    (len == 2 && in[0] == '.' && in[1] == '.'))
			return false;
		if (len == 0)
			break;
		*out++ = '/';
		memmove(out, in, len);
		out += len;
		in += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
	return true;
}

/* REST is what follows COMMAND and a space, or NULL. */
static int
parse_args(const struct ctl_command *cmd, char *rest, struct ctl_request *req,
	   const char **err)
{
	size_t flen = strlen(CTL_FORCE);

	if (rest && cmd->force && strncmp(rest, CTL_FORCE, flen) == 0 &&
	    (rest[flen] == '\0' || rest[flen] == ' ')) {
		req->force = true;
		rest = rest[flen] == ' ' ? rest + flen + 1 : NULL;
	}
	if (rest == NULL) {
		if (!cmd->path_required)
			return 0;
		*err = "this command needs a path";
		return -1;
	}
	if (!cmd->path) {
		*err = "this command takes no argument";
		return -1;
	}
	if (rest[0] != '/') {
		*err = "the path must be absolute";
		return -1;
	}
	if (!plain_path(rest)) {
		*err = "the path must not have '.' or '..' components";
		return -1;
	}
	req->path = rest;
	return 0;
}

int
ctl_parse(char *line, size_t len, struct ctl_request *req, const char **err)
{
	const struct ctl_command *cmd;
	size_t wlen;
	char *rest;

	memset(req, 0, sizeof(*req));
	if (len > CTL_LINE_MAX) {
		*err = "request too long";
		return -1;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len) != NULL) {
		*err = "request contains a NUL byte";
		return -1;
	}
	line[len] = '\0';
	wlen = strcspn(line, " ");
	rest = line[wlen] == ' ' ? line + wlen + 1 : NULL;
	if ((cmd = ctl_command_find(line, wlen)) == NULL) {
		*err = unknown_command();
		return -1;
	}
	req->cmd = ctl_command_id(cmd);
	req->privileged = cmd->privileged;
	return parse_args(cmd, rest, req, err);
}
