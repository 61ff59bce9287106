/*
 * check_filter.c - which names are taken and which folders entered
 * (design.md §3 filter): the defaults, case folding, ignore beating include,
 * and the temporary names upload tools leave behind.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>

#include "lib/filter.h"

static struct filter f;

static void setup_default(void)
{
	ck_assert_int_eq(filter_init_default(&f), 0);
}

static void teardown(void)
{
	filter_free(&f);
}

START_TEST(test_defaults_take_images)
{
	static const char *const names[] = {
		"a.jpg", "a.jpeg", "a.png", "a.webp", "a.tif", "a.tiff",
		"a.gif", "a.heic", "a.avif", "with space.jpg", "x.y.png",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(filter_take_file(&f, names[i]), "%s", names[i]);
	ck_assert(!f.follow_symlinks);
}
END_TEST

START_TEST(test_defaults_skip_others)
{
	static const char *const names[] = {
		"a.txt", "a.jpg.bak", "jpg", "a.mp4", "", "a.jpgx",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(!filter_take_file(&f, names[i]), "%s", names[i]);
}
END_TEST

START_TEST(test_case_insensitive)
{
	ck_assert(filter_take_file(&f, "IMG_0001.JPG"));
	ck_assert(filter_take_file(&f, "Scan.TiFf"));
	ck_assert(!filter_take_file(&f, "upload.JPG.PART"));
	ck_assert(!filter_take_file(&f, "x.Crdownload"));
}
END_TEST

START_TEST(test_temporary_names_ignored)
{
	ck_assert(!filter_take_file(&f, ".foo.jpg.AbC123"));	/* rsync */
	ck_assert(!filter_take_file(&f, ".hidden.jpg"));
	ck_assert(!filter_take_file(&f, "x.part"));
	ck_assert(!filter_take_file(&f, "x.jpg.part"));
	ck_assert(!filter_take_file(&f, "x.jpg.tmp"));
	ck_assert(!filter_take_file(&f, "x.jpg.crdownload"));
	ck_assert(!filter_take_file(&f, "x~"));
	ck_assert(!filter_take_file(&f, "x.jpg~"));
}
END_TEST

START_TEST(test_ignore_beats_include)
{
	static const char *const inc[] = { "*" };
	static const char *const ign[] = { "keep*.jpg" };

	ck_assert_int_eq(filter_set_include(&f, inc, 1), 0);
	ck_assert(filter_take_file(&f, "readme.txt"));
	ck_assert(!filter_take_file(&f, ".x"));
	ck_assert_int_eq(filter_set_ignore(&f, ign, 1), 0);
	ck_assert(filter_take_file(&f, ".x"));
	ck_assert(!filter_take_file(&f, "KEEP-me.JPG"));
	ck_assert(filter_take_file(&f, "keep-me.png"));
}
END_TEST

START_TEST(test_dir_rules)
{
	ck_assert(filter_enter_dir(&f, "2026"));
	ck_assert(filter_enter_dir(&f, "photos.jpg"));
	ck_assert(!filter_enter_dir(&f, ".git"));
	ck_assert(!filter_enter_dir(&f, ".thumbs"));
	ck_assert(!filter_enter_dir(&f, "upload.tmp"));
	ck_assert(!filter_enter_dir(&f, "old~"));
}
END_TEST

START_TEST(test_replace_lists)
{
	static const char *const inc[] = { "*.raw", "*.DNG" };

	ck_assert_int_eq(filter_set_include(&f, inc, 2), 0);
	ck_assert_uint_eq(f.ninclude, 2);
	ck_assert(filter_take_file(&f, "a.dng"));
	ck_assert(!filter_take_file(&f, "a.jpg"));
	ck_assert_int_eq(filter_set_ignore(&f, NULL, 0), 0);
	ck_assert(filter_enter_dir(&f, ".git"));
	ck_assert(filter_take_file(&f, ".a.raw"));
	ck_assert_int_eq(filter_set_include(&f, NULL, 0), 0);
	ck_assert(!filter_take_file(&f, "a.raw"));
}
END_TEST

START_TEST(test_free_twice_is_safe)
{
	filter_free(&f);
	ck_assert_ptr_null(f.include);
	ck_assert_uint_eq(f.nignore, 0);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("names");

	tcase_add_checked_fixture(tc, setup_default, teardown);
	tcase_add_test(tc, test_defaults_take_images);
	tcase_add_test(tc, test_defaults_skip_others);
	tcase_add_test(tc, test_case_insensitive);
	tcase_add_test(tc, test_temporary_names_ignored);
	tcase_add_test(tc, test_ignore_beats_include);
	tcase_add_test(tc, test_dir_rules);
	tcase_add_test(tc, test_replace_lists);
	tcase_add_test(tc, test_free_twice_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
