/*
 * testicc.h - ICC profiles made with lcms2 for the colour tests
 * (check_icc, tests/integration/colour): sRGB's tone curve, and RGB and
 * grey profiles from primaries and a curve.
 */
#ifndef THUMPER_TESTICC_H
#define THUMPER_TESTICC_H

#include <lcms2.h>

/* sRGB's primaries, for profiles that are sRGB by their colours. */
extern const cmsCIExyYTRIPLE testicc_srgb_primaries;

/* sRGB's parametric tone curve (type 4). */
cmsToneCurve *testicc_srgb_curve(void);

/*
 * An RGB profile, D65 white, PRIMARIES, one tone curve TRC for all three
 * channels (consumed); with the description DESC unless it is NULL.
 */
cmsHPROFILE testicc_rgb(const cmsCIExyYTRIPLE *primaries, cmsToneCurve *trc,
			const char *desc);

/* A grey profile, D50 white, tone curve TRC (consumed), DESC as above. */
cmsHPROFILE testicc_grey(cmsToneCurve *trc, const char *desc);

#endif
