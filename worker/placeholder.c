/*
 * placeholder.c - placeholders from libvips images, onto files (see
 * placeholder.h).
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include "worker/placeholder.h"
#include "worker/thumbhash.h"

size_t
placeholder_output(const struct thumb_output *outs, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if ((int64_t)outs[i].width * outs[i].height <
		    (int64_t)outs[best].width * outs[best].height)
			best = i;
	return best;
}

/*
 * 8-bit pixels of MEM: itself, or for 16-bit (and float) thumbnails of
 * 16-bit sources its sRGB or grey 8-bit version, which is small and in
 * memory.  Returns a new reference, or NULL.
 */
static VipsImage *
eight_bit(VipsImage *mem)
{
	VipsImage *t, *out;
	VipsInterpretation to = vips_image_get_bands(mem) < 3 ?
					VIPS_INTERPRETATION_B_W :
					VIPS_INTERPRETATION_sRGB;

	if (vips_image_get_format(mem) == VIPS_FORMAT_UCHAR) {
		g_object_ref(mem);
		return mem;
	}
	if (vips_colourspace(mem, &t, to, NULL) != 0)
		return NULL;
	out = vips_image_copy_memory(t);
	g_object_unref(t);
	return out;
}

int
placeholder_image(VipsImage **img, struct thumb_result *res)
{
	VipsImage *mem = vips_image_copy_memory(*img), *px;
	int bands;

	if (mem == NULL)
		return -1;
	g_object_unref(*img);
	*img = mem;
	if ((px = eight_bit(mem)) == NULL)
		return -1;
	bands = vips_image_get_bands(px);
	if (vips_image_get_format(px) != VIPS_FORMAT_UCHAR ||
	    thumbhash_image(vips_image_get_data(px), vips_image_get_width(px),
			    vips_image_get_height(px), bands,
			    VIPS_IMAGE_SIZEOF_LINE(px), THUMBHASH_FIT,
			    res->thumbhash) != 0) {
		res->thumbhash[0] = '\0';
		snprintf(res->note, sizeof(res->note),
			 "no placeholder for %d bands", bands);
	}
	g_object_unref(px);
	return 0;
}

int
placeholder_store(int fd, const char *b64, bool *unstored)
{
	if (fsetxattr(fd, SETTINGS_PLACEHOLDER_XATTR, b64, strlen(b64), 0) == 0)
		return 0;
	/* the same number on Linux; both are named for other systems */
	if (errno == ENOTSUP || errno == EOPNOTSUPP) {
		*unstored = true;
		return 0;
	}
	return -errno;
}
