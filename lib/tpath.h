/*
 * tpath.h - where a source's thumbnail goes (design.md §4).
 *
 * DEST[/SIZE]/REL, where REL is the source's path relative to its root,
 * SIZE the size's name when there are several sizes, and the thumbnail
 * format's extension appended unless the source's
 * extension already is that format's (case-insensitive, jpg = jpeg,
 * tif = tiff).  The path is known without opening the image, so freshness
 * can be checked with stat alone.
 */
#ifndef THUMPER_TPATH_H
#define THUMPER_TPATH_H

#include <stddef.h>

#include "lib/settings.h"

/*
 * The format a source named NAME gets when FMT is requested: FMT itself
 * unless it is AUTO, then by extension: jpeg/jpg -> JPEG, png -> PNG,
 * webp -> WebP, gif -> PNG, anything else -> JPEG.
 */
enum thumb_format tpath_format(enum thumb_format fmt, const char *name);

/* The extension written for a format ("jpg", "png", "webp", "avif");
 * NULL for AUTO. */
const char *tpath_ext(enum thumb_format fmt);

/*
 * Writes the thumbnail path into out[0..outsz).  SIZE_DIR may be NULL or
 * "" (one size: DEST mirrors the source tree).  Returns the length
 * written; -EINVAL when FMT is AUTO, REL is not a plain relative path
 * (empty, absolute, a "." or ".." or empty component) or SIZE_DIR is not
 * one plain name; -ENAMETOOLONG when it does not fit in outsz or a
 * component would pass NAME_MAX.  On error out holds "".
 */
int tpath_build(char *out, size_t outsz, const char *dest, const char *size_dir,
		const char *rel, enum thumb_format fmt);

/*
 * The thumbnail of source REL (relative to its root) for size I of S,
 * under DEST.  This and tpath_thumb_dir() are the one place where a
 * size's folder is chosen: DEST itself when S has one size, DEST/<the
 * size's name> when it has several.  Returns tpath_build()'s result for
 * that folder, REL and the format S gives REL's name in size I.
 */
int tpath_thumb(char *out, size_t outsz, const struct settings *s, size_t i,
		const char *dest, const char *rel);

/*
 * The folder of size I of S that mirrors source folder REL, under DEST:
 * DEST[/SIZE][/REL] (REL "" is the size's own root).  Returns the length
 * written, -EINVAL for a REL that is not "" or a plain relative path, or
 * -ENAMETOOLONG; on error out holds "".
 */
int tpath_thumb_dir(char *out, size_t outsz, const struct settings *s,
		    size_t i, const char *dest, const char *rel);

/*
 * The thumbnail's file name for a source file named NAME (no folder) in
 * format FMT (not AUTO).  Returns its length, -EINVAL for AUTO, or
 * -ENAMETOOLONG (out too small, or the name would pass NAME_MAX).
 */
int tpath_name(char *out, size_t outsz, const char *name, enum thumb_format fmt);

#endif
