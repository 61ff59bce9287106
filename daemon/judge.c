/*
 * judge.c - whether a wait is settled (see judge.h).
 *
 * A wait is judged by the rules dispatch uses: a source recorded as
 * failed with its present size and mtime has failed; one whose thumbnails
 * all carry its mtime is done (design.md §4's freshness rule).  A path
 * the daemon would never thumbnail (no root, the filter, a folder watched
 * without subfolders, another shard's) is refused with the reason, so
 * that a caller never waits for nothing.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/daemon.h"
#include "daemon/judge.h"
#include "daemon/thumbs.h"
#include "lib/escape.h"
#include "pool/outputs.h"

/* The answer to a wait for PATH that will never be done, for WHY. */
char *
judge_refusal(const char *path, const char *why, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (m == NULL)
		return NULL;
	fputs("{\"path\": ", m);
	escape_json(m, path);
	fputs(", \"error\": ", m);
	escape_json(m, why);
	fputs("}\n", m);
	fclose(m);
	return text;
}

/*
 * Why REL (relative to root W) is never thumbnailed, into WHY; false
 * when it would be.
 */
static bool
never_taken(const struct daemon *d, const struct watch_root *w,
	    const char *rel, char *why, size_t whysz)
{
	const struct filter *flt = &d->cfg->settings.filter;
	char part[NAME_MAX + 1];
	char shard[SHARD_STRMAX];
	const char *p = rel;

	if (!w->recursive && strchr(rel, '/')) {
		snprintf(why, whysz, "in a subfolder of %s, which is watched "
			 "without its subfolders (recursive = false)", w->source);
		return true;
	}
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n > NAME_MAX) {
			snprintf(why, whysz, "a name in it is too long");
			return true;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		if (p[n] == '\0')
			break;
		if (!filter_enter_dir(flt, part)) {
			snprintf(why, whysz, "ignored: the filter skips its "
				 "folder %s", part);
			return true;
		}
		p += n + 1;
	}
	if (!filter_take_file(flt, part)) {
		snprintf(why, whysz, "ignored: the filter does not take the "
			 "name %s (include and ignore in thumper.conf)", part);
		return true;
	}
	if (!shard_owns(&d->cfg->shard, rel)) {
		snprintf(why, whysz, "another shard's file: this daemon is "
			 "shard %s", shard_str(&d->cfg->shard, shard));
		return true;
	}
	return false;
}

/*
 * The record that settles source O->src already (its failed record, or a
 * done record when its thumbnails are fresh), or NULL: it is not settled.
 */
static char *
settled(struct daemon *d, const struct outputs *o, size_t *len)
{
	char reason[1024], *text = NULL;
	struct stat st;
	FILE *m;
	int rc;

	rc = d->cfg->settings.filter.follow_symlinks ? stat(o->src, &st)
						     : lstat(o->src, &st);
	if (rc != 0 || !S_ISREG(st.st_mode))
		return NULL;
	if (failures_blocked(d->parts.failures, o->src, &st, reason,
			     sizeof(reason))) {
		if ((m = open_memstream(&text, len)) == NULL)
			return NULL;
		evrec_failed(m, o->src, reason);
	} else if (outputs_fresh(o, &st)) {
		char hash[PROTO_MAX_THUMBHASH + 1];

		if ((m = open_memstream(&text, len)) == NULL)
			return NULL;
		thumbs_placeholder(o->paths[0], hash, sizeof(hash));
		evrec_done(m, o->src, (evrec_paths)o->paths,
			   o->job.noutputs, -1, hash);
	} else {
		return NULL;
	}
	fclose(m);
	return text;
}

/*
 * Judges a wait for PATH by the running config and what is on disk: the
 * answer that settles it now (a refusal, a failed or a done record, to
 * free), or NULL to wait on, with the source's path in *SRC (static).
 */
char *
judge_wait(struct daemon *d, const char *path, size_t *len, const char **src)
{
	static struct outputs o;
	const struct watch_root *w;
	const char *rel;
	char why[PATH_MAX + 256];
	int root;

	if (d->parts.pool == NULL || d->life.reloading)
		return judge_refusal(path, d->life.stopping ? "stopping"
			       : "reloading, try again", len);
	if ((root = roots_find(d->parts.roots, path, &rel)) < 0 || !*rel)
		return judge_refusal(path, "not a file under a watched source", len);
	w = roots_get(d->parts.roots, root)->cfg;
	if (never_taken(d, w, rel, why, sizeof(why)))
		return judge_refusal(path, why, len);
	if (outputs_build(&o, &d->cfg->settings, w->source, w->dest, rel) != 0)
		return judge_refusal(path, "its thumbnails' paths would be too long",
			       len);
	*src = o.src;
	return settled(d, &o, len);
}

void
judge_again(struct daemon *d, const char *src)
{
	const char *s = NULL;
	size_t len = 0;
	char *text;

	if (!feed_waited(d->feed, src))
		return;
	if ((text = judge_wait(d, src, &len, &s)) != NULL)
		feed_settle(d->feed, src, text, len);
	free(text);
}

void
judge_recheck(struct daemon *d, const char *under)
{
	size_t n = under ? strlen(under) : 0, nsrc;
	char **srcs = feed_wait_sources(d->feed, &nsrc);

	for (size_t i = 0; i < nsrc; i++)
		if (!under || (strncmp(srcs[i], under, n) == 0 &&
			       srcs[i][n] == '/'))
			judge_again(d, srcs[i]);
	for (size_t i = 0; i < nsrc; i++)
		free(srcs[i]);
	free(srcs);
}
