/*
 * thumbs.c - removing and renaming a source's thumbnails (see thumbs.h).
 *
 * A rename moves each size's thumbnail (or folder) with rename(2), making
 * the new parent first; nothing is recomputed.  Folder removal walks
 * with nftw on the thread pool: a deleted upload folder may hold
 * thousands of thumbnails.
 */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <sys/xattr.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/thumbs.h"
#include "lib/fsutil.h"
#include "lib/tpath.h"

struct rmtree {
	uv_work_t req;
	char path[];
};

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
rmtree_work_cb(uv_work_t *req)
{
	struct rmtree *r = req->data;

	nftw(r->path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
rmtree_done_cb(uv_work_t *req, int status)
{
	(void)status;
	free(req->data);
}

void
thumbs_remove_tree(uv_loop_t *loop, const char *path)
{
	size_t len = strlen(path);
	struct rmtree *r = malloc(sizeof(*r) + len + 1);

	if (r == NULL)
		return;
	memcpy(r->path, path, len + 1);
	r->req.data = r;
	if (uv_queue_work(loop, &r->req, rmtree_work_cb, rmtree_done_cb) != 0)
		free(r);
}

static void
prune_dirs(const struct settings *s, const struct watch_root *w,
	   const char *rel)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (snprintf(path, sizeof(path), "%s/%s", w->source, dir) >=
		    (int)sizeof(path) || lstat(path, &st) == 0)
			return;
		for (size_t i = 0; i < s->nsizes; i++)
			if (tpath_thumb_dir(path, sizeof(path), s, i, w->dest,
					    dir) >= 0)
				rmdir(path);
	}
}

void
thumbs_remove(const struct settings *s, const struct watch_root *w,
	      const char *rel)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < s->nsizes; i++) {
		if (tpath_thumb(path, sizeof(path), s, i, w->dest, rel) < 0)
			continue;
		if (unlink(path) == 0)
			log_debug("removed %s", path);
		else if (errno != ENOENT)
			log_warning("cannot remove %s: %s", path, strerror(errno));
	}
	prune_dirs(s, w, rel);
}

void
thumbs_remove_dirs(uv_loop_t *loop, const struct settings *s,
		   const char *dest, const char *rel)
{
	char path[PATH_MAX];

	if (*rel == '\0')
		return;
	for (size_t i = 0; i < s->nsizes; i++)
		if (tpath_thumb_dir(path, sizeof(path), s, i, dest, rel) >= 0)
			thumbs_remove_tree(loop, path);
}

bool
thumbs_rename(const struct settings *s, const char *old_dest,
	      const char *old_rel, const char *dest, const char *rel)
{
	char from[PATH_MAX], to[PATH_MAX];
	bool all = true;

	for (size_t i = 0; i < s->nsizes; i++) {
		if (tpath_thumb(from, sizeof(from), s, i, old_dest, old_rel) < 0 ||
		    tpath_thumb(to, sizeof(to), s, i, dest, rel) < 0 ||
		    fsutil_mkdir_parent(to) != 0 || rename(from, to) != 0) {
			all = false;
			continue;
		}
		log_debug("renamed %s to %s", from, to);
	}
	return all;
}

bool
thumbs_rename_dir(const struct settings *s, const char *old_dest,
		  const char *old_rel, const char *dest, const char *rel)
{
	char from[PATH_MAX], to[PATH_MAX];
	bool all = true;

	for (size_t i = 0; i < s->nsizes; i++) {
		if (tpath_thumb_dir(from, sizeof(from), s, i, old_dest,
				    old_rel) < 0 ||
		    tpath_thumb_dir(to, sizeof(to), s, i, dest, rel) < 0) {
			all = false;
			continue;
		}
		if (fsutil_mkdir_parent(to) == 0 && rename(from, to) == 0)
			log_debug("renamed %s to %s", from, to);
		else
			all = false;
	}
	return all;
}

bool
thumbs_same_format(const struct settings *s, const char *a, const char *b)
{
	for (size_t i = 0; i < s->nsizes; i++) {
		enum thumb_format f = settings_size_format(s, i);

		if (tpath_format(f, a) != tpath_format(f, b))
			return false;
	}
	return true;
}

void
thumbs_placeholder(const char *thumb, char *out, size_t outsz)
{
	ssize_t n = lgetxattr(thumb, SETTINGS_PLACEHOLDER_XATTR, out, outsz - 1);

	out[n > 0 ? n : 0] = '\0';
	/* base64 only: it is copied into event records as it is */
	if (strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789+/=") != strlen(out))
		out[0] = '\0';
}
