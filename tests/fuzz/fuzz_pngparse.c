/*
 * fuzz_pngparse.c - the fast PNG path's parser and decoder on arbitrary
 * bytes.  The first byte is a flag, the rest the PNG: with bit 0 set,
 * every chunk's CRC is made right first, so that mutations reach past
 * the CRC check into the chunk rules, inflate, the filters and Adam7.
 * Besides memory errors it checks what the parser promises: an accepted
 * file's IDAT run lies inside it and adds up to zlen, its palette and
 * transparency point inside it, and its sizes agree with each other; and
 * that pngdecode_rows() hands over the rows pngdecode() makes, in order,
 * and fails where it fails.
 * fuzz-sources: worker/pngparse.c worker/pngdecode.c worker/pngfilter.c
 * fuzz-sources: worker/scratch.c
 * fuzz-pkgs: libdeflate
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "worker/pngdecode.h"
#include "worker/pngparse.h"

/* Decodes only what fits here, so that runs stay quick. */
#define MAX_DECODE (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
fix_crcs(uint8_t *p, size_t len)
{
	size_t off = 8;

	while (off + 12 <= len) {
		uint32_t n = be32(p + off);
		uint32_t crc;

		if (n > len - off - 12)
			break;
		crc = (uint32_t)libdeflate_crc32(0, p + off + 4, (size_t)n + 4);
		p[off + 8 + n] = (uint8_t)(crc >> 24);
		p[off + 9 + n] = (uint8_t)(crc >> 16);
		p[off + 10 + n] = (uint8_t)(crc >> 8);
		p[off + 11 + n] = (uint8_t)crc;
		off += 12 + (size_t)n;
	}
}

static void
check(const uint8_t *p, size_t len, const struct pngparse *png)
{
	size_t off = png->idat, total = 0;
	uint64_t pixlen;

	if (png->width == 0 || png->height == 0 || png->bands < 1 ||
	    png->bands > 4 || png->channels < 1 || png->channels > 4 ||
	    png->nidat == 0 || png->rawlen < png->height)
		abort();
	for (size_t i = 0; i < png->nidat; i++) {
		if (off + 12 > len || memcmp(p + off + 4, "IDAT", 4) != 0)
			abort();
		total += be32(p + off);
		off += 12 + be32(p + off);
		if (off > len)
			abort();
	}
	if (total != png->zlen)
		abort();
	if (png->plte != NULL &&
	    (png->plte < p || png->plte + 3 * png->npalette > p + len ||
	     png->npalette > 256 || png->npalette > 1 << png->depth))
		abort();
	if (png->trns != NULL &&
	    (png->trns < p || png->trns + png->ntrns > p + len ||
	     (png->colour == 3 && png->ntrns > png->npalette)))
		abort();
	if (pngdecode_need(png, &pixlen) < pixlen ||
	    pixlen != (uint64_t)png->width * png->height * png->bands *
			      (png->depth == 16 ? 2 : 1))
		abort();
}

struct rows {
	const uint8_t *pix;	/* pngdecode()'s image, or NULL */
	size_t row;		/* bytes of a row */
	uint32_t height;
	uint32_t seen;
};

static void
row_cb(void *ctx, const uint8_t *row)
{
	struct rows *r = ctx;

	if (r->seen >= r->height ||
	    (r->pix != NULL &&
	     memcmp(row, r->pix + (size_t)r->seen * r->row, r->row) != 0))
		abort();
	r->seen++;
}

/* pngdecode_rows() of the LEN bytes at COPY (freed) against PIX. */
static void
check_rows(uint8_t *copy, size_t len, const uint8_t *pix)
{
	struct pngparse png;
	const char *why = NULL;
	uint64_t pixlen;
	struct rows r = { pix, 0, 0, 0 };
	int rc;

	if (pngparse(copy, len, &png, &why) != PNGPARSE_OK)
		abort();	/* parsed once already */
	pngdecode_need(&png, &pixlen);
	r.row = (size_t)(pixlen / png.height);
	r.height = png.height;
	rc = pngdecode_rows(&png, copy, row_cb, &r, &why);
	if ((rc == 0) != (pix != NULL) || (rc == 0 && r.seen != r.height) ||
	    (rc != 0 && (why == NULL || why[0] == '\0')))
		abort();
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pngparse png;
	const char *why = NULL;
	uint8_t *p, *pix, *copy;
	uint64_t pixlen;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	if ((p = malloc(len + 1)) == NULL)
		return 0;
	memcpy(p, data + 1, len);
	if (data[0] & 1)
		fix_crcs(p, len);
	if (pngparse(p, len, &png, &why) != PNGPARSE_OK) {
		if (why == NULL || why[0] == '\0')
			abort();	/* a refusal always says why */
		free(p);
		return 0;
	}
	check(p, len, &png);
	if (pngdecode_need(&png, &pixlen) + len <= MAX_DECODE &&
	    (copy = malloc(len + 1)) != NULL) {
		memcpy(copy, p, len);
		pix = pngdecode(&png, p, &why);
		if (pix == NULL && (why == NULL || why[0] == '\0'))
			abort();
		check_rows(copy, len, pix);
		free(pix);
	}
	free(p);
	return 0;
}
