/*
 * walk.c - streaming directory walk (see walk.h).
 *
 * A stack of open directory streams, one per level, and one path buffer
 * that each level appends its name to.  Directories are opened relative
 * to their parent's descriptor with O_NOFOLLOW, so a symlink swapped in
 * for a directory mid-walk is refused rather than followed.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch/walk.h"

struct level {
	DIR *dir;
	size_t pathlen;		/* length of path up to this directory */
};

struct walk {
	const struct filter *filter;
	struct shard shard;	/* files of other shards are skipped */
	int flags;
	struct level *stack;
	size_t depth, cap;
	char path[PATH_MAX];
	size_t rootlen;		/* the root's part of path, with its slash */
};

static int
push_dir(struct walk *w, DIR *d, size_t pathlen)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct level *s = realloc(w->stack, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		w->stack = s;
		w->cap = cap;
	}
	w->stack[w->depth].dir = d;
	w->stack[w->depth].pathlen = pathlen;
	w->depth++;
	return 0;
}

int
walk_open(const char *root, const struct filter *f, int flags,
	  struct walk **out)
{
	struct walk *w = calloc(1, sizeof(*w));
	size_t len = strlen(root);
	DIR *d;
	int rc;

	if (w == NULL)
		return -ENOMEM;
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len + 2 > sizeof(w->path)) {
		free(w);
		return -ENAMETOOLONG;
	}
	memcpy(w->path, root, len);
	w->path[len] = '/';
	w->rootlen = len + 1;
	w->path[w->rootlen] = '\0';
	w->filter = f;
	w->flags = flags;
	if ((d = opendir(root)) == NULL) {
		rc = -errno;
		free(w);
		return rc;
	}
	if ((rc = push_dir(w, d, w->rootlen)) != 0) {
		closedir(d);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static void
pop_dir(struct walk *w)
{
	closedir(w->stack[--w->depth].dir);
}

/*
 * Makes path the top level's directory followed by NAME.  -ENAMETOOLONG
 * if it won't fit.
 */
static int
set_name(struct walk *w, const char *name)
{
	size_t base = w->stack[w->depth - 1].pathlen;
	size_t n = strlen(name);

	if (base + n + 2 > sizeof(w->path))
		return -ENAMETOOLONG;
	w->path[base - 1] = '/';
	memcpy(w->path + base, name, n + 1);
	return 0;
}

/* Points E at path, relative to the root ("" for the root itself). */
static void
fill(struct walk *w, struct walk_entry *e, bool is_dir)
{
	if (strlen(w->path) < w->rootlen) {
		e->path = e->name = "";
	} else {
		e->path = w->path + w->rootlen;
		e->name = strrchr(w->path, '/') + 1;
	}
	e->is_dir = is_dir;
}

/* Opens directory NAME under the top level and pushes it. */
static int
enter(struct walk *w, const char *name)
{
	int dfd = dirfd(w->stack[w->depth - 1].dir);
	int fd, rc;
	DIR *d;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((rc = push_dir(w, d, strlen(w->path) + 1)) != 0)
		closedir(d);
	return rc;
}

int
walk_next(struct walk *w, struct walk_entry *e)
{
	while (w->depth > 0) {
		struct level *top = &w->stack[w->depth - 1];
		struct dirent *de;
		unsigned char type;
		int rc;

		errno = 0;
		if ((de = readdir(top->dir)) == NULL) {
			rc = -errno;
			w->path[top->pathlen - 1] = '\0';
			pop_dir(w);
			if (rc != 0) {
				fill(w, e, true);
				return rc;
			}
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		type = de->d_type;
		if (type == DT_DIR ? !filter_enter_dir(w->filter, de->d_name)
				   : (type != DT_UNKNOWN &&
				      !filter_take_file(w->filter, de->d_name)))
			continue;
		if ((rc = set_name(w, de->d_name)) != 0) {
			fill(w, e, false);
			return rc;
		}
		/* another shard's file costs no stat (design.md §10) */
		if (type != DT_DIR && type != DT_UNKNOWN &&
		    !shard_owns(&w->shard, w->path + w->rootlen))
			continue;
		if (fstatat(dirfd(top->dir), de->d_name, &e->st,
			    AT_SYMLINK_NOFOLLOW) != 0)
			continue;	/* gone since readdir: nothing to do */
		if (S_ISDIR(e->st.st_mode)) {
			if (!filter_enter_dir(w->filter, de->d_name))
				continue;
			fill(w, e, true);
			if ((rc = enter(w, de->d_name)) != 0)
				return rc;
			if (w->flags & WALK_DIRS)
				return 1;
			continue;
		}
		if (!filter_take_file(w->filter, de->d_name))
			continue;
		if (S_ISLNK(e->st.st_mode)) {
			if (!w->filter->follow_symlinks ||
			    fstatat(dirfd(top->dir), de->d_name, &e->st, 0) != 0)
				continue;
		}
		if (!S_ISREG(e->st.st_mode) ||
		    !shard_owns(&w->shard, w->path + w->rootlen))
			continue;
		fill(w, e, false);
		return 1;
	}
	return 0;
}

void
walk_set_shard(struct walk *w, const struct shard *s)
{
	w->shard = *s;
}

void
walk_close(struct walk *w)
{
	if (w == NULL)
		return;
	while (w->depth > 0)
		pop_dir(w);
	free(w->stack);
	free(w);
}
