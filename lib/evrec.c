/*
 * evrec.c - event records (see evrec.h).
 */
#include <config.h>

#include <inttypes.h>
#include <time.h>

#include "lib/escape.h"
#include "lib/evrec.h"

static void
begin(FILE *f, const char *event)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(f, "{\"v\": %d, \"event\": \"%s\", \"time\": %lld.%03ld",
		EVREC_VERSION, event, (long long)ts.tv_sec,
		ts.tv_nsec / 1000000);
}

static void
field(FILE *f, const char *key, const char *value)
{
	fprintf(f, ", \"%s\": ", key);
	escape_json(f, value);
}

static void
paths(FILE *f, const char *key, evrec_paths p, size_t n)
{
	fprintf(f, ", \"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		escape_json(f, p[i]);
	}
	fputc(']', f);
}

static void
end(FILE *f)
{
	fputs("}\n", f);
}

void
evrec_done(FILE *f, const char *src, evrec_paths thumbs, size_t n,
	   int64_t ms, const char *thumbhash)
{
	begin(f, "done");
	field(f, "source", src);
	paths(f, "thumbnails", thumbs, n);
	if (ms >= 0)
		fprintf(f, ", \"ms\": %" PRId64, ms);
	if (thumbhash && *thumbhash)
		field(f, "thumbhash", thumbhash);
	end(f);
}

void
evrec_failed(FILE *f, const char *src, const char *reason)
{
	begin(f, "failed");
	field(f, "source", src);
	field(f, "reason", reason);
	end(f);
}

void
evrec_removed(FILE *f, const char *src, evrec_paths thumbs, size_t n)
{
	begin(f, "removed");
	field(f, "source", src);
	paths(f, "thumbnails", thumbs, n);
	end(f);
}

void
evrec_renamed(FILE *f, const char *from, const char *to,
	      evrec_paths from_thumbs, evrec_paths to_thumbs, size_t n,
	      bool moved, bool folder)
{
	begin(f, "renamed");
	field(f, "from", from);
	field(f, "to", to);
	paths(f, "from_thumbnails", from_thumbs, n);
	paths(f, "to_thumbnails", to_thumbs, n);
	fprintf(f, ", \"moved\": %s, \"folder\": %s", moved ? "true" : "false",
		folder ? "true" : "false");
	end(f);
}

void
evrec_state(FILE *f, const char *state, const char *reasons_json)
{
	begin(f, "state");
	field(f, "state", state);
	fprintf(f, ", \"reasons\": %s", reasons_json);
	end(f);
}

void
evrec_subscribed(FILE *f, const char *state)
{
	begin(f, "subscribed");
	field(f, "state", state);
	end(f);
}

void
evrec_lost(FILE *f, uint64_t count)
{
	begin(f, "lost");
	fprintf(f, ", \"count\": %" PRIu64, count);
	end(f);
}
