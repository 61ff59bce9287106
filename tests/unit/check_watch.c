/*
 * check_watch.c - the recursive inotify watch against real inotify on
 * temporary folders, for files: closed writes, moves in, out, within and
 * between folders, rsync-style renames, new trees watched by a simulated
 * caller, the filter, flat roots, and closing from a callback.  Folders,
 * roots and the kernel's limits have check_watch_dirs.c; the harness is
 * watchtest.c.  Every wait runs the loop until the expected event or a
 * deadline; "nothing more" is checked by running the loop for SETTLE_MS,
 * well past the 20 ms move pairing.  Every test ends with watch_close(),
 * all handles closed and uv_loop_close() == 0.
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

START_TEST(copied_file_is_done_once)
{
	struct ctx c;

	setup(&c, 1);
	write_file(at(&c, "out/a.jpg"), "jpeg");
	sh(&c, "cp out/a.jpg r0/a.jpg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "a.jpg"), 0);
	settle(&c);
	ck_assert_int_eq(c.nev, 1);
	ck_assert_int_eq(c.ev[0].root, 0);
	ck_assert_int_eq(c.ev[0].old_root, -1);
	finish(&c);
}
END_TEST

START_TEST(half_written_file_is_done_once_after_close)
{
	struct ctx c;
	int fd;

	setup(&c, 1);
	fd = open(at(&c, "r0/slow.png"), O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "first half", 10), 10);
	settle(&c);
	ck_assert_int_eq(c.nev, 0);
	ck_assert_int_eq(write(fd, "second half", 11), 11);
	settle(&c);
	ck_assert_int_eq(c.nev, 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "slow.png"), 0);
	settle(&c);
	ck_assert_int_eq(c.nev, 1);
	finish(&c);
}
END_TEST

START_TEST(file_and_dir_moved_in_from_outside_are_new)
{
	struct ctx c;

	setup(&c, 1);
	write_file(at(&c, "out/in.jpg"), "jpeg");
	sh(&c, "mv out/in.jpg r0/in.jpg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "in.jpg"), 0);
	settle(&c);
	ck_assert_int_eq(c.nev, 1);
	sh(&c, "mkdir -p out/album/sub && echo x > out/album/sub/p.jpg");
	sh(&c, "mv out/album r0/");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "album"), 0);
	ck_assert_int_ge(find(&c, WALKED, "album/sub/p.jpg"), 0);
	ck_assert_int_eq(watch_count(c.w), 3);
	write_file(at(&c, "r0/album/sub/q.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "album/sub/q.jpg"), 0);
	finish(&c);
}
END_TEST

START_TEST(renames_within_and_between_dirs_are_moves)
{
	struct ctx c;
	int i;

	init(&c);
	sh(&c, "mkdir r0/d1 r0/d2");
	write_file(at(&c, "r0/d1/a.jpg"), "jpeg");
	start(&c, 1, true);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "d1"), 0);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "d2"), 0);

	sh(&c, "mv r0/d1/a.jpg r0/d1/b.jpg");
	ck_assert_int_ge(i = wait_for(&c, WATCH_FILE_MOVED, "d1/b.jpg"), 0);
	ck_assert_str_eq(c.ev[i].old_path, "d1/a.jpg");
	ck_assert_int_eq(c.ev[i].old_root, 0);
	ck_assert_int_eq(c.ev[i].root, 0);

	sh(&c, "mv r0/d1/b.jpg r0/d2/c.jpg");
	ck_assert_int_ge(i = wait_for(&c, WATCH_FILE_MOVED, "d2/c.jpg"), 0);
	ck_assert_str_eq(c.ev[i].old_path, "d1/b.jpg");

	sh(&c, "mv r0/d2/c.jpg r0/top.jpg");
	ck_assert_int_ge(i = wait_for(&c, WATCH_FILE_MOVED, "top.jpg"), 0);
	ck_assert_str_eq(c.ev[i].old_path, "d2/c.jpg");
	settle(&c);
	ck_assert_int_eq(c.nev, 3);
	finish(&c);
}
END_TEST

START_TEST(temporary_name_renamed_to_an_image_is_done)
{
	struct ctx c;

	setup(&c, 1);
	/* rsync's way, by hand and (when installed) for real */
	write_file(at(&c, "r0/.x.jpg.AbC123"), "jpeg");
	sh(&c, "mv r0/.x.jpg.AbC123 r0/x.jpg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "x.jpg"), 0);
	write_file(at(&c, "r0/y.jpg.part"), "jpeg");
	sh(&c, "mv r0/y.jpg.part r0/y.jpg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "y.jpg"), 0);
	if (system("command -v rsync >/dev/null 2>&1") == 0) {
		write_file(at(&c, "out/z.jpg"), "jpeg");
		sh(&c, "rsync out/z.jpg r0/");
		ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "z.jpg"), 0);
	}
	settle(&c);
	ck_assert_int_eq(count(&c, WATCH_FILE_DONE), c.nev);
	ck_assert_int_eq(c.nev, find(&c, WATCH_FILE_DONE, "z.jpg") >= 0 ? 3 : 2);
	finish(&c);
}
END_TEST

START_TEST(removed_and_moved_out_files_are_gone)
{
	struct ctx c;

	init(&c);
	write_file(at(&c, "r0/rm.jpg"), "jpeg");
	write_file(at(&c, "r0/mv.jpg"), "jpeg");
	start(&c, 1, true);
	sh(&c, "rm r0/rm.jpg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_GONE, "rm.jpg"), 0);
	/* alone in its read: resolved by the pairing timer */
	sh(&c, "mv r0/mv.jpg out/");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_GONE, "mv.jpg"), 0);
	settle(&c);
	ck_assert_int_eq(c.nev, 2);
	finish(&c);
}
END_TEST

START_TEST(new_tree_is_watched_by_the_caller_walk)
{
	struct ctx c;

	setup(&c, 1);
	sh(&c, "mkdir -p r0/a/b/c");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "a"), 0);
	settle(&c);
	ck_assert_int_eq(watch_count(c.w), 4);
	write_file(at(&c, "r0/a/b/c/deep.jpg"), "jpeg");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "a/b/c/deep.jpg"), 0);
	finish(&c);
}
END_TEST

START_TEST(file_written_with_its_tree_is_found_by_event_or_walk)
{
	struct ctx c;

	setup(&c, 1);
	sh(&c, "mkdir -p r0/p/q/r && echo x > r0/p/q/r/fast.jpg");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "p"), 0);
	settle(&c);
	ck_assert(find(&c, WATCH_FILE_DONE, "p/q/r/fast.jpg") >= 0 ||
		  find(&c, WALKED, "p/q/r/fast.jpg") >= 0);
	ck_assert_int_eq(watch_count(c.w), 4);
	finish(&c);
}
END_TEST

START_TEST(filter_keeps_temporary_and_hidden_names_out)
{
	struct ctx c;

	setup(&c, 1);
	write_file(at(&c, "r0/a.jpg.part"), "x");
	write_file(at(&c, "r0/.hidden.jpg"), "x");
	write_file(at(&c, "r0/notes.txt"), "x");
	sh(&c, "mkdir -p r0/.git/objects");
	write_file(at(&c, "r0/.git/objects/o.jpg"), "x");
	sh(&c, "rm r0/notes.txt r0/.hidden.jpg");
	settle(&c);
	ck_assert_int_eq(c.nev, 0);
	ck_assert_int_eq(watch_count(c.w), 1);

	write_file(at(&c, "r0/keep.jpg"), "x");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "keep.jpg"), 0);
	sh(&c, "mv r0/keep.jpg r0/keep.jpg.tmp");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_GONE, "keep.jpg"), 0);
	sh(&c, "mv r0/.git r0/git");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_NEW, "git"), 0);
	ck_assert_int_ge(wait_for(&c, WALKED, "git/objects/o.jpg"), 0);
	sh(&c, "mv r0/git r0/.git");
	ck_assert_int_ge(wait_for(&c, WATCH_DIR_GONE, "git"), 0);
	settle(&c);
	ck_assert_int_eq(c.nev, 5);
	ck_assert_int_eq(watch_count(c.w), 1);
	finish(&c);
}
END_TEST

START_TEST(flat_root_reports_files_only)
{
	struct ctx c;

	init(&c);
	start(&c, 1, false);
	sh(&c, "mkdir r0/sub && mv r0/sub r0/sub2 && rmdir r0/sub2");
	write_file(at(&c, "r0/flat.jpg"), "x");
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, "flat.jpg"), 0);
	settle(&c);
	ck_assert_int_eq(c.nev, 1);
	sh(&c, "mkdir r0/sub");
	ck_assert_int_eq(watch_add_dir(c.w, 0, "sub"), -EINVAL);
	ck_assert_int_eq(watch_count(c.w), 1);
	finish(&c);
}
END_TEST

START_TEST(add_dir_needs_a_watched_parent)
{
	struct ctx c;

	init(&c);
	sh(&c, "mkdir -p r0/a/b && ln -s a r0/link && ln -s r1 r1link");
	start(&c, 1, true);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "a/b"), -ENOENT);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "missing"), -ENOENT);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "link"), -ENOTDIR);
	ck_assert_int_eq(watch_add_dir(c.w, 7, "a"), -ENOENT);
	ck_assert_int_eq(watch_add_root(c.w, 0, c.root[1], true), -EEXIST);
	ck_assert_int_eq(watch_add_root(c.w, 1, c.root[0], true), -EEXIST);
	ck_assert_int_eq(watch_add_root(c.w, 1, at(&c, "r1link/"), true), 0);
	ck_assert_int_eq(watch_add_root(c.w, 2, c.root[1], true), -EEXIST);
	watch_remove_root(c.w, 1);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "a"), 0);
	ck_assert_int_eq(watch_add_dir(c.w, 0, "a/b"), 0);
	ck_assert_int_eq(watch_count(c.w), 3);
	finish(&c);
}
END_TEST

START_TEST(close_in_callback_stops_callbacks)
{
	struct ctx c;

	setup(&c, 1);
	write_file(at(&c, "r0/1.jpg"), "x");
	write_file(at(&c, "r0/2.jpg"), "x");
	write_file(at(&c, "r0/3.jpg"), "x");
	c.close_in_cb = true;
	ck_assert_int_ge(wait_for(&c, WATCH_FILE_DONE, NULL), 0);
	uv_run(&c.loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(c.nev, 1);
	finish(&c);
}
END_TEST

int
main(void)
{
	TCase *tc = tcase_create("inotify");

	tcase_add_test(tc, copied_file_is_done_once);
	tcase_add_test(tc, half_written_file_is_done_once_after_close);
	tcase_add_test(tc, file_and_dir_moved_in_from_outside_are_new);
	tcase_add_test(tc, renames_within_and_between_dirs_are_moves);
	tcase_add_test(tc, temporary_name_renamed_to_an_image_is_done);
	tcase_add_test(tc, removed_and_moved_out_files_are_gone);
	tcase_add_test(tc, new_tree_is_watched_by_the_caller_walk);
	tcase_add_test(tc, file_written_with_its_tree_is_found_by_event_or_walk);
	tcase_add_test(tc, filter_keeps_temporary_and_hidden_names_out);
	tcase_add_test(tc, flat_root_reports_files_only);
	tcase_add_test(tc, add_dir_needs_a_watched_parent);
	tcase_add_test(tc, close_in_callback_stops_callbacks);
	return watchtest_run("watch", tc);
}
