/*
 * evrec.h - event records: what happened to a source, one JSON object a
 * line (NDJSON), written alike by thumperd's event stream (`thumperctl
 * events`, `thumperctl wait`) and by `thumper --events` (design.md §10).
 *
 * The records are an interface with a version, EVREC_VERSION, in every
 * record's "v".  Fields are added, never renamed or given a new meaning
 * without a new version; readers ignore fields they do not know.  Every
 * record is {"v", "event", "time" (seconds since the epoch, to the
 * millisecond)} and, by event:
 *
 *   done        source, thumbnails [paths], ms (the worker's time; not
 *               there when a wait is answered for thumbnails made
 *               before it), thumbhash (base64; with placeholders on)
 *   failed      source, reason
 *   removed     source, thumbnails (those removed with it; [] when
 *               mirror_deletes is off)
 *   renamed     from, to, from_thumbnails, to_thumbnails, moved (true:
 *               the thumbnails were renamed along; false: they are made
 *               afresh, and done records follow), folder (true: a
 *               folder, with its thumbnail folders, one per size)
 *   state       state ("running", "degraded", "paused"), reasons [text]
 *   subscribed  state (the first record of a stream)
 *   lost        count (the last record of a stream dropped for not
 *               reading: how many records it missed)
 *
 * Strings are escaped as escape_json() does.  Each function writes one
 * whole record and its newline to F.
 */
#ifndef THUMPER_EVREC_H
#define THUMPER_EVREC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EVREC_VERSION 1

/* Thumbnail paths, as outputs.h and tpath.h keep them. */
typedef const char (*evrec_paths)[PATH_MAX];

/* MS < 0: not known.  THUMBHASH NULL or "": none. */
void evrec_done(FILE *f, const char *src, evrec_paths thumbs, size_t n,
		int64_t ms, const char *thumbhash);
void evrec_failed(FILE *f, const char *src, const char *reason);
void evrec_removed(FILE *f, const char *src, evrec_paths thumbs, size_t n);
void evrec_renamed(FILE *f, const char *from, const char *to,
		   evrec_paths from_thumbs, evrec_paths to_thumbs, size_t n,
		   bool moved, bool folder);
/* REASONS_JSON is a JSON array of strings, written as it is. */
void evrec_state(FILE *f, const char *state, const char *reasons_json);
void evrec_subscribed(FILE *f, const char *state);
void evrec_lost(FILE *f, uint64_t count);

#endif
