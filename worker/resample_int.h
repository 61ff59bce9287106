/*
 * resample_int.h - what resample.c (the plan, 8-bit rows) and
 * resample_alpha.c (rows with alpha, in float) share.  Not for other
 * files: resample.h is the interface.
 *
 * One plan serves both: the tap positions, box shrinks and region
 * restarts are libvips' whatever the sample format; only the weights
 * differ, quantised for 8-bit rows (as libvips' integer paths use them)
 * and the exact doubles for float ones.
 */
#ifndef THUMPER_RESAMPLE_INT_H
#define THUMPER_RESAMPLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/resample.h"

#define LANES 16			/* rows are padded to a multiple */

struct axis {
	int in;			/* input size */
	int out;		/* output size */
	int box;		/* integer box shrink first (1: none) */
	int mid;		/* size after the box shrink */
	int taps;		/* Lanczos taps per output (1: copy) */
	bool exact;		/* keep the double weights (wf), not w */
	int *first;		/* per output: first tap, may lie outside */
	int16_t *w;		/* per output: taps fixed-point weights */
	double *wf;		/* per output: taps weights, as computed */
};

struct resample {
	struct axis h, v;
	double hfactor, vfactor;	/* what axis_plan() took */
	int bands;
	bool alpha;		/* premultiplied, in float: resample_alpha.c */
	size_t in_row;		/* in.w * bands */
	size_t stride;		/* in_row rounded up to LANES */
	size_t out_row;		/* out.w * bands */
	int rows_in;		/* input rows pushed */
	int rows_mid;		/* box-shrunk rows completed */
	int rows_out;		/* output rows emitted */
	/* 8-bit rows */
	uint32_t *sum;		/* box shrink accumulator, in_row */
	uint8_t *ring;		/* v.taps box-shrunk rows of stride */
	int16_t *acc;		/* vertical accumulator, stride */
	uint8_t *vrow;		/* one vertically reduced row, stride */
	uint8_t *hbox;		/* that row box-shrunk, h.mid * bands */
	/* rows with alpha (resample_alpha.c) */
	float nalpha[256];	/* vips_premultiply()'s factor per alpha */
	double *fsum;		/* box shrink accumulator, stride */
	float *fring;		/* v.taps box-shrunk rows of stride */
	double *facc;		/* vertical accumulator, stride */
	float *fvrow;		/* one vertically reduced row, stride */
	float *fhbox;		/* that row box-shrunk, h.mid * bands */
	float *fout;		/* one output row before unpremultiplying */
	uint8_t *out;		/* the result */
};

/* The last box-shrunk row output O reads, clamped into the image. */
static inline int
axis_last(const struct axis *a, int o)
{
	int last;

	if (a->taps == 1)
		return o;
	last = a->first[o] + a->taps - 1;
	return last < a->mid ? last : a->mid - 1;
}

/* I clamped into 0..N-1: libvips' edge extension by copying. */
static inline int
clamp(int i, int n)
{
	return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/*
 * A box of K samples summing to SUM: round(SUM / K), halves up, as
 * libvips' shrink has it.  In float, so that box_mean() vectorises:
 * floor((x + K/2) / K) is the truncation of x / K + (K/2 + 0.5) / K with
 * INV = 1 / K and BIAS = (K/2 + 0.5) * INV (box_scale()).  Exact for K
 * below BOX_FLOAT_MAX and x up to 255 K: the true quotient lies at least
 * 1/(2K) from the whole number it must not cross, and the float error is
 * under 2^-14 (check_resample tries every K at every rounding boundary).
 */
#define BOX_FLOAT_MAX 4096

static inline void
box_scale(int k, float *inv, float *bias)
{
	*inv = 1.0f / (float)k;
	*bias = ((float)(k / 2) + 0.5f) * *inv;
}

static inline uint8_t
box_round(uint32_t sum, float inv, float bias)
{
	return (uint8_t)(int32_t)((float)sum * inv + bias);
}

/* resample_alpha.c: the float buffers of R, planned; 0 or -1. */
int resample_alpha_alloc(struct resample *r);

/* resample_alpha.c: resample_push() of R in alpha mode. */
void resample_alpha_push(struct resample *r, const uint8_t *row);

#endif
