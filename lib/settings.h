/*
 * settings.h - what a thumbnail looks like and which sources are taken.
 *
 * One struct shared by the batch front end, the daemon's config loader and
 * the pool: the sizes, the output encoding, the source filter and the
 * limits of design.md §3.  settings_init() fills in every default; the config
 * loader and command-line options overwrite fields.  Strings in a settings
 * struct (filter patterns) are owned by it and freed by settings_free().
 */
#ifndef THUMPER_SETTINGS_H
#define THUMPER_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/filter.h"

enum thumb_format {
	THUMB_FORMAT_AUTO = 0,
	THUMB_FORMAT_JPEG,
	THUMB_FORMAT_PNG,
	THUMB_FORMAT_WEBP,
	THUMB_FORMAT_AVIF,
};

enum thumb_crop {
	THUMB_CROP_NONE = 0,
	THUMB_CROP_CENTRE,
	THUMB_CROP_ATTENTION,
};

/*
 * The JPEG fast path's decode scale (design.md §9): EXACT takes the scale
 * libvips would, DRAFT the smallest that still covers the box, OFF leaves
 * every JPEG to libvips.  Not a thumper.conf key: thumper and thumperd
 * take it from THUMPER_JPEG_FAST and hand it to the workers in SETUP
 * (outputs_pool_options()).
 */
enum thumb_jpeg_fast {
	THUMB_JPEG_FAST_EXACT = 0,
	THUMB_JPEG_FAST_DRAFT,
	THUMB_JPEG_FAST_OFF,
};

/*
 * A placeholder stored with each thumbnail (design.md §10): NONE, or a
 * ThumbHash in the user.thumper.thumbhash extended attribute.
 */
enum thumb_placeholder {
	THUMB_PLACEHOLDER_NONE = 0,
	THUMB_PLACEHOLDER_THUMBHASH,
};

/* The extended attribute of each thumbnail that holds its ThumbHash,
 * base64: the worker writes it, thumperd reads it back for a wait. */
#define SETTINGS_PLACEHOLDER_XATTR "user.thumper.thumbhash"

#define SETTINGS_MAX_SIZES 16
#define SETTINGS_NAME_MAX 64

struct size_spec {
	char name[SETTINGS_NAME_MAX];	/* folder under DEST when nsizes > 1 */
	int width;
	int height;
	enum thumb_format format;	/* AUTO: take settings.format */
	int quality;			/* 0: take settings.quality */
};

struct limits {
	uint64_t max_pixels;
	unsigned max_file_mb;
	unsigned job_timeout;		/* seconds */
	unsigned max_attempts;
	unsigned worker_max_jobs;
	unsigned worker_memory_mb;
	unsigned vips_threads;
	bool untrusted_loaders;
};

struct settings {
	struct size_spec sizes[SETTINGS_MAX_SIZES];
	size_t nsizes;
	enum thumb_format format;
	int quality;
	enum thumb_crop crop;
	bool keep_metadata;
	enum thumb_placeholder placeholder;
	struct filter filter;
	struct limits limits;
};

/* Fills every field with the design.md §3 defaults.  Returns 0 or -ENOMEM. */
int settings_init(struct settings *s);
void settings_free(struct settings *s);

/*
 * Name <-> enum.  The parse functions return 0 and set *out, or -EINVAL
 * for a name they do not know.  Names are "auto", "jpeg", "png", "webp",
 * "avif"; "none", "centre", "attention"; "none", "thumbhash".  Parsing
 * ignores case and also takes "jpg" and "center"; the name functions
 * give the canonical lower case name (a static string).
 */
int settings_parse_format(const char *name, enum thumb_format *out);
int settings_parse_crop(const char *name, enum thumb_crop *out);
int settings_parse_placeholder(const char *name, enum thumb_placeholder *out);
const char *settings_format_name(enum thumb_format f);
const char *settings_crop_name(enum thumb_crop c);
const char *settings_placeholder_name(enum thumb_placeholder p);

/*
 * A THUMPER_JPEG_FAST value: NULL, "", "1" or "exact" → EXACT; "draft" →
 * DRAFT; "0" or "off" → OFF (case matters).  Returns 0 and sets *out, or
 * -EINVAL.
 */
int settings_parse_jpeg_fast(const char *name, enum thumb_jpeg_fast *out);

/*
 * Parses "WxH" (both 1..100000, decimal, 'x' or 'X'); a lone "N" means
 * "NxN".  Returns 0 and sets both, or -EINVAL and sets neither.
 */
int settings_parse_box(const char *text, int *width, int *height);

/* The format and quality a size is written with, inheritance resolved
 * (format may still be AUTO: that is decided per source, see tpath.h). */
enum thumb_format settings_size_format(const struct settings *s, size_t i);
int settings_size_quality(const struct settings *s, size_t i);

#endif
