/*
 * tempname.c - the names of a worker's temporary file and scratch folder
 * (see thumb.h).
 *
 * Kept apart from the engine so the pool, which must not link libvips,
 * can find and remove what a dead worker left behind.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool/tempname.h"

/* FNV-1a, 32 bits, of the LEN bytes at P, continuing from H. */
static uint32_t
fnv1a32(uint32_t h, const char *p, size_t len)
{
	while (len-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	return h;
}

uint32_t
tempname_pidspace(void)
{
	static uint32_t space;
	static bool known;
	char host[HOST_NAME_MAX + 1] = "", ns[64] = "";
	ssize_t n;

	if (known)
		return space;
	/* unknown parts hash as empty: still the same for every process here */
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = '\0';
	space = fnv1a32(2166136261u, host, strlen(host) + 1);
	space = fnv1a32(space, ns, strlen(ns));
	known = true;
	return space;
}

int
tempname_file(char *out, size_t outsz, const char *path, pid_t pid)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	int n;

	if (slash)
		n = snprintf(out, outsz, "%.*s/.thumper-%ld-%08x.tmp", dirlen,
			     path, (long)pid, (unsigned)tempname_pidspace());
	else
		n = snprintf(out, outsz, ".thumper-%ld-%08x.tmp", (long)pid,
			     (unsigned)tempname_pidspace());
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
	int n = snprintf(out, outsz, "%s/thumper-worker-%ld-%08x", tmpdir,
			 (long)pid, (unsigned)tempname_pidspace());

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : n;
}
