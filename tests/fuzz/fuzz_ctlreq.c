/*
 * fuzz_ctlreq.c - the control request parser on arbitrary lines, and on
 * each command word of lib/ctlproto.h (with and without --force) followed
 * by arbitrary bytes (so every branch is reached without a seed corpus).
 * On success the request must make sense: PATH absolute and normalised,
 * NUL-terminated inside the line, only for a command that takes one,
 * --force only for a command that takes it, the privilege flag that of
 * the command.
 * fuzz-sources: daemon/ctlreq.c lib/ctlproto.c
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctlreq.h"
#include "lib/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const uint8_t *prefix, size_t plen, const uint8_t *data, size_t size)
{
	size_t len = plen + size;
	char *line = malloc(len + 1), *orig = malloc(len + 1);
	struct ctl_request req;
	const char *err = NULL;
	int rc;

	if (line == NULL || orig == NULL)
		goto out;
	if (plen > 0)
		memcpy(line, prefix, plen);
	if (size > 0)
		memcpy(line + plen, data, size);
	memcpy(orig, line, len);
	rc = ctl_parse(line, len, &req, &err);
	if (rc != 0) {
		if (rc != -1 || err == NULL || err[0] == '\0')
			abort();
		goto out;
	}
	if (len > CTL_LINE_MAX || memchr(orig, '\0', len) != NULL)
		abort();
	if ((unsigned)req.cmd >= CTL_NCOMMANDS)
		abort();
	if (req.force && !ctl_commands[req.cmd].force)
		abort();
	if (req.privileged != ctl_commands[req.cmd].privileged)
		abort();
	if (req.path != NULL) {
		size_t off = (size_t)(req.path - line);

		if (!ctl_commands[req.cmd].path)
			abort();
		if (req.path < line || off >= len || req.path[0] != '/')
			abort();
		/* The path comes out normalised: no empty, "." or ".."
		 * component, no trailing slash but for "/" itself. */
		size_t plen2 = strlen(req.path);

		if (strstr(req.path, "//") != NULL ||
		    (plen2 > 1 && req.path[plen2 - 1] == '/') ||
		    strstr(req.path, "/./") != NULL ||
		    strstr(req.path, "/../") != NULL ||
		    (plen2 >= 2 && strcmp(req.path + plen2 - 2, "/.") == 0) ||
		    (plen2 >= 3 && strcmp(req.path + plen2 - 3, "/..") == 0))
			abort();
	}
out:
	free(line);
	free(orig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(NULL, 0, data, size);
	if (size > 0) {
		const struct ctl_command *c = &ctl_commands[data[0] % CTL_NCOMMANDS];
		char w[64];

		/* "WORD " or, for a command that takes it, "WORD --force " */
		snprintf(w, sizeof(w), "%s %s", c->name,
			 c->force && (data[0] / CTL_NCOMMANDS) % 2 ? CTL_FORCE " " : "");
		one((const uint8_t *)w, strlen(w), data + 1, size - 1);
	}
	return 0;
}
