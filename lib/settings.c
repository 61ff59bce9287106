/*
 * settings.c - defaults and name parsing for the thumbnail settings (see
 * settings.h).
 *
 * The defaults here are the ones design.md §3 documents and etc/thumper.conf
 * repeats; change all three together.  Parsers are strict: a value either
 * parses completely or is refused, so a typo never becomes a default.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/settings.h"

#define BOX_MAX 100000

static const char *const format_names[] = {
	[THUMB_FORMAT_AUTO] = "auto",
	[THUMB_FORMAT_JPEG] = "jpeg",
	[THUMB_FORMAT_PNG] = "png",
	[THUMB_FORMAT_WEBP] = "webp",
	[THUMB_FORMAT_AVIF] = "avif",
};

static const char *const crop_names[] = {
	[THUMB_CROP_NONE] = "none",
	[THUMB_CROP_CENTRE] = "centre",
	[THUMB_CROP_ATTENTION] = "attention",
};

static const char *const placeholder_names[] = {
	[THUMB_PLACEHOLDER_NONE] = "none",
	[THUMB_PLACEHOLDER_THUMBHASH] = "thumbhash",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int settings_init(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->sizes[0].width = 200;
	s->sizes[0].height = 200;
	s->sizes[0].format = THUMB_FORMAT_AUTO;
	s->nsizes = 1;
	s->format = THUMB_FORMAT_AUTO;
	s->quality = 85;
	s->crop = THUMB_CROP_NONE;
	s->keep_metadata = false;
	s->placeholder = THUMB_PLACEHOLDER_NONE;
	s->limits = (struct limits){
		.max_pixels = 100000000,
		.max_file_mb = 512,
		.job_timeout = 60,
		.max_attempts = 2,
		.worker_max_jobs = 1000,
		.worker_memory_mb = 1024,
		.vips_threads = 1,
		.untrusted_loaders = false,
	};
	return filter_init_default(&s->filter);
}

void settings_free(struct settings *s)
{
	filter_free(&s->filter);
}

int settings_parse_format(const char *name, enum thumb_format *out)
{
	for (size_t i = 0; i < NELEM(format_names); i++) {
		if (strcasecmp(name, format_names[i]) == 0) {
			*out = (enum thumb_format)i;
			return 0;
		}
	}
	if (strcasecmp(name, "jpg") == 0) {
		*out = THUMB_FORMAT_JPEG;
		return 0;
	}
	return -EINVAL;
}

int settings_parse_crop(const char *name, enum thumb_crop *out)
{
	for (size_t i = 0; i < NELEM(crop_names); i++) {
		if (strcasecmp(name, crop_names[i]) == 0) {
			*out = (enum thumb_crop)i;
			return 0;
		}
	}
	if (strcasecmp(name, "center") == 0) {
		*out = THUMB_CROP_CENTRE;
		return 0;
	}
	return -EINVAL;
}

int settings_parse_placeholder(const char *name, enum thumb_placeholder *out)
{
	for (size_t i = 0; i < NELEM(placeholder_names); i++) {
		if (strcasecmp(name, placeholder_names[i]) == 0) {
			*out = (enum thumb_placeholder)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *settings_format_name(enum thumb_format f)
{
	if ((size_t)f < NELEM(format_names))
		return format_names[f];
	return "?";
}

const char *settings_crop_name(enum thumb_crop c)
{
	if ((size_t)c < NELEM(crop_names))
		return crop_names[c];
	return "?";
}

const char *settings_placeholder_name(enum thumb_placeholder p)
{
	if ((size_t)p < NELEM(placeholder_names))
		return placeholder_names[p];
	return "?";
}

int settings_parse_jpeg_fast(const char *name, enum thumb_jpeg_fast *out)
{
	if (name == NULL || *name == '\0' || strcmp(name, "1") == 0 ||
	    strcmp(name, "exact") == 0)
		*out = THUMB_JPEG_FAST_EXACT;
	else if (strcmp(name, "draft") == 0)
		*out = THUMB_JPEG_FAST_DRAFT;
	else if (strcmp(name, "0") == 0 || strcmp(name, "off") == 0)
		*out = THUMB_JPEG_FAST_OFF;
	else
		return -EINVAL;
	return 0;
}

/* Reads 1..BOX_MAX decimal digits at *p, advancing it.  0 or -EINVAL. */
static int parse_dim(const char **p, int *out)
{
	long v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		if (v > BOX_MAX)
			return -EINVAL;
		s++;
	}
	if (v < 1)
		return -EINVAL;
	*p = s;
	*out = (int)v;
	return 0;
}

int settings_parse_box(const char *text, int *width, int *height)
{
	const char *p = text;
	int w, h;

	if (parse_dim(&p, &w) < 0)
		return -EINVAL;
	if (*p == '\0') {
		h = w;
	} else {
		if (*p != 'x' && *p != 'X')
			return -EINVAL;
		p++;
		if (parse_dim(&p, &h) < 0 || *p != '\0')
			return -EINVAL;
	}
	*width = w;
	*height = h;
	return 0;
}

enum thumb_format settings_size_format(const struct settings *s, size_t i)
{
	if (s->sizes[i].format != THUMB_FORMAT_AUTO)
		return s->sizes[i].format;
	return s->format;
}

int settings_size_quality(const struct settings *s, size_t i)
{
	if (s->sizes[i].quality > 0)
		return s->sizes[i].quality;
	return s->quality;
}
