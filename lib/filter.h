/*
 * filter.h - which file names are images to thumbnail.
 *
 * Patterns are shell globs matched case-insensitively against a file's
 * own name (not its path).  A file is taken when it matches an include
 * pattern and no ignore pattern; a directory is entered unless it matches
 * an ignore pattern (so ".*" skips hidden folders too).
 */
#ifndef THUMPER_FILTER_H
#define THUMPER_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct filter {
	char **include;
	size_t ninclude;
	char **ignore;
	size_t nignore;
	bool follow_symlinks;
};

/* Fills in the design.md §3 default patterns.  Returns 0 or -ENOMEM. */
int filter_init_default(struct filter *f);
/* Replaces a pattern list with copies of pats[0..n).  0 or -ENOMEM. */
int filter_set_include(struct filter *f, const char *const *pats, size_t n);
int filter_set_ignore(struct filter *f, const char *const *pats, size_t n);
void filter_free(struct filter *f);

bool filter_take_file(const struct filter *f, const char *name);
bool filter_enter_dir(const struct filter *f, const char *name);

#endif
