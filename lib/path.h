/*
 * path.h - rules on the text of a path: normalising a join, and whether
 * one path lies inside another.  Nothing here touches the filesystem
 * (no symlink is followed): callers pass realpath(3) results or paths
 * path_join() made.
 */
#ifndef THUMPER_PATH_H
#define THUMPER_PATH_H

#include <stdbool.h>

/*
 * Whether PATH is ROOT or lies below it, compared component by component,
 * not as a string prefix: "/a/b/c" and "/a/b" are inside "/a/b", "/a/bc"
 * is not.  Runs of slashes and a trailing slash do not count ("/a//b/" is
 * "/a/b"); "." and ".." are compared as names, not resolved.  Every
 * absolute path is inside "/"; an absolute path is never inside a relative
 * one, nor the other way round.
 */
bool path_inside(const char *path, const char *root);

/*
 * BASE joined with P and normalised: runs of slashes folded, "." dropped,
 * ".." taking off the component before it (lexically; "/.." is "/"), no
 * trailing slash.  The result is always absolute (BASE "" and an absolute
 * P give P normalised).  Caller frees; NULL when out of memory.
 */
char *path_join(const char *base, const char *p);

#endif
