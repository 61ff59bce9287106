/*
 * tifffast.c - TIFF thumbnails from libtiff and fastout.h (see tifffast.h).
 *
 * This file decides whether the path takes the image; tiffdecode.c reads
 * the file and decodes its strips or tiles, tiffstrips.c on a few threads.
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "worker/fastout.h"
#include "worker/icc.h"
#include "worker/tiffdecode.h"
#include "worker/tifffast.h"
#include "worker/tiffstrips.h"

/*
 * Whether the EXTRA samples of an image of SPP samples, COLOURS of them
 * colour, are what this path reads: none, or one alpha last.  libvips
 * takes the fourth (second) band of RGB (grey) for alpha whatever its
 * tag says, but unpremultiplies associated alpha, which fastout.h does
 * not.
 */
static bool
plain_alpha(uint16_t spp, int colours, uint16_t nextra, const uint16_t *extra)
{
	if (spp != colours + nextra)
		return false;
	return nextra == 0 ||
	       (nextra == 1 && (extra[0] == EXTRASAMPLE_UNASSALPHA ||
				extra[0] == EXTRASAMPLE_UNSPECIFIED));
}

/*
 * Whether the current directory is an image this path makes exactly what
 * libvips makes of it; sets *BANDS (1 to 4, 2 and 4 ending in alpha), or
 * *WHY and returns 0.
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
	else if (comp == COMPRESSION_JPEG || comp == COMPRESSION_OJPEG ||
		 !TIFFIsCODECConfigured(comp))
		*why = "compression";
	else if (photo != PHOTOMETRIC_RGB && photo != PHOTOMETRIC_MINISBLACK)
		*why = "photometric";
	else if (!plain_alpha(spp, photo == PHOTOMETRIC_RGB ? 3 : 1, nextra,
			      extra))
		*why = "extra samples";
	else
		*bands = spp;
	/* a profile that is sRGB by its colours changes nothing (icc.h) */
	if (*why == NULL && TIFFGetField(t, TIFFTAG_ICCPROFILE, &icclen, &icc) &&
	    icc_judge(icc, icclen, *bands <= 2, judged, sizeof(judged)) !=
	    ICC_AS_IS)
		*why = "ICC profile";
	return *why == NULL;
}

/* Decodes into FO and encodes (HASH: fastout_finish()).  Returns 0, or
 * -1 with *WHY set. */
static int
run(struct tiffdec *d, struct fastout *fo, void **bufs, size_t *lens,
    char *hash, const char **why)
{
	TIFF *t = d->t;
	struct tifflayout l;
	unsigned threads = fo->cfg->tiff_threads > 0 ? fo->cfg->tiff_threads
						     : tiffstrips_threads();
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
	if (tifflayout_get(t, w, h, bands, &l) != 0 ||
	    fastout_start(fo, (int)w, (int)h, bands) != 0 ||
	    tiffstrips_push(d, &l, threads, fo) != 0)
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
	struct tiffdec d;
	struct fastout fo;
	int rc = -1;

	*why = NULL;
	if (!is_tiff(fd, size))
		return TIFFFAST_FALLBACK;	/* not ours: nothing to say */
	if (!fastout_handles(cfg, outs, n, NULL)) {
		*why = "outputs";
		return TIFFFAST_FALLBACK;
	}
	fastout_init(&fo, cfg, outs, n);
	if (tiffdec_open(&d, fd, size) != 0)
		*why = "libtiff cannot open it";
	else
		rc = run(&d, &fo, bufs, lens, hash, why);
	tiffdec_close(&d);
	fastout_free(&fo);
	return rc == 0 ? TIFFFAST_OK : TIFFFAST_FALLBACK;
}
