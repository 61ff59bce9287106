/*
 * filter.c - which file names are images to thumbnail (see filter.h).
 *
 * Two pattern lists matched with fnmatch(FNM_CASEFOLD) against a base
 * name.  Ignore always wins over include, which is what keeps rsync's
 * temporary files (".name.jpg.XXXXXX") and partial downloads out.  The
 * lists are owned copies, replaced whole, never edited in place.
 */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lib/filter.h"

static const char *const default_include[] = {
	"*.jpg", "*.jpeg", "*.png", "*.webp", "*.tif", "*.tiff",
	"*.gif", "*.heic", "*.avif",
};

static const char *const default_ignore[] = {
	".*", "*.part", "*.tmp", "*.crdownload", "*~",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* A copy of pats[0..n) in *out, or -ENOMEM with *out untouched. */
static int copy_list(const char *const *pats, size_t n, char ***out)
{
	char **list = calloc(n ? n : 1, sizeof(*list));

	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		list[i] = strdup(pats[i]);
		if (!list[i]) {
			free_list(list, i);
			return -ENOMEM;
		}
	}
	*out = list;
	return 0;
}

int filter_set_include(struct filter *f, const char *const *pats, size_t n)
{
	char **list;
	int rc = copy_list(pats, n, &list);

	if (rc < 0)
		return rc;
	free_list(f->include, f->ninclude);
	f->include = list;
	f->ninclude = n;
	return 0;
}

int filter_set_ignore(struct filter *f, const char *const *pats, size_t n)
{
	char **list;
	int rc = copy_list(pats, n, &list);

	if (rc < 0)
		return rc;
	free_list(f->ignore, f->nignore);
	f->ignore = list;
	f->nignore = n;
	return 0;
}

int filter_init_default(struct filter *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = filter_set_include(f, default_include, NELEM(default_include));
	if (rc == 0)
		rc = filter_set_ignore(f, default_ignore, NELEM(default_ignore));
	if (rc < 0)
		filter_free(f);
	return rc;
}

void filter_free(struct filter *f)
{
	free_list(f->include, f->ninclude);
	free_list(f->ignore, f->nignore);
	memset(f, 0, sizeof(*f));
}

static bool matches_any(char *const *pats, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pats[i], name, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

bool filter_take_file(const struct filter *f, const char *name)
{
	return matches_any(f->include, f->ninclude, name) &&
	       !matches_any(f->ignore, f->nignore, name);
}

bool filter_enter_dir(const struct filter *f, const char *name)
{
	return !matches_any(f->ignore, f->nignore, name);
}
