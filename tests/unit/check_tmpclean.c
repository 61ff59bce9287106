/*
 * check_tmpclean.c - the workers' temporary names (pool/tempname.c) and
 * which of them a walk removes as leftovers (pool/tmpclean.c), design.md
 * §4.
 *
 * A temporary is ".thumper-PID-SPACE.tmp", SPACE naming the machine and
 * pid namespace of its writer, because shards of one run on several
 * machines, or in several containers, write into one shared DEST: their
 * workers often have the same PIDs (every container numbers from 1), and
 * with PID alone they wrote the same file, and one's start-up walk took
 * the other's live writer for a dead one of its own.  So: the name holds
 * the space; a space differs in another pid namespace; a leftover is a
 * temporary of our own space whose PID is no live thumper-worker; one of
 * another space is never removed; and names from before the space was
 * added still follow the PID rule.  A worker's scratch folder,
 * "thumper-worker-PID-SPACE" in TMPDIR, follows the same rule: the pool
 * removes those of dead workers of its own space when it starts.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pool/tempname.h"
#include "pool/tmpclean.h"
#include "tests/unit/testutil.h"

/* ".thumper-PID-SPACE.tmp" with SPACE our own, or its XOR with FLIP. */
static void
name_of(char *buf, size_t sz, long pid, uint32_t flip)
{
	snprintf(buf, sz, ".thumper-%ld-%08x.tmp", pid,
		 (unsigned)(tempname_pidspace() ^ flip));
}

START_TEST(the_name_holds_pid_and_space)
{
	char got[PATH_MAX], want[PATH_MAX], longpath[PATH_MAX + 16];
	uint32_t space = tempname_pidspace();

	ck_assert_int_gt(tempname_file(got, sizeof(got), "/d/e/f.jpg", 42), 0);
	snprintf(want, sizeof(want), "/d/e/.thumper-42-%08x.tmp", (unsigned)space);
	ck_assert_str_eq(got, want);
	ck_assert_int_gt(tempname_file(got, sizeof(got), "f.jpg", 7), 0);
	snprintf(want, sizeof(want), ".thumper-7-%08x.tmp", (unsigned)space);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(tempname_pidspace(), space);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	longpath[0] = '/';
	longpath[sizeof(longpath) - 10] = '/';
	ck_assert_int_eq(tempname_file(got, sizeof(got), longpath, 7),
			 -ENAMETOOLONG);
}
END_TEST

/*
 * The space a process in a new pid namespace works out, as a container's
 * does.  Check runs each test in its own process, so none of these has
 * worked its space out before.  A helper process enters the namespace
 * and forks its first process, so that this test's own process stays
 * where it was: once a namespace's first process is gone nothing more
 * can be forked in it, and LeakSanitizer forks at exit.  Both leave with
 * _exit().
 */
static uint32_t
space_in_new_pid_namespace(void)
{
	int fds[2], status;
	uint32_t other = 0;
	pid_t helper;

	ck_assert_int_eq(pipe(fds), 0);
	helper = fork();
	ck_assert_int_ge(helper, 0);
	if (helper == 0) {
		pid_t first;

		if (unshare(CLONE_NEWPID) != 0 || (first = fork()) < 0)
			_exit(2);
		if (first == 0) {
			other = tempname_pidspace();
			_exit(write(fds[1], &other, sizeof(other)) ==
			      sizeof(other) ? 0 : 1);
		}
		_exit(waitpid(first, &status, 0) == first &&
		      WIFEXITED(status) ? WEXITSTATUS(status) : 3);
	}
	ck_assert_int_eq(waitpid(helper, &status, 0), helper);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the namespace's first process failed (status %d)",
		      status);
	ck_assert_int_eq(read(fds[0], &other, sizeof(other)), sizeof(other));
	close(fds[0]);
	close(fds[1]);
	return other;
}

START_TEST(another_pid_namespace_is_another_space)
{
	/* main() added this test as a TAP SKIP without root: nothing to prove */
	if (geteuid() != 0)
		return;
	ck_assert_uint_ne(space_in_new_pid_namespace(), tempname_pidspace());
}
END_TEST

START_TEST(a_leftover_is_ours_and_dead)
{
	char name[128];
	pid_t dead = testutil_dead_pid();
	int hold;
	pid_t live = testutil_fake_worker(&hold);

	name_of(name, sizeof(name), dead, 0);
	ck_assert_msg(tmpclean_is_leftover(name), "%s", name);
	name_of(name, sizeof(name), live, 0);
	ck_assert_msg(!tmpclean_is_leftover(name), "%s: a live writer", name);
	/* this test is alive but no thumper-worker: no writer */
	name_of(name, sizeof(name), getpid(), 0);
	ck_assert_msg(tmpclean_is_leftover(name), "%s", name);
	close(hold);
	ck_assert_int_eq(waitpid(live, NULL, 0), live);
}
END_TEST

START_TEST(another_space_is_never_a_leftover)
{
	char name[128];
	pid_t dead = testutil_dead_pid();

	for (uint32_t flip = 1; flip != 0; flip <<= 1) {
		name_of(name, sizeof(name), dead, flip);
		ck_assert_msg(!tmpclean_is_leftover(name), "%s", name);
	}
}
END_TEST

START_TEST(names_without_a_space_keep_the_pid_rule)
{
	char name[128];
	pid_t dead = testutil_dead_pid();
	int hold;
	pid_t live = testutil_fake_worker(&hold);

	snprintf(name, sizeof(name), ".thumper-%ld.tmp", (long)dead);
	ck_assert(tmpclean_is_leftover(name));
	snprintf(name, sizeof(name), ".thumper-%ld.tmp", (long)live);
	ck_assert(!tmpclean_is_leftover(name));
	close(hold);
	ck_assert_int_eq(waitpid(live, NULL, 0), live);
}
END_TEST

/* NAME, made of FMT with a dead pid and our space, is no leftover. */
#define NOT_A_TEMPORARY(fmt)						\
	do {								\
		snprintf(name, sizeof(name), fmt, (long)dead, ours);	\
		ck_assert_msg(!tmpclean_is_leftover(name), "%s", name);	\
	} while (0)

START_TEST(other_names_are_not_temporaries)
{
	char name[128], ours[16];
	pid_t dead = testutil_dead_pid();
	bool letters = false;

	snprintf(ours, sizeof(ours), "%08x", (unsigned)tempname_pidspace());
	NOT_A_TEMPORARY(".thumper-%ld-%.7s.tmp");
	NOT_A_TEMPORARY(".thumper-%ld-%s0.tmp");
	NOT_A_TEMPORARY(".thumper-%ld-0%s.tmp");
	NOT_A_TEMPORARY(".thumper-%ld-%s.tmp.jpg");
	NOT_A_TEMPORARY(".thumper-%ld-%s.tmpx");
	NOT_A_TEMPORARY(".thumper-%ld_%s.tmp");
	NOT_A_TEMPORARY(".Thumper-%ld-%s.tmp");
	NOT_A_TEMPORARY("thumper-%ld-%s.tmp");
	NOT_A_TEMPORARY(".thumper-+%ld-%s.tmp");
	NOT_A_TEMPORARY(".thumper- %ld-%s.tmp");
	NOT_A_TEMPORARY(".thumper-0%ld-%s.tmp");
	/* our space in capitals is not how tempname_file() writes it */
	for (char *c = ours; *c; c++) {
		if (*c >= 'a' && *c <= 'f') {
			*c = (char)(*c - 'a' + 'A');
			letters = true;
		}
	}
	if (letters)
		NOT_A_TEMPORARY(".thumper-%ld-%s.tmp");
	ck_assert(!tmpclean_is_leftover(".thumper-0.tmp"));
	ck_assert(!tmpclean_is_leftover(".thumper--1.tmp"));
	ck_assert(!tmpclean_is_leftover(".thumper-.tmp"));
	ck_assert(!tmpclean_is_leftover(".thumper-abc.tmp"));
}
END_TEST

/* DIR/REL, a file of a few bytes; REL's folder exists. */
static void
put(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("partial", f);
	ck_assert_int_eq(fclose(f), 0);
}

static bool
there(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

START_TEST(the_walk_removes_only_our_dead_writers_files)
{
	char dir[] = "/tmp/check_tmpclean.XXXXXX", path[PATH_MAX];
	char ours[128], theirs[128], ours_sub[160], theirs_sub[160];
	pid_t dead = testutil_dead_pid();

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	name_of(ours, sizeof(ours), dead, 0);
	name_of(theirs, sizeof(theirs), dead, 0x80000000u);
	snprintf(ours_sub, sizeof(ours_sub), "sub/%s", ours);
	snprintf(theirs_sub, sizeof(theirs_sub), "sub/%s", theirs);
	put(dir, ours);
	put(dir, ours_sub);
	put(dir, theirs);
	put(dir, theirs_sub);
	ck_assert_int_eq(tmpclean_tree(dir), 2);
	ck_assert(!there(dir, ours));
	ck_assert(!there(dir, ours_sub));
	ck_assert_msg(there(dir, theirs), "%s removed", theirs);
	ck_assert_msg(there(dir, theirs_sub), "%s removed", theirs_sub);
	ck_assert_int_eq(testutil_rmtree(dir), 0);
}
END_TEST

/*
 * A live thumper-worker: /bin/sleep run as DIR/thumper-worker, waited for
 * until /proc shows its new name (bounded).
 */
static pid_t
live_worker(const char *dir)
{
	char link[PATH_MAX], stat_path[64], buf[256];
	pid_t pid;

	snprintf(link, sizeof(link), "%s/thumper-worker", dir);
	ck_assert_int_eq(symlink("/bin/sleep", link), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		execl(link, "thumper-worker", "60", (char *)NULL);
		_exit(127);
	}
	snprintf(stat_path, sizeof(stat_path), "/proc/%ld/stat", (long)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(stat_path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f != NULL)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, "(thumper-worker)") != NULL)
			return pid;
		usleep(10000);
	}
	ck_abort_msg("the stand-in worker %ld never ran", (long)pid);
	return -1;
}

START_TEST(dead_workers_scratch_folders_go)
{
	char dir[] = "/tmp/check_tmpclean.XXXXXX";
	char dead_dir[256], live_dir[256], theirs[256], old[256];
	pid_t dead = testutil_dead_pid(), live;
	int status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	live = live_worker(dir);
	ck_assert_int_gt(tempname_scratch(dead_dir, sizeof(dead_dir), dir,
					  dead), 0);
	ck_assert_int_gt(tempname_scratch(live_dir, sizeof(live_dir), dir,
					  live), 0);
	snprintf(theirs, sizeof(theirs), "%s/thumper-worker-%ld-%08x", dir,
		 (long)dead, (unsigned)(tempname_pidspace() ^ 0x80000000u));
	ck_assert_int_eq(mkdir(dead_dir, 0700), 0);
	ck_assert_int_eq(mkdir(live_dir, 0700), 0);
	ck_assert_int_eq(mkdir(theirs, 0700), 0);
	snprintf(old, sizeof(old), "%s/thumper-worker-%ld", dir, (long)dead);
	ck_assert_int_eq(mkdir(old, 0700), 0);	/* named before SPACE */
	put(dead_dir, "orcexec.abc123");	/* liborc's, left by a kill */
	ck_assert_int_eq(tmpclean_scratch(dir), 2);
	ck_assert_msg(!there(old, ""), "%s kept", old);
	ck_assert_msg(!there(dead_dir, ""), "%s kept", dead_dir);
	ck_assert_msg(there(live_dir, ""), "a live worker's %s removed",
		      live_dir);
	ck_assert_msg(there(theirs, ""), "another space's %s removed", theirs);
	ck_assert_int_eq(kill(live, SIGKILL), 0);
	ck_assert_int_eq(waitpid(live, &status, 0), live);
	ck_assert_int_eq(tmpclean_scratch(dir), 1);
	ck_assert(!there(live_dir, ""));
	ck_assert_int_eq(testutil_rmtree(dir), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tmpclean");
	TCase *tc = tcase_create("names"), *ns;

	tcase_add_test(tc, the_name_holds_pid_and_space);
	tcase_add_test(tc, a_leftover_is_ours_and_dead);
	tcase_add_test(tc, another_space_is_never_a_leftover);
	tcase_add_test(tc, names_without_a_space_keep_the_pid_rule);
	tcase_add_test(tc, other_names_are_not_temporaries);
	tcase_add_test(tc, the_walk_removes_only_our_dead_writers_files);
	tcase_add_test(tc, dead_workers_scratch_folders_go);
	suite_add_tcase(s, tc);
	/* Check has no skip; "# SKIP" in the case's name makes tap-driver one */
	ns = tcase_create(geteuid() == 0 ? "namespaces"
			  : "namespaces # SKIP needs root for a pid namespace");
	tcase_add_test(ns, another_pid_namespace_is_another_space);
	suite_add_tcase(s, ns);
	return testutil_run(s);
}
