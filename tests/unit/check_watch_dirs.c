/*
 * check_watch_dirs.c - the recursive inotify watch against real inotify
 * on temporary folders, for folders and roots: renamed and vanished
 * directories, recreated names, trees replaced between two reads, moves
 * between roots, a vanished root, queue overflow and running out of
 * watches.  The harness is watchtest.c.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/watchtest.h"

START_TEST(renamed_dir_is_moved_and_reports_new_paths)
{
	struct ctx c;
	int i;

	setup(&c, 1);
	sh(&c, "mkdir -p r0/old/sub");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "old"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 3);
	sh(&c, "mv r0/old r0/new");
	ck_assert_int_ge(i = wait_for(&c, WATCH_DIR_MOVED, "new"), 0);
	ck_assert_str_eq(c.ev[i].old_path, "old");
	ck_assert_int_eq(c.ev[i].old_root, 0);
	write_file(at(&c, "r0/new/sub/later.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "new/sub/later.jpg"), 0);
	/* and moved deeper, under another new directory */
	sh(&c, "mkdir r0/other");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "other"), 0);
	sh(&c, "mv r0/new r0/other/again");
	ck_assert_int_ge(i = wait_for(&c, WATCH_DIR_MOVED, "other/again"), 0);
	ck_assert_str_eq(c.ev[i].old_path, "new");
	write_file(at(&c, "r0/other/again/sub/deeper.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE,
				  "other/again/sub/deeper.jpg"), 0);
	ck_assert_int_eq(watch_count(c.w), 4);
	finish(&c);
}
END_TEST

START_TEST(dir_moved_out_is_gone_and_silent)
{
	struct ctx c;

	setup(&c, 1);
	sh(&c, "mkdir -p r0/leave/sub");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "leave"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 3);
	sh(&c, "mv r0/leave out/");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_GONE, "leave"), 0);
	ck_assert_int_eq(watch_count(c.w), 1);
	c.nev = 0;
	write_file(at(&c, "out/leave/x.jpg"), "jpeg");
	write_file(at(&c, "out/leave/sub/y.jpg"), "jpeg");
	sh(&c, "mkdir out/leave/sub/z");
	settle(&c);
	ck_assert_int_eq(c.nev, 0);
	finish(&c);
}
END_TEST

START_TEST(removed_then_recreated_tree_has_right_paths)
{
	struct ctx c;

	setup(&c, 1);
	sh(&c, "mkdir -p r0/a/b");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "a"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 3);
	sh(&c, "rm -rf r0/a");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_GONE, "a"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 1);
	sh(&c, "mkdir -p r0/a/b");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "a"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 3);
	write_file(at(&c, "r0/a/b/again.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "a/b/again.jpg"), 0);
	finish(&c);
}
END_TEST

START_TEST(tree_replaced_within_one_read_has_right_paths)
{
	struct ctx c;

	init(&c);
	sh(&c, "mkdir -p r0/a/b");
	start(&c, 1, true);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "a"), 0);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "a/b"), 0);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "a/b"), 0);
	ck_assert_int_eq(watch_count(c.w), 3);
	/* all before the loop runs: the old nodes' IN_IGNORED and the new
	 * directories' IN_CREATE come in one read */
	sh(&c, "rm -rf r0/a && mkdir -p r0/a/b");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "a"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 3);
	write_file(at(&c, "r0/a/b/new.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "a/b/new.jpg"), 0);
	finish(&c);
}
END_TEST

START_TEST(moves_between_roots_change_root)
{
	struct ctx c;
	int i;

	setup(&c, 2);
	write_file(at(&c, "r0/f.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "f.jpg"), 0);
	sh(&c, "mv r0/f.jpg r1/g.jpg");
	ck_assert_int_ge(i = wait_for(&c, WATCH_FILE_MOVED, "g.jpg"), 0);
	ck_assert_int_eq(c.ev[i].old_root, 0);
	ck_assert_str_eq(c.ev[i].old_path, "f.jpg");
	ck_assert_int_eq(c.ev[i].root, 1);

	sh(&c, "mkdir -p r0/d/e");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "d"), 0);
	settle(&c);
	sh(&c, "mv r0/d r1/d2");
	ck_assert_int_ge(i = wait_for(&c, WATCH_DIR_MOVED, "d2"), 0);
	ck_assert_int_eq(c.ev[i].old_root, 0);
	ck_assert_str_eq(c.ev[i].old_path, "d");
	ck_assert_int_eq(c.ev[i].root, 1);
	write_file(at(&c, "r1/d2/e/h.jpg"), "jpeg");
	ck_assert_int_ge(i = wait_for(&c, WATCH_FILE_DONE, "d2/e/h.jpg"), 0);
	ck_assert_int_eq(c.ev[i].root, 1);
	ck_assert_int_eq(watch_count(c.w), 4);
	finish(&c);
}
END_TEST

START_TEST(removed_or_moved_root_is_root_gone)
{
	struct ctx c;
	int i;

	setup(&c, 2);
	sh(&c, "mkdir -p r0/x/y");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "x"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 4);
	sh(&c, "rm -rf r0");
	ck_assert_int_ge(i = wait_for(&c, WATCH_ROOT_GONE, NULL), 0);
	ck_assert_int_eq(c.ev[i].root, 0);
	settle(&c);
	ck_assert_int_eq(count(&c, WATCH_ROOT_GONE), 1);
	ck_assert_int_eq(watch_count(c.w), 1);
	/* the id is free again */
	ck_assert_int_eq(mkdir(c.root[0], 0755), 0);
	ck_assert_int_eq(watch_add_root(c.w, 0, c.root[0], true), 0);
	watch_remove_root(c.w, 0);
	ck_assert_int_eq(watch_count(c.w), 1);

	c.nev = 0;
	sh(&c, "mv r1 moved");
	ck_assert_int_ge(i = wait_for(&c, WATCH_ROOT_GONE, NULL), 0);
	ck_assert_int_eq(c.ev[i].root, 1);
	ck_assert_int_eq(watch_count(c.w), 0);
	watch_remove_root(c.w, 1);
	finish(&c);
}
END_TEST

START_TEST(queue_overflow_is_reported_once_and_rescan_fixes_paths)
{
	struct ctx c;
	char name[64];
	long queued = sysctl_get(QUEUED_SYSCTL);
	int rc, i;

	init(&c);
	sh(&c, "mkdir -p r0/d/sub");
	/* the limit is read when the instance is made; restore at once */
	ck_assert_int_eq(sysctl_set(QUEUED_SYSCTL, 32), 0);
	rc = watch_new(&c.loop, &c.f, event_cb, &c, &c.w);
	sysctl_set(QUEUED_SYSCTL, queued);
	ck_assert_int_eq(sysctl_get(QUEUED_SYSCTL), queued);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(watch_add_root(c.w, 0, c.root[0], true), 0);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "d"), 0);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "d/sub"), 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "r0/f%03d.jpg", i);
		write_file(at(&c, name), "x");
	}
	sh(&c, "mv r0/d r0/e");	/* lost: the queue is full */
	ck_assert_int_ge(i = wait_for(&c, WATCH_OVERFLOW, NULL), 0);
	ck_assert_int_eq(c.ev[i].root, -1);
	settle(&c);
	ck_assert_int_eq(count(&c, WATCH_OVERFLOW), 1);
	ck_assert_int_lt(count(&c, WATCH_FILE_DONE), 100);
	ck_assert_int_eq(find(&c, WATCH_DIR_MOVED, NULL), -1);
	/* the caller's rescan: walk the root, watch_add_dir() each folder */
	walk_new_dir(&c, 0, "");
	ck_assert_int_eq(watch_count(c.w), 3);
	write_file(at(&c, "r0/e/sub/after.jpg"), "x");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "e/sub/after.jpg"), 0);
	finish(&c);
}
END_TEST

START_TEST(out_of_watches_is_enospc_and_no_space)
{
	struct ctx c;
	long watches = sysctl_get(WATCHES_SYSCTL);
	int rc, i;

	init(&c);
	sh(&c, "mkdir r0/a");
	start(&c, 1, true);
	/* every inotify user of uid 0 is short of watches until restored */
	ck_assert_int_eq(sysctl_set(WATCHES_SYSCTL, 1), 0);
	rc = watch_add_dir(c.w, 0, "a");
	if (mkdir(at(&c, "r0/b"), 0755) == 0)
		i = wait_for(&c, WATCH_NO_SPACE, "b");
	else
		i = -2;
	sysctl_set(WATCHES_SYSCTL, watches);
	ck_assert_int_eq(sysctl_get(WATCHES_SYSCTL), watches);
	ck_assert_int_eq(rc, -ENOSPC);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(find(&c, WATCH_DIR_NEW, NULL), -1);
	ck_assert_int_eq(watch_count(c.w), 1);
	/* the caller's rescan then watches it */
	ck_assert_int_eq(watch_add_dir(c.w, 0, "b"), 0);
	ck_assert_int_eq(watch_count(c.w), 2);
	finish(&c);
}
END_TEST

int
main(void)
{
	TCase *tc = tcase_create("inotify");

	tcase_add_test(tc, renamed_dir_is_moved_and_reports_new_paths);
	tcase_add_test(tc, dir_moved_out_is_gone_and_silent);
	tcase_add_test(tc, removed_then_recreated_tree_has_right_paths);
	tcase_add_test(tc, tree_replaced_within_one_read_has_right_paths);
	tcase_add_test(tc, moves_between_roots_change_root);
	tcase_add_test(tc, removed_or_moved_root_is_root_gone);
	/* these lower a system-wide limit for a moment: root only */
	if (access(QUEUED_SYSCTL, W_OK) == 0 && access(WATCHES_SYSCTL, W_OK) == 0) {
		tcase_add_test(tc, queue_overflow_is_reported_once_and_rescan_fixes_paths);
		tcase_add_test(tc, out_of_watches_is_enospc_and_no_space);
	} else {
		fprintf(stderr, "check_watch_dirs: inotify limits not writable: "
			"overflow and ENOSPC tests skipped\n");
	}
	return watchtest_run("watch_dirs", tc);
}
