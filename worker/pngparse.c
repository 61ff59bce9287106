/*
 * pngparse.c - the chunk structure of a PNG (see pngparse.h).
 *
 * The rule everywhere: the fast path may only succeed where libvips'
 * loader (libpng 1.6, set up by libvips 8.14's vipspng.c) succeeds with
 * the same pixels, so whatever libpng rejects, warns about or treats
 * specially is a FALLBACK here, and libvips then gives today's result or
 * error.  Being stricter than libpng costs speed on an odd file, never a
 * wrong thumbnail.  The places where libpng is lenient in a way that
 * changes pixels are mirrored instead, and say so.
 */
#include <config.h>

#include <string.h>

#include <libdeflate.h>

#include "worker/pngparse.h"

#define TYPE(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define T_IHDR TYPE('I', 'H', 'D', 'R')
#define T_PLTE TYPE('P', 'L', 'T', 'E')
#define T_IDAT TYPE('I', 'D', 'A', 'T')
#define T_IEND TYPE('I', 'E', 'N', 'D')
#define T_tRNS TYPE('t', 'R', 'N', 'S')
#define T_iCCP TYPE('i', 'C', 'C', 'P')
#define T_acTL TYPE('a', 'c', 'T', 'L')
#define T_fcTL TYPE('f', 'c', 'T', 'L')
#define T_fdAT TYPE('f', 'd', 'A', 'T')
#define CRITICAL(t) (((t) & 0x20000000u) == 0)	/* first letter upper case */

#define PNG_MAX_LENGTH 0x7FFFFFFFu	/* chunk lengths are 31 bits */

struct chunk {
	uint32_t type;
	uint32_t len;
	const uint8_t *data;
};

/* Where the walk is, in the order the PNG specification requires. */
enum stage {
	BEFORE_IHDR,
	BEFORE_IDAT,
	IN_IDAT,
	AFTER_IDAT,
};

static const uint8_t signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };

/* Adam7: x0, y0, dx, dy of each pass. */
static const uint8_t adam7[PNGPARSE_PASSES][4] = {
	{ 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
	{ 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static int
is_letter(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * Reads the chunk at *OFF into C and moves *OFF past it.  libpng refuses
 * a chunk name that is not four letters and a length over 31 bits; its
 * CRC check of ancillary chunks only warns, but a warning is a FALLBACK.
 */
static int
next_chunk(const uint8_t *p, size_t len, size_t *off, struct chunk *c,
	   const char **why)
{
	const uint8_t *h = p + *off;

	if (len - *off < 12) {
		*why = "truncated";
		return -1;
	}
	c->len = be32(h);
	c->type = be32(h + 4);
	c->data = h + 8;
	if (c->len > PNG_MAX_LENGTH) {
		*why = "bad chunk length";
		return -1;
	}
	if (c->len > PNGPARSE_MAX_CHUNK) {
		*why = "chunk over 50 MiB";
		return -1;
	}
	if (len - *off - 12 < c->len) {
		*why = "truncated";
		return -1;
	}
	if (!is_letter(h[4]) || !is_letter(h[5]) || !is_letter(h[6]) ||
	    !is_letter(h[7])) {
		*why = "bad chunk name";
		return -1;
	}
	if (libdeflate_crc32(0, h + 4, 4 + (size_t)c->len) !=
	    be32(c->data + c->len)) {
		*why = "CRC error";
		return -1;
	}
	*off += 12 + (size_t)c->len;
	return 0;
}

/* png_check_IHDR(), and libvips' size limit. */
static int
parse_ihdr(const struct chunk *c, struct pngparse *png, const char **why)
{
	const uint8_t *d = c->data;
	int ok;

	*why = "bad IHDR";
	if (c->len != 13)
		return -1;
	png->width = be32(d);
	png->height = be32(d + 4);
	png->depth = d[8];
	png->colour = d[9];
	png->interlaced = d[12];
	if (png->width == 0 || png->height == 0 ||
	    png->width > PNGPARSE_MAX_SIDE || png->height > PNGPARSE_MAX_SIDE ||
	    d[10] != 0 || d[11] != 0 || d[12] > 1)
		return -1;
	switch (png->colour) {
	case 0:
		ok = png->depth == 1 || png->depth == 2 || png->depth == 4 ||
		     png->depth == 8 || png->depth == 16;
		png->channels = 1;
		break;
	case 3:
		ok = png->depth == 1 || png->depth == 2 || png->depth == 4 ||
		     png->depth == 8;
		png->channels = 1;
		break;
	case 2:
	case 4:
	case 6:
		ok = png->depth == 8 || png->depth == 16;
		png->channels = png->colour == 2 ? 3 : png->colour == 4 ? 2 : 4;
		break;
	default:
		ok = 0;
		break;
	}
	return ok ? 0 : -1;
}

/*
 * A PLTE chunk.  In an RGB image it is only a suggestion, which libpng
 * does not use for decoding; in a grey one libpng warns.  libpng
 * silently drops entries past 2^depth, and so does this.
 */
static int
parse_plte(const struct chunk *c, struct pngparse *png, const char **why)
{
	if (png->colour == 0 || png->colour == 4) {
		*why = "PLTE in a grey image";
		return -1;
	}
	if (c->len == 0 || c->len % 3 != 0 || c->len > 3 * 256) {
		*why = "bad PLTE";
		return -1;
	}
	if (png->colour != 3)
		return 0;
	png->plte = c->data;
	png->npalette = (int)c->len / 3;
	if (png->npalette > 1 << png->depth)
		png->npalette = 1 << png->depth;
	return 0;
}

/*
 * A tRNS chunk, where libpng would keep it: anything it drops with a
 * warning (wrong length, before PLTE, on an image with alpha) or warns
 * about (a grey or RGB value out of range for the depth) is a FALLBACK.
 */
static int
parse_trns(const struct chunk *c, struct pngparse *png, int have_plte,
	   const char **why)
{
	uint32_t max = (1u << png->depth) - 1;

	*why = "bad tRNS";
	switch (png->colour) {
	case 0:
		if (c->len != 2 || (png->depth < 16 && be16(c->data) > max))
			return -1;
		break;
	case 2:
		if (c->len != 6)
			return -1;
		for (int i = 0; i < 3 && png->depth < 16; i++)
			if (be16(c->data + 2 * i) > max)
				return -1;
		break;
	case 3:
		if (!have_plte || c->len == 0 || c->len > (uint32_t)png->npalette)
			return -1;
		break;
	default:
		*why = "tRNS with alpha";
		return -1;
	}
	png->trns = c->data;
	png->ntrns = (int)c->len;
	return 0;
}

uint64_t
pngparse_rowbytes(const struct pngparse *png, uint32_t w)
{
	return ((uint64_t)w * (uint64_t)png->channels * (uint64_t)png->depth +
		7) / 8;
}

void
pngparse_pass_grid(const struct pngparse *png, int pass, uint32_t *x0,
		   uint32_t *y0, uint32_t *dx, uint32_t *dy)
{
	if (!png->interlaced) {
		*x0 = *y0 = 0;
		*dx = *dy = 1;
		return;
	}
	*x0 = adam7[pass][0];
	*y0 = adam7[pass][1];
	*dx = adam7[pass][2];
	*dy = adam7[pass][3];
}

void
pngparse_pass(const struct pngparse *png, int pass, uint32_t *w, uint32_t *h)
{
	uint32_t x0, y0, dx, dy;

	if (!png->interlaced && pass != 0) {
		*w = *h = 0;
		return;
	}
	pngparse_pass_grid(png, pass, &x0, &y0, &dx, &dy);
	*w = png->width > x0 ? (png->width - x0 + dx - 1) / dx : 0;
	*h = png->height > y0 ? (png->height - y0 + dy - 1) / dy : 0;
	if (*w == 0 || *h == 0)
		*w = *h = 0;
}

/* What the walk found, turned into the sizes the decoder needs. */
static void
finish(struct pngparse *png)
{
	static const int bands[7] = { 1, 0, 3, 3, 2, 0, 4 };

	png->bands = bands[png->colour] + (png->trns != NULL);
	png->rawlen = 0;
	for (int pass = 0; pass < PNGPARSE_PASSES; pass++) {
		uint32_t w, h;

		pngparse_pass(png, pass, &w, &h);
		if (w > 0)
			png->rawlen += (uint64_t)h *
				       (1 + pngparse_rowbytes(png, w));
	}
}

/* One chunk after IHDR.  Returns 1 at IEND, 0 to go on, -1 to fall back. */
static int
take(const struct chunk *c, size_t at, struct pngparse *png, enum stage *st,
     int *have_plte, const char **why)
{
	if (c->type == T_IDAT) {
		if (*st == AFTER_IDAT) {
			*why = "IDAT not contiguous";
			return -1;
		}
		if (png->colour == 3 && !*have_plte) {
			*why = "missing PLTE";
			return -1;
		}
		if (*st == BEFORE_IDAT)
			png->idat = at;
		*st = IN_IDAT;
		png->nidat++;
		png->zlen += c->len;
		return 0;
	}
	if (*st == IN_IDAT)
		*st = AFTER_IDAT;
	switch (c->type) {
	case T_IEND:
		if (*st != AFTER_IDAT || c->len != 0) {
			*why = *st != AFTER_IDAT ? "no IDAT" : "bad IEND";
			return -1;
		}
		return 1;
	case T_IHDR:
		*why = "duplicate IHDR";
		return -1;
	case T_PLTE:
	case T_tRNS:
		if (*st != BEFORE_IDAT) {
			*why = "PLTE or tRNS after IDAT";
			return -1;
		}
		if (c->type == T_PLTE) {
			if (*have_plte) {
				*why = "duplicate PLTE";
				return -1;
			}
			*have_plte = 1;
			return parse_plte(c, png, why);
		}
		if (png->trns != NULL) {
			*why = "duplicate tRNS";
			return -1;
		}
		return parse_trns(c, png, *have_plte, why);
	case T_iCCP:
		if (*st != BEFORE_IDAT || png->iccp) {
			*why = "iCCP misplaced or repeated";
			return -1;
		}
		png->iccp = 1;
		return 0;
	case T_acTL:
	case T_fcTL:
	case T_fdAT:
		*why = "APNG";
		return -1;
	default:
		if (CRITICAL(c->type)) {
			*why = "unknown critical chunk";
			return -1;
		}
		return 0;
	}
}

int
pngparse_is_png(const uint8_t *p, size_t len)
{
	return len >= sizeof(signature) &&
	       memcmp(p, signature, sizeof(signature)) == 0;
}

enum pngparse_status
pngparse(const uint8_t *p, size_t len, struct pngparse *png, const char **why)
{
	enum stage st = BEFORE_IHDR;
	int have_plte = 0, rc = 0;
	size_t off = sizeof(signature);

	memset(png, 0, sizeof(*png));
	if (!pngparse_is_png(p, len)) {
		*why = "not a PNG";
		return PNGPARSE_NOT_PNG;
	}
	while (rc == 0) {
		struct chunk c;
		size_t at = off;

		if (next_chunk(p, len, &off, &c, why) != 0)
			return PNGPARSE_FALLBACK;
		if (st == BEFORE_IHDR) {
			if (c.type != T_IHDR) {
				*why = "IHDR not first";
				return PNGPARSE_FALLBACK;
			}
			if (parse_ihdr(&c, png, why) != 0)
				return PNGPARSE_FALLBACK;
			st = BEFORE_IDAT;
			continue;
		}
		rc = take(&c, at, png, &st, &have_plte, why);
	}
	if (rc < 0)
		return PNGPARSE_FALLBACK;
	finish(png);
	*why = "";
	return PNGPARSE_OK;
}
