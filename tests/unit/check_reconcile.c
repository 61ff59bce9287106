/*
 * check_reconcile.c - the source/dest comparison walk (daemon/reconcile.h)
 * on temporary folders: missing and stale thumbnails found (to the
 * nanosecond, under the naming rule of design.md §4, for every size);
 * only what the filter takes, no symlinks, hidden folders not entered;
 * each folder announced before its files; orphans counted, and reported
 * only in a delete pass, never removed by the walk; files that cannot be
 * thumbnails left alone; dead workers' temporaries removed and a live
 * worker's kept; the guards: a source root that is empty is said so, one
 * that is missing yields no orphans at all; a file the caller refuses is
 * offered again; any budget gives the same answer; and a walk freed
 * halfway closes what it opened.
 */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/reconcile.h"
#include "lib/settings.h"
#include "tests/unit/testutil.h"

#define T 1700000000		/* the sources' mtime, seconds */
#define MAX_EVENTS 4096

static char base[] = "/tmp/check_reconcile.XXXXXX";

/* This test's folders: DIR/src and DIR/dest. */
static char dir[PATH_MAX], src[PATH_MAX], dest[PATH_MAX];
static struct settings s;

/* snprintf that must not truncate. */
static void __attribute__((format(printf, 3, 4)))
fmt(char *out, size_t outsz, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(out, outsz, format, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < outsz, "%s: too long", format);
}

static void
setup(void)
{
	fmt(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	fmt(src, sizeof(src), "%s/src", dir);
	fmt(dest, sizeof(dest), "%s/dest", dir);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	ck_assert_int_eq(mkdir(dest, 0755), 0);
	ck_assert_int_eq(settings_init(&s), 0);
}

static void
teardown(void)
{
	settings_free(&s);
}

/* --- building trees ------------------------------------------------- */

/* Makes folder ROOT/REL. */
static void
mkd(const char *root, const char *rel)
{
	char path[PATH_MAX];

	fmt(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

/* Makes file ROOT/REL with mtime SEC.NSEC. */
static void
file(const char *root, const char *rel, time_t sec, long nsec)
{
	char path[PATH_MAX];
	struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };
	int fd;

	fmt(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "create %s", path);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(futimens(fd, ts), 0);
	close(fd);
}

static void
rm(const char *root, const char *rel)
{
	char path[PATH_MAX];

	fmt(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_msg(unlink(path) == 0, "unlink %s", path);
}

static bool
exists(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	fmt(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

/* --- walking -------------------------------------------------------- */

struct walk {
	char ev[MAX_EVENTS][PATH_MAX / 8];
	int n;
	int refuse_every;	/* refuse each stale file's first offer */
	char refused[PATH_MAX];
	int offers;
	struct reconcile_stats st;
	bool source_empty;
	int steps;
};

static struct walk w;

static void
log_event(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void
log_event(const char *format, ...)
{
	va_list ap;

	ck_assert_int_lt(w.n, MAX_EVENTS);
	va_start(ap, format);
	vsnprintf(w.ev[w.n++], sizeof(w.ev[0]), format, ap);
	va_end(ap);
}

static void
dir_cb(void *data, const char *rel)
{
	(void)data;
	log_event("dir:%s", rel);
}

static int
stale_cb(void *data, const char *rel, const struct stat *st)
{
	(void)data;
	ck_assert(S_ISREG(st->st_mode));
	w.offers++;
	if (w.refuse_every && strcmp(w.refused, rel) != 0) {
		fmt(w.refused, sizeof(w.refused), "%s", rel);
		return 1;
	}
	log_event("stale:%s", rel);
	return 0;
}

static void
orphan_cb(void *data, const char *path, bool is_dir)
{
	size_t n = strlen(dest);

	(void)data;
	/* Absolute, inside the dest tree. */
	ck_assert_msg(strncmp(path, dest, n) == 0 && path[n] == '/',
		      "orphan %s is not under %s", path, dest);
	log_event("orphan:%s%s", path + n + 1, is_dir ? "/" : "");
}

static const struct reconcile_ops ops = { dir_cb, stale_cb, orphan_cb };

/* Walks SRC/START against DEST with FLAGS, BUDGET entries a step. */
static void
walk_budget(const char *start, int flags, unsigned budget)
{
	struct reconcile *r = NULL;
	int refuse = w.refuse_every;

	memset(&w, 0, sizeof(w));
	w.refuse_every = refuse;
	ck_assert_int_eq(reconcile_start(src, dest, start, &s, flags, &ops, NULL,
					 &r), 0);
	while (reconcile_step(r, budget) != 0) {
		w.steps++;
		ck_assert_int_lt(w.steps, 1000000);
	}
	ck_assert_int_eq(reconcile_step(r, budget), 0);	/* stays over */
	w.st = *reconcile_stats(r);
	w.source_empty = reconcile_source_empty(r);
	reconcile_free(r);
}

static void
walk(const char *start, int flags)
{
	walk_budget(start, flags, 512);
}

static int
find(const char *ev)
{
	for (int i = 0; i < w.n; i++)
		if (strcmp(w.ev[i], ev) == 0)
			return i;
	return -1;
}

static int
count(const char *prefix)
{
	int k = 0;

	for (int i = 0; i < w.n; i++)
		if (strncmp(w.ev[i], prefix, strlen(prefix)) == 0)
			k++;
	return k;
}

/* The events starting with PREFIX are exactly the NULL-terminated list. */
static void
expect_events(const char *prefix, ...)
{
	va_list ap;
	const char *e;
	int k = 0;

	va_start(ap, prefix);
	while ((e = va_arg(ap, const char *)) != NULL) {
		char want[PATH_MAX];

		fmt(want, sizeof(want), "%s%s", prefix, e);
		ck_assert_msg(find(want) >= 0, "no event %s", want);
		k++;
	}
	va_end(ap);
	if (count(prefix) != k) {
		for (int i = 0; i < w.n; i++)
			fprintf(stderr, "  event %s\n", w.ev[i]);
		ck_abort_msg("%d %s events, want %d", count(prefix), prefix, k);
	}
}

#define ALL (RECONCILE_RECURSIVE | RECONCILE_STALE | RECONCILE_ORPHANS | \
	     RECONCILE_TEMPS)

/* --- the tests ------------------------------------------------------ */

START_TEST(missing_and_stale_thumbnails_are_found)
{
	mkd(src, "sub");
	mkd(dest, "sub");
	file(src, "fresh.jpg", T, 0);
	file(dest, "fresh.jpg", T, 0);
	file(src, "newer.png", T + 1, 0);
	file(dest, "newer.png", T, 0);
	file(src, "older.png", T, 0);
	file(dest, "older.png", T + 1, 0);
	file(src, "nano.jpg", T, 500);
	file(dest, "nano.jpg", T, 501);
	file(src, "missing.jpg", T, 0);
	file(src, "scan.tiff", T, 0);		/* thumbnail: scan.tiff.jpg */
	file(dest, "scan.tiff.jpg", T, 0);
	file(src, "misnamed.tiff", T, 0);
	file(dest, "misnamed.tiff", T, 0);	/* not what the rule names */
	file(src, "isdir.jpg", T, 0);
	mkd(dest, "isdir.jpg");
	file(src, "sub/anim.gif", T, 0);	/* thumbnail: anim.gif.png */
	file(dest, "sub/anim.gif.png", T, 0);
	file(src, "sub/new.webp", T, 7);
	walk("", RECONCILE_RECURSIVE | RECONCILE_STALE);
	expect_events("stale:", "newer.png", "older.png", "nano.jpg",
		      "missing.jpg", "misnamed.tiff", "isdir.jpg",
		      "sub/new.webp", NULL);
	ck_assert_uint_eq(w.st.stale, 7);
	ck_assert_uint_eq(w.st.files, 10);
	ck_assert_uint_eq(w.st.dirs, 2);
	ck_assert_uint_eq(w.st.errors, 0);
	/* Without RECONCILE_STALE nothing is reported, files still counted. */
	walk("", RECONCILE_RECURSIVE);
	ck_assert_int_eq(count("stale:"), 0);
	ck_assert_uint_eq(w.st.files, 10);
	ck_assert_uint_eq(w.st.stale, 0);
}
END_TEST

START_TEST(only_images_the_filter_takes_are_sources)
{
	char target[PATH_MAX], link[PATH_MAX];

	file(src, "a.JPG", T, 0);
	file(src, "notes.txt", T, 0);
	file(src, ".hidden.jpg", T, 0);
	file(src, "upload.jpg.part", T, 0);
	file(src, "edit.jpg~", T, 0);
	file(src, "x.tmp", T, 0);
	mkd(src, ".git");
	file(src, ".git/in-hidden.jpg", T, 0);
	mkd(src, "album.jpg");			/* a folder, whatever its name */
	file(src, "album.jpg/in.png", T, 0);
	mkd(src, "real");
	file(src, "real/r.jpg", T, 0);
	fmt(target, sizeof(target), "%s/a.JPG", src);
	fmt(link, sizeof(link), "%s/link.jpg", src);
	ck_assert_int_eq(symlink(target, link), 0);
	fmt(target, sizeof(target), "%s/real", src);
	fmt(link, sizeof(link), "%s/linkdir", src);
	ck_assert_int_eq(symlink(target, link), 0);
	fmt(link, sizeof(link), "%s/pipe.jpg", src);
	ck_assert_int_eq(mkfifo(link, 0644), 0);
	walk("", RECONCILE_RECURSIVE | RECONCILE_STALE);
	expect_events("stale:", "a.JPG", "album.jpg/in.png", "real/r.jpg", NULL);
	expect_events("dir:", "", "album.jpg", "real", NULL);
	ck_assert_uint_eq(w.st.files, 3);
	/* Following symlinks when the filter says so. */
	s.filter.follow_symlinks = true;
	walk("", RECONCILE_STALE);
	expect_events("stale:", "a.JPG", "link.jpg", NULL);
}
END_TEST

START_TEST(each_folder_is_announced_before_its_files)
{
	mkd(src, "a");
	mkd(src, "a/b");
	mkd(src, "c");
	file(src, "top.jpg", T, 0);
	file(src, "a/x.jpg", T, 0);
	file(src, "a/b/y.jpg", T, 0);
	file(src, "c/z.jpg", T, 0);
	walk("", RECONCILE_RECURSIVE | RECONCILE_STALE);
	expect_events("dir:", "", "a", "a/b", "c", NULL);
	ck_assert_int_eq(find("dir:"), 0);
	ck_assert_int_lt(find("dir:"), find("stale:top.jpg"));
	ck_assert_int_lt(find("dir:a"), find("stale:a/x.jpg"));
	ck_assert_int_lt(find("dir:a/b"), find("stale:a/b/y.jpg"));
	ck_assert_int_lt(find("dir:c"), find("stale:c/z.jpg"));
	ck_assert_uint_eq(w.st.dirs, 4);
}
END_TEST

START_TEST(without_recursion_the_walk_stays_in_its_folder)
{
	mkd(src, "sub");
	file(src, "a.jpg", T, 0);
	file(src, "sub/b.jpg", T, 0);
	mkd(dest, "gone");
	file(dest, "gone/old.jpg", T, 0);
	walk("", RECONCILE_STALE | RECONCILE_ORPHANS | RECONCILE_DELETE);
	expect_events("stale:", "a.jpg", NULL);
	expect_events("dir:", "", NULL);
	expect_events("orphan:", NULL);
	ck_assert_uint_eq(w.st.dirs, 1);
	ck_assert_uint_eq(w.st.orphans, 0);
	ck_assert(exists(dest, "gone/old.jpg"));
}
END_TEST

START_TEST(a_walk_from_a_subfolder_covers_only_it)
{
	mkd(src, "sub");
	mkd(src, "sub/deep");
	mkd(dest, "sub");
	file(src, "root.jpg", T, 0);
	file(src, "sub/a.jpg", T, 0);
	file(src, "sub/deep/b.jpg", T, 0);
	file(dest, "orphan-at-root.jpg", T, 0);
	file(dest, "sub/orphan.jpg", T, 0);
	walk("sub", ALL);
	expect_events("dir:", "sub", "sub/deep", NULL);
	expect_events("stale:", "sub/a.jpg", "sub/deep/b.jpg", NULL);
	ck_assert_uint_eq(w.st.orphans, 1);
	ck_assert_uint_eq(w.st.thumbs, 1);
	ck_assert(!w.source_empty);
}
END_TEST

START_TEST(orphans_are_counted_and_reported_only_in_a_delete_pass)
{
	file(src, "kept.jpg", T, 0);
	file(dest, "kept.jpg", T, 0);
	file(dest, "gone.jpg", T, 0);
	file(dest, "gone.tiff.jpg", T, 0);
	mkd(dest, "gonedir");
	mkd(dest, "gonedir/deeper");
	file(dest, "gonedir/x.jpg", T, 0);
	file(dest, "gonedir/deeper/y.png", T, 0);
	walk("", ALL);
	ck_assert_uint_eq(w.st.thumbs, 5);
	ck_assert_uint_eq(w.st.orphans, 4);
	expect_events("orphan:", NULL);
	walk("", ALL | RECONCILE_DELETE);
	ck_assert_uint_eq(w.st.orphans, 4);
	expect_events("orphan:", "gone.jpg", "gone.tiff.jpg", "gonedir/", NULL);
	/* The caller removes; the walk only reports. */
	ck_assert(exists(dest, "gone.jpg"));
	ck_assert(exists(dest, "gone.tiff.jpg"));
	ck_assert(exists(dest, "gonedir/deeper/y.png"));
	ck_assert(exists(dest, "kept.jpg"));
	/* RECONCILE_DELETE without RECONCILE_ORPHANS reports nothing. */
	walk("", RECONCILE_RECURSIVE | RECONCILE_DELETE);
	expect_events("orphan:", NULL);
	ck_assert_uint_eq(w.st.orphans, 0);
}
END_TEST

START_TEST(a_thumbnail_the_rule_would_not_name_is_an_orphan)
{
	file(src, "photo.png", T, 0);
	file(dest, "photo.png", T, 0);		/* auto: PNG keeps its name */
	file(dest, "photo.png.jpg", T, 0);	/* not this source's */
	walk("", ALL | RECONCILE_DELETE);
	expect_events("orphan:", "photo.png.jpg", NULL);
	expect_events("stale:", NULL);
	/* In JPEG the roles swap. */
	s.format = THUMB_FORMAT_JPEG;
	walk("", ALL | RECONCILE_DELETE);
	expect_events("orphan:", "photo.png", NULL);
	expect_events("stale:", NULL);
}
END_TEST

START_TEST(files_that_cannot_be_thumbnails_are_left_alone)
{
	file(src, "a.jpg", T, 0);
	file(dest, "a.jpg", T, 0);
	file(dest, "README.txt", T, 0);
	file(dest, ".DS_Store", T, 0);
	file(dest, "a.jpg.part", T, 0);
	file(dest, "index.html", T, 0);
	mkd(dest, ".cache");
	file(dest, ".cache/x.jpg", T, 0);
	walk("", ALL | RECONCILE_DELETE);
	ck_assert_uint_eq(w.st.thumbs, 1);
	ck_assert_uint_eq(w.st.orphans, 0);
	expect_events("orphan:", NULL);
	ck_assert(exists(dest, "README.txt"));
	ck_assert(exists(dest, ".DS_Store"));
	ck_assert(exists(dest, "a.jpg.part"));
	ck_assert(exists(dest, "index.html"));
	ck_assert(exists(dest, ".cache/x.jpg"));
}
END_TEST

START_TEST(an_empty_orphan_folder_is_removed_quietly)
{
	file(src, "a.jpg", T, 0);
	mkd(dest, "empty");
	mkd(dest, "empty/inner");
	walk("", RECONCILE_RECURSIVE | RECONCILE_STALE);
	ck_assert(exists(dest, "empty/inner"));		/* not an orphan walk */
	walk("", ALL);
	ck_assert(!exists(dest, "empty"));
	ck_assert_uint_eq(w.st.orphans, 0);
	expect_events("orphan:", NULL);
}
END_TEST

START_TEST(dead_workers_temporaries_are_removed)
{
	char dead[64], live[64], mine[64];
	int hold;
	pid_t worker = testutil_fake_worker(&hold);

	fmt(dead, sizeof(dead), ".thumper-%ld.tmp", (long)testutil_dead_pid());
	fmt(live, sizeof(live), ".thumper-%ld.tmp", (long)worker);
	/* A live process that is not a worker (this test) is no writer. */
	fmt(mine, sizeof(mine), ".thumper-%ld.tmp", (long)getpid());
	mkd(src, "sub");
	mkd(dest, "sub");
	mkd(dest, "gonedir");
	file(src, "a.jpg", T, 0);
	for (int pass = 0; pass < 2; pass++) {
		char rel[128];

		file(dest, dead, T, 0);
		file(dest, mine, T, 0);
		fmt(rel, sizeof(rel), "sub/%s", dead);
		file(dest, rel, T, 0);
		fmt(rel, sizeof(rel), "gonedir/%s", dead);
		file(dest, rel, T, 0);
		file(dest, live, T, 0);
		file(dest, ".thumper-abc.tmp", T, 0);
		file(dest, ".thumper-12.tmp.jpg", T, 0);
		if (pass == 0) {
			/* Without RECONCILE_TEMPS they are not touched, even
			 * by a walk that reads the dest folders. */
			walk("", RECONCILE_RECURSIVE | RECONCILE_STALE |
			     RECONCILE_ORPHANS);
			ck_assert_uint_eq(w.st.temps, 0);
			ck_assert(exists(dest, dead));
			ck_assert(exists(dest, mine));
			ck_assert(exists(dest, rel));
			fmt(rel, sizeof(rel), "sub/%s", dead);
			ck_assert(exists(dest, rel));
			continue;
		}
		walk("", RECONCILE_RECURSIVE | RECONCILE_STALE | RECONCILE_TEMPS);
		ck_assert_uint_eq(w.st.temps, 4);
		ck_assert(!exists(dest, dead));
		ck_assert(!exists(dest, mine));
		ck_assert(!exists(dest, rel));
		fmt(rel, sizeof(rel), "sub/%s", dead);
		ck_assert(!exists(dest, rel));
		ck_assert(exists(dest, live));
		ck_assert(exists(dest, ".thumper-abc.tmp"));
		ck_assert(exists(dest, ".thumper-12.tmp.jpg"));
		/* Temporaries are not thumbnails: never counted as such. */
		ck_assert_uint_eq(w.st.thumbs, 0);
	}
	close(hold);
	ck_assert_int_eq(waitpid(worker, NULL, 0), worker);
}
END_TEST

START_TEST(an_empty_source_root_is_said_so)
{
	file(dest, "a.jpg", T, 0);
	file(dest, "b.jpg", T, 0);
	walk("", ALL);
	ck_assert(w.source_empty);
	/* The orphans are counted: the caller's guard decides. */
	ck_assert_uint_eq(w.st.orphans, 2);
	expect_events("orphan:", NULL);
	/* Anything at all in the root, even a file that is no image, or an
	 * empty folder, means it is not empty. */
	file(src, "notes.txt", T, 0);
	walk("", ALL);
	ck_assert(!w.source_empty);
	rm(src, "notes.txt");
	mkd(src, "emptysub");
	walk("", ALL);
	ck_assert(!w.source_empty);
	/* A walk of a subfolder cannot tell, and never says so. */
	walk("emptysub", ALL);
	ck_assert(!w.source_empty);
}
END_TEST

START_TEST(a_missing_source_root_yields_no_orphans)
{
	char moved[PATH_MAX];

	mkd(dest, "sub");
	file(dest, "a.jpg", T, 0);
	file(dest, "sub/b.jpg", T, 0);
	fmt(moved, sizeof(moved), "%s/src.gone", dir);
	ck_assert_int_eq(rename(src, moved), 0);
	walk("", ALL | RECONCILE_DELETE);
	ck_assert_uint_eq(w.st.errors, 1);
	ck_assert_uint_eq(w.st.orphans, 0);
	ck_assert_uint_eq(w.st.thumbs, 0);
	ck_assert_uint_eq(w.st.dirs, 0);
	ck_assert(!w.source_empty);
	expect_events("orphan:", NULL);
	expect_events("stale:", NULL);
	ck_assert(exists(dest, "a.jpg"));
	ck_assert(exists(dest, "sub/b.jpg"));
	/* The same for a subfolder that vanished. */
	ck_assert_int_eq(rename(moved, src), 0);
	walk("sub", ALL | RECONCILE_DELETE);
	ck_assert_uint_eq(w.st.errors, 1);
	ck_assert_uint_eq(w.st.orphans, 0);
	expect_events("orphan:", NULL);
	ck_assert(exists(dest, "sub/b.jpg"));
}
END_TEST

START_TEST(a_missing_dest_tree_makes_every_source_stale)
{
	char gone[PATH_MAX];

	mkd(src, "sub");
	file(src, "a.jpg", T, 0);
	file(src, "sub/b.png", T, 0);
	fmt(gone, sizeof(gone), "%s/dest.gone", dir);
	ck_assert_int_eq(rename(dest, gone), 0);
	walk("", ALL | RECONCILE_DELETE);
	expect_events("stale:", "a.jpg", "sub/b.png", NULL);
	ck_assert_uint_eq(w.st.errors, 0);
	ck_assert_uint_eq(w.st.thumbs, 0);
}
END_TEST

START_TEST(a_refused_file_is_offered_again)
{
	char rel[32];

	for (int i = 0; i < 20; i++) {
		fmt(rel, sizeof(rel), "f%02d.jpg", i);
		file(src, rel, T, 0);
	}
	file(src, "fresh.jpg", T, 0);
	file(dest, "fresh.jpg", T, 0);
	w.refuse_every = 1;
	walk("", ALL);
	w.refuse_every = 0;
	/* Each of the 20 refused once, then taken: none lost, none twice. */
	ck_assert_int_eq(w.offers, 40);
	ck_assert_int_eq(count("stale:"), 20);
	for (int i = 0; i < 20; i++) {
		char ev[40];

		fmt(ev, sizeof(ev), "stale:f%02d.jpg", i);
		ck_assert_msg(find(ev) >= 0, "%s lost", ev);
	}
	ck_assert_uint_eq(w.st.stale, 20);
	ck_assert_uint_eq(w.st.files, 21);
	ck_assert_int_ge(w.steps, 20);
}
END_TEST

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The events, sorted, joined; for comparing two walks. */
static char *
summary(void)
{
	size_t len = 0;
	char *out;

	qsort(w.ev, (size_t)w.n, sizeof(w.ev[0]), by_name);
	for (int i = 0; i < w.n; i++)
		len += strlen(w.ev[i]) + 1;
	out = calloc(1, len + 1);
	ck_assert_ptr_nonnull(out);
	for (int i = 0; i < w.n; i++) {
		strcat(out, w.ev[i]);
		strcat(out, "\n");
	}
	return out;
}

START_TEST(any_budget_gives_the_same_answer)
{
	static const unsigned budgets[] = { 1, 2, 3, 7, 64, 100000 };
	struct reconcile_stats first;
	char rel[64], *want = NULL;

	for (int d = 0; d < 4; d++) {
		fmt(rel, sizeof(rel), "d%d", d);
		mkd(src, rel);
		if (d % 2)
			mkd(dest, rel);
		for (int i = 0; i < 60; i++) {
			fmt(rel, sizeof(rel), "d%d/f%02d.jpg", d, i);
			file(src, rel, T, 0);
			if (i % 3 == 0 && d % 2)
				file(dest, rel, T, 0);
			if (i % 5 == 0 && d % 2) {
				fmt(rel, sizeof(rel), "d%d/orphan%02d.png", d, i);
				file(dest, rel, T, 0);
			}
		}
	}
	mkd(dest, "gone");
	file(dest, "gone/x.jpg", T, 0);
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		char *got;

		walk_budget("", ALL | RECONCILE_DELETE, budgets[b]);
		got = summary();
		if (want == NULL) {
			want = got;
			first = w.st;
			ck_assert_uint_eq(first.stale, 240 - 40);
			ck_assert_uint_eq(first.orphans, 24 + 1);
			continue;
		}
		ck_assert_msg(strcmp(got, want) == 0, "budget %u differs",
			      budgets[b]);
		ck_assert(memcmp(&w.st, &first, sizeof(first)) == 0);
		if (budgets[b] == 1)
			ck_assert_int_gt(w.steps, 240);
		free(got);
	}
	free(want);
}
END_TEST

START_TEST(every_size_is_checked_in_its_own_folder)
{
	s.nsizes = 2;
	memset(s.sizes, 0, sizeof(s.sizes));
	fmt(s.sizes[0].name, sizeof(s.sizes[0].name), "small");
	s.sizes[0].width = s.sizes[0].height = 100;
	fmt(s.sizes[1].name, sizeof(s.sizes[1].name), "big");
	s.sizes[1].width = s.sizes[1].height = 400;
	s.sizes[1].format = THUMB_FORMAT_WEBP;
	mkd(dest, "small");
	mkd(dest, "big");
	file(src, "a.jpg", T, 0);
	file(dest, "small/a.jpg", T, 0);
	file(dest, "big/a.jpg.webp", T, 0);
	file(src, "b.jpg", T, 0);
	file(dest, "small/b.jpg", T, 0);	/* big/b.jpg.webp missing */
	file(src, "c.jpg", T, 0);
	file(dest, "small/c.jpg", T, 0);
	file(dest, "big/c.jpg", T, 0);		/* the wrong format for big */
	file(dest, "big/gone.jpg.webp", T, 0);
	walk("", ALL | RECONCILE_DELETE);
	expect_events("stale:", "b.jpg", "c.jpg", NULL);
	expect_events("orphan:", "big/c.jpg", "big/gone.jpg.webp", NULL);
	ck_assert_uint_eq(w.st.thumbs, 6);
}
END_TEST

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

START_TEST(a_walk_freed_halfway_closes_its_folders)
{
	struct reconcile *r;
	char rel[32];
	int before;

	mkd(src, "sub");
	mkd(dest, "sub");
	for (int i = 0; i < 50; i++) {
		fmt(rel, sizeof(rel), "sub/f%02d.jpg", i);
		file(src, rel, T, 0);
		file(dest, rel, T + 1, 0);
	}
	before = open_fds();
	ck_assert_int_eq(reconcile_start(src, dest, "", &s, ALL, &ops, NULL, &r),
			 0);
	ck_assert_int_eq(reconcile_step(r, 5), 1);
	ck_assert_int_eq(reconcile_step(r, 5), 1);
	ck_assert_int_gt(open_fds(), before);
	reconcile_free(r);
	ck_assert_int_eq(open_fds(), before);
	reconcile_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("reconcile");
	TCase *tc = tcase_create("walk");
	int failed;

	if (mkdtemp(base) == NULL) {
		perror("check_reconcile: mkdtemp");
		return 99;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, missing_and_stale_thumbnails_are_found);
	tcase_add_test(tc, only_images_the_filter_takes_are_sources);
	tcase_add_test(tc, each_folder_is_announced_before_its_files);
	tcase_add_test(tc, without_recursion_the_walk_stays_in_its_folder);
	tcase_add_test(tc, a_walk_from_a_subfolder_covers_only_it);
	tcase_add_test(tc, orphans_are_counted_and_reported_only_in_a_delete_pass);
	tcase_add_test(tc, a_thumbnail_the_rule_would_not_name_is_an_orphan);
	tcase_add_test(tc, files_that_cannot_be_thumbnails_are_left_alone);
	tcase_add_test(tc, an_empty_orphan_folder_is_removed_quietly);
	tcase_add_test(tc, dead_workers_temporaries_are_removed);
	tcase_add_test(tc, an_empty_source_root_is_said_so);
	tcase_add_test(tc, a_missing_source_root_yields_no_orphans);
	tcase_add_test(tc, a_missing_dest_tree_makes_every_source_stale);
	tcase_add_test(tc, a_refused_file_is_offered_again);
	tcase_add_test(tc, any_budget_gives_the_same_answer);
	tcase_add_test(tc, every_size_is_checked_in_its_own_folder);
	tcase_add_test(tc, a_walk_freed_halfway_closes_its_folders);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(su, tc);
	failed = testutil_run(su);
	if (testutil_rmtree(base) != 0)
		fprintf(stderr, "check_reconcile: could not remove %s\n", base);
	return failed;
}
