/*
 * tiffdecode.c - a libtiff handle of the TIFF fast path and its bands
 * (see tiffdecode.h).
 *
 * The file is read with pread() through libtiff's client procedures, not
 * mapped: a file truncated while it is read must end as libvips' error
 * or "changed while being read", never as SIGBUS in the worker.  Its
 * mapping procedure says no, and the open mode has 'm' for good measure.
 * libtiff's messages go to per-handle handlers: an error makes the path
 * fall back (libvips then says what is wrong), warnings are what libvips'
 * fail_on=error lets pass.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker/pngfilter.h"
#include "worker/tiffdecode.h"

/*
 * The most libtiff may allocate at once (a strip, a tile, the directory):
 * a file that needs more is left to libvips, which then says what it
 * thinks of it.
 */
#define MAX_ALLOC ((tmsize_t)256 << 20)

_Atomic unsigned long tiffdecode_lzw_units_for_tests;

static tmsize_t
read_cb(thandle_t h, void *buf, tmsize_t len)
{
	struct tiffsrc *s = h;
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
	struct tiffsrc *s = h;

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
	return ((struct tiffsrc *)h)->size;
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
	((struct tiffsrc *)data)->failed = 1;
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

int
tiffdec_open(struct tiffdec *d, int fd, size_t size)
{
	TIFFOpenOptions *opts;

	memset(d, 0, sizeof(*d));
	d->src.fd = fd;
	d->src.size = size;
	if ((opts = TIFFOpenOptionsAlloc()) == NULL)
		return -1;
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, MAX_ALLOC);
	TIFFOpenOptionsSetErrorHandlerExtR(opts, error_cb, &d->src);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, warning_cb, &d->src);
	d->t = TIFFClientOpenExt("source", "rm", &d->src, read_cb, write_cb,
				 seek_cb, close_cb, size_cb, map_cb, unmap_cb,
				 opts);
	TIFFOpenOptionsFree(opts);
	if (d->t == NULL || d->src.failed) {
		tiffdec_close(d);
		return -1;
	}
	return 0;
}

void
tiffdec_close(struct tiffdec *d)
{
	if (d->t != NULL)
		TIFFClose(d->t);
	if (d->inflater != NULL)
		libdeflate_free_decompressor(d->inflater);
	free(d->unit);
	free(d->z);
	free(d->lzw);
	d->t = NULL;
	d->unit = NULL;
	d->z = NULL;
	d->inflater = NULL;
	d->lzw = NULL;
}

static int
strips_layout(TIFF *t, int bands, struct tifflayout *l)
{
	uint16_t fill;
	uint32_t rps;

	TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
	TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
	if (rps > l->height)
		rps = l->height;
	l->unit_w = l->width;
	l->unit_h = rps;
	l->line = l->unit_line = (size_t)l->width * bands;
	l->across = 1;
	/* uncompressed: one pread of the strip, no codec copy */
	l->raw = l->uncompressed && fill == FILLORDER_MSB2LSB;
	return rps > 0 && TIFFScanlineSize(t) == (tmsize_t)l->line &&
	       TIFFStripSize(t) >= (tmsize_t)(l->line * rps) ? 0 : -1;
}

static int
tiles_layout(TIFF *t, int bands, struct tifflayout *l)
{
	if (!TIFFGetField(t, TIFFTAG_TILEWIDTH, &l->unit_w) ||
	    !TIFFGetField(t, TIFFTAG_TILELENGTH, &l->unit_h) ||
	    l->unit_w == 0 || l->unit_h == 0)
		return -1;
	l->across = ((size_t)l->width + l->unit_w - 1) / l->unit_w;
	l->unit_line = (size_t)l->unit_w * bands;
	l->line = l->across * l->unit_line;
	return TIFFTileSize(t) == (tmsize_t)(l->unit_line * l->unit_h) ? 0 : -1;
}

/*
 * Whether libdeflate or lzw.c takes T's units: deflate or LZW, bits in
 * the usual order, predictor 1 or 2 (on 8-bit samples), no unit larger
 * than MAX_ALLOC or the file.  Sets L's own, lzw, predictor and zmax.
 */
static void
own_layout(TIFF *t, uint64_t file_size, struct tifflayout *l)
{
	uint16_t comp, fill, predictor;
	uint32_t n = l->tiled ? TIFFNumberOfTiles(t) : TIFFNumberOfStrips(t);
	uint64_t zmax = 0;

	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
	if ((comp != COMPRESSION_ADOBE_DEFLATE && comp != COMPRESSION_DEFLATE &&
	     comp != COMPRESSION_LZW) || fill != FILLORDER_MSB2LSB)
		return;
	/* asked only of deflate and LZW: other codecs have no such tag */
	TIFFGetFieldDefaulted(t, TIFFTAG_PREDICTOR, &predictor);
	if (predictor != PREDICTOR_NONE && predictor != PREDICTOR_HORIZONTAL)
		return;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t len = TIFFGetStrileByteCount(t, i);

		zmax = len > zmax ? len : zmax;
	}
	if (zmax == 0 || zmax > (uint64_t)MAX_ALLOC || zmax > file_size)
		return;
	l->own = 1;
	l->lzw = comp == COMPRESSION_LZW;
	l->predictor = predictor;
	l->zmax = (size_t)zmax;
}

int
tifflayout_get(TIFF *t, uint32_t width, uint32_t height, int bands,
	       struct tifflayout *l)
{
	uint16_t comp;

	memset(l, 0, sizeof(*l));
	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	l->uncompressed = comp == COMPRESSION_NONE;
	l->width = width;
	l->height = height;
	l->tiled = TIFFIsTiled(t);
	if ((l->tiled ? tiles_layout(t, bands, l)
		      : strips_layout(t, bands, l)) != 0)
		return -1;
	l->count = (uint32_t)(((uint64_t)height + l->unit_h - 1) / l->unit_h);
	l->bands = bands;
	own_layout(t, ((struct tiffsrc *)TIFFClientdata(t))->size, l);
	return 0;
}

size_t
tifflayout_band_size(const struct tifflayout *l)
{
	return l->line * l->unit_h;
}

uint32_t
tifflayout_rows(const struct tifflayout *l, uint32_t k)
{
	uint32_t y = k * l->unit_h;

	return l->unit_h < l->height - y ? l->unit_h : l->height - y;
}

int
tiffdec_ready(struct tiffdec *d, const struct tifflayout *l)
{
	/* a strip decoded here has its predictor undone on the way out */
	int unit = l->tiled || l->predictor == PREDICTOR_HORIZONTAL;

	if (unit && d->unit == NULL &&
	    (d->unit = malloc(l->unit_line * l->unit_h)) == NULL)
		return -1;
	if (l->own && d->z == NULL && (d->z = malloc(l->zmax)) == NULL)
		return -1;
	if (l->own && l->lzw && d->lzw == NULL &&
	    (d->lzw = malloc(sizeof(*d->lzw))) == NULL)
		return -1;
	if (l->own && !l->lzw && d->inflater == NULL &&
	    (d->inflater = libdeflate_alloc_decompressor()) == NULL)
		return -1;
	return 0;
}

/*
 * Copies ROWS rows of a decoded unit at SRC into their place at DST,
 * undoing predictor 2 when PREDICTOR says so.
 */
static void
put_rows(const struct tifflayout *l, const uint8_t *src, uint8_t *dst,
	 uint32_t rows, int predictor)
{
	for (uint32_t r = 0; r < rows; r++) {
		const uint8_t *s = src + r * l->unit_line;
		uint8_t *o = dst + r * l->line;

		if (predictor == PREDICTOR_HORIZONTAL)	/* PNG's Sub */
			pngfilter_undo(1, s, o, NULL, l->unit_line,
				       (size_t)l->bands);
		else
			memcpy(o, s, l->unit_line);
	}
}

/*
 * Unit N (a strip or a tile) decoded by libdeflate or lzw.c into OUT,
 * exactly WANT bytes, its predictor left as it is.  Returns 0, or -1 to
 * leave the unit to libtiff.
 */
static int
own_unit(struct tiffdec *d, const struct tifflayout *l, uint32_t n,
	     uint8_t *out, size_t want)
{
	uint64_t off = TIFFGetStrileOffset(d->t, n);
	uint64_t len = TIFFGetStrileByteCount(d->t, n);
	size_t got = 0;

	if (len == 0 || len > l->zmax || off > d->src.size ||
	    len > d->src.size - off)
		return -1;
	while (got < len) {
		ssize_t r = pread(d->src.fd, d->z + got, (size_t)len - got,
				  (off_t)(off + got));

		if (r <= 0 && !(r < 0 && errno == EINTR))
			return -1;
		got += r > 0 ? (size_t)r : 0;
	}
	if (l->lzw) {
		if (lzw_decode(d->lzw, d->z, (size_t)len, out, want) != 0)
			return -1;
		atomic_fetch_add_explicit(&tiffdecode_lzw_units_for_tests, 1,
					  memory_order_relaxed);
		return 0;
	}
	return libdeflate_zlib_decompress(d->inflater, d->z, (size_t)len, out,
					  want, NULL) == LIBDEFLATE_SUCCESS
	       ? 0 : -1;
}

static int
strip(struct tiffdec *d, const struct tifflayout *l, uint32_t k, uint8_t *out)
{
	uint32_t rows = tifflayout_rows(l, k);
	tmsize_t want = (tmsize_t)(l->line * rows);
	tmsize_t got;

	if (l->own && l->predictor == PREDICTOR_NONE &&
	    own_unit(d, l, k, out, (size_t)want) == 0)
		return 0;
	if (l->own && l->predictor == PREDICTOR_HORIZONTAL &&
	    own_unit(d, l, k, d->unit, (size_t)want) == 0) {
		put_rows(l, d->unit, out, rows, l->predictor);
		return 0;
	}
	got = l->raw ? TIFFReadRawStrip(d->t, k, out, want)
		     : TIFFReadEncodedStrip(d->t, k, out, want);
	return got == want && !d->src.failed ? 0 : -1;
}

/* Tile row K, each tile decoded whole and copied into its columns. */
static int
tile_row(struct tiffdec *d, const struct tifflayout *l, uint32_t k,
	 uint8_t *out)
{
	tmsize_t tsize = (tmsize_t)(l->unit_line * l->unit_h);

	for (size_t i = 0; i < l->across; i++) {
		ttile_t n = TIFFComputeTile(d->t, (uint32_t)(i * l->unit_w),
					    k * l->unit_h, 0, 0);
		int predictor = l->predictor;	/* libtiff undoes its own */

		if (!l->own ||
		    own_unit(d, l, n, d->unit, (size_t)tsize) != 0) {
			if (TIFFReadEncodedTile(d->t, n, d->unit, tsize) !=
			    tsize || d->src.failed)
				return -1;
			predictor = PREDICTOR_NONE;
		}
		put_rows(l, d->unit, out + i * l->unit_line, l->unit_h,
			 predictor);
	}
	return 0;
}

int
tiffdec_band(struct tiffdec *d, const struct tifflayout *l, uint32_t k,
	     uint8_t *out)
{
	return l->tiled ? tile_row(d, l, k, out) : strip(d, l, k, out);
}
