/*
 * check_path.c - the path text rules of lib/path.h: path_inside() decides
 * containment component by component (what the batch, the bench and the
 * config's root cross-checks all ask), and path_join() normalises.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>

#include "lib/path.h"

START_TEST(test_inside_itself_and_below)
{
	ck_assert(path_inside("/a/b", "/a/b"));
	ck_assert(path_inside("/a/b/c", "/a/b"));
	ck_assert(path_inside("/a/b/c/d", "/a"));
}
END_TEST

START_TEST(test_not_a_string_prefix)
{
	ck_assert(!path_inside("/a/bc", "/a/b"));
	ck_assert(!path_inside("/a/b", "/a/bc"));
	ck_assert(!path_inside("/ab", "/a"));
	ck_assert(!path_inside("/a/b.d", "/a/b"));
}
END_TEST

START_TEST(test_not_above_or_beside)
{
	ck_assert(!path_inside("/a", "/a/b"));
	ck_assert(!path_inside("/x/b", "/a/b"));
	ck_assert(!path_inside("/", "/a"));
}
END_TEST

START_TEST(test_everything_inside_root)
{
	ck_assert(path_inside("/", "/"));
	ck_assert(path_inside("/a", "/"));
	ck_assert(path_inside("/a/b/c", "/"));
}
END_TEST

START_TEST(test_slashes_do_not_count)
{
	ck_assert(path_inside("/a//b/c", "/a/b"));
	ck_assert(path_inside("/a/b/", "/a/b"));
	ck_assert(path_inside("/a/b", "/a/b/"));
	ck_assert(path_inside("/a/b/c", "//a///b//"));
	ck_assert(!path_inside("/a//bc", "/a/b/"));
}
END_TEST

START_TEST(test_absolute_and_relative_never_mix)
{
	ck_assert(!path_inside("a/b", "/a"));
	ck_assert(!path_inside("/a/b", "a"));
	ck_assert(!path_inside("a", "/"));
	ck_assert(path_inside("a/b", "a"));
}
END_TEST

START_TEST(test_dots_are_names)
{
	ck_assert(!path_inside("/a/b/../c", "/a/b/c"));
	ck_assert(path_inside("/a/b/../c", "/a/b"));
	ck_assert(!path_inside("/a/./b", "/a/b"));
}
END_TEST

static void
check_join(const char *base, const char *p, const char *want)
{
	char *got = path_join(base, p);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_join_normalises)
{
	check_join("", "/a/b", "/a/b");
	check_join("", "/a//b/", "/a/b");
	check_join("", "/a/./b/.", "/a/b");
	check_join("", "/a/b/../c", "/a/c");
	check_join("", "/..", "/");
	check_join("", "/../..", "/");
	check_join("", "/", "/");
	check_join("/etc/thumper", "./thumbs", "/etc/thumper/thumbs");
	check_join("/etc/thumper", "../srv", "/etc/srv");
	check_join("/etc", "../../../x", "/x");
	check_join("/", ".", "/");
}
END_TEST

static Suite *
path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("inside");
	TCase *tj = tcase_create("join");

	tcase_add_test(tc, test_inside_itself_and_below);
	tcase_add_test(tc, test_not_a_string_prefix);
	tcase_add_test(tc, test_not_above_or_beside);
	tcase_add_test(tc, test_everything_inside_root);
	tcase_add_test(tc, test_slashes_do_not_count);
	tcase_add_test(tc, test_absolute_and_relative_never_mix);
	tcase_add_test(tc, test_dots_are_names);
	suite_add_tcase(s, tc);
	tcase_add_test(tj, test_join_normalises);
	suite_add_tcase(s, tj);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(path_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
