/*
 * tempname.c - the names of a worker's temporary file and scratch folder
 * (see thumb.h).
 *
 * Kept apart from the engine so the pool, which must not link libvips,
 * can find and remove what a dead worker left behind.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool/tempname.h"

int
tempname_file(char *out, size_t outsz, const char *path, pid_t pid)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	int n;

	if (slash)
		n = snprintf(out, outsz, "%.*s/.thumper-%ld.tmp", dirlen, path,
			     (long)pid);
	else
		n = snprintf(out, outsz, ".thumper-%ld.tmp", (long)pid);
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : n;
}

const char *
tempname_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp != NULL && tmp[0] == '/' ? tmp : "/tmp";
}

int
tempname_scratch(char *out, size_t outsz, const char *tmpdir, pid_t pid)
{
	int n = snprintf(out, outsz, "%s/thumper-worker-%ld", tmpdir,
			 (long)pid);

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : n;
}
