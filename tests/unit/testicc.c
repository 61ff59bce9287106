/*
 * testicc.c - ICC profiles for the colour tests (see testicc.h).
 */
#include <config.h>

#include "tests/unit/testicc.h"

const cmsCIExyYTRIPLE testicc_srgb_primaries = {
	{ 0.64, 0.33, 1 }, { 0.30, 0.60, 1 }, { 0.15, 0.06, 1 },
};

cmsToneCurve *
testicc_srgb_curve(void)
{
	static const cmsFloat64Number params[5] = {
		2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045,
	};

	return cmsBuildParametricToneCurve(NULL, 4, params);
}

static cmsHPROFILE
describe(cmsHPROFILE p, const char *desc)
{
	cmsMLU *mlu;

	if (p == NULL || desc == NULL || (mlu = cmsMLUalloc(NULL, 1)) == NULL)
		return p;
	cmsMLUsetASCII(mlu, "en", "US", desc);
	cmsWriteTag(p, cmsSigProfileDescriptionTag, mlu);
	cmsMLUfree(mlu);
	return p;
}

cmsHPROFILE
testicc_rgb(const cmsCIExyYTRIPLE *primaries, cmsToneCurve *trc,
	    const char *desc)
{
	static const cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
	cmsToneCurve *trcs[3] = { trc, trc, trc };
	cmsHPROFILE p = cmsCreateRGBProfile(&d65, primaries, trcs);

	cmsFreeToneCurve(trc);
	return describe(p, desc);
}

cmsHPROFILE
testicc_grey(cmsToneCurve *trc, const char *desc)
{
	cmsHPROFILE p = cmsCreateGrayProfile(cmsD50_xyY(), trc);

	cmsFreeToneCurve(trc);
	return describe(p, desc);
}
