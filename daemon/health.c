/*
 * health.c - the daemon's state and why (see health.h).
 */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/feed.h"
#include "daemon/health.h"
#include "lib/escape.h"

size_t
health_reasons(const struct daemon *d, FILE *f)
{
	size_t n = 0;
	char msg[PATH_MAX + 256];

#define REASON(...) do {						\
		if (f != NULL) {					\
			snprintf(msg, sizeof(msg), __VA_ARGS__);	\
			fputs(n ? ", " : "", f);			\
			escape_json(f, msg);				\
		}							\
		n++;							\
	} while (0)

	if (f != NULL)
		fputc('[', f);
	for (size_t i = 0; i < roots_count(d->parts.roots); i++) {
		const struct root_state *r = roots_get(d->parts.roots, (int)i);

		if (r->gone)
			REASON("source root %s is missing", r->cfg->source);
		if (r->no_space)
			REASON("out of inotify watches under %s: raise "
			       "fs.inotify.max_user_watches; rescanned "
			       "periodically meanwhile", r->cfg->source);
		if (r->deletes_held)
			REASON("%s", r->held_why);
	}
	if (d->dispatch.dest_error[0] != '\0')
		REASON("cannot write thumbnails: %s", d->dispatch.dest_error);
#undef REASON
	if (f != NULL)
		fputc(']', f);
	return n;
}

const char *
health_state(const struct daemon *d)
{
	return d->dispatch.paused ? "paused"
	       : health_reasons(d, NULL) > 0 ? "degraded" : "running";
}

void
health_check(struct daemon *d)
{
	char *reasons = NULL, *now = NULL;
	size_t len = 0;
	const char *state;
	FILE *m;

	if (d->feed == NULL || d->parts.roots == NULL ||
	    (m = open_memstream(&reasons, &len)) == NULL)
		return;
	health_reasons(d, m);
	fclose(m);
	state = health_state(d);
	if (asprintf(&now, "%s %s", state, reasons) < 0)
		now = NULL;
	if (now && strcmp(now, d->last_health ? d->last_health
					      : "running []") != 0) {
		feed_state(d->feed, state, reasons);
		free(d->last_health);
		d->last_health = now;
		now = NULL;
	}
	free(now);
	free(reasons);
}

void
health_free(struct daemon *d)
{
	free(d->last_health);
	d->last_health = NULL;
}
