/*
 * tmpclean.c - start-up removal of leftover worker temporary files and
 * scratch folders.
 *
 * A worker writes each thumbnail to ".thumper-PID-SPACE.tmp" in the
 * target folder and renames it into place; one killed in between leaves
 * that file.  The pool removes it when it sees the worker die, but not if
 * the whole process tree was killed, hence this walk at start.  A file
 * whose PID is a live thumper-worker belongs to a running writer and is
 * left alone.  So is one of another PID space (SPACE, tempname.h): its
 * writer runs on another machine or in another container sharing the
 * folder, where a PID of ours means nothing (design.md §4).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool/tempname.h"
#include "pool/tmpclean.h"
#include "watch/walk.h"

/*
 * Whether PID is a live thumper-worker.  A worker killed with its parent
 * can linger as a zombie until something reaps it, and a pid can be
 * reused by any other program: neither is a writer.
 */
static bool
worker_alive(long pid)
{
	char path[64], buf[256];
	const char *open_paren, *close_paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren[1] != ' ')
		return false;
	return close_paren - open_paren - 1 == (ptrdiff_t)strlen("thumper-worker") &&
	       strncmp(open_paren + 1, "thumper-worker", 14) == 0 &&
	       close_paren[2] != 'Z' && close_paren[2] != 'X';
}

/*
 * Whether the "-SPACE" and SUFFIX at S name this PID space: exactly 8
 * lowercase hex digits, as tempname_pidspace() is written.
 */
static bool
our_space(const char *s, const char *suffix)
{
	char want[32];

	snprintf(want, sizeof(want), "-%08x%s", (unsigned)tempname_pidspace(),
		 suffix);
	return strcmp(s, want) == 0;
}

/*
 * The PID of NAME, PREFIX followed by a PID: 0 when NAME is none, else
 * with *END after the digits.
 */
static long
pid_after(const char *name, const char *prefix, char **end)
{
	size_t n = strlen(prefix);
	long pid;

	if (strncmp(name, prefix, n) != 0 || name[n] < '1' || name[n] > '9')
		return 0;
	pid = strtol(name + n, end, 10);
	return pid > 0 ? pid : 0;
}

bool
tmpclean_is_leftover(const char *name)
{
	char *end;
	long pid = pid_after(name, ".thumper-", &end);

	if (pid == 0)
		return false;
	/* ".thumper-PID.tmp": written before the PID space was in the name */
	if (strcmp(end, ".tmp") != 0 && !our_space(end, ".tmp"))
		return false;
	return !worker_alive(pid);
}

long
tmpclean_tree(const char *root)
{
	static char *include[] = { ".thumper-*.tmp" };
	struct filter f = { .include = include, .ninclude = 1 };
	struct walk_entry e;
	struct walk *w;
	char path[PATH_MAX];
	long removed = 0;
	int rc;

	if ((rc = walk_open(root, &f, 0, &w)) != 0)
		return rc;
	while ((rc = walk_next(w, &e)) != 0) {
		if (rc < 0 || !tmpclean_is_leftover(e.name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", root, e.path) <
		    (int)sizeof(path) && unlink(path) == 0)
			removed++;
	}
	walk_close(w);
	return removed;
}

/* Empties the folder PATH (one level: liborc writes files) and removes it. */
static int
remove_folder(const char *path)
{
	DIR *d;
	struct dirent *e;
	int fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(fd, e->d_name, 0);
	closedir(d);
	return rmdir(path);
}

long
tmpclean_scratch(const char *tmpdir)
{
	char path[PATH_MAX], *end;
	struct dirent *e;
	long removed = 0, pid;
	DIR *d;

	if ((d = opendir(tmpdir)) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		pid = pid_after(e->d_name, "thumper-worker-", &end);
		/* "thumper-worker-PID": made before the PID space was in it */
		if (pid == 0 || (*end != '\0' && !our_space(end, "")) ||
		    worker_alive(pid))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name) <
		    (int)sizeof(path) && remove_folder(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
