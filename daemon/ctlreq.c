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
		req->path = rest;
		return 0;
	}
	*err = "unknown command (status, failures, retry, pause, resume, "
	       "rescan, reload, metrics, version)";
	return -1;
}
