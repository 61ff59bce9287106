/*
 * check_icc.c - the ICC profile judge (worker/icc.c) on profiles built
 * here with lcms2: what counts as sRGB in all but name (lcms2's own
 * sRGB, a version 2 profile with tabulated curves, one a hair off in
 * its red primary, sGrey) and what does not (Display P3, Adobe RGB,
 * sRGB primaries with a pure 2.2 gamma, linear light, grey gamma 2.2),
 * and what is unusable, with its reason (garbage, a truncated profile,
 * a colour space that is not the pixels', a device link, colorants of
 * zero that make device white black).
 */
#include <config.h>

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lcms2.h>

#include "tests/unit/testicc.h"
#include "tests/unit/testutil.h"
#include "worker/icc.h"

/* P (consumed) saved, and judged for GREY pixels; the reason in WHY. */
static enum icc_verdict
judge(cmsHPROFILE p, bool grey_px, char *why, size_t whysz)
{
	cmsUInt32Number len = 0;
	enum icc_verdict v;
	void *mem;

	ck_assert(cmsSaveProfileToMem(p, NULL, &len));
	mem = malloc(len);
	ck_assert(cmsSaveProfileToMem(p, mem, &len));
	cmsCloseProfile(p);
	why[0] = '\0';
	v = icc_judge(mem, len, grey_px, why, whysz);
	free(mem);
	return v;
}

static enum icc_verdict
judge_rgb(cmsHPROFILE p)
{
	char why[64];

	return judge(p, false, why, sizeof(why));
}

/* The verdict on an RGB profile of PRIMARIES and tone curve TRC. */
static enum icc_verdict
judge_made(const cmsCIExyYTRIPLE *primaries, cmsToneCurve *trc)
{
	return judge_rgb(testicc_rgb(primaries, trc, NULL));
}

/* sRGB with a 1024-entry tabulated curve, as version 2 profiles have. */
static cmsHPROFILE
srgb_v2_table(void)
{
	cmsUInt16Number t[1024];
	cmsHPROFILE p;

	for (int i = 0; i < 1024; i++) {
		double x = i / 1023.0;
		double y = x <= 0.04045 ? x / 12.92 :
			   pow((x + 0.055) / 1.055, 2.4);

		t[i] = (cmsUInt16Number)lround(y * 65535);
	}
	p = testicc_rgb(&testicc_srgb_primaries,
			cmsBuildTabulatedToneCurve16(NULL, 1024, t), NULL);
	cmsSetProfileVersion(p, 2.1);
	return p;
}

START_TEST(srgb_in_all_but_name)
{
	cmsCIExyYTRIPLE off = testicc_srgb_primaries;
	char why[64];

	off.Red.x = 0.641;	/* ΔE 0.6 at most */
	ck_assert_int_eq(judge_rgb(cmsCreate_sRGBProfile()), ICC_AS_IS);
	ck_assert_int_eq(judge_rgb(srgb_v2_table()), ICC_AS_IS);
	ck_assert_int_eq(judge_made(&off, testicc_srgb_curve()), ICC_AS_IS);
	ck_assert_int_eq(judge(testicc_grey(testicc_srgb_curve(), NULL), true,
			       why, sizeof(why)), ICC_AS_IS);
}
END_TEST

START_TEST(other_spaces_convert)
{
	static const cmsCIExyYTRIPLE p3 = {
		{ 0.680, 0.320, 1 }, { 0.265, 0.690, 1 }, { 0.150, 0.060, 1 },
	}, adobe = {
		{ 0.64, 0.33, 1 }, { 0.21, 0.71, 1 }, { 0.15, 0.06, 1 },
	};
	char why[64];

	ck_assert_int_eq(judge_made(&p3, testicc_srgb_curve()), ICC_CONVERT);
	ck_assert_int_eq(judge_made(&adobe, cmsBuildGamma(NULL, 563.0 / 256.0)),
			 ICC_CONVERT);
	ck_assert_int_eq(judge_made(&testicc_srgb_primaries,
				    cmsBuildGamma(NULL, 2.2)), ICC_CONVERT);
	ck_assert_int_eq(judge_made(&testicc_srgb_primaries,
				    cmsBuildGamma(NULL, 1.0)), ICC_CONVERT);
	ck_assert_int_eq(judge(testicc_grey(cmsBuildGamma(NULL, 2.2), NULL), true, why,
			       sizeof(why)), ICC_CONVERT);
}
END_TEST

START_TEST(broken_bytes_are_unusable)
{
	cmsHPROFILE p = cmsCreate_sRGBProfile();
	cmsUInt32Number len = 0;
	uint8_t junk[600], *mem;
	char why[64];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	ck_assert_int_eq(icc_judge(junk, sizeof(junk), false, why, sizeof(why)),
			 ICC_UNUSABLE);
	ck_assert_str_eq(why, "corrupt");
	ck_assert_int_eq(icc_judge(junk, 0, false, why, sizeof(why)),
			 ICC_UNUSABLE);
	cmsSaveProfileToMem(p, NULL, &len);
	mem = malloc(len);
	cmsSaveProfileToMem(p, mem, &len);
	cmsCloseProfile(p);
	ck_assert_int_eq(icc_judge(mem, len / 2, false, why, sizeof(why)),
			 ICC_UNUSABLE);
	free(mem);
}
END_TEST

START_TEST(mismatched_profiles_are_unusable)
{
	cmsToneCurve *id = cmsBuildGamma(NULL, 1.0);
	cmsToneCurve *ids[3] = { id, id, id };
	char why[64];

	ck_assert_int_eq(judge(testicc_grey(testicc_srgb_curve(), NULL), false,
			       why, sizeof(why)), ICC_UNUSABLE);
	ck_assert_str_eq(why, "GRAY profile on RGB pixels");
	ck_assert_int_eq(judge(cmsCreate_sRGBProfile(), true, why, sizeof(why)),
			 ICC_UNUSABLE);
	ck_assert_str_eq(why, "RGB profile on grey pixels");
	ck_assert_int_eq(judge(cmsCreateLab4Profile(NULL), false, why,
			       sizeof(why)), ICC_UNUSABLE);
	ck_assert_str_eq(why, "Lab profile on RGB pixels");
	ck_assert_int_eq(judge(cmsCreateLinearizationDeviceLink(cmsSigRgbData,
								ids),
			       false, why, sizeof(why)), ICC_UNUSABLE);
	ck_assert_str_eq(why, "not a device profile");
	cmsFreeToneCurve(id);
}
END_TEST

START_TEST(colourless_colorants_are_unusable)
{
	cmsHPROFILE p = cmsCreate_sRGBProfile();
	cmsCIEXYZ zero = { 0, 0, 0 };
	char why[64];

	cmsWriteTag(p, cmsSigRedColorantTag, &zero);
	cmsWriteTag(p, cmsSigGreenColorantTag, &zero);
	cmsWriteTag(p, cmsSigBlueColorantTag, &zero);
	ck_assert_int_eq(judge(p, false, why, sizeof(why)), ICC_UNUSABLE);
	ck_assert_msg(why[0] != '\0', "a reason is given");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("icc");
	TCase *tc = tcase_create("judge");

	tcase_add_test(tc, srgb_in_all_but_name);
	tcase_add_test(tc, other_spaces_convert);
	tcase_add_test(tc, broken_bytes_are_unusable);
	tcase_add_test(tc, mismatched_profiles_are_unusable);
	tcase_add_test(tc, colourless_colorants_are_unusable);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
