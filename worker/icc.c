/*
 * icc.c - judging an embedded ICC profile with lcms2 (see icc.h).
 *
 * Two ideas to keep in mind when changing it:
 *  - "sRGB" is decided by colour, not by name: a set of device colours
 *    (a 5x5x5 grid and the neutral axis; grey levels for grey pixels) is
 *    taken to CIELAB through the profile and through lcms2's own sRGB (or
 *    sGrey: D50, the sRGB tone curve), and the profile counts as sRGB
 *    when no colour lands ΔE76 1 or more away.  A description saying
 *    "sRGB" proves nothing (linear "sRGB" profiles exist) and many true
 *    sRGB profiles are named otherwise (Facebook's "c2").  Only forward
 *    transforms are built, with no optimisation: no tone curve has to be
 *    inverted, which is what makes an lcms2 transform slow to create.
 *  - A profile is unusable for exactly the reasons that would make
 *    libvips refuse it or misuse it: lcms2 cannot parse it; its colour
 *    space is not the pixels' (libvips takes a grey profile on RGB
 *    pixels and makes a five-band image of it); it is not a device
 *    profile or has no relative colorimetric input direction (libvips'
 *    rendering intent); or its colours are not colours (NaN, or device
 *    white far from white).  Checking first, rather than retrying the
 *    decode without the profile when libvips fails, is deliberate: some
 *    of these libvips does not fail on, and a retry cannot tell a bad
 *    profile from a truncated file, which it would decode twice.
 * The bytes are outside bytes: tests/fuzz/fuzz_icc.c.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include <lcms2.h>

#include "worker/icc.h"

#define STEPS 5		/* grid levels per RGB channel */
#define AXIS 17		/* levels on the neutral axis, grey levels */
#define NRGB (STEPS * STEPS * STEPS + AXIS)
#define SAME_DE 1.0	/* below this everywhere: sRGB in all but name */
#define WHITE_DE 10.0	/* device white further from white: not colours */

static void
quiet_cb(cmsContext ctx, cmsUInt32Number code, const char *text)
{
	(void)ctx;
	(void)code;
	(void)text;
}

/*
 * The test colours as 16-bit device values, white last; returns how
 * many.  PX holds NRGB * 3 values.
 */
static size_t
samples(uint16_t *px, bool grey)
{
	const int top = STEPS - 1;
	size_t n = 0;

	for (int i = 0; !grey && i < STEPS * STEPS * STEPS; i++, n++) {
		px[n * 3] = (uint16_t)(i / (STEPS * STEPS) * 65535 / top);
		px[n * 3 + 1] = (uint16_t)(i / STEPS % STEPS * 65535 / top);
		px[n * 3 + 2] = (uint16_t)(i % STEPS * 65535 / top);
	}
	for (int i = 0; i < AXIS; i++, n++) {
		uint16_t v = (uint16_t)(i * 65535 / (AXIS - 1));

		if (grey)
			px[n] = v;
		else
			px[n * 3] = px[n * 3 + 1] = px[n * 3 + 2] = v;
	}
	return n;
}

/* The N colours PX through PROFILE into LAB (D50).  Returns 0 or -1. */
static int
to_lab(cmsContext ctx, cmsHPROFILE profile, bool grey, const uint16_t *px,
       size_t n, cmsCIELab *lab)
{
	cmsHPROFILE pcs = cmsCreateLab4ProfileTHR(ctx, NULL);
	cmsHTRANSFORM t = NULL;

	if (pcs != NULL)
		t = cmsCreateTransformTHR(ctx, profile,
					  grey ? TYPE_GRAY_16 : TYPE_RGB_16, pcs,
					  TYPE_Lab_DBL,
					  INTENT_RELATIVE_COLORIMETRIC,
					  cmsFLAGS_NOOPTIMIZE | cmsFLAGS_NOCACHE);
	if (t != NULL) {
		cmsDoTransform(t, px, lab, (cmsUInt32Number)n);
		cmsDeleteTransform(t);
	}
	if (pcs != NULL)
		cmsCloseProfile(pcs);
	return t != NULL ? 0 : -1;
}

/* lcms2's sRGB, or for grey pixels sGrey: D50 and the sRGB tone curve. */
static cmsHPROFILE
reference(cmsContext ctx, bool grey)
{
	static const cmsFloat64Number srgb_trc[5] = {
		2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045,
	};
	cmsToneCurve *trc;
	cmsHPROFILE p;

	if (!grey)
		return cmsCreate_sRGBProfileTHR(ctx);
	if ((trc = cmsBuildParametricToneCurve(ctx, 4, srgb_trc)) == NULL)
		return NULL;
	p = cmsCreateGrayProfileTHR(ctx, cmsD50_xyY(), trc);
	cmsFreeToneCurve(trc);
	return p;
}

/*
 * The test colours in CIELAB as sRGB (or sGrey) has them, made once per
 * process: building the reference's tone curves is most of the cost of
 * a judgement.  The worker runs one job at a time, so a static is safe.
 * Returns NULL when out of memory.
 */
static const cmsCIELab *
reference_lab(cmsContext ctx, bool grey, const uint16_t *px, size_t n)
{
	static cmsCIELab lab[2][NRGB];
	static bool made[2];
	cmsHPROFILE ref;
	int rc;

	if (made[grey])
		return lab[grey];
	if ((ref = reference(ctx, grey)) == NULL)
		return NULL;
	rc = to_lab(ctx, ref, grey, px, n, lab[grey]);
	cmsCloseProfile(ref);
	made[grey] = rc == 0;
	return made[grey] ? lab[grey] : NULL;
}

/* The colour space signature as text, "GRAY" or "RGB". */
static void
space_name(cmsColorSpaceSignature sig, char *out)
{
	int n = 0;

	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned c = (unsigned)sig >> shift & 0xFF;

		out[n++] = c > 0x20 && c < 0x7F ? (char)c : c == 0x20 ? ' ' : '?';
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/*
 * The verdict on P, a parsed profile whose colour space matches the
 * pixels.  Sets *REASON for ICC_UNUSABLE.
 */
static enum icc_verdict
compare(cmsContext ctx, cmsHPROFILE p, bool grey, const char **reason)
{
	uint16_t px[NRGB * 3];
	cmsCIELab got[NRGB];
	const cmsCIELab *want;
	cmsProfileClassSignature cls = cmsGetDeviceClass(p);
	size_t n = samples(px, grey);
	double worst = 0.0;

	if (cls == cmsSigLinkClass || cls == cmsSigAbstractClass ||
	    cls == cmsSigNamedColorClass) {
		*reason = "not a device profile";
		return ICC_UNUSABLE;
	}
	if (!cmsIsIntentSupported(p, INTENT_RELATIVE_COLORIMETRIC,
				  LCMS_USED_AS_INPUT) ||
	    to_lab(ctx, p, grey, px, n, got) != 0) {
		*reason = "no relative colorimetric input transform";
		return ICC_UNUSABLE;
	}
	if ((want = reference_lab(ctx, grey, px, n)) == NULL) {
		*reason = "out of memory";
		return ICC_UNUSABLE;
	}
	for (size_t i = 0; i < n; i++) {
		double de = cmsDeltaE(&got[i], &want[i]);

		if (!isfinite(de) || (i == n - 1 && de > WHITE_DE)) {
			*reason = "its colours are not colours";
			return ICC_UNUSABLE;
		}
		if (de > worst)
			worst = de;
	}
	return worst < SAME_DE ? ICC_AS_IS : ICC_CONVERT;
}

enum icc_verdict
icc_judge(const void *icc, size_t len, bool grey, char *why, size_t whysz)
{
	const char *reason = "corrupt";
	enum icc_verdict v = ICC_UNUSABLE;
	cmsHPROFILE p = NULL;
	cmsContext ctx;
	char space[5];

	/* a private context: libvips routes the default one's errors into
	 * its error buffer, where they would pass for the job's reason */
	if ((ctx = cmsCreateContext(NULL, NULL)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return ICC_UNUSABLE;
	}
	cmsSetLogErrorHandlerTHR(ctx, quiet_cb);
	if (len <= UINT32_MAX)
		p = cmsOpenProfileFromMemTHR(ctx, icc, (cmsUInt32Number)len);
	if (p != NULL &&
	    cmsGetColorSpace(p) != (grey ? cmsSigGrayData : cmsSigRgbData)) {
		space_name(cmsGetColorSpace(p), space);
		snprintf(why, whysz, "%s profile on %s pixels", space,
			 grey ? "grey" : "RGB");
		reason = NULL;
	} else if (p != NULL)
		v = compare(ctx, p, grey, &reason);
	if (v == ICC_UNUSABLE && reason != NULL)
		snprintf(why, whysz, "%s", reason);
	if (p != NULL)
		cmsCloseProfile(p);
	cmsDeleteContext(ctx);
	return v;
}
