/*
 * jpegfast.c - JPEG thumbnails from libjpeg-turbo (see jpegfast.h).
 *
 * Two ideas to keep in mind when changing it:
 *  - It must give what the libvips path gives, only sooner: the same
 *    sizes (libvips' jpegload rounding the scaled size down), the same DCT
 *    scale under the EXACT rule, then fastout.h's reduce, autorotation,
 *    crop and encode.  What it cannot match it refuses:
 *    JPEGFAST_FALLBACK, before or after decoding.
 *  - libjpeg reports errors by calling error_exit, which must not return:
 *    the decoder longjmps back to one setjmp in run(), and warnings do too
 *    (a truncated file only warns: "premature end of data").  So every
 *    resource lives in struct job, freed in one place whatever happened.
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <libexif/exif-data.h>

#include "lib/fsutil.h"
#include "lib/settings.h"
#include "worker/fastout.h"
#include "worker/icc.h"
#include "worker/jpegfast.h"
#include "worker/jpegscan.h"

#define CHUNK (64 * 1024)		/* read size: below the mmap threshold */

struct job {
	struct jpeg_decompress_struct di;
	struct jpeg_error_mgr jerr;
	struct jpeg_source_mgr src;
	jmp_buf jb;
	int have_di;

	struct fastout fo;	/* the outputs, and what makes them */
	enum thumb_jpeg_fast rule;

	int fd;			/* the source, read with pread() */
	off_t pos;		/* where the next chunk starts */
	uint8_t *chunk;		/* CHUNK bytes read from fd */
	const uint8_t *mem;	/* or the whole stream, when set */
	uint8_t *file;		/* the whole source, progressive files only */
	size_t filelen;
	uint8_t *reduced;	/* its reduced progressive stream, if any */
	size_t reducedlen;
	int bands;		/* 1 or 3 */
	int dw, dh;		/* the decoded size, as libvips has it */
	uint8_t *row;		/* one decoded scanline */
};

/* libjpeg's error and warning exits: leave for run()'s setjmp. */
static void
error_exit_cb(j_common_ptr c)
{
	struct job *j = c->client_data;

	longjmp(j->jb, 1);
}

static void
emit_message_cb(j_common_ptr c, int level)
{
	if (level < 0)
		error_exit_cb(c);	/* any warning: let libvips judge */
}

/*
 * The decoder's source: chunks of the file by pread() into one small
 * buffer (no copy of the whole file for the common, sequential case), or
 * a whole stream in memory once a progressive file was reduced.  Running
 * out of data is libjpeg's "premature end" warning: fall back.
 */
static void
src_init_cb(j_decompress_ptr c)
{
	(void)c;
}

static boolean
src_fill_cb(j_decompress_ptr c)
{
	struct job *j = c->client_data;
	ssize_t r = -1;

	if (j->mem == NULL)
		do
			r = pread(j->fd, j->chunk, CHUNK, j->pos);
		while (r < 0 && errno == EINTR);
	if (r <= 0)
		WARNMS(c, JWRN_JPEG_EOF);
	j->pos += r;
	j->src.next_input_byte = j->chunk;
	j->src.bytes_in_buffer = (size_t)r;
	return TRUE;
}

static void
src_skip_cb(j_decompress_ptr c, long n)
{
	struct job *j = c->client_data;

	if (n <= 0)
		return;
	if ((size_t)n <= j->src.bytes_in_buffer) {
		j->src.next_input_byte += n;
		j->src.bytes_in_buffer -= (size_t)n;
		return;
	}
	if (j->mem != NULL)
		WARNMS(c, JWRN_JPEG_EOF);
	j->pos += (off_t)((size_t)n - j->src.bytes_in_buffer);
	j->src.bytes_in_buffer = 0;
}

static void
src_term_cb(j_decompress_ptr c)
{
	(void)c;
}

/* Decodes from here on from LEN bytes at MEM. */
static void
src_use_memory(struct job *j, const uint8_t *mem, size_t len)
{
	j->mem = mem;
	j->src.next_input_byte = mem;
	j->src.bytes_in_buffer = len;
}

/*
 * The EXIF orientation of IFD0 as libvips reads it (libexif, clipped to
 * 1..8), from the first APP1 Exif segment; 1 without one.
 */
static int
exif_orientation(struct jpeg_decompress_struct *di)
{
	for (jpeg_saved_marker_ptr m = di->marker_list; m; m = m->next) {
		ExifData *ed;
		ExifEntry *e;
		int o = 1;

		if (m->marker != JPEG_APP0 + 1 || m->data_length < 6 ||
		    memcmp(m->data, "Exif\0\0", 6) != 0)
			continue;
		if ((ed = exif_data_new()) == NULL)
			return 1;
		exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
		exif_data_load_data(ed, m->data, m->data_length);
		e = exif_content_get_entry(ed->ifd[EXIF_IFD_0],
					   EXIF_TAG_ORIENTATION);
		if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->size >= 2)
			o = exif_get_short(e->data, exif_data_get_byte_order(ed));
		exif_data_unref(ed);
		return o < 1 ? 1 : o > 8 ? 8 : o;
	}
	return 1;
}

/* The DCT scale denominator (1, 2, 4 or 8) for the outputs under RULE. */
static int
choose_scale(const struct job *j, int w, int h)
{
	int best = 8;

	for (size_t i = 0; i < j->fo.n; i++) {
		double hs, vs, s;
		int k;

		fastout_first(&j->fo, w, h, i, &hs, &vs);
		s = hs < vs ? hs : vs;
		if (j->rule == THUMB_JPEG_FAST_DRAFT)
			k = s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
		else	/* vips_thumbnail_find_jpegshrink() */
			k = s >= 16 ? 8 : s >= 8 ? 4 : s >= 4 ? 2 : 1;
		if (k < best)
			best = k;
	}
	return best;
}

static void
decode_params(struct job *j, int k)
{
	j->di.scale_num = 1;
	j->di.scale_denom = (unsigned)k;
	j->di.dct_method = JDCT_ISLOW;
	j->di.do_block_smoothing = FALSE;
	j->di.out_color_space = j->bands == 1 ? JCS_GRAYSCALE : JCS_RGB;
}

/*
 * Reads the header and decides.  Returns 0 to go on, -1 to fall back.
 */
static int
open_source(struct job *j, int *k)
{
	struct jpeg_decompress_struct *di = &j->di;
	JOCTET *icc = NULL;
	unsigned icclen = 0;

	di->src = &j->src;
	jpeg_save_markers(di, JPEG_APP0 + 1, 0xFFFF);
	jpeg_save_markers(di, JPEG_APP0 + 2, 0xFFFF);
	if (jpeg_read_header(di, TRUE) != JPEG_HEADER_OK)
		return -1;
	if (di->arith_code || di->data_precision != 8)
		return -1;
	if (di->num_components == 1 && di->jpeg_color_space == JCS_GRAYSCALE)
		j->bands = 1;
	else if (di->num_components == 3 && (di->jpeg_color_space == JCS_YCbCr ||
					     di->jpeg_color_space == JCS_RGB))
		j->bands = 3;
	else
		return -1;	/* CMYK, YCCK, odd component counts */
	if (jpeg_read_icc_profile(di, &icc, &icclen)) {
		char why[64];
		int ok = icc_judge(icc, icclen, j->bands == 1, why,
				   sizeof(why)) == ICC_AS_IS;

		free(icc);
		if (!ok)
			return -1;	/* libvips converts, or notes it */
	}
	j->fo.orientation = exif_orientation(di);
	*k = choose_scale(j, (int)di->image_width, (int)di->image_height);
	/* libvips' jpegload rounds the scaled size down */
	j->dw = (int)di->image_width / *k;
	j->dh = (int)di->image_height / *k;
	if (j->dw < 1 || j->dh < 1)
		return -1;
	decode_params(j, *k);
	return 0;
}

/* Reads the whole file into j->file; 0 or -1 (it changed, or I/O error). */
static int
read_file(struct job *j)
{
	if ((j->file = malloc(j->filelen)) == NULL)
		return -1;
	return fsutil_pread_full(j->fd, j->file, j->filelen, 0) == 0 ? 0 : -1;
}

/*
 * For a progressive file decoded at 1/K: restarts the decoder on the
 * stream of only the scans the scaled IDCTs read.  Returns 0 or -1.
 */
static int
reduce_scans(struct job *j, int k)
{
	struct jpeg_decompress_struct *di = &j->di;
	int sizes[JPEGSCAN_MAX_COMPONENTS];

	if (k == 1 || !jpeg_has_multiple_scans(di))
		return 0;
	if (di->num_components > JPEGSCAN_MAX_COMPONENTS)
		return -1;
	jpeg_calc_output_dimensions(di);
	for (int ci = 0; ci < di->num_components; ci++)
		sizes[ci] = di->comp_info[ci].DCT_scaled_size;
	if (read_file(j) != 0 ||
	    jpegscan_reduce(j->file, j->filelen, sizes, di->num_components,
			    &j->reduced, &j->reducedlen, NULL) != 0)
		return -1;	/* truncated or malformed: libvips says why */
	jpeg_abort_decompress(di);
	if (j->reduced != NULL)
		src_use_memory(j, j->reduced, j->reducedlen);
	else
		src_use_memory(j, j->file, j->filelen);
	if (jpeg_read_header(di, TRUE) != JPEG_HEADER_OK)
		return -1;
	decode_params(j, k);
	return 0;
}

static void
decode(struct job *j)
{
	struct jpeg_decompress_struct *di = &j->di;

	jpeg_start_decompress(di);
	j->row = malloc((size_t)di->output_width * di->output_components);
	if (j->row == NULL || (int)di->output_width < j->dw ||
	    (int)di->output_height < j->dh)
		ERREXIT(di, JERR_OUT_OF_MEMORY);
	while (di->output_scanline < di->output_height) {
		JSAMPROW rows[1] = { j->row };
		int y = (int)di->output_scanline;

		if (jpeg_read_scanlines(di, rows, 1) != 1)
			ERREXIT(di, JERR_INPUT_EMPTY);
		if (y < j->dh)
			fastout_push(&j->fo, j->row);
	}
	jpeg_finish_decompress(di);
}

/* Everything that can longjmp, behind one setjmp.  Returns 0 or -1. */
static int
run(struct job *j)
{
	int k;

	if (setjmp(j->jb) != 0)
		return -1;
	j->di.client_data = j;	/* kept by jpeg_create_*() */
	jpeg_create_decompress(&j->di);
	j->have_di = 1;
	if (open_source(j, &k) != 0 || reduce_scans(j, k) != 0 ||
	    fastout_start(&j->fo, j->dw, j->dh, j->bands) != 0)
		return -1;
	decode(j);
	return 0;
}

enum jpegfast_status
jpegfast_make(enum thumb_jpeg_fast rule, const struct thumb_config *cfg,
	      int fd, size_t size, const struct thumb_output *outs, size_t n,
	      void **bufs, size_t *lens, char *hash)
{
	static const uint8_t magic[3] = { 0xFF, 0xD8, 0xFF };
	struct job *j;
	uint8_t head[3];
	int rc = -1;

	if (rule == THUMB_JPEG_FAST_OFF || !fastout_handles(cfg, outs, n, NULL) ||
	    size < sizeof(head) ||
	    pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, magic, sizeof(magic)) != 0)
		return JPEGFAST_FALLBACK;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return JPEGFAST_FALLBACK;
	j->rule = rule;
	fastout_init(&j->fo, cfg, outs, n);
	j->fd = fd;
	j->filelen = size;
	j->di.err = jpeg_std_error(&j->jerr);
	j->jerr.error_exit = error_exit_cb;
	j->jerr.emit_message = emit_message_cb;
	j->src.init_source = src_init_cb;
	j->src.fill_input_buffer = src_fill_cb;
	j->src.skip_input_data = src_skip_cb;
	j->src.resync_to_restart = jpeg_resync_to_restart;
	j->src.term_source = src_term_cb;
	if ((j->chunk = malloc(CHUNK)) != NULL && run(j) == 0)
		rc = fastout_finish(&j->fo, bufs, lens, hash);
	if (j->have_di)
		jpeg_destroy_decompress(&j->di);
	fastout_free(&j->fo);
	free(j->row);
	free(j->reduced);
	free(j->file);
	free(j->chunk);
	free(j);
	return rc == 0 ? JPEGFAST_OK : JPEGFAST_FALLBACK;
}
