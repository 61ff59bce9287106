/*
 * ctlreq.c - the control request grammar (see ctlreq.h).
 */
#include <config.h>

#include <string.h>

#include "daemon/ctlreq.h"

static const struct {
	const char *word;
	enum ctl_cmd cmd;
	bool privileged;
	bool takes_path;
} commands[] = {
	{ "status", CTL_STATUS, false, false },
	{ "failures", CTL_FAILURES, false, false },
	{ "retry", CTL_RETRY, true, true },
	{ "pause", CTL_PAUSE, true, false },
	{ "resume", CTL_RESUME, true, false },
	{ "rescan", CTL_RESCAN, true, true },
	{ "reload", CTL_RELOAD, true, false },
	{ "metrics", CTL_METRICS, false, false },
	{ "version", CTL_VERSION, false, false },
};

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

int
ctl_parse(char *line, size_t len, struct ctl_request *req, const char **err)
{
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
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].word) != wlen ||
		    strncmp(line, commands[i].word, wlen) != 0)
			continue;
		req->cmd = commands[i].cmd;
		req->privileged = commands[i].privileged;
		if (rest && req->cmd == CTL_RESCAN &&
		    strncmp(rest, "--force", 7) == 0 &&
		    (rest[7] == '\0' || rest[7] == ' ')) {
			req->force = true;
			rest = rest[7] == ' ' ? rest + 8 : NULL;
		}
		if (rest == NULL)
			return 0;
		if (!commands[i].takes_path) {
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
	*err = "unknown command (status, failures, retry, pause, resume, "
	       "rescan, reload, metrics, version)";
	return -1;
}
