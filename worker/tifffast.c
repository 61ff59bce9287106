/*
 * tifffast.c - TIFF thumbnails from libtiff and fastout.h (see tifffast.h).
 *
 * The file is read with pread() through libtiff's client procedures, not
 * mapped: a file truncated while it is read must end as libvips' error
 * or "changed while being read", never as SIGBUS in the worker.  Its
 * mapping procedure says no, and the open mode has 'm' for good measure.
 * libtiff's messages go to per-file handlers: an error makes the path
 * fall back (libvips then says what is wrong), warnings are what libvips'
 * fail_on=error lets pass.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "worker/fastout.h"
#include "worker/icc.h"
#include "worker/tifffast.h"

/*
 * The most libtiff may allocate at once (a strip, a tile, the directory):
 * a file that needs more is left to libvips, which then says what it
 * thinks of it.
 */
#define MAX_ALLOC ((tmsize_t)256 << 20)

struct src {
	int fd;
	uint64_t size;
	uint64_t pos;
	int failed;		/* libtiff reported an error */
};

static tmsize_t
read_cb(thandle_t h, void *buf, tmsize_t len)
{
	struct src *s = h;
	ssize_t r;

	do
		r = pread(s->fd, buf, (size_t)len, (off_t)s->pos);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		s->pos += (uint64_t)r;
	return r;
}

static tmsize_t
write_cb(thandle_t h, void *buf, tmsize_t len)
{
	(void)h;
	(void)buf;
	(void)len;
	return -1;
}

static toff_t
seek_cb(thandle_t h, toff_t off, int whence)
{
	struct src *s = h;

	switch (whence) {
	case SEEK_SET:
		s->pos = off;
		break;
	case SEEK_CUR:
		s->pos += off;
		break;
	case SEEK_END:
		s->pos = s->size + off;
		break;
	default:
		return (toff_t)-1;
	}
	return s->pos;
}

static int
close_cb(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t
size_cb(thandle_t h)
{
	return ((struct src *)h)->size;
}

static int
map_cb(thandle_t h, void **base, toff_t *len)
{
	(void)h;
	(void)base;
	(void)len;
	return 0;
}

static void
unmap_cb(thandle_t h, void *base, toff_t len)
{
	(void)h;
	(void)base;
	(void)len;
}

static int
error_cb(TIFF *t, void *data, const char *module, const char *fmt, va_list ap)
{
	(void)t;
	(void)module;
	(void)fmt;
	(void)ap;
	((struct src *)data)->failed = 1;
	return 1;	/* handled: not libvips' global handler */
}

static int
warning_cb(TIFF *t, void *data, const char *module, const char *fmt,
	   va_list ap)
{
	(void)t;
	(void)data;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

/*
 * Whether the current directory is an image this path makes exactly what
 * libvips makes of it; sets *BANDS, or *WHY and returns 0.
 */
static int
handles_image(TIFF *t, int *bands, const char **why)
{
	uint16_t bps, fmt, planar, photo, comp, spp, nextra, *extra;
	uint16_t nsub;
	uint64_t *subs;
	uint32_t icclen;
	void *icc;
	char judged[64];

	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &fmt);
	TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(t, TIFFTAG_EXTRASAMPLES, &nextra, &extra);
	if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo))
		*why = "no photometric tag";
	else if (!TIFFLastDirectory(t))
		*why = "more than one page";
	else if (TIFFGetField(t, TIFFTAG_SUBIFD, &nsub, &subs))
		*why = "SubIFDs";
	else if (bps != 8 || fmt != SAMPLEFORMAT_UINT)
		*why = "not 8-bit unsigned";
	else if (planar != PLANARCONFIG_CONTIG)
		*why = "separate planes";
	else if (nextra != 0)
		*why = "extra samples";
	else if (comp == COMPRESSION_JPEG || comp == COMPRESSION_OJPEG ||
		 !TIFFIsCODECConfigured(comp))
		*why = "compression";
	else if (photo == PHOTOMETRIC_RGB && spp == 3)
		*bands = 3;
	else if (photo == PHOTOMETRIC_MINISBLACK && spp == 1)
		*bands = 1;
	else
		*why = "photometric";
	/* a profile that is sRGB by its colours changes nothing (icc.h) */
	if (*why == NULL && TIFFGetField(t, TIFFTAG_ICCPROFILE, &icclen, &icc) &&
	    icc_judge(icc, icclen, *bands == 1, judged, sizeof(judged)) !=
	    ICC_AS_IS)
		*why = "ICC profile";
	return *why == NULL;
}

/* Feeds the strips, each decoded into one buffer.  Returns 0 or -1. */
static int
push_strips(TIFF *t, struct src *s, struct fastout *fo, uint32_t w,
	    uint32_t h, int bands)
{
	uint16_t comp, fill;
	uint32_t rps;
	tmsize_t line = (tmsize_t)w * bands, ssize = TIFFStripSize(t);
	uint8_t *buf;
	int raw, rc = 0;

	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
	TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
	if (rps > h)
		rps = h;
	/* uncompressed: one pread of the strip, no codec copy */
	raw = comp == COMPRESSION_NONE && fill == FILLORDER_MSB2LSB;
	if (TIFFScanlineSize(t) != line || ssize < line * (tmsize_t)rps ||
	    (buf = malloc((size_t)ssize)) == NULL)
		return -1;
	for (uint32_t strip = 0, y = 0; y < h && rc == 0; strip++) {
		uint32_t rows = rps < h - y ? rps : h - y;
		tmsize_t want = line * (tmsize_t)rows;
		tmsize_t got = raw ? TIFFReadRawStrip(t, strip, buf, want)
				   : TIFFReadEncodedStrip(t, strip, buf, want);

		if (got != want || s->failed) {
			rc = -1;
			break;
		}
		for (uint32_t r = 0; r < rows; r++)
			fastout_push(fo, buf + (size_t)r * (size_t)line);
		y += rows;
	}
	free(buf);
	return rc;
}

/*
 * Feeds a row of tiles at a time, gathered into one band of whole rows.
 * Returns 0 or -1.
 */
static int
push_tiles(TIFF *t, struct src *s, struct fastout *fo, uint32_t w,
	   uint32_t h, int bands)
{
	uint32_t tw, th;
	uint8_t *tile = NULL, *band = NULL;
	size_t across, tline, stride;
	tmsize_t tsize = TIFFTileSize(t);
	int rc = -1;

	if (!TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw) ||
	    !TIFFGetField(t, TIFFTAG_TILELENGTH, &th) || tw == 0 || th == 0)
		return -1;
	across = ((size_t)w + tw - 1) / tw;
	tline = (size_t)tw * bands;
	stride = across * tline;
	if (tsize != (tmsize_t)(tline * th) ||
	    (tile = malloc((size_t)tsize)) == NULL ||
	    (band = malloc(stride * th)) == NULL)
		goto out;
	for (uint32_t y = 0; y < h; y += th) {
		uint32_t rows = th < h - y ? th : h - y;

		for (size_t i = 0; i < across; i++) {
			ttile_t k = TIFFComputeTile(t, (uint32_t)(i * tw), y, 0, 0);

			if (TIFFReadEncodedTile(t, k, tile, tsize) != tsize ||
			    s->failed)
				goto out;
			for (uint32_t r = 0; r < th; r++)
				memcpy(band + r * stride + i * tline,
				       tile + r * tline, tline);
		}
		for (uint32_t r = 0; r < rows; r++)
			fastout_push(fo, band + r * stride);
	}
	rc = 0;
out:
	free(band);
	free(tile);
	return rc;
}

/* Decodes into FO and encodes (HASH: fastout_finish()).  Returns 0, or
 * -1 with *WHY set. */
static int
run(TIFF *t, struct src *s, struct fastout *fo, void **bufs, size_t *lens,
    char *hash, const char **why)
{
	uint32_t w, h;
	uint16_t orientation;
	int bands;

	*why = NULL;
	if (!handles_image(t, &bands, why))
		return -1;
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
	TIFFGetFieldDefaulted(t, TIFFTAG_ORIENTATION, &orientation);
	fo->orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
	*why = "too large";
	if (w == 0 || h == 0 || w > INT32_MAX / 4 || h > INT32_MAX / 4 ||
	    (fo->cfg->max_pixels > 0 &&
	     (uint64_t)w * h > fo->cfg->max_pixels))
		return -1;
	*why = "decode error";
	if (fastout_start(fo, (int)w, (int)h, bands) != 0)
		return -1;
	if ((TIFFIsTiled(t) ? push_tiles(t, s, fo, w, h, bands)
			    : push_strips(t, s, fo, w, h, bands)) != 0)
		return -1;
	*why = "encode error";
	if (fastout_finish(fo, bufs, lens, hash) != 0)
		return -1;
	*why = NULL;
	return 0;
}

static int
is_tiff(int fd, size_t size)
{
	uint8_t head[4];

	if (size < sizeof(head) ||
	    pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		return 0;
	return (head[0] == 'I' && head[1] == 'I' && head[3] == 0 &&
		(head[2] == 42 || head[2] == 43)) ||
	       (head[0] == 'M' && head[1] == 'M' && head[2] == 0 &&
		(head[3] == 42 || head[3] == 43));
}

enum tifffast_status
tifffast_make(const struct thumb_config *cfg, int fd, size_t size,
	      const struct thumb_output *outs, size_t n, void **bufs,
	      size_t *lens, char *hash, const char **why)
{
	struct src s = { .fd = fd, .size = size };
	struct fastout fo;
	TIFFOpenOptions *opts;
	TIFF *t = NULL;
	int rc = -1;

	*why = NULL;
	if (!is_tiff(fd, size))
		return TIFFFAST_FALLBACK;	/* not ours: nothing to say */
	if (!fastout_handles(cfg, outs, n, NULL)) {
		*why = "outputs";
		return TIFFFAST_FALLBACK;
	}
	*why = "out of memory";
	if ((opts = TIFFOpenOptionsAlloc()) == NULL)
		return TIFFFAST_FALLBACK;
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, MAX_ALLOC);
	TIFFOpenOptionsSetErrorHandlerExtR(opts, error_cb, &s);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, warning_cb, &s);
	fastout_init(&fo, cfg, outs, n);
	t = TIFFClientOpenExt("source", "rm", &s, read_cb, write_cb, seek_cb,
			      close_cb, size_cb, map_cb, unmap_cb, opts);
	if (t == NULL || s.failed)
		*why = "libtiff cannot open it";
	else
		rc = run(t, &s, &fo, bufs, lens, hash, why);
	if (t != NULL)
		TIFFClose(t);
	TIFFOpenOptionsFree(opts);
	fastout_free(&fo);
	return rc == 0 ? TIFFFAST_OK : TIFFFAST_FALLBACK;
}
