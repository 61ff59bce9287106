/*
 * jpegscan.c - the reduced progressive stream (see jpegscan.h).
 *
 * Two ideas to keep in mind when changing it:
 *  - Which coefficients a scaled IDCT reads is libjpeg's business: the
 *    caller passes each component's IDCT size as libjpeg chose it
 *    (DCT_scaled_size after jpeg_calc_output_dimensions), and
 *    jpegscan_coef_mask() mirrors jidctred.c.  The unit test decodes the
 *    full and the reduced stream and compares pixels, so a libjpeg that
 *    reads more than this file assumes fails there, not in production.
 *  - A scan is kept whole or dropped whole, and a band is kept with
 *    every scan that touches it: AC refinement scans are decoded against
 *    the zero/non-zero history of every coefficient in their band, so
 *    keeping a refinement without the scans before it would desync the
 *    decoder (libjpeg would warn, and the caller would fall back).
 *
 * Everything else passes through byte for byte: tables, restart
 * intervals, APPn and COM segments.  Sequential files are returned as
 * they are after reading their frame header only.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "worker/jpegscan.h"

#define M_SOF0 0xC0
#define M_SOF1 0xC1
#define M_SOF2 0xC2
#define M_DHT 0xC4
#define M_JPG 0xC8
#define M_DAC 0xCC
#define M_RST0 0xD0
#define M_RST7 0xD7
#define M_SOI 0xD8
#define M_EOI 0xD9
#define M_SOS 0xDA

/* Zigzag position → natural position (row * 8 + column), as in libjpeg. */
static const uint8_t natural_order[64] = {
	0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

struct scan {
	size_t start;		/* the 0xFF of its SOS marker */
	size_t end;		/* the 0xFF of the marker after its data */
	unsigned comps;		/* frame component indexes, as a bit set */
	uint64_t band;		/* zigzag positions Ss..Se */
	int keep;
};

struct frame {
	int seen;
	int ncomp;
	uint8_t id[JPEGSCAN_MAX_COMPONENTS];
};

uint64_t
jpegscan_coef_mask(int size)
{
	unsigned lines;		/* bit r: row r and column r are read */
	uint64_t m = 0;

	switch (size) {
	case 1:
		return 1;
	case 2:
		lines = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 5 | 1u << 7;
		break;
	case 4:
		lines = 0xFFu & ~(1u << 4);
		break;
	default:
		return UINT64_MAX;
	}
	for (int k = 0; k < 64; k++) {
		unsigned r = natural_order[k] / 8, c = natural_order[k] % 8;

		if ((lines >> r & 1) && (lines >> c & 1))
			m |= (uint64_t)1 << k;
	}
	return m;
}

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint64_t
band_mask(unsigned ss, unsigned se)
{
	uint64_t hi = se >= 63 ? UINT64_MAX : ((uint64_t)1 << (se + 1)) - 1;

	return hi & ~(((uint64_t)1 << ss) - 1);
}

/*
 * Where the entropy-coded data starting at P ends: the first 0xFF of the
 * marker after it (stuffed 0xFF00 and RSTn belong to the data, as do fill
 * bytes before them), or LEN when the input ends first.
 */
static size_t
entropy_end(const uint8_t *in, size_t len, size_t p)
{
	while (p < len) {
		const uint8_t *ff = memchr(in + p, 0xFF, len - p);
		size_t q, r;

		if (ff == NULL)
			return len;
		q = (size_t)(ff - in);
		for (r = q + 1; r < len && in[r] == 0xFF; r++)
			;
		if (r >= len)
			return len;
		if (in[r] != 0x00 && (in[r] < M_RST0 || in[r] > M_RST7))
			return q;
		p = r + 1;
	}
	return len;
}

static int
parse_frame(const uint8_t *seg, size_t n, int ncomp, struct frame *fr)
{
	int nf;

	if (fr->seen)
		return -EINVAL;		/* a second frame */
	if (n < 6)
		return -EINVAL;
	nf = seg[5];
	if (nf == 0 || n != 6 + 3 * (size_t)nf)
		return -EINVAL;
	if (nf > JPEGSCAN_MAX_COMPONENTS)
		return -ENOTSUP;
	if (nf != ncomp)
		return -EINVAL;
	for (int i = 0; i < nf; i++) {
		fr->id[i] = seg[6 + 3 * i];
		for (int j = 0; j < i; j++)
			if (fr->id[j] == fr->id[i])
				return -ENOTSUP;	/* ambiguous scans */
	}
	fr->seen = 1;
	fr->ncomp = nf;
	return 0;
}

static int
parse_scan(const uint8_t *seg, size_t n, const struct frame *fr,
	   struct scan *s)
{
	unsigned ns, ss, se;

	if (!fr->seen || n < 1)
		return -EINVAL;
	ns = seg[0];
	if (ns < 1 || ns > (unsigned)fr->ncomp || n != 1 + 2 * (size_t)ns + 3)
		return -EINVAL;
	s->comps = 0;
	for (unsigned i = 0; i < ns; i++) {
		int ci;

		for (ci = 0; ci < fr->ncomp; ci++)
			if (fr->id[ci] == seg[1 + 2 * i])
				break;
		if (ci == fr->ncomp || (s->comps & 1u << ci))
			return -EINVAL;
		s->comps |= 1u << ci;
	}
	ss = seg[1 + 2 * ns];
	se = seg[2 + 2 * ns];
	if (ss > se || se > 63)
		return -EINVAL;
	s->band = band_mask(ss, se);
	s->keep = 0;
	return 0;
}

/*
 * Marks the scans to keep: those whose band meets a coefficient some
 * component needs; the band of each kept scan then becomes needed for
 * its components, until nothing changes.
 */
static size_t
select_scans(struct scan *scans, size_t nscans, const int *idct_size,
	     int ncomp)
{
	uint64_t need[JPEGSCAN_MAX_COMPONENTS];
	size_t kept = 0;
	int changed;

	for (int ci = 0; ci < ncomp; ci++)
		need[ci] = jpegscan_coef_mask(idct_size[ci]) | 1;
	do {
		changed = 0;
		for (size_t i = 0; i < nscans; i++) {
			struct scan *s = &scans[i];

			for (int ci = 0; !s->keep && ci < ncomp; ci++)
				if ((s->comps >> ci & 1) && (s->band & need[ci]))
					s->keep = 1;
			if (!s->keep)
				continue;
			for (int ci = 0; ci < ncomp; ci++)
				if ((s->comps >> ci & 1) && (s->band & ~need[ci])) {
					need[ci] |= s->band;
					changed = 1;
				}
		}
	} while (changed);
	for (size_t i = 0; i < nscans; i++)
		kept += scans[i].keep;
	return kept;
}

/*
 * IN[0..end) without the scans not kept, into a new buffer of exactly
 * that size: the worker keeps freed heap for its next image (design.md
 * §6), so pages reserved here but never written would stay resident.
 */
static int
copy_kept(const uint8_t *in, size_t end, const struct scan *scans,
	  size_t nscans, uint8_t **out, size_t *outlen)
{
	size_t from = 0, n = 0, size = end;
	uint8_t *buf;

	for (size_t i = 0; i < nscans; i++)
		if (!scans[i].keep)
			size -= scans[i].end - scans[i].start;
	if ((buf = malloc(size)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nscans; i++) {
		if (scans[i].keep)
			continue;
		memcpy(buf + n, in + from, scans[i].start - from);
		n += scans[i].start - from;
		from = scans[i].end;
	}
	memcpy(buf + n, in + from, end - from);
	*out = buf;
	*outlen = n + end - from;
	return 0;
}

int
jpegscan_reduce(const uint8_t *in, size_t len, const int *idct_size,
		int ncomp, uint8_t **out, size_t *outlen,
		struct jpegscan_stats *st)
{
	struct scan scans[JPEGSCAN_MAX_SCANS];
	struct frame fr = { 0 };
	size_t p = 2, nscans = 0, kept;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (len < 4 || in[0] != 0xFF || in[1] != M_SOI)
		return -EINVAL;
	if (ncomp < 1 || ncomp > JPEGSCAN_MAX_COMPONENTS)
		return -ENOTSUP;
	for (;;) {
		size_t mark, seglen;
		unsigned m;

		if (p >= len || in[p] != 0xFF)
			return -EINVAL;	/* truncated, or junk between segments */
		while (p < len && in[p] == 0xFF)
			p++;
		if (p >= len)
			return -EINVAL;
		mark = p - 1;
		m = in[p++];
		if (m == M_EOI)
			break;
		if (m == 0x00 || m == 0x01 || (m >= M_RST0 && m <= M_SOI))
			return -EINVAL;
		if (len - p < 2 || (seglen = be16(in + p)) < 2 || seglen > len - p)
			return -EINVAL;
		if (m == M_SOF0 || m == M_SOF1 || m == M_SOF2) {
			rc = parse_frame(in + p + 2, seglen - 2, ncomp, &fr);
			if (rc != 0)
				return rc;
			if (m != M_SOF2) {
				if (st != NULL)
					*st = (struct jpegscan_stats){ 0 };
				return 0;
			}
		} else if (m >= 0xC3 && m <= 0xCF && m != M_DHT && m != M_JPG &&
			   m != M_DAC) {
			return -ENOTSUP;	/* lossless, hierarchical, arithmetic */
		} else if (m == M_SOS) {
			struct scan *s = &scans[nscans];

			if (nscans == JPEGSCAN_MAX_SCANS)
				return -ENOTSUP;
			if ((rc = parse_scan(in + p + 2, seglen - 2, &fr, s)) != 0)
				return rc;
			s->start = mark;
			s->end = entropy_end(in, len, p + seglen);
			if (s->end >= len)
				return -EINVAL;
			nscans++;
			p = s->end;
			continue;
		}
		p += seglen;
	}
	if (!fr.seen || nscans == 0)
		return -EINVAL;
	kept = select_scans(scans, nscans, idct_size, ncomp);
	if (kept == 0)
		return -EINVAL;		/* no DC scan: not a progressive image */
	if (st != NULL)
		*st = (struct jpegscan_stats){ 1, (int)nscans, (int)kept };
	if (kept == nscans)
		return 0;
	return copy_kept(in, p, scans, nscans, out, outlen);
}
