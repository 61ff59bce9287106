/*
 * check_failures.c - thumperd's failure records on disk (daemon/failures.h),
 * on temporary state folders: a record blocks its source for exactly the
 * recorded size and mtime, reads back whole, is replaced by a newer
 * failure, is forgotten, and outlives a restart; paths with newlines,
 * invalid UTF-8 and the record's own keywords, and the longest path with
 * the longest reason, survive the round trip.  A record damaged on disk
 * (emptied, garbled, cut short at every length, edited, replaced by a
 * symlink) never blocks its source, never crashes a reader, and the next
 * failure of that source is recorded cleanly.  A slot held by another
 * path is probed past, up to the documented limit.
 */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/failures.h"
#include "tests/unit/testutil.h"

#define PROBES 8		/* slots probed per path (failures.c) */

static char base[] = "/tmp/check_failures.XXXXXX";
static char state[PATH_MAX];	/* this test's state_dir */
static char failed_dir[PATH_MAX];	/* state/failed */
static struct failures *f;

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
	char dir[PATH_MAX];

	fmt(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A state_dir that does not exist yet: failures_open makes it. */
	fmt(state, sizeof(state), "%s/state", dir);
	fmt(failed_dir, sizeof(failed_dir), "%s/failed", state);
	ck_assert_int_eq(failures_open(state, &f), 0);
	ck_assert_ptr_nonnull(f);
}

static void
teardown(void)
{
	failures_close(f);
	f = NULL;
}

static struct stat
st_of(long long size, time_t sec, long nsec)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_size = size;
	st.st_mtim.tv_sec = sec;
	st.st_mtim.tv_nsec = nsec;
	return st;
}

/* --- reading the folder behind the API's back ---------------------- */

/* The names in state/failed, sorted; returns how many. */
static int
list_dir(char names[][NAME_MAX + 1], int max)
{
	struct dirent **de;
	int n = scandir(failed_dir, &de, NULL, alphasort), k = 0;

	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(de[i]->d_name, ".") != 0 &&
		    strcmp(de[i]->d_name, "..") != 0) {
			ck_assert_int_lt(k, max);
			fmt(names[k++], NAME_MAX + 1, "%s", de[i]->d_name);
		}
		free(de[i]);
	}
	free(de);
	return k;
}

/* The contents of FILE in state/failed (malloc'd, NUL-terminated). */
static char *
slurp(const char *name, size_t *len)
{
	char path[PATH_MAX];
	char *buf = malloc(PATH_MAX + 4096);
	int fd;
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	fmt(path, sizeof(path), "%s/%s", failed_dir, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, PATH_MAX + 4095);
	ck_assert_int_ge(n, 0);
	close(fd);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static void
spew(const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	fmt(path, sizeof(path), "%s/%s", failed_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* The name of the only file in state/failed: a record, never a leftover. */
static const char *
only_record(void)
{
	static char names[4][NAME_MAX + 1];
	int n = list_dir(names, 4);

	ck_assert_msg(n == 1, "%d files in %s, want one record", n, failed_dir);
	ck_assert_uint_eq(strlen(names[0]), 16);
	ck_assert_uint_eq(strspn(names[0], "0123456789abcdef"), 16);
	return names[0];
}

/* --- collecting records through failures_each ---------------------- */

struct seen {
	int n;
	char src[4][PATH_MAX];
	char reason[4][1100];
	long long size[4];
	struct timespec mtime[4];
	time_t when[4];
};

static int
collect_cb(const struct failure_record *r, void *data)
{
	struct seen *s = data;

	if (s->n < 4) {
		fmt(s->src[s->n], PATH_MAX, "%s", r->src);
		fmt(s->reason[s->n], sizeof(s->reason[0]), "%s", r->reason);
		s->size[s->n] = r->size;
		s->mtime[s->n] = r->mtime;
		s->when[s->n] = r->when;
	}
	s->n++;
	return 0;
}

static struct seen *
collect(void)
{
	static struct seen s;
	long n;

	memset(&s, 0, sizeof(s));
	n = failures_each(f, collect_cb, &s);
	ck_assert_int_eq(n, s.n);
	return &s;
}

/* --- the tests ------------------------------------------------------ */

START_TEST(a_record_blocks_exactly_its_size_and_mtime)
{
	struct stat st = st_of(1234, 1700000000, 123456789), other;
	char reason[64];

	ck_assert(!failures_blocked(f, "/srv/in/a.jpg", &st, NULL, 0));
	ck_assert_int_eq(failures_record(f, "/srv/in/a.jpg", &st,
					 "not a known file format"), 0);
	ck_assert(failures_blocked(f, "/srv/in/a.jpg", &st, NULL, 0));
	ck_assert(failures_blocked(f, "/srv/in/a.jpg", &st, reason,
				   sizeof(reason)));
	ck_assert_str_eq(reason, "not a known file format");
	other = st_of(1235, 1700000000, 123456789);
	ck_assert(!failures_blocked(f, "/srv/in/a.jpg", &other, NULL, 0));
	other = st_of(1234, 1700000001, 123456789);
	ck_assert(!failures_blocked(f, "/srv/in/a.jpg", &other, NULL, 0));
	other = st_of(1234, 1700000000, 123456788);
	ck_assert(!failures_blocked(f, "/srv/in/a.jpg", &other, NULL, 0));
	other = st_of(1234, 1700000000, 123456790);
	ck_assert(!failures_blocked(f, "/srv/in/a.jpg", &other, NULL, 0));
	/* Only that path: not a neighbour, not a prefix, not a longer one. */
	ck_assert(!failures_blocked(f, "/srv/in/b.jpg", &st, NULL, 0));
	ck_assert(!failures_blocked(f, "/srv/in/a.jp", &st, NULL, 0));
	ck_assert(!failures_blocked(f, "/srv/in/a.jpgx", &st, NULL, 0));
	ck_assert(!failures_blocked(f, "/srv/in/a.jpg/", &st, NULL, 0));
	/* One file in STATE_DIR/failed, named by a hash; no temporary left. */
	(void)only_record();
}
END_TEST

START_TEST(records_read_back_whole)
{
	struct stat a = st_of(10, 1600000000, 5), b = st_of(0, 0, 999999999);
	time_t t0 = time(NULL), t1;
	struct seen *s;
	int ia;

	ck_assert_int_eq(failures_record(f, "/in/a.png", &a, "too large"), 0);
	ck_assert_int_eq(failures_record(f, "/in/b.gif", &b, ""), 0);
	t1 = time(NULL);
	s = collect();
	ck_assert_int_eq(s->n, 2);
	ia = strcmp(s->src[0], "/in/a.png") == 0 ? 0 : 1;
	ck_assert_str_eq(s->src[ia], "/in/a.png");
	ck_assert_str_eq(s->reason[ia], "too large");
	ck_assert_int_eq(s->size[ia], 10);
	ck_assert_int_eq(s->mtime[ia].tv_sec, 1600000000);
	ck_assert_int_eq(s->mtime[ia].tv_nsec, 5);
	ck_assert(s->when[ia] >= t0 && s->when[ia] <= t1);
	ck_assert_str_eq(s->src[1 - ia], "/in/b.gif");
	ck_assert_str_eq(s->reason[1 - ia], "");
	ck_assert_int_eq(s->size[1 - ia], 0);
	ck_assert_int_eq(s->mtime[1 - ia].tv_sec, 0);
	ck_assert_int_eq(s->mtime[1 - ia].tv_nsec, 999999999);
	ck_assert(failures_blocked(f, "/in/b.gif", &b, NULL, 0));
}
END_TEST

static int
stop_cb(const struct failure_record *r, void *data)
{
	(void)r;
	++*(int *)data;
	return 1;
}

START_TEST(each_stops_when_asked)
{
	struct stat st = st_of(1, 2, 3);
	int calls = 0;

	ck_assert_int_eq(failures_record(f, "/a", &st, "x"), 0);
	ck_assert_int_eq(failures_record(f, "/b", &st, "x"), 0);
	ck_assert_int_eq(failures_record(f, "/c", &st, "x"), 0);
	ck_assert_int_eq(failures_each(f, stop_cb, &calls), 1);
	ck_assert_int_eq(calls, 1);
}
END_TEST

START_TEST(a_new_failure_replaces_the_record)
{
	struct stat old = st_of(100, 1000, 1), now = st_of(200, 2000, 2);
	struct seen *s;

	ck_assert_int_eq(failures_record(f, "/in/x.jpg", &old, "first"), 0);
	ck_assert_int_eq(failures_record(f, "/in/x.jpg", &now, "second"), 0);
	ck_assert(!failures_blocked(f, "/in/x.jpg", &old, NULL, 0));
	ck_assert(failures_blocked(f, "/in/x.jpg", &now, NULL, 0));
	s = collect();
	ck_assert_int_eq(s->n, 1);
	ck_assert_str_eq(s->reason[0], "second");
	ck_assert_int_eq(s->size[0], 200);
	(void)only_record();
}
END_TEST

START_TEST(forget_removes_the_record)
{
	struct stat st = st_of(5, 6, 7);
	char names[2][NAME_MAX + 1];

	ck_assert_int_eq(failures_forget(f, "/in/never.jpg"), -ENOENT);
	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), 0);
	ck_assert_int_eq(failures_record(f, "/in/b.jpg", &st, "bad"), 0);
	ck_assert_int_eq(failures_forget(f, "/in/never.jpg"), -ENOENT);
	ck_assert_int_eq(failures_forget(f, "/in/a.jpg"), 0);
	ck_assert(!failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
	ck_assert(failures_blocked(f, "/in/b.jpg", &st, NULL, 0));
	ck_assert_int_eq(failures_forget(f, "/in/a.jpg"), -ENOENT);
	ck_assert_int_eq(failures_forget(f, "/in/b.jpg"), 0);
	ck_assert(!failures_blocked(f, "/in/b.jpg", &st, NULL, 0));
	ck_assert_int_eq(collect()->n, 0);
	ck_assert_int_eq(list_dir(names, 2), 0);
	/* Recorded again after being forgotten. */
	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), 0);
	ck_assert(failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
}
END_TEST

START_TEST(records_outlive_a_restart)
{
	struct stat st = st_of(42, 1700000000, 1);

	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "crashed"), 0);
	failures_close(f);
	f = NULL;
	ck_assert_int_eq(failures_open(state, &f), 0);
	ck_assert(failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
	ck_assert_int_eq(collect()->n, 1);
	ck_assert_int_eq(failures_forget(f, "/in/a.jpg"), 0);
	failures_close(f);
	f = NULL;
	ck_assert_int_eq(failures_open(state, &f), 0);
	ck_assert(!failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
	ck_assert_int_eq(failures_forget(f, "/in/a.jpg"), -ENOENT);
}
END_TEST

START_TEST(a_reason_is_kept_on_one_line)
{
	struct stat st = st_of(1, 1, 1);
	struct seen *s;

	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st,
					 "line one\nline two\npath /etc/passwd"), 0);
	s = collect();
	ck_assert_int_eq(s->n, 1);
	ck_assert_str_eq(s->src[0], "/in/a.jpg");
	ck_assert_str_eq(s->reason[0], "line one line two path /etc/passwd");
	ck_assert(failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
}
END_TEST

static void
round_trip(const char *src, const char *reason)
{
	struct stat st = st_of(77, 1700000000, 999999999);
	struct seen *s;

	ck_assert_int_eq(failures_record(f, src, &st, reason), 0);
	ck_assert(failures_blocked(f, src, &st, NULL, 0));
	s = collect();
	ck_assert_int_eq(s->n, 1);
	ck_assert_msg(strcmp(s->src[0], src) == 0, "path came back as \"%s\"",
		      s->src[0]);
	ck_assert_str_eq(s->reason[0], reason);
	ck_assert_int_eq(failures_forget(f, src), 0);
	ck_assert_int_eq(collect()->n, 0);
}

START_TEST(odd_paths_survive_the_round_trip)
{
	static const char *const odd[] = {
		"/in/new\nline.jpg",
		"/in/trailing newline.jpg\n",
		"/in/a\npath /in/b.jpg",	/* the record's own keyword */
		"/in/x\nsize 1\nmtime 1.1\nreason r\npath /y",
		"/in/latin1-\xe9t\xe9.jpg",
		"/in/\xff\xfe\x80.jpg",
		"/in/caf\xc3\xa9 \xf0\x9f\x98\x80.jpg",
		"/in/back\\slash and  spaces .jpg",
		"/in/\x1b[31mred\r\t.jpg",
		"relative/path.jpg",
		"/",
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		round_trip(odd[i], "undecodable");
}
END_TEST

START_TEST(the_longest_path_with_the_longest_reason)
{
	char *src = malloc(PATH_MAX), reason[1025];

	/* PATH_MAX - 1 bytes of path and a 1024-byte reason (the most a
	 * worker can send, PROTO_MAX_REASON) fit in one record. */
	ck_assert_ptr_nonnull(src);
	memset(src, 'p', PATH_MAX - 1);
	for (int i = 0; i < PATH_MAX - 1; i += 200)
		src[i] = '/';
	src[PATH_MAX - 1] = '\0';
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	round_trip(src, reason);
	free(src);
}
END_TEST

/*
 * Records "/in/victim.jpg", overwrites its file with LEN bytes of TEXT,
 * and checks that the damaged record never blocks the source, that no
 * reader takes it for the source's record (unless KEEPS_PATH: only its
 * size or mtime was changed), and that the next failure of the source is
 * recorded and blocks again.
 */
static void
damaged(const char *text, size_t len, const char *what, bool keeps_path)
{
	static const char victim[] = "/in/victim.jpg";
	struct stat st = st_of(4096, 1700000000, 250000000);
	char name[NAME_MAX + 1];
	struct seen *s;

	ck_assert_int_eq(failures_record(f, victim, &st, "bad"), 0);
	fmt(name, sizeof(name), "%s", only_record());
	spew(name, text, len);
	ck_assert_msg(!failures_blocked(f, victim, &st, NULL, 0),
		      "a record %s still blocks its source", what);
	s = collect();
	if (!keeps_path) {
		for (int i = 0; i < s->n && i < 4; i++)
			ck_assert_msg(strcmp(s->src[i], victim) != 0,
				      "a record %s is read as the source's",
				      what);
		ck_assert_int_eq(failures_forget(f, victim), -ENOENT);
	}
	ck_assert_int_eq(failures_record(f, victim, &st, "bad again"), 0);
	ck_assert_msg(failures_blocked(f, victim, &st, NULL, 0),
		      "after a record %s, a new failure does not block", what);
	/* A reopened store counts only good records, and still blocks. */
	failures_close(f);
	f = NULL;
	ck_assert_int_eq(failures_open(state, &f), 0);
	ck_assert(failures_blocked(f, victim, &st, NULL, 0));
	/* Clean up for the next case. */
	ck_assert_int_eq(failures_forget(f, victim), 0);
	{
		char names[PROBES][NAME_MAX + 1], path[PATH_MAX];
		int n = list_dir(names, PROBES);

		for (int i = 0; i < n; i++) {
			fmt(path, sizeof(path), "%s/%s", failed_dir,
				 names[i]);
			ck_assert_int_eq(unlink(path), 0);
		}
	}
}

START_TEST(a_corrupted_record_is_rejected)
{
	static const struct {
		const char *text;
		size_t len;
		const char *what;
	} cases[] = {
#define C(s, what) { s, sizeof(s) - 1, what }
		C("", "emptied"),
		C("\n", "of one newline"),
		C("\xff\xfe\x00\x01garbage\x80", "of garbage"),
		C("size 4096\nmtime 1700000000.250000000\ntime 1\nreason bad\n",
		  "without its path"),
		C("mtime 1700000000.250000000\ntime 1\nreason bad\npath /in/victim.jpg",
		  "without its size"),
		C("size big\nmtime 1700000000.250000000\npath /in/victim.jpg",
		  "with a size that is no number"),
		C("size -4096\nmtime 1700000000.250000000\npath /in/victim.jpg",
		  "with a negative size"),
		C("size 4096\nmtime 1700000000.250000000\ntime 1\nreason bad\0"
		  "\npath /in/victim.jpg", "with a NUL byte before its path"),
		C("path /in/victim.jpg", "of a path alone"),
#undef C
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		damaged(cases[i].text, cases[i].len, cases[i].what, false);
}
END_TEST

START_TEST(a_changed_record_does_not_block)
{
	static const struct {
		const char *text;
		bool keeps_path;
	} changed[] = {
		{ "size 4095\nmtime 1700000000.250000000\ntime 1\nreason bad\n"
		  "path /in/victim.jpg", true },
		{ "size 4096\nmtime 1700000001.250000000\ntime 1\nreason bad\n"
		  "path /in/victim.jpg", true },
		{ "size 4096\nmtime 1700000000.250000001\ntime 1\nreason bad\n"
		  "path /in/victim.jpg", true },
		{ "size 4096\nmtime 1700000000.250000000\ntime 1\nreason bad\n"
		  "path /in/victim.png", false },
		{ "size 4096\nmtime 1700000000.250000000\ntime 1\nreason bad\n"
		  "path /in/victim.jpg\n", false },
		{ "size 4096\nmtime 1700000000.250000000\ntime 1\nreason bad\n"
		  "path  /in/victim.jpg", false },
	};

	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++)
		damaged(changed[i].text, strlen(changed[i].text),
			"changed on disk", changed[i].keeps_path);
}
END_TEST

START_TEST(a_record_cut_short_at_any_length_is_rejected)
{
	static const char victim[] = "/in/victim.jpg";
	struct stat st = st_of(4096, 1700000000, 250000000);
	char name[NAME_MAX + 1], what[64];
	size_t len;
	char *whole;

	ck_assert_int_eq(failures_record(f, victim, &st, "some reason"), 0);
	fmt(name, sizeof(name), "%s", only_record());
	whole = slurp(name, &len);
	ck_assert_uint_gt(len, strlen(victim));
	ck_assert_int_eq(failures_forget(f, victim), 0);
	for (size_t cut = 0; cut < len; cut++) {
		fmt(what, sizeof(what), "cut to %zu of %zu bytes", cut, len);
		damaged(whole, cut, what, false);
	}
	free(whole);
}
END_TEST

START_TEST(a_symlinked_record_is_not_followed)
{
	static const char victim[] = "/in/victim.jpg";
	struct stat st = st_of(1, 2, 3);
	char name[NAME_MAX + 1], from[PATH_MAX], to[PATH_MAX];

	ck_assert_int_eq(failures_record(f, victim, &st, "bad"), 0);
	fmt(name, sizeof(name), "%s", only_record());
	fmt(from, sizeof(from), "%s/%s", failed_dir, name);
	fmt(to, sizeof(to), "%s/elsewhere", state);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(symlink(to, from), 0);
	ck_assert(!failures_blocked(f, victim, &st, NULL, 0));
	ck_assert_int_eq(collect()->n, 0);
}
END_TEST

START_TEST(other_files_in_the_folder_are_ignored)
{
	struct stat st = st_of(1, 2, 3);
	const char *rec;
	char name[NAME_MAX + 1];
	size_t len;
	char *text;

	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), 0);
	rec = only_record();
	fmt(name, sizeof(name), "%s", rec);
	text = slurp(name, &len);
	/* The same text under names that are not record names. */
	spew("README", text, len);
	spew(".0123456789abcde", text, len);
	spew("0123456789abcdef0", text, len);
	fmt(name, sizeof(name), "%s.tmp", rec);
	spew(name, text, len);
	ck_assert_int_eq(collect()->n, 1);
	ck_assert_int_eq(failures_forget(f, "/in/a.jpg"), 0);
	ck_assert_int_eq(collect()->n, 0);
	free(text);
}
END_TEST

/*
 * Moves the record of SRC aside by rewriting its file as a record of
 * OTHER, as a hash collision would leave it.
 */
static void
squat(const char *src, const char *other)
{
	char names[PROBES + 2][NAME_MAX + 1], text[256], want[128];
	int n = list_dir(names, PROBES + 2), hit = -1;

	fmt(want, sizeof(want), "\npath %s", src);
	for (int i = 0; i < n; i++) {
		size_t len;
		char *t = slurp(names[i], &len);

		if (len >= strlen(want) &&
		    strcmp(t + len - strlen(want), want) == 0)
			hit = i;
		free(t);
	}
	ck_assert_int_ge(hit, 0);
	fmt(text, sizeof(text), "size 1\nmtime 2.000000003\ntime 4\n"
		 "reason collided\npath %s", other);
	spew(names[hit], text, strlen(text));
}

START_TEST(a_slot_held_by_another_path_is_probed_past)
{
	struct stat st = st_of(1, 2, 3);
	char other[32];
	struct seen *s;

	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), 0);
	squat("/in/a.jpg", "/in/other0.jpg");
	ck_assert(!failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), 0);
	ck_assert(failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
	s = collect();
	ck_assert_int_eq(s->n, 2);
	/* Forgetting one leaves the other where it is. */
	ck_assert_int_eq(failures_forget(f, "/in/a.jpg"), 0);
	s = collect();
	ck_assert_int_eq(s->n, 1);
	ck_assert_str_eq(s->src[0], "/in/other0.jpg");
	/* Every probed slot taken by others: a clear error, nothing lost. */
	for (int i = 1; i < PROBES; i++) {
		ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), 0);
		fmt(other, sizeof(other), "/in/other%d.jpg", i);
		squat("/in/a.jpg", other);
	}
	ck_assert_int_eq(failures_record(f, "/in/a.jpg", &st, "bad"), -ENOSPC);
	ck_assert(!failures_blocked(f, "/in/a.jpg", &st, NULL, 0));
	ck_assert_int_eq(collect()->n, PROBES);
}
END_TEST

START_TEST(open_fails_cleanly)
{
	struct failures *g = NULL;
	char path[PATH_MAX], *longp;

	/* state_dir under a regular file */
	spew("../file", "x", 1);
	fmt(path, sizeof(path), "%s/file/state", state);
	ck_assert_int_eq(failures_open(path, &g), -ENOTDIR);
	ck_assert_ptr_null(g);
	/* state_dir whose "failed" folder would pass PATH_MAX */
	longp = malloc(PATH_MAX);
	ck_assert_ptr_nonnull(longp);
	memset(longp, 'a', PATH_MAX - 4);
	longp[0] = '/';
	longp[PATH_MAX - 4] = '\0';
	ck_assert_int_eq(failures_open(longp, &g), -ENAMETOOLONG);
	ck_assert_ptr_null(g);
	free(longp);
}
END_TEST

START_TEST(parse_refuses_a_record_without_a_whole_mtime)
{
	char none[] = "size 12\ntime 1\nreason r\npath /in/a";
	char neg[] = "size 12\nmtime 100.-3\ntime 1\nreason r\npath /in/a";
	char big[] = "size 12\nmtime 100.1000000000\ntime 1\nreason r\npath /in/a";
	char zero[] = "size 12\nmtime 0.000000000\ntime 1\nreason r\npath /in/a";
	struct failure_record r;

	ck_assert_int_eq(failures_parse(none, strlen(none), &r), -EINVAL);
	ck_assert_int_eq(failures_parse(neg, strlen(neg), &r), -EINVAL);
	ck_assert_int_eq(failures_parse(big, strlen(big), &r), -EINVAL);
	/* a source stamped at the epoch is a real source */
	ck_assert_int_eq(failures_parse(zero, strlen(zero), &r), 0);
	ck_assert_int_eq(r.mtime.tv_sec, 0);
	ck_assert_int_eq(r.mtime.tv_nsec, 0);
}
END_TEST

START_TEST(parse_reads_the_record_format)
{
	char text[] = "size 12\nmtime 1700000000.000000042\ntime 1700000100\n"
		      "reason cannot decode\npath /in/a\npath /b";
	struct failure_record r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(failures_parse(text, strlen(text), &r), 0);
	ck_assert_str_eq(r.src, "/in/a\npath /b");
	ck_assert_str_eq(r.reason, "cannot decode");
	ck_assert_int_eq(r.size, 12);
	ck_assert_int_eq(r.mtime.tv_sec, 1700000000);
	ck_assert_int_eq(r.mtime.tv_nsec, 42);
	ck_assert_int_eq(r.when, 1700000100);
	/* Pointers into the caller's buffer. */
	ck_assert(r.src > text && r.src < text + sizeof(text));
	ck_assert(r.reason > text && r.reason < text + sizeof(text));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("failures");
	TCase *tc = tcase_create("records");
	int failed;

	if (mkdtemp(base) == NULL) {
		perror("check_failures: mkdtemp");
		return 99;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_record_blocks_exactly_its_size_and_mtime);
	tcase_add_test(tc, records_read_back_whole);
	tcase_add_test(tc, each_stops_when_asked);
	tcase_add_test(tc, a_new_failure_replaces_the_record);
	tcase_add_test(tc, forget_removes_the_record);
	tcase_add_test(tc, records_outlive_a_restart);
	tcase_add_test(tc, a_reason_is_kept_on_one_line);
	tcase_add_test(tc, odd_paths_survive_the_round_trip);
	tcase_add_test(tc, the_longest_path_with_the_longest_reason);
	tcase_add_test(tc, a_corrupted_record_is_rejected);
	tcase_add_test(tc, a_changed_record_does_not_block);
	tcase_add_test(tc, a_record_cut_short_at_any_length_is_rejected);
	tcase_add_test(tc, a_symlinked_record_is_not_followed);
	tcase_add_test(tc, other_files_in_the_folder_are_ignored);
	tcase_add_test(tc, a_slot_held_by_another_path_is_probed_past);
	tcase_add_test(tc, open_fails_cleanly);
	tcase_add_test(tc, parse_reads_the_record_format);
	tcase_add_test(tc, parse_refuses_a_record_without_a_whole_mtime);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	if (testutil_rmtree(base) != 0)
		fprintf(stderr, "check_failures: could not remove %s\n", base);
	return failed;
}
