/*
 * tmpclean.c - start-up removal of leftover worker temporary files.
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
 * Whether the "-SPACE.tmp" at S names this PID space: exactly 8
 * lowercase hex digits, as tempname_file() writes them.
 */
static bool
our_space(const char *s)
{
	char want[16];

	snprintf(want, sizeof(want), "-%08x.tmp", (unsigned)tempname_pidspace());
	return strcmp(s, want) == 0;
}

bool
tmpclean_is_leftover(const char *name)
{
	static const char prefix[] = ".thumper-";
	long pid;
	char *end;

	if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return false;
	if (name[sizeof(prefix) - 1] < '1' || name[sizeof(prefix) - 1] > '9')
		return false;
	pid = strtol(name + sizeof(prefix) - 1, &end, 10);
	if (pid <= 0)
		return false;
	/* ".thumper-PID.tmp": written before the PID space was in the name */
	if (strcmp(end, ".tmp") != 0 && !our_space(end))
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
