/*
 * check_tpath.c - the on-disk naming of design.md §4: which format a source
 * gets, when the extension is appended, size folders (also as chosen from
 * the settings), and the limits (PATH_MAX through the buffer size,
 * NAME_MAX per component).
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tpath.h"

/* The one-size path of REL with format FMT resolved for REL's name. */
static const char *build(const char *rel, enum thumb_format fmt)
{
	static char out[PATH_MAX];
	int n = tpath_build(out, sizeof(out), "/d", NULL, rel,
			    tpath_format(fmt, rel));

	ck_assert_int_ge(n, 0);
	ck_assert_int_eq((size_t)n, strlen(out));
	return out;
}

START_TEST(test_keeps_name_and_appends_ext)
{
	ck_assert_str_eq(build("scan.tiff", THUMB_FORMAT_JPEG), "/d/scan.tiff.jpg");
	ck_assert_str_eq(build("a.jpg", THUMB_FORMAT_JPEG), "/d/a.jpg");
	ck_assert_str_eq(build("B.JPEG", THUMB_FORMAT_JPEG), "/d/B.JPEG");
	ck_assert_str_eq(build("c.Jpg", THUMB_FORMAT_AUTO), "/d/c.Jpg");
	ck_assert_str_eq(build("a.jpg", THUMB_FORMAT_WEBP), "/d/a.jpg.webp");
	ck_assert_str_eq(build("a.png", THUMB_FORMAT_AVIF), "/d/a.png.avif");
	ck_assert_str_eq(build("a.avif", THUMB_FORMAT_AVIF), "/d/a.avif");
}
END_TEST

START_TEST(test_auto_follows_extension)
{
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_AUTO, "x.png"), THUMB_FORMAT_PNG);
	ck_assert_str_eq(build("x.png", THUMB_FORMAT_AUTO), "/d/x.png");
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_AUTO, "x.GIF"), THUMB_FORMAT_PNG);
	ck_assert_str_eq(build("x.GIF", THUMB_FORMAT_AUTO), "/d/x.GIF.png");
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_AUTO, "x.webp"), THUMB_FORMAT_WEBP);
	ck_assert_str_eq(build("x.webp", THUMB_FORMAT_AUTO), "/d/x.webp");
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_AUTO, "x.tif"), THUMB_FORMAT_JPEG);
	ck_assert_str_eq(build("x.tif", THUMB_FORMAT_AUTO), "/d/x.tif.jpg");
	ck_assert_str_eq(build("x.heic", THUMB_FORMAT_AUTO), "/d/x.heic.jpg");
	ck_assert_str_eq(build("x.avif", THUMB_FORMAT_AUTO), "/d/x.avif.jpg");
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_AUTO, "dir.png/x.jpeg"),
			 THUMB_FORMAT_JPEG);
}
END_TEST

START_TEST(test_explicit_format_wins)
{
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_WEBP, "x.png"), THUMB_FORMAT_WEBP);
	ck_assert_int_eq(tpath_format(THUMB_FORMAT_JPEG, "x.gif"), THUMB_FORMAT_JPEG);
}
END_TEST

START_TEST(test_unknown_or_no_extension)
{
	ck_assert_str_eq(build("raw.xyz", THUMB_FORMAT_AUTO), "/d/raw.xyz.jpg");
	ck_assert_str_eq(build("noext", THUMB_FORMAT_AUTO), "/d/noext.jpg");
	ck_assert_str_eq(build("trailing.", THUMB_FORMAT_AUTO), "/d/trailing..jpg");
	ck_assert_str_eq(build(".jpg", THUMB_FORMAT_AUTO), "/d/.jpg.jpg");
	ck_assert_str_eq(build("a.b/noext", THUMB_FORMAT_AUTO), "/d/a.b/noext.jpg");
}
END_TEST

START_TEST(test_size_dir_and_subfolders)
{
	char out[PATH_MAX];

	ck_assert_int_gt(tpath_build(out, sizeof(out), "/srv/thumbs", "small",
				     "2026/01/p.png", THUMB_FORMAT_PNG), 0);
	ck_assert_str_eq(out, "/srv/thumbs/small/2026/01/p.png");
	ck_assert_int_gt(tpath_build(out, sizeof(out), "/srv/thumbs", "",
				     "p.png", THUMB_FORMAT_JPEG), 0);
	ck_assert_str_eq(out, "/srv/thumbs/p.png.jpg");
	ck_assert_int_gt(tpath_build(out, sizeof(out), "/", NULL, "p.jpg",
				     THUMB_FORMAT_JPEG), 0);
	ck_assert_str_eq(out, "/p.jpg");
}
END_TEST

START_TEST(test_odd_bytes_survive)
{
	char out[PATH_MAX];

	ck_assert_int_gt(tpath_build(out, sizeof(out), "/d", NULL,
				     "new\nline \xff.jpg", THUMB_FORMAT_JPEG), 0);
	ck_assert_str_eq(out, "/d/new\nline \xff.jpg");
}
END_TEST

START_TEST(test_refuses_bad_arguments)
{
	char out[64];

	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "a.jpg",
				     THUMB_FORMAT_AUTO), -EINVAL);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "/etc/x",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "../x.jpg",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "a/./x.jpg",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "a//x.jpg",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", "..", "x.jpg",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", "a/b", "x.jpg",
				     THUMB_FORMAT_JPEG), -EINVAL);
	ck_assert_ptr_null(tpath_ext(THUMB_FORMAT_AUTO));
}
END_TEST

START_TEST(test_too_long_for_buffer)
{
	char out[16];

	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, "a.jpg",
				     THUMB_FORMAT_JPEG), 8);
	ck_assert_int_eq(tpath_build(out, 8, "/d", NULL, "a.jpg",
				     THUMB_FORMAT_JPEG), -ENAMETOOLONG);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(tpath_build(out, 9, "/d", NULL, "a.jpg",
				     THUMB_FORMAT_JPEG), 8);
}
END_TEST

START_TEST(test_appended_ext_past_name_max)
{
	char name[NAME_MAX + 1];
	char out[PATH_MAX];

	/* A 255-byte source name fits; with ".jpg" appended it would not. */
	memset(name, 'a', NAME_MAX);
	memcpy(name + NAME_MAX - 4, ".png", 4);
	name[NAME_MAX] = '\0';
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, name,
				     THUMB_FORMAT_PNG), 3 + NAME_MAX);
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, name,
				     THUMB_FORMAT_JPEG), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_whole_path_past_path_max)
{
	char *rel = malloc(PATH_MAX);
	char out[PATH_MAX];

	ck_assert_ptr_nonnull(rel);
	for (size_t i = 0; i < PATH_MAX - 1; i++)
		rel[i] = i % 100 == 99 ? '/' : 'x';
	rel[PATH_MAX - 5] = '\0';
	ck_assert_int_eq(tpath_build(out, sizeof(out), "/d", NULL, rel,
				     THUMB_FORMAT_JPEG), -ENAMETOOLONG);
	free(rel);
}
END_TEST

START_TEST(test_name_alone)
{
	char name[NAME_MAX + 1];
	char out[NAME_MAX + 1];

	ck_assert_int_eq(tpath_name(out, sizeof(out), "scan.tiff",
				    THUMB_FORMAT_JPEG), 13);
	ck_assert_str_eq(out, "scan.tiff.jpg");
	ck_assert_int_eq(tpath_name(out, sizeof(out), "B.JPEG",
				    THUMB_FORMAT_JPEG), 6);
	ck_assert_str_eq(out, "B.JPEG");
	ck_assert_int_eq(tpath_name(out, sizeof(out), "a.jpg",
				    THUMB_FORMAT_AUTO), -EINVAL);
	memset(name, 'a', NAME_MAX - 2);
	name[NAME_MAX - 2] = '\0';
	ck_assert_int_eq(tpath_name(out, sizeof(out), name, THUMB_FORMAT_PNG),
			 -ENAMETOOLONG);
	ck_assert_int_eq(tpath_name(out, 4, "a.png", THUMB_FORMAT_PNG),
			 -ENAMETOOLONG);
}
END_TEST

/* tpath_thumb and tpath_thumb_dir choose a size's folder the same way:
 * DEST itself for one size, DEST/<name> for each of several. */
START_TEST(test_size_folder_from_settings)
{
	struct settings s;
	char out[PATH_MAX];

	ck_assert_int_eq(settings_init(&s), 0);
	ck_assert_int_gt(tpath_thumb(out, sizeof(out), &s, 0, "/d", "a/b.gif"), 0);
	ck_assert_str_eq(out, "/d/a/b.gif.png");
	ck_assert_int_gt(tpath_thumb_dir(out, sizeof(out), &s, 0, "/d", "a"), 0);
	ck_assert_str_eq(out, "/d/a");
	ck_assert_int_gt(tpath_thumb_dir(out, sizeof(out), &s, 0, "/d", ""), 0);
	ck_assert_str_eq(out, "/d");

	s.nsizes = 2;
	s.sizes[1] = s.sizes[0];
	strcpy(s.sizes[0].name, "small");
	strcpy(s.sizes[1].name, "big");
	s.sizes[1].format = THUMB_FORMAT_WEBP;
	ck_assert_int_gt(tpath_thumb(out, sizeof(out), &s, 0, "/d", "a/b.gif"), 0);
	ck_assert_str_eq(out, "/d/small/a/b.gif.png");
	ck_assert_int_gt(tpath_thumb(out, sizeof(out), &s, 1, "/d", "a/b.gif"), 0);
	ck_assert_str_eq(out, "/d/big/a/b.gif.webp");
	ck_assert_int_gt(tpath_thumb_dir(out, sizeof(out), &s, 1, "/d", "a/c"), 0);
	ck_assert_str_eq(out, "/d/big/a/c");
	ck_assert_int_gt(tpath_thumb_dir(out, sizeof(out), &s, 0, "/d/", ""), 0);
	ck_assert_str_eq(out, "/d/small");
	ck_assert_int_eq(tpath_thumb_dir(out, sizeof(out), &s, 0, "/d", "../x"),
			 -EINVAL);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(tpath_thumb_dir(out, 8, &s, 0, "/d", "abc"),
			 -ENAMETOOLONG);
	settings_free(&s);
}
END_TEST

static Suite *tpath_suite(void)
{
	Suite *s = suite_create("tpath");
	TCase *tc = tcase_create("naming");

	tcase_add_test(tc, test_keeps_name_and_appends_ext);
	tcase_add_test(tc, test_auto_follows_extension);
	tcase_add_test(tc, test_explicit_format_wins);
	tcase_add_test(tc, test_unknown_or_no_extension);
	tcase_add_test(tc, test_size_dir_and_subfolders);
	tcase_add_test(tc, test_odd_bytes_survive);
	tcase_add_test(tc, test_refuses_bad_arguments);
	tcase_add_test(tc, test_too_long_for_buffer);
	tcase_add_test(tc, test_appended_ext_past_name_max);
	tcase_add_test(tc, test_whole_path_past_path_max);
	tcase_add_test(tc, test_name_alone);
	tcase_add_test(tc, test_size_folder_from_settings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tpath_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
