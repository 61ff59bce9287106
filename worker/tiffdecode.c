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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker/tiffdecode.h"

/*
 * The most libtiff may allocate at once (a strip, a tile, the directory):
 * a file that needs more is left to libvips, which then says what it
 * thinks of it.
 */
#define MAX_ALLOC ((tmsize_t)256 << 20)

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
	free(d->tile);
	d->t = NULL;
	d->tile = NULL;
}

static int
strips_layout(TIFF *t, int bands, struct tifflayout *l)
{
	uint16_t comp, fill;
	uint32_t rps;

	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
	TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
	if (rps > l->height)
		rps = l->height;
	l->unit_w = l->width;
	l->unit_h = rps;
	l->line = l->unit_line = (size_t)l->width * bands;
	l->across = 1;
	/* uncompressed: one pread of the strip, no codec copy */
	l->raw = comp == COMPRESSION_NONE && fill == FILLORDER_MSB2LSB;
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

int
tifflayout_get(TIFF *t, uint32_t width, uint32_t height, int bands,
	       struct tifflayout *l)
{
	memset(l, 0, sizeof(*l));
	l->width = width;
	l->height = height;
	l->tiled = TIFFIsTiled(t);
	if ((l->tiled ? tiles_layout(t, bands, l)
		      : strips_layout(t, bands, l)) != 0)
		return -1;
	l->count = (uint32_t)(((uint64_t)height + l->unit_h - 1) / l->unit_h);
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
	if (l->tiled && d->tile == NULL &&
	    (d->tile = malloc(l->unit_line * l->unit_h)) == NULL)
		return -1;
	return 0;
}

static int
strip(struct tiffdec *d, const struct tifflayout *l, uint32_t k, uint8_t *out)
{
	tmsize_t want = (tmsize_t)(l->line * tifflayout_rows(l, k));
	tmsize_t got = l->raw ? TIFFReadRawStrip(d->t, k, out, want)
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

		if (TIFFReadEncodedTile(d->t, n, d->tile, tsize) != tsize ||
		    d->src.failed)
			return -1;
		for (uint32_t r = 0; r < l->unit_h; r++)
			memcpy(out + r * l->line + i * l->unit_line,
			       d->tile + r * l->unit_line, l->unit_line);
	}
	return 0;
}

int
tiffdec_band(struct tiffdec *d, const struct tifflayout *l, uint32_t k,
	     uint8_t *out)
{
	return l->tiled ? tile_row(d, l, k, out) : strip(d, l, k, out);
}
