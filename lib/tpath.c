/*
 * tpath.c - the thumbnail path of a source (see tpath.h, design.md §4).
 *
 * Everything is decided from the source's name, never its content, so a
 * freshness check is a stat.  The source's whole name is kept and the
 * format's extension appended when it differs, which keeps the mapping
 * one-to-one ("a.png" and "a.jpg" never meet).  Appending can push a
 * name past NAME_MAX even when the source's own name fits, so every
 * component of the result is measured.  Which folder a size goes to is
 * decided here too (tpath_thumb, tpath_thumb_dir), so jobs, renames,
 * removals and walks all agree on where a thumbnail is.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/tpath.h"

/* The extension of a base name, without its dot, or "" when there is
 * none.  A leading dot marks a hidden file, not an extension. */
static const char *extension(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot;

	if (slash)
		name = slash + 1;
	dot = strrchr(name, '.');
	if (!dot || dot == name)
		return "";
	return dot + 1;
}

static bool ext_is_jpeg(const char *ext)
{
	return strcasecmp(ext, "jpg") == 0 || strcasecmp(ext, "jpeg") == 0;
}

enum thumb_format tpath_format(enum thumb_format fmt, const char *name)
{
	const char *ext;

	if (fmt != THUMB_FORMAT_AUTO)
		return fmt;
	ext = extension(name);
	if (ext_is_jpeg(ext))
		return THUMB_FORMAT_JPEG;
	if (strcasecmp(ext, "png") == 0 || strcasecmp(ext, "gif") == 0)
		return THUMB_FORMAT_PNG;
	if (strcasecmp(ext, "webp") == 0)
		return THUMB_FORMAT_WEBP;
	return THUMB_FORMAT_JPEG;
}

const char *tpath_ext(enum thumb_format fmt)
{
	switch (fmt) {
	case THUMB_FORMAT_JPEG:
		return "jpg";
	case THUMB_FORMAT_PNG:
		return "png";
	case THUMB_FORMAT_WEBP:
		return "webp";
	case THUMB_FORMAT_AVIF:
		return "avif";
	case THUMB_FORMAT_AUTO:
		break;
	}
	return NULL;
}

/* Whether a source with extension EXT already names format FMT's files. */
static bool ext_matches(const char *ext, enum thumb_format fmt)
{
	if (fmt == THUMB_FORMAT_JPEG)
		return ext_is_jpeg(ext);
	return strcasecmp(ext, tpath_ext(fmt)) == 0;
}

/* REL must be a relative path of real names: no "." or ".." component
 * that could lead out of the dest tree, no empty name. */
static bool rel_is_safe(const char *rel)
{
	const char *p = rel;

	if (*rel == '\0' || *rel == '/')
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return p[-1] != '/';
}

static bool components_fit(const char *path)
{
	const char *p = path;

	while (*p) {
		size_t len = strcspn(p, "/");

		if (len > NAME_MAX)
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

/* DEST[/SIZE_DIR][/REL][.EXT]: the one way a dest path is put together. */
static int compose(char *out, size_t outsz, const char *dest,
		   const char *size_dir, const char *rel, const char *ext)
{
	size_t dlen = strlen(dest);
	const char *sep = dlen > 0 && dest[dlen - 1] == '/' ? "" : "/";
	int n = snprintf(out, outsz, "%s%s%s%s%s%s%s", dest,
			 size_dir || *rel ? sep : "", size_dir ? size_dir : "",
			 size_dir && *rel ? "/" : "", rel, ext ? "." : "",
			 ext ? ext : "");

	if (n < 0 || (size_t)n >= outsz || !components_fit(out)) {
		if (outsz > 0)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return n;
}

int tpath_build(char *out, size_t outsz, const char *dest, const char *size_dir,
		const char *rel, enum thumb_format fmt)
{
	const char *ext = tpath_ext(fmt);

	if (outsz > 0)
		out[0] = '\0';
	if (size_dir && *size_dir == '\0')
		size_dir = NULL;
	if (!ext || !rel_is_safe(rel) || (size_dir && !rel_is_safe(size_dir)) ||
	    (size_dir && strchr(size_dir, '/')))
		return -EINVAL;
	return compose(out, outsz, dest, size_dir, rel,
		       ext_matches(extension(rel), fmt) ? NULL : ext);
}

/* The folder size I of S is written under, below DEST: none with one size. */
static const char *size_dir(const struct settings *s, size_t i)
{
	return s->nsizes > 1 && s->sizes[i].name[0] ? s->sizes[i].name : NULL;
}

int tpath_thumb(char *out, size_t outsz, const struct settings *s, size_t i,
		const char *dest, const char *rel)
{
	return tpath_build(out, outsz, dest, size_dir(s, i), rel,
			   tpath_format(settings_size_format(s, i), rel));
}

int tpath_thumb_dir(char *out, size_t outsz, const struct settings *s,
		    size_t i, const char *dest, const char *rel)
{
	const char *size = size_dir(s, i);

	if (outsz > 0)
		out[0] = '\0';
	if ((*rel && !rel_is_safe(rel)) ||
	    (size && (!rel_is_safe(size) || strchr(size, '/'))))
		return -EINVAL;
	return compose(out, outsz, dest, size, rel, NULL);
}

int tpath_name(char *out, size_t outsz, const char *name, enum thumb_format fmt)
{
	const char *ext = tpath_ext(fmt);
	bool append;
	int n;

	if (!ext)
		return -EINVAL;
	append = !ext_matches(extension(name), fmt);
	n = snprintf(out, outsz, "%s%s%s", name, append ? "." : "",
		     append ? ext : "");
	if (n < 0 || (size_t)n >= outsz || n > NAME_MAX)
		return -ENAMETOOLONG;
	return n;
}
