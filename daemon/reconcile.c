/*
 * reconcile.c - the source/dest comparison walk (see reconcile.h).
 *
 * State: a stack of source folders still to visit (relative paths) and
 * the folder being worked on: its source listing with a cursor, and one
 * sorted listing per size of the matching dest folder.  Each source file
 * is looked up by its thumbnail name in the dest listings (binary search)
 * and the match is marked claimed; once the source listing is done,
 * whatever is left unclaimed in a dest listing has no source.  A dest
 * folder that does not exist is an empty listing.
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
#include "daemon/tmpclean.h"
#include "lib/tpath.h"

struct entry {
	char *name;
	unsigned char type;	/* d_type */
	bool claimed;
};

struct listing {
	struct entry *e;
	size_t n, cap;
	int fd;			/* the folder, -1 if it does not exist */
};

struct reconcile {
	const char *src_root;
	const struct settings *s;
	int flags;
	const struct reconcile_ops *ops;
	void *data;
	char dest[SETTINGS_MAX_SIZES][PATH_MAX];	/* each size's dest root */

	char **stack;		/* source folders to visit */
	size_t depth, cap;

	bool open;		/* a folder is being worked on */
	char rel[PATH_MAX];	/* its path relative to the root */
	struct listing src;
	size_t cursor;
	struct listing dst[SETTINGS_MAX_SIZES];

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
by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

static void
listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	if (l->fd >= 0)
		close(l->fd);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

/* Lists folder PATH.  A missing folder is an empty listing (fd -1). */
static int
listing_read(struct listing *l, const char *path, bool sort)
{
	DIR *d;
	struct dirent *de;
	int fd;

	l->fd = -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	if ((d = fdopendir(dup(fd))) == NULL) {
		close(fd);
		return -errno;
	}
	l->fd = fd;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			struct entry *e = realloc(l->e, cap * sizeof(*e));

			if (e == NULL)
				break;
			l->e = e;
			l->cap = cap;
		}
		if ((l->e[l->n].name = strdup(de->d_name)) == NULL)
			break;
		l->e[l->n].type = de->d_type;
		l->e[l->n].claimed = false;
		l->n++;
	}
	closedir(d);
	if (sort && l->n > 1)
		qsort(l->e, l->n, sizeof(*l->e), by_name);
	return 0;
}

static struct entry *
listing_find(struct listing *l, const char *name)
{
	struct entry key = { (char *)name, 0, false };

	return l->n ? bsearch(&key, l->e, l->n, sizeof(*l->e), by_name) : NULL;
}

static unsigned char
type_of(int dirfd, struct entry *e, struct stat *st)
{
	if (e->type != DT_UNKNOWN)
		return e->type;
	if (fstatat(dirfd, e->name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return DT_UNKNOWN;
	return S_ISDIR(st->st_mode) ? DT_DIR : S_ISREG(st->st_mode) ? DT_REG
	       : S_ISLNK(st->st_mode) ? DT_LNK : DT_UNKNOWN;
}

static int
join(char *out, const char *a, const char *b)
{
	int n = *a ? snprintf(out, PATH_MAX, "%s/%s", a, b)
		   : snprintf(out, PATH_MAX, "%s", b);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
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
		    listing_read(&r->src, *r->rel ? path : r->src_root, false) != 0 ||
		    r->src.fd < 0) {
			r->st.errors++;
			listing_free(&r->src);
			continue;
		}
		if (!r->root_seen) {
			r->root_seen = true;
			r->root_empty = r->src.n == 0;
		}
		for (size_t i = 0; i < r->s->nsizes; i++) {
			if (join(path, r->dest[i], r->rel) == 0 &&
			    listing_read(&r->dst[i], path, true) != 0)
				r->st.errors++;
		}
		r->st.dirs++;
		r->cursor = 0;
		r->open = true;
		return 1;
	}
	return 0;
}

/* Claims the thumbnails of one source file; true if any is missing or stale. */
static bool
check_file(struct reconcile *r, const char *name, const struct stat *st)
{
	bool stale = false;

	for (size_t i = 0; i < r->s->nsizes; i++) {
		enum thumb_format fmt = tpath_format(settings_size_format(r->s, i),
						     name);
		char tname[NAME_MAX + 1];
		struct entry *e;
		struct stat ts;

		if (tpath_name(tname, sizeof(tname), name, fmt) < 0) {
			stale = true;
			continue;
		}
		if ((e = listing_find(&r->dst[i], tname)) == NULL) {
			stale = true;
			continue;
		}
		e->claimed = true;
		if (fstatat(r->dst[i].fd, tname, &ts, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(ts.st_mode) ||
		    ts.st_mtim.tv_sec != st->st_mtim.tv_sec ||
		    ts.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
			stale = true;
	}
	return stale;
}

/*
 * One source entry.  Returns 0, or 1 when the caller asked to stop (the
 * same entry is done again next time).
 */
static int
visit(struct reconcile *r, struct entry *e)
{
	char rel[PATH_MAX];
	struct stat st;
	unsigned char type = type_of(r->src.fd, e, &st);

	if (type == DT_DIR) {
		if (!(r->flags & RECONCILE_RECURSIVE) ||
		    !filter_enter_dir(&r->s->filter, e->name))
			return 0;
		for (size_t i = 0; i < r->s->nsizes; i++) {
			struct entry *d = listing_find(&r->dst[i], e->name);

			if (d)
				d->claimed = true;
		}
		if (join(rel, r->rel, e->name) == 0 && push(r, rel) != 0)
			r->st.errors++;
		return 0;
	}
	if (!filter_take_file(&r->s->filter, e->name))
		return 0;
	if (fstatat(r->src.fd, e->name, &st,
		    r->s->filter.follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	r->st.files++;
	if (!check_file(r, e->name, &st) || !(r->flags & RECONCILE_STALE))
		return 0;
	if (join(rel, r->rel, e->name) != 0)
		return 0;
	if (r->ops->stale(r->data, rel, &st) != 0) {
		r->st.files--;
		return 1;
	}
	r->st.stale++;
	return 0;
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
		    join(buf, path, de->d_name) != 0 ||
		    lstat(buf, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n += count_files(buf);
		else
			n++;
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

/* What is left unclaimed in the dest listings has no source. */
static void
close_folder(struct reconcile *r)
{
	char path[PATH_MAX], rel[PATH_MAX];

	for (size_t i = 0; i < r->s->nsizes; i++) {
		struct listing *l = &r->dst[i];

		for (size_t k = 0; k < l->n; k++) {
			struct entry *e = &l->e[k];
			struct stat st;
			unsigned char type = type_of(l->fd, e, &st);
			bool is_dir = type == DT_DIR;
			unsigned long n;

			if (join(rel, r->rel, e->name) != 0 ||
			    join(path, r->dest[i], rel) != 0)
				continue;
			if (!is_dir && tmpclean_is_leftover(e->name)) {
				if ((r->flags & RECONCILE_TEMPS) &&
				    unlinkat(l->fd, e->name, 0) == 0)
					r->st.temps++;
				continue;
			}
			if (e->claimed) {
				r->st.thumbs += is_dir ? 0 : 1;
				continue;
			}
			if (is_dir ? !(r->flags & RECONCILE_RECURSIVE) ||
				     !filter_enter_dir(&r->s->filter, e->name)
				   : !could_be_thumbnail(&r->s->filter, e->name))
				continue;
			if (is_dir && (r->flags & RECONCILE_TEMPS)) {
				long t = tmpclean_tree(path);

				r->st.temps += t > 0 ? (unsigned long)t : 0;
			}
			n = is_dir ? count_files(path) : 1;
			if (n == 0 && (r->flags & RECONCILE_ORPHANS)) {
				remove_empty_dirs(path);
				continue;
			}
			r->st.thumbs += n;
			if (!(r->flags & RECONCILE_ORPHANS))
				continue;
			r->st.orphans += n;
			if ((r->flags & RECONCILE_DELETE) && r->ops->orphan)
				r->ops->orphan(r->data, path, is_dir);
		}
		listing_free(l);
	}
	listing_free(&r->src);
	r->open = false;
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
	r->src.fd = -1;
	for (size_t i = 0; i < s->nsizes; i++) {
		r->dst[i].fd = -1;
		rc = s->nsizes > 1
			? join(r->dest[i], dest_root, s->sizes[i].name)
			: join(r->dest[i], "", dest_root);
		if (rc != 0) {
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
	while (budget > 0) {
		if (!r->open && !open_next(r))
			return 0;
		while (budget > 0 && r->cursor < r->src.n) {
			if (visit(r, &r->src.e[r->cursor]) != 0)
				return 1;
			r->cursor++;
			budget--;
		}
		if (r->cursor == r->src.n)
			close_folder(r);
		if (budget > 0)
			budget--;
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
	if (r->open) {
		listing_free(&r->src);
		for (size_t i = 0; i < r->s->nsizes; i++)
			listing_free(&r->dst[i]);
	}
	while (r->depth > 0)
		free(r->stack[--r->depth]);
	free(r->stack);
	free(r);
}
