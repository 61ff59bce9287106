/*
 * check_watch.c - the recursive inotify watch against real inotify on
 * temporary folders: closed writes, moves in, out, within and between
 * roots, rsync-style renames, new trees watched by a simulated caller,
 * renamed and vanished directories, recreated names, a vanished root,
 * queue overflow and running out of watches.  Every wait runs the loop
 * until the expected event or a deadline; "nothing more" is checked by
 * running the loop for SETTLE_MS, well past the 20 ms move pairing.
 * Every test ends with watch_close(), all handles closed and
 * uv_loop_close() == 0.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "lib/filter.h"
#include "watch/walk.h"
#include "watch/watch.h"

#define MAX_EVENTS 256
#define WAIT_MS 3000
#define SETTLE_MS 150
#define WALKED 100		/* pseudo event: the simulated caller's walk found a file */

#define QUEUED_SYSCTL "/proc/sys/fs/inotify/max_queued_events"
#define WATCHES_SYSCTL "/proc/sys/fs/inotify/max_user_watches"

struct rec {
	int type;
	int root, old_root;
	char path[256], old_path[256];
};

struct ctx {
	uv_loop_t loop;
	uv_timer_t timer;
	bool timed_out, closed;
	struct watch *w;
	struct filter f;
	char dir[128];			/* this test's folder */
	char root[2][160];		/* DIR/r0, DIR/r1 */
	char out[160];			/* DIR/out: outside every root */
	bool walk_new_dirs;		/* act as the daemon on WATCH_DIR_NEW */
	bool close_in_cb;
	struct rec ev[MAX_EVENTS];
	int nev;
};

static char base[] = "/tmp/check_watch.XXXXXX";
static long saved_queued = -1, saved_watches = -1;

static long
sysctl_get(const char *path)
{
	FILE *fp = fopen(path, "r");
	long v = -1;

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static int
sysctl_set(const char *path, long v)
{
	FILE *fp = fopen(path, "w");
	int rc;

	if (fp == NULL)
		return -1;
	rc = fprintf(fp, "%ld\n", v) < 0;
	return fclose(fp) != 0 || rc ? -1 : 0;
}

/* Unchecked fixture (runs in the parent): whatever a test did, undo it. */
static void
suite_setup(void)
{
	saved_queued = sysctl_get(QUEUED_SYSCTL);
	saved_watches = sysctl_get(WATCHES_SYSCTL);
}

static void
suite_teardown(void)
{
	if (saved_queued > 0 && sysctl_get(QUEUED_SYSCTL) != saved_queued)
		sysctl_set(QUEUED_SYSCTL, saved_queued);
	if (saved_watches > 0 && sysctl_get(WATCHES_SYSCTL) != saved_watches)
		sysctl_set(WATCHES_SYSCTL, saved_watches);
}

static void
walk_new_dir(struct ctx *c, int root, const char *rel)
{
	char abs[PATH_MAX], sub[256];
	struct walk_entry e;
	struct walk *wk;
	int rc;

	ck_assert_int_lt(snprintf(abs, sizeof(abs), "%s/%s", c->root[root], rel),
			 sizeof(abs));
	if (walk_open(abs, &c->f, WALK_DIRS, &wk) != 0)
		return;
	while ((rc = walk_next(wk, &e)) != 0) {
		if (rc < 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			     e.path) >= (int)sizeof(sub))
			ck_abort_msg("path too long: %s/%s", rel, e.path);
		if (e.is_dir) {
			watch_add_dir(c->w, root, sub);
		} else if (c->nev < MAX_EVENTS) {
			struct rec *r = &c->ev[c->nev++];

			r->type = WALKED;
			r->root = root;
			snprintf(r->path, sizeof(r->path), "%s", sub);
		}
	}
	walk_close(wk);
}

static void
event_cb(struct watch *w, const struct watch_event *ev, void *data)
{
	struct ctx *c = data;
	struct rec *r;

	ck_assert_ptr_eq(w, c->w);
	ck_assert_int_lt(c->nev, MAX_EVENTS);
	r = &c->ev[c->nev++];
	r->type = ev->type;
	r->root = ev->root;
	r->old_root = ev->old_root;
	snprintf(r->path, sizeof(r->path), "%s", ev->path);
	snprintf(r->old_path, sizeof(r->old_path), "%s",
		 ev->old_path ? ev->old_path : "");
	if (c->close_in_cb) {
		c->close_in_cb = false;
		watch_close(w, NULL);
		c->closed = true;
		return;
	}
	if (c->walk_new_dirs && ev->type == WATCH_DIR_NEW)
		walk_new_dir(c, ev->root, ev->path);
}

static void
closed_cb(void *data)
{
	((struct ctx *)data)->closed = true;
}

static void
timeout_cb(uv_timer_t *t)
{
	((struct ctx *)t->data)->timed_out = true;
}

/* Index of the first event of TYPE for PATH (NULL: any), or -1. */
static int
find(const struct ctx *c, int type, const char *path)
{
	for (int i = 0; i < c->nev; i++)
		if (c->ev[i].type == type &&
		    (path == NULL || strcmp(c->ev[i].path, path) == 0))
			return i;
	return -1;
}

static int
count(const struct ctx *c, int type)
{
	int n = 0;

	for (int i = 0; i < c->nev; i++)
		n += c->ev[i].type == type;
	return n;
}

/* Runs the loop until that event comes (its index) or WAIT_MS pass (-1). */
static int
wait_for(struct ctx *c, int type, const char *path)
{
	int i;

	c->timed_out = false;
	uv_timer_start(&c->timer, timeout_cb, WAIT_MS, 0);
	while ((i = find(c, type, path)) < 0 && !c->timed_out)
		uv_run(&c->loop, UV_RUN_ONCE);
	uv_timer_stop(&c->timer);
	return i;
}

/* Runs the loop for SETTLE_MS: whatever was coming has come. */
static void
settle(struct ctx *c)
{
	c->timed_out = false;
	uv_timer_start(&c->timer, timeout_cb, SETTLE_MS, 0);
	while (!c->timed_out)
		uv_run(&c->loop, UV_RUN_ONCE);
}

static void
sh(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs a shell command in the test's folder. */
static void
sh(struct ctx *c, const char *fmt, ...)
{
	char cmd[2048], full[2048 + 160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && %s", c->dir, cmd);
	ck_assert_msg(system(full) == 0, "command failed: %s", cmd);
}

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/* A file under this test's folder, by relative path. */
static const char *
at(struct ctx *c, const char *rel)
{
	static char buf[2][PATH_MAX * 2];
	static int next;
	char *b = buf[next++ % 2];

	snprintf(b, sizeof(buf[0]), "%s/%s", c->dir, rel);
	return b;
}

/* Folders and loop, without the watch (see start()). */
static void
init(struct ctx *c)
{
	char tmpl[sizeof(c->dir) - 4];

	memset(c, 0, sizeof(*c));
	snprintf(tmpl, sizeof(tmpl), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	memcpy(c->dir, tmpl, sizeof(tmpl));
	snprintf(c->root[0], sizeof(c->root[0]), "%s/r0", c->dir);
	snprintf(c->root[1], sizeof(c->root[1]), "%s/r1", c->dir);
	snprintf(c->out, sizeof(c->out), "%s/out", c->dir);
	ck_assert_int_eq(mkdir(c->root[0], 0755), 0);
	ck_assert_int_eq(mkdir(c->root[1], 0755), 0);
	ck_assert_int_eq(mkdir(c->out, 0755), 0);
	ck_assert_int_eq(filter_init_default(&c->f), 0);
	ck_assert_int_eq(uv_loop_init(&c->loop), 0);
	ck_assert_int_eq(uv_timer_init(&c->loop, &c->timer), 0);
	c->timer.data = c;
	c->walk_new_dirs = true;
}

static void
start(struct ctx *c, int nroots, bool recursive)
{
	ck_assert_int_eq(watch_new(&c->loop, &c->f, event_cb, c, &c->w), 0);
	for (int i = 0; i < nroots; i++)
		ck_assert_int_eq(watch_add_root(c->w, i, c->root[i], recursive), 0);
}

static void
setup(struct ctx *c, int nroots)
{
	init(c);
	start(c, nroots, true);
}

static void
finish(struct ctx *c)
{
	if (!c->closed)
		watch_close(c->w, closed_cb);
	uv_close((uv_handle_t *)&c->timer, NULL);
	ck_assert_int_eq(uv_run(&c->loop, UV_RUN_DEFAULT), 0);
	ck_assert(c->closed);
	ck_assert_int_eq(uv_loop_close(&c->loop), 0);
	filter_free(&c->f);
	sh(c, "rm -rf '%s'", c->dir);
}

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
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("inotify");
	SRunner *sr;
	char cmd[256];
	int failed;

	if (mkdtemp(base) == NULL) {
		perror("check_watch: mkdtemp");
		return 99;
	}
	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, copied_file_is_done_once);
	tcase_add_test(tc, half_written_file_is_done_once_after_close);
	tcase_add_test(tc, file_and_dir_moved_in_from_outside_are_new);
	tcase_add_test(tc, renames_within_and_between_dirs_are_moves);
	tcase_add_test(tc, temporary_name_renamed_to_an_image_is_done);
	tcase_add_test(tc, removed_and_moved_out_files_are_gone);
	tcase_add_test(tc, new_tree_is_watched_by_the_caller_walk);
	tcase_add_test(tc, file_written_with_its_tree_is_found_by_event_or_walk);
	tcase_add_test(tc, renamed_dir_is_moved_and_reports_new_paths);
	tcase_add_test(tc, dir_moved_out_is_gone_and_silent);
	tcase_add_test(tc, removed_then_recreated_tree_has_right_paths);
	tcase_add_test(tc, tree_replaced_within_one_read_has_right_paths);
	tcase_add_test(tc, moves_between_roots_change_root);
	tcase_add_test(tc, removed_or_moved_root_is_root_gone);
	tcase_add_test(tc, filter_keeps_temporary_and_hidden_names_out);
	tcase_add_test(tc, flat_root_reports_files_only);
	tcase_add_test(tc, add_dir_needs_a_watched_parent);
	tcase_add_test(tc, close_in_callback_stops_callbacks);
	/* these lower a system-wide limit for a moment: root only */
	if (access(QUEUED_SYSCTL, W_OK) == 0 && access(WATCHES_SYSCTL, W_OK) == 0) {
		tcase_add_test(tc, queue_overflow_is_reported_once_and_rescan_fixes_paths);
		tcase_add_test(tc, out_of_watches_is_enospc_and_no_space);
	} else {
		fprintf(stderr, "check_watch: inotify limits not writable: "
			"overflow and ENOSPC tests skipped\n");
	}
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "check_watch: could not remove %s\n", base);
	return failed == 0 ? 0 : 1;
}
