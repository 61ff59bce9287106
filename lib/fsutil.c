/*
 * fsutil.c - mkdir -p and a whole pread() (see fsutil.h).
 *
 * The common case is a folder that already exists, so the whole path is
 * tried first and the parents only when that fails with ENOENT.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"

static int
mkdir_p(char *dir)
{
	char *slash;
	int rc;

	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || (slash = strrchr(dir, '/')) == NULL ||
	    slash == dir)
		return -errno;
	*slash = '\0';
	rc = mkdir_p(dir);
	*slash = '/';
	if (rc != 0)
		return rc;
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

int
fsutil_mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	return mkdir_p(buf);
}

int
fsutil_mkdir_parent(const char *path)
{
	char buf[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, slash - path);
	buf[slash - path] = '\0';
	return mkdir_p(buf);
}

int
fsutil_pread_full(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = pread(fd, p, len, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		p += r;
		off += r;
		len -= (size_t)r;
	}
	return 0;
}
