/*
 * follow.c - the stream commands (see follow.h).
 *
 * A wait is judged at once from what is on disk, by the rules the
 * dispatcher uses: a source recorded as failed with its present size and
 * mtime has failed; one whose thumbnails all carry its mtime is done
 * (design.md §4's freshness rule).  Anything else (not there yet, being
 * written, queued, in flight) waits in the feed for its next done or
 * failed record.  A path the daemon would never thumbnail is refused
 * with the reason, so that a caller never waits for nothing.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/daemon.h"
#include "daemon/follow.h"
#include "daemon/health.h"
#include "daemon/thumbs.h"
#include "lib/escape.h"
#include "pool/outputs.h"

/* Answers CL's wait for PATH with an error record naming it. */
static void
refuse(struct control_client *cl, const char *path, const char *why)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL) {
		control_end(cl, true);
		return;
	}
	fputs("{\"path\": ", m);
	escape_json(m, path);
	fputs(", \"error\": ", m);
	escape_json(m, why);
	fputs("}\n", m);
	fclose(m);
	feed_answer(cl, text, len);
	free(text);
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

/* Answers CL with SRC's state when it is settled already.  True if so. */
static bool
settled(struct daemon *d, struct control_client *cl, const struct outputs *o)
{
	char reason[1024], *text = NULL;
	size_t len = 0;
	struct stat st;
	FILE *m;
	int rc;

	rc = d->cfg->settings.filter.follow_symlinks ? stat(o->src, &st)
						     : lstat(o->src, &st);
	if (rc != 0 || !S_ISREG(st.st_mode))
		return false;
	if (failures_blocked(d->parts.failures, o->src, &st, reason,
			     sizeof(reason))) {
		if ((m = open_memstream(&text, &len)) == NULL)
			return false;
		evrec_failed(m, o->src, reason);
	} else if (outputs_fresh(o, &st)) {
		char hash[PROTO_MAX_THUMBHASH + 1];

		if ((m = open_memstream(&text, &len)) == NULL)
			return false;
		thumbs_placeholder(o->paths[0], hash, sizeof(hash));
		evrec_done(m, o->src, (evrec_paths)o->paths,
			   o->job.noutputs, -1, hash);
	} else {
		return false;
	}
	fclose(m);
	feed_answer(cl, text, len);
	free(text);
	return true;
}

static void
wait_for(struct daemon *d, struct control_client *cl, const char *path)
{
	static struct outputs o;
	const struct watch_root *w;
	const char *rel;
	char why[PATH_MAX + 256];
	int root;

	if (d->parts.pool == NULL || d->life.reloading) {
		refuse(cl, path, d->life.stopping ? "stopping"
		       : "reloading, try again");
		return;
	}
	if ((root = roots_find(d->parts.roots, path, &rel)) < 0 || !*rel) {
		refuse(cl, path, "not a file under a watched source");
		return;
	}
	w = roots_get(d->parts.roots, root)->cfg;
	if (never_taken(d, w, rel, why, sizeof(why))) {
		refuse(cl, path, why);
		return;
	}
	if (outputs_build(&o, &d->cfg->settings, w->source, w->dest, rel) != 0) {
		refuse(cl, path, "its thumbnails' paths would be too long");
		return;
	}
	if (settled(d, cl, &o))
		return;
	switch (feed_wait(d->feed, cl, o.src)) {
	case 0:
		break;
	case -E2BIG:
		refuse(cl, path, "too many waits on one connection");
		break;
	default:
		refuse(cl, path, "out of memory");
		break;
	}
}

void
follow_request(struct daemon *d, struct control_client *cl,
	       const struct ctl_request *req)
{
	if (req->cmd == CTL_WAIT) {
		wait_for(d, cl, req->path);
		return;
	}
	if (feed_subscribe(d->feed, cl, health_state(d)) != 0)
		control_end(cl, true);
}
