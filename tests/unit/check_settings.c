/*
 * check_settings.c - the design.md §3 defaults and the parsers behind -s, -f,
 * --crop and the config file: good input parses, anything else is
 * refused without touching the output.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "lib/settings.h"

START_TEST(test_defaults)
{
	struct settings s;

	ck_assert_int_eq(settings_init(&s), 0);
	ck_assert_uint_eq(s.nsizes, 1);
	ck_assert_str_eq(s.sizes[0].name, "");
	ck_assert_int_eq(s.sizes[0].width, 200);
	ck_assert_int_eq(s.sizes[0].height, 200);
	ck_assert_int_eq(s.format, THUMB_FORMAT_AUTO);
	ck_assert_int_eq(s.quality, 85);
	ck_assert_int_eq(s.crop, THUMB_CROP_NONE);
	ck_assert(!s.keep_metadata);
	ck_assert_uint_eq(s.limits.max_pixels, 100000000);
	ck_assert_uint_eq(s.limits.max_file_mb, 512);
	ck_assert_uint_eq(s.limits.job_timeout, 60);
	ck_assert_uint_eq(s.limits.max_attempts, 2);
	ck_assert_uint_eq(s.limits.worker_max_jobs, 1000);
	ck_assert_uint_eq(s.limits.worker_memory_mb, 1024);
	ck_assert_uint_eq(s.limits.vips_threads, 1);
	ck_assert(!s.limits.untrusted_loaders);
	ck_assert_uint_eq(s.filter.ninclude, 9);
	ck_assert_uint_eq(s.filter.nignore, 5);
	settings_free(&s);
}
END_TEST

START_TEST(test_parse_format)
{
	enum thumb_format f = THUMB_FORMAT_AUTO;

	ck_assert_int_eq(settings_parse_format("jpeg", &f), 0);
	ck_assert_int_eq(f, THUMB_FORMAT_JPEG);
	ck_assert_int_eq(settings_parse_format("JPG", &f), 0);
	ck_assert_int_eq(f, THUMB_FORMAT_JPEG);
	ck_assert_int_eq(settings_parse_format("webp", &f), 0);
	ck_assert_int_eq(f, THUMB_FORMAT_WEBP);
	ck_assert_int_eq(settings_parse_format("avif", &f), 0);
	ck_assert_int_eq(f, THUMB_FORMAT_AVIF);
	ck_assert_int_eq(settings_parse_format("png", &f), 0);
	ck_assert_int_eq(f, THUMB_FORMAT_PNG);
	ck_assert_int_eq(settings_parse_format("auto", &f), 0);
	ck_assert_int_eq(f, THUMB_FORMAT_AUTO);
	ck_assert_int_eq(settings_parse_format("gif", &f), -EINVAL);
	ck_assert_int_eq(settings_parse_format("", &f), -EINVAL);
	ck_assert_int_eq(settings_parse_format("jpeg ", &f), -EINVAL);
	ck_assert_int_eq(f, THUMB_FORMAT_AUTO);
	for (int i = THUMB_FORMAT_AUTO; i <= THUMB_FORMAT_AVIF; i++) {
		ck_assert_int_eq(settings_parse_format(settings_format_name(i), &f), 0);
		ck_assert_int_eq(f, i);
	}
}
END_TEST

START_TEST(test_parse_crop)
{
	enum thumb_crop c = THUMB_CROP_NONE;

	ck_assert_int_eq(settings_parse_crop("attention", &c), 0);
	ck_assert_int_eq(c, THUMB_CROP_ATTENTION);
	ck_assert_int_eq(settings_parse_crop("center", &c), 0);
	ck_assert_int_eq(c, THUMB_CROP_CENTRE);
	ck_assert_int_eq(settings_parse_crop("none", &c), 0);
	ck_assert_int_eq(c, THUMB_CROP_NONE);
	ck_assert_int_eq(settings_parse_crop("entropy", &c), -EINVAL);
	ck_assert_int_eq(settings_parse_crop("", &c), -EINVAL);
	ck_assert_int_eq(c, THUMB_CROP_NONE);
	for (int i = THUMB_CROP_NONE; i <= THUMB_CROP_ATTENTION; i++) {
		ck_assert_int_eq(settings_parse_crop(settings_crop_name(i), &c), 0);
		ck_assert_int_eq(c, i);
	}
}
END_TEST

START_TEST(test_parse_placeholder)
{
	enum thumb_placeholder p = THUMB_PLACEHOLDER_NONE;

	ck_assert_int_eq(settings_parse_placeholder("ThumbHash", &p), 0);
	ck_assert_int_eq(p, THUMB_PLACEHOLDER_THUMBHASH);
	ck_assert_int_eq(settings_parse_placeholder("blurhash", &p), -EINVAL);
	ck_assert_int_eq(settings_parse_placeholder("", &p), -EINVAL);
	ck_assert_int_eq(p, THUMB_PLACEHOLDER_THUMBHASH);
	for (int i = THUMB_PLACEHOLDER_NONE; i <= THUMB_PLACEHOLDER_THUMBHASH;
	     i++) {
		ck_assert_int_eq(settings_parse_placeholder(
					 settings_placeholder_name(i), &p), 0);
		ck_assert_int_eq(p, i);
	}
}
END_TEST

START_TEST(test_parse_box)
{
	int w = -1, h = -1;

	ck_assert_int_eq(settings_parse_box("200x150", &w, &h), 0);
	ck_assert_int_eq(w, 200);
	ck_assert_int_eq(h, 150);
	ck_assert_int_eq(settings_parse_box("1X100000", &w, &h), 0);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(h, 100000);
	ck_assert_int_eq(settings_parse_box("64", &w, &h), 0);
	ck_assert_int_eq(w, 64);
	ck_assert_int_eq(h, 64);
}
END_TEST

START_TEST(test_parse_box_bad)
{
	static const char *const bad[] = {
		"", "x", "200x", "x200", "0x10", "10x0", "100001x1", "1x100001",
		"-5x5", "+5x5", " 5x5", "5x5 ", "5 x5", "5x5x5", "5*5", "abc",
		"99999999999999999999x1", "5x-5", "0", "1.5x2",
	};
	int w = 7, h = 9;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(settings_parse_box(bad[i], &w, &h) == -EINVAL,
			      "\"%s\" parsed", bad[i]);
	ck_assert_int_eq(w, 7);
	ck_assert_int_eq(h, 9);
}
END_TEST

START_TEST(test_size_inherits)
{
	struct settings s;

	ck_assert_int_eq(settings_init(&s), 0);
	s.format = THUMB_FORMAT_PNG;
	s.quality = 70;
	s.sizes[1] = (struct size_spec){ .name = "big", .width = 800,
					 .height = 800,
					 .format = THUMB_FORMAT_WEBP,
					 .quality = 50 };
	s.nsizes = 2;
	ck_assert_int_eq(settings_size_format(&s, 0), THUMB_FORMAT_PNG);
	ck_assert_int_eq(settings_size_quality(&s, 0), 70);
	ck_assert_int_eq(settings_size_format(&s, 1), THUMB_FORMAT_WEBP);
	ck_assert_int_eq(settings_size_quality(&s, 1), 50);
	settings_free(&s);
}
END_TEST

static Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_parse_format);
	tcase_add_test(tc, test_parse_crop);
	tcase_add_test(tc, test_parse_placeholder);
	tcase_add_test(tc, test_parse_box);
	tcase_add_test(tc, test_parse_box_bad);
	tcase_add_test(tc, test_size_inherits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(settings_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
