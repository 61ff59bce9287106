/*
 * roots.c - thumperd's watch roots (see roots.h).
 *
 * A root that is missing at start or vanishes later is "gone": the
 * daemon keeps running and its thumbnails stay, and roots_back() is
 * asked every second (and by a rescan) whether the folder is there
 * again.  Whoever hears it is back recycles the workers and walks it.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/log.h"
#include "daemon/roots.h"

#define NO_SPACE_POLL_S 60

struct roots {
	size_t n;
	struct root_state r[];
};

struct roots *
roots_new(const struct config *cfg, uint64_t now_ms)
{
	struct roots *r = calloc(1, sizeof(*r) + cfg->nroots * sizeof(r->r[0]));

	if (r == NULL)
		return NULL;
	r->n = cfg->nroots;
	for (size_t i = 0; i < r->n; i++) {
		r->r[i].cfg = &cfg->roots[i];
		r->r[i].last_poll_ms = now_ms;
	}
	return r;
}

void
roots_free(struct roots *r)
{
	free(r);
}

size_t
roots_count(const struct roots *r)
{
	return r ? r->n : 0;
}

const struct root_state *
roots_get(const struct roots *r, int i)
{
	return &r->r[i];
}

void
roots_source_path(const struct roots *r, int i, const char *rel, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%s", r->r[i].cfg->source, rel) >=
	    PATH_MAX)
		out[0] = '\0';
}

int
roots_find(const struct roots *r, const char *path, const char **rel)
{
	for (size_t i = 0; i < r->n; i++) {
		const char *src = r->r[i].cfg->source;
		size_t n = strlen(src);

		if (strncmp(path, src, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/')) {
			*rel = path[n] ? path + n + 1 : "";
			return (int)i;
		}
	}
	return -1;
}

int
roots_watch(struct roots *r, struct watch *w, int i)
{
	struct root_state *s = &r->r[i];
	int rc = watch_add_root(w, i, s->cfg->source, s->cfg->recursive);

	if (rc == 0) {
		s->watched = true;
		s->gone = false;
		return 0;
	}
	s->gone = rc == -ENOENT || rc == -ENOTDIR;
	if (rc == -ENOSPC)
		s->no_space = true;
	log_warning("cannot watch %s: %s%s", s->cfg->source, strerror(-rc),
		    rc == -ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
	return rc;
}

bool
roots_lost(struct roots *r, struct watch *w, int i)
{
	struct root_state *s = &r->r[i];

	if (s->gone)
		return false;
	s->gone = true;
	s->watched = false;
	watch_remove_root(w, i);
	log_warning("source root %s is gone (deleted, moved or unmounted): "
		    "its thumbnails are kept; waiting for it to come back",
		    s->cfg->source);
	return true;
}

bool
roots_back(struct roots *r, struct watch *w, int i)
{
	struct root_state *s = &r->r[i];
	struct stat st;

	if (!s->gone || stat(s->cfg->source, &st) != 0 ||
	    !S_ISDIR(st.st_mode) || roots_watch(r, w, i) != 0)
		return false;
	log_notice("source root %s is back", s->cfg->source);
	return true;
}

bool
roots_no_space(struct roots *r, int i)
{
	bool first = !r->r[i].no_space;

	r->r[i].no_space = true;
	return first;
}

void
roots_set_dirty(struct roots *r, int i, bool dirty)
{
	r->r[i].dirty = dirty;
}

void
roots_hold_deletes(struct roots *r, int i, const char *why)
{
	struct root_state *s = &r->r[i];

	s->deletes_held = true;
	snprintf(s->held_why, sizeof(s->held_why), "%s", why);
	log_warning("%s", s->held_why);
}

void
roots_release_deletes(struct roots *r, int i)
{
	r->r[i].deletes_held = false;
}

bool
roots_poll_due(struct roots *r, int i, uint64_t now_ms, unsigned poll_s)
{
	struct root_state *s = &r->r[i];

	if (s->no_space && (poll_s == 0 || poll_s > NO_SPACE_POLL_S))
		poll_s = NO_SPACE_POLL_S;
	if (poll_s == 0 || now_ms - s->last_poll_ms < poll_s * 1000ULL)
		return false;
	s->last_poll_ms = now_ms;
	return true;
}
