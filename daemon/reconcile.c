/*
 * reconcile.c - the source/dest comparison walk (see reconcile.h).
 *
 * State: a stack of source folders still to visit (relative paths) and
 * the folder being worked on, which is read in two streamed passes with
 * nothing but the open directory streams in memory, however large the
 * folder:
 *  - the source pass reads the source folder: each image's thumbnails
 *    are looked up by name in each size's dest folder (fstatat) and
 *    compared by mtime; subfolders go on the stack;
 *  - the dest passes (only when orphans or temporaries are wanted) read
 *    each size's dest folder: each file that could be a thumbnail is
 *    matched back to its possible source names in the source folder
 *    (fstatat), each subfolder to a source subfolder; what matches
 *    nothing is an orphan.
 * That is a readdir of each folder and about one stat per file on either
 * side, what `find SRC DEST` costs.  The walk is resumable at any entry:
 * an entry the caller could not take (its queue was full) is kept and
 * offered again by the next step.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/reconcile.h"
#include "pool/tmpclean.h"
#include "lib/tpath.h"

struct reconcile {
	const char *src_root;
	const struct settings *s;
	struct shard shard;	/* source files of other shards are passed by */
	int flags;
	const struct reconcile_ops *ops;
	void *data;
	char dest[SETTINGS_MAX_SIZES][PATH_MAX];	/* each size's dest root */

	char **stack;		/* source folders to visit */
	size_t depth, cap;

	/* the folder being worked on */
	bool open;
	char rel[PATH_MAX];
	int src_fd;
	int dst_fd[SETTINGS_MAX_SIZES];	/* -1 when it does not exist */
	DIR *dir;		/* the stream of the current pass */
	int pass;		/* -1: source; i: dest of size i */
	bool held;		/* 'pending' was refused by the caller */
	unsigned long entries;	/* in the source folder */
	char pending[NAME_MAX + 1];

	bool root_seen;
	bool root_empty;
	struct reconcile_stats st;
};

static int
push(struct reconcile *r, const char *rel)
{
	char *copy;

	if (r->depth == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		char **s = realloc(r->stack, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		r->stack = s;
		r->cap = cap;
	}
	if ((copy = strdup(rel)) == NULL)
		return -ENOMEM;
	r->stack[r->depth++] = copy;
	return 0;
}

static int
join(char *out, const char *a, const char *b)
{
	int n = *a ? snprintf(out, PATH_MAX, "%s/%s", a, b)
		   : snprintf(out, PATH_MAX, "%s", b);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int
open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A stream over FD's folder from its start; FD stays ours. */
static DIR *
stream(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d;

	if (dup_fd < 0)
		return NULL;
	if ((d = fdopendir(dup_fd)) == NULL) {
		close(dup_fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

static void
close_folder(struct reconcile *r)
{
	if (r->dir)
		closedir(r->dir);
	r->dir = NULL;
	if (r->src_fd >= 0)
		close(r->src_fd);
	r->src_fd = -1;
	for (size_t i = 0; i < r->s->nsizes; i++) {
		if (r->dst_fd[i] >= 0)
			close(r->dst_fd[i]);
		r->dst_fd[i] = -1;
	}
	r->open = false;
}

/* Opens the next folder from the stack.  Returns 1, or 0 if none is left. */
static int
open_next(struct reconcile *r)
{
	char path[PATH_MAX];
	char *rel;

	while (r->depth > 0) {
		rel = r->stack[--r->depth];
		snprintf(r->rel, sizeof(r->rel), "%s", rel);
		free(rel);
		if (r->ops->dir)
			r->ops->dir(r->data, r->rel);
		if (join(path, r->src_root, r->rel) != 0 ||
		    (r->src_fd = open_dir(*r->rel ? path : r->src_root)) < 0 ||
		    (r->dir = stream(r->src_fd)) == NULL) {
			r->st.errors++;
			close_folder(r);
			continue;
		}
		for (size_t i = 0; i < r->s->nsizes; i++)
			r->dst_fd[i] = join(path, r->dest[i], r->rel) == 0
				? open_dir(path) : -1;
		r->st.dirs++;
		r->pass = -1;
		r->held = false;
		r->entries = 0;
		r->open = true;
		return 1;
	}
	return 0;
}

static unsigned char
type_at(int dirfd, const char *name, unsigned char d_type)
{
	struct stat st;

	if (d_type != DT_UNKNOWN)
		return d_type;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return DT_UNKNOWN;
	return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
	       : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
}

/* True if any thumbnail of source NAME (whose state is ST) is missing or stale. */
static bool
stale_thumbs(struct reconcile *r, const char *name, const struct stat *st)
{
	for (size_t i = 0; i < r->s->nsizes; i++) {
		enum thumb_format fmt = tpath_format(settings_size_format(r->s, i),
						     name);
		char tname[NAME_MAX + 1];
		struct stat ts;

		if (r->dst_fd[i] < 0 ||
		    tpath_name(tname, sizeof(tname), name, fmt) < 0 ||
		    fstatat(r->dst_fd[i], tname, &ts, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(ts.st_mode) ||
		    ts.st_mtim.tv_sec != st->st_mtim.tv_sec ||
		    ts.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
			return true;
	}
	return false;
}

/*
 * One entry of the source folder.  Returns 0, or 1 when the caller asked
 * to stop (the same entry is offered again next time).
 */
static int
visit_source(struct reconcile *r, const char *name, unsigned char d_type)
{
	char rel[PATH_MAX];
	struct stat st;
	unsigned char type = type_at(r->src_fd, name, d_type);

	if (type == DT_DIR) {
		if ((r->flags & RECONCILE_RECURSIVE) &&
		    filter_enter_dir(&r->s->filter, name) &&
		    (join(rel, r->rel, name) != 0 || push(r, rel) != 0))
			r->st.errors++;
		return 0;
	}
	if (!filter_take_file(&r->s->filter, name) ||
	    (r->shard.n > 0 && (join(rel, r->rel, name) != 0 ||
				!shard_owns(&r->shard, rel))) ||
	    fstatat(r->src_fd, name, &st,
		    r->s->filter.follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	if (!(r->flags & RECONCILE_STALE) || !stale_thumbs(r, name, &st) ||
	    join(rel, r->rel, name) != 0) {
		r->st.files++;
		return 0;
	}
	if (r->ops->stale(r->data, rel, &st) != 0)
		return 1;
	r->st.files++;
	r->st.stale++;
	return 0;
}

/* SRC names a source image in the current folder whose size-I thumbnail is NAME. */
static bool
source_of(struct reconcile *r, size_t i, const char *src, const char *name)
{
	enum thumb_format fmt = tpath_format(settings_size_format(r->s, i), src);
	char tname[NAME_MAX + 1];
	struct stat st;

	return filter_take_file(&r->s->filter, src) &&
	       tpath_name(tname, sizeof(tname), src, fmt) >= 0 &&
	       strcmp(tname, name) == 0 &&
	       fstatat(r->src_fd, src, &st,
		       r->s->filter.follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

/* Whether dest file NAME of size I has its source: NAME itself, or NAME
 * without the extension the naming rule appended. */
static bool
has_source(struct reconcile *r, size_t i, const char *name)
{
	char base[NAME_MAX + 1];
	const char *dot = strrchr(name, '.');

	if (source_of(r, i, name, name))
		return true;
	if (dot == NULL || dot == name || (size_t)(dot - name) >= sizeof(base))
		return false;
	memcpy(base, name, dot - name);
	base[dot - name] = '\0';
	return source_of(r, i, base, name);
}

/*
 * Whether a dest file named NAME could be a thumbnail: the name of a
 * source the filter takes, or such a name with a thumbnail extension
 * appended.  Anything else in a dest tree (someone's notes, hidden
 * files) is not ours and is never counted or removed.
 */
static bool
could_be_thumbnail(const struct filter *f, const char *name)
{
	static const char *const exts[] = { ".jpg", ".png", ".webp", ".avif" };
	char base[NAME_MAX + 1];
	size_t n = strlen(name);

	if (filter_take_file(f, name))
		return true;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && n - e < sizeof(base) &&
		    strcmp(name + n - e, exts[i]) == 0) {
			memcpy(base, name, n - e);
			base[n - e] = '\0';
			if (filter_take_file(f, base))
				return true;
		}
	}
	return false;
}

/* Files under dest folder PATH (an orphaned folder counts them all). */
static unsigned long
count_files(const char *path)
{
	unsigned long n = 0;
	char buf[PATH_MAX];
	struct stat st;
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    join(buf, path, de->d_name) != 0 || lstat(buf, &st) != 0)
			continue;
		n += S_ISDIR(st.st_mode) ? count_files(buf) : 1;
	}
	closedir(d);
	return n;
}

/* Removes folder PATH and the folders under it; they hold no file. */
static void
remove_empty_dirs(const char *path)
{
	char buf[PATH_MAX];
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    join(buf, path, de->d_name) == 0)
			remove_empty_dirs(buf);
	closedir(d);
	rmdir(path);
}

/* A dest subfolder with no source folder: count, and maybe remove, it all. */
static void
orphan_dir(struct reconcile *r, const char *path)
{
	unsigned long n;

	if (r->flags & RECONCILE_TEMPS) {
		long t = tmpclean_tree(path);

		r->st.temps += t > 0 ? (unsigned long)t : 0;
	}
	n = count_files(path);
	r->st.thumbs += n;
	if (!(r->flags & RECONCILE_ORPHANS))
		return;
	if (n == 0) {
		remove_empty_dirs(path);
		return;
	}
	r->st.orphans += n;
	if ((r->flags & RECONCILE_DELETE) && r->ops->orphan)
		r->ops->orphan(r->data, path, true);
}

/* One entry of size I's dest folder. */
static void
visit_dest(struct reconcile *r, size_t i, const char *name, unsigned char d_type)
{
	char rel[PATH_MAX], path[PATH_MAX];
	unsigned char type = type_at(r->dst_fd[i], name, d_type);
	struct stat st;

	if (type == DT_DIR) {
		if (!(r->flags & RECONCILE_RECURSIVE) ||
		    !filter_enter_dir(&r->s->filter, name) ||
		    (fstatat(r->src_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(st.st_mode)) ||
		    join(rel, r->rel, name) != 0 || join(path, r->dest[i], rel) != 0)
			return;
		orphan_dir(r, path);
		return;
	}
	if (tmpclean_is_leftover(name)) {
		if ((r->flags & RECONCILE_TEMPS) &&
		    unlinkat(r->dst_fd[i], name, 0) == 0)
			r->st.temps++;
		return;
	}
	if (!could_be_thumbnail(&r->s->filter, name))
		return;
	r->st.thumbs++;
	if (!(r->flags & RECONCILE_ORPHANS) || has_source(r, i, name))
		return;
	r->st.orphans++;
	if ((r->flags & RECONCILE_DELETE) && r->ops->orphan &&
	    join(rel, r->rel, name) == 0 && join(path, r->dest[i], rel) == 0)
		r->ops->orphan(r->data, path, false);
}

/* Moves to the next pass of the folder, or closes it.  False when closed. */
static bool
next_pass(struct reconcile *r)
{
	if (r->dir)
		closedir(r->dir);
	r->dir = NULL;
	if (r->flags & (RECONCILE_ORPHANS | RECONCILE_TEMPS)) {
		while ((size_t)(++r->pass) < r->s->nsizes) {
			if (r->dst_fd[r->pass] >= 0 &&
			    (r->dir = stream(r->dst_fd[r->pass])) != NULL)
				return true;
		}
	}
	close_folder(r);
	return false;
}

void
reconcile_set_shard(struct reconcile *r, const struct shard *s)
{
	r->shard = *s;
}

int
reconcile_start(const char *src_root, const char *dest_root, const char *start,
		const struct settings *s, int flags,
		const struct reconcile_ops *ops, void *data,
		struct reconcile **out)
{
	struct reconcile *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->src_root = src_root;
	r->s = s;
	r->flags = flags;
	r->ops = ops;
	r->data = data;
	r->src_fd = -1;
	for (size_t i = 0; i < s->nsizes; i++) {
		r->dst_fd[i] = -1;
		rc = tpath_thumb_dir(r->dest[i], sizeof(r->dest[i]), s, i,
				     dest_root, "");
		if (rc < 0) {
			free(r);
			return rc;
		}
	}
	/* Only a walk from the root can tell that the root is empty. */
	r->root_seen = *start != '\0';
	if ((rc = push(r, start)) != 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int
reconcile_step(struct reconcile *r, unsigned budget)
{
	struct dirent *de;

	while (budget > 0) {
		if (!r->open && !open_next(r))
			return 0;
		if (r->pass < 0 && r->held) {
			if (visit_source(r, r->pending, DT_UNKNOWN) != 0)
				return 1;
			r->held = false;
			budget--;
			continue;
		}
		errno = 0;
		if ((de = readdir(r->dir)) == NULL) {
			if (errno != 0)
				r->st.errors++;
			if (r->pass < 0 && !r->root_seen) {
				r->root_seen = true;
				r->root_empty = r->entries == 0;
			}
			next_pass(r);
			continue;
		}
		budget--;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (r->pass >= 0) {
			visit_dest(r, (size_t)r->pass, de->d_name, de->d_type);
			continue;
		}
		r->entries++;
		if (visit_source(r, de->d_name, de->d_type) != 0) {
			snprintf(r->pending, sizeof(r->pending), "%s", de->d_name);
			r->held = true;
			return 1;
		}
	}
	return 1;
}

const struct reconcile_stats *
reconcile_stats(const struct reconcile *r)
{
	return &r->st;
}

bool
reconcile_source_empty(const struct reconcile *r)
{
	return r->root_empty;
}

void
reconcile_free(struct reconcile *r)
{
	if (r == NULL)
		return;
	if (r->open)
		close_folder(r);
	while (r->depth > 0)
		free(r->stack[--r->depth]);
	free(r->stack);
	free(r);
}
