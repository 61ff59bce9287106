/*
 * check_shard.c - splitting one tree among N copies (lib/shard.h).
 *
 * The hash is a promise to users: shards of one run may be different
 * builds on different machines, so shard_of() is pinned here to values
 * worked out from shard.h's formula outside this code (FNV-1a-64 over the
 * bytes, MurmurHash3's fmix64, mod N, plus 1).  A change to it must break
 * this test.  Then: the split of 100,000 paths is even, disjoint and
 * complete; K/N is parsed strictly; and --shard env reads a Slurm job
 * array (ID - MIN, COUNT, step 1 only) or a Kubernetes Indexed Job
 * (JOB_COMPLETION_INDEX, THUMPER_SHARD_COUNT), naming what it looked for
 * when neither fits.
 *
 * The environment tests clear every variable shard_from_env() reads in
 * their fixture, so they hold whether Check forks per test (the default)
 * or not (CK_FORK=no).
 */
#include <config.h>

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/shard.h"
#include "tests/unit/testutil.h"

#define NPATHS 100000

static const char *const env_vars[] = {
	"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
	"SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_STEP",
	"JOB_COMPLETION_INDEX", "THUMPER_SHARD_COUNT",
};

static char err[512];

static void
clear_env(void)
{
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		ck_assert_int_eq(unsetenv(env_vars[i]), 0);
	memset(err, 0, sizeof(err));
}

/*
 * Pinned from shard.h's formula, computed independently (Python).  The
 * FNV-1a-64 values under them are the published test vectors for "",
 * "a" and "foobar" (0xcbf29ce484222325, 0xaf63dc4c8601ec8c,
 * 0x85944171f73967e8).
 */
static const struct {
	const char *rel;
	uint32_t n3, n7, n16, n1000, n65536;
} pinned[] = {
	{ "", 3, 2, 7, 343, 10535 },
	{ "a", 3, 2, 12, 316, 52828 },
	{ "foobar", 2, 4, 12, 276, 26412 },
	{ "a.jpg", 1, 1, 8, 624, 424 },
	{ "2024/01/IMG_0001.jpg", 2, 7, 14, 646, 35550 },
	{ "photos/cat.png", 3, 2, 2, 698, 34626 },
	{ "d0000/IMG_0000000.jpg", 2, 6, 15, 543, 63967 },
	{ "\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe5\x86\x99\xe7\x9c\x9f.jpg",
	  1, 1, 15, 639, 23391 },
	{ "bad\xff\xfe.jpg", 1, 5, 7, 655, 24743 },
};

START_TEST(shard_of_is_pinned)
{
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		const char *rel = pinned[i].rel;

		ck_assert_uint_eq(shard_of(rel, 1), 1);
		ck_assert_uint_eq(shard_of(rel, 3), pinned[i].n3);
		ck_assert_uint_eq(shard_of(rel, 7), pinned[i].n7);
		ck_assert_uint_eq(shard_of(rel, 16), pinned[i].n16);
		ck_assert_uint_eq(shard_of(rel, 1000), pinned[i].n1000);
		ck_assert_uint_eq(shard_of(rel, SHARD_MAX), pinned[i].n65536);
	}
}
END_TEST

START_TEST(shard_owns_follows_shard_of)
{
	struct shard all = { 0, 0 }, two = { 2, 3 }, one = { 1, 3 };

	ck_assert(shard_owns(&all, "a.jpg"));
	ck_assert(shard_owns(&all, ""));
	ck_assert(shard_owns(&two, "2024/01/IMG_0001.jpg"));
	ck_assert(!shard_owns(&one, "2024/01/IMG_0001.jpg"));
	ck_assert(shard_owns(&one, "a.jpg"));
}
END_TEST

/* Path I of a synthetic tree: 100 folders of 1,000 names. */
static void
synthetic(unsigned long i, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "d%03lu/IMG_%06lu.jpg", i / 1000, i);
}

START_TEST(split_is_even)
{
	unsigned long count[17] = { 0 };
	const unsigned long want = NPATHS / 16, slack = want / 20;
	char rel[64];

	for (unsigned long i = 0; i < NPATHS; i++) {
		uint32_t k;

		synthetic(i, rel, sizeof(rel));
		k = shard_of(rel, 16);
		ck_assert_uint_ge(k, 1);
		ck_assert_uint_le(k, 16);
		count[k]++;
	}
	/* within 5% of 1/16 each (the pinned hash gives 6,089 to 6,395) */
	for (int k = 1; k <= 16; k++) {
		ck_assert_msg(count[k] + slack >= want && count[k] <= want + slack,
			      "shard %d/16 has %lu of %d paths", k, count[k],
			      NPATHS);
	}
}
END_TEST

START_TEST(shards_are_disjoint_and_complete)
{
	static const uint32_t ns[] = { 1, 2, 3, 16, 100 };
	char rel[64];

	for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
		for (unsigned long i = 0; i < NPATHS; i += 7) {
			unsigned owners = 0;

			synthetic(i, rel, sizeof(rel));
			for (uint32_t k = 1; k <= ns[j]; k++) {
				struct shard s = { k, ns[j] };

				owners += shard_owns(&s, rel);
			}
			ck_assert_msg(owners == 1, "%s has %u owners of %u",
				      rel, owners, ns[j]);
		}
	}
}
END_TEST

/* shard_parse(STR) succeeds with K/N. */
static void
parse_ok(const char *str, uint32_t k, uint32_t n)
{
	struct shard s = { 99, 99 };

	ck_assert_msg(shard_parse(str, &s, err, sizeof(err)) == 0,
		      "'%s' refused: %s", str, err);
	ck_assert_uint_eq(s.k, k);
	ck_assert_uint_eq(s.n, n);
}

/* shard_parse(STR) refuses it, leaves the shard alone, and quotes STR. */
static void
parse_bad(const char *str)
{
	struct shard s = { 99, 99 };
	char quoted[64];

	memset(err, 0, sizeof(err));
	ck_assert_msg(shard_parse(str, &s, err, sizeof(err)) != 0,
		      "'%s' taken as %u/%u", str, s.k, s.n);
	ck_assert_uint_eq(s.k, 99);
	ck_assert_uint_eq(s.n, 99);
	snprintf(quoted, sizeof(quoted), "'%s'", str);
	ck_assert_msg(strstr(err, quoted) != NULL, "'%s': message '%s'",
		      str, err);
}

START_TEST(parse_takes_k_of_n)
{
	parse_ok("1/1", 1, 1);
	parse_ok("1/3", 1, 3);
	parse_ok("3/3", 3, 3);
	parse_ok("16/16", 16, 16);
	parse_ok("1/65536", 1, 65536);
	parse_ok("65536/65536", 65536, 65536);
}
END_TEST

START_TEST(parse_refuses_bad_values)
{
	static const char *const bad[] = {
		"0/3", "4/3", "1/0", "0/0", "x/y", "3", "", "/", "1/", "/3",
		"1/65537", "65537/65537", "1/4294967297", "+1/3", "-1/3",
		" 1/3", "1/+3", "1/-3", "1/ 3", "1/3 ", "1/3x", "1/3/4",
		"1//3", "1.0/3", "1/3.0", "2 /3",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i]);
	/* an out-of-range N says what the range is */
	parse_bad("1/65537");
	ck_assert_ptr_nonnull(strstr(err, "65536"));
	parse_bad("4/3");
	ck_assert_ptr_nonnull(strstr(err, "K must be 1 to N"));
}
END_TEST

START_TEST(shard_str_round_trips)
{
	char buf[SHARD_STRMAX];
	struct shard s = { 65536, 65536 }, none = { 0, 0 };

	ck_assert_str_eq(shard_str(&s, buf), "65536/65536");
	ck_assert_str_eq(shard_str(&none, buf), "");
	parse_ok("7/12", 7, 12);
	s.k = 7;
	s.n = 12;
	ck_assert_str_eq(shard_str(&s, buf), "7/12");
}
END_TEST

/* shard_from_env() succeeds with K/N. */
static void
env_ok(uint32_t k, uint32_t n)
{
	struct shard s = { 99, 99 };

	ck_assert_msg(shard_from_env(&s, err, sizeof(err)) == 0,
		      "refused: %s", err);
	ck_assert_uint_eq(s.k, k);
	ck_assert_uint_eq(s.n, n);
}

/* shard_from_env() refuses, naming each of the NULL-ended words. */
static void
env_bad(const char *word, ...)
{
	struct shard s = { 99, 99 };
	va_list ap;

	memset(err, 0, sizeof(err));
	ck_assert_int_ne(shard_from_env(&s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.k, 99);
	va_start(ap, word);
	for (; word != NULL; word = va_arg(ap, const char *))
		ck_assert_msg(strstr(err, word) != NULL,
			      "message '%s' lacks '%s'", err, word);
	va_end(ap);
}

/* setenv() of NAME=VALUE that must work. */
static void
set(const char *name, const char *value)
{
	ck_assert_int_eq(setenv(name, value, 1), 0);
}

/* What sbatch --array=MIN-MAX gives task ID. */
static void
slurm_array(const char *id, const char *min, const char *max,
	    const char *count)
{
	set("SLURM_ARRAY_TASK_ID", id);
	set("SLURM_ARRAY_TASK_MIN", min);
	set("SLURM_ARRAY_TASK_MAX", max);
	set("SLURM_ARRAY_TASK_COUNT", count);
	set("SLURM_ARRAY_TASK_STEP", "1");
}

START_TEST(env_slurm_array_from_zero)
{
	slurm_array("0", "0", "15", "16");
	env_ok(1, 16);
	slurm_array("15", "0", "15", "16");
	env_ok(16, 16);
	slurm_array("7", "0", "15", "16");
	env_ok(8, 16);
}
END_TEST

START_TEST(env_slurm_array_min_is_subtracted)
{
	slurm_array("5", "5", "20", "16");
	env_ok(1, 16);
	slurm_array("20", "5", "20", "16");
	env_ok(16, 16);
	slurm_array("6", "5", "7", "3");
	env_ok(2, 3);
	/* task ids past SHARD_MAX are fine; only N is bounded */
	slurm_array("100001", "100000", "100015", "16");
	env_ok(2, 16);
	/* without STEP and MAX (older Slurm): ID - MIN and COUNT */
	ck_assert_int_eq(unsetenv("SLURM_ARRAY_TASK_STEP"), 0);
	ck_assert_int_eq(unsetenv("SLURM_ARRAY_TASK_MAX"), 0);
	env_ok(2, 16);
}
END_TEST

START_TEST(env_slurm_refuses_a_step)
{
	/* --array=0-15:2: every task, in range or not, hears of the step */
	slurm_array("0", "0", "14", "8");
	set("SLURM_ARRAY_TASK_STEP", "2");
	env_bad("step", "SLURM_ARRAY_TASK_STEP=2", NULL);
	set("SLURM_ARRAY_TASK_ID", "14");
	env_bad("step", "SLURM_ARRAY_TASK_STEP=2", NULL);
	/* --array=1,3,5: no step given, but MIN..MAX is not COUNT long */
	slurm_array("3", "1", "5", "3");
	ck_assert_int_eq(unsetenv("SLURM_ARRAY_TASK_STEP"), 0);
	env_bad("step", "SLURM_ARRAY_TASK_MAX=5", "SLURM_ARRAY_TASK_COUNT=3",
		NULL);
}
END_TEST

START_TEST(env_slurm_refuses_what_does_not_fit)
{
	slurm_array("3", "0", "15", "16");
	ck_assert_int_eq(unsetenv("SLURM_ARRAY_TASK_COUNT"), 0);
	env_bad("SLURM_ARRAY_TASK_COUNT=(unset)", "SLURM_ARRAY_TASK_ID=3",
		"SLURM_ARRAY_TASK_MIN=0", NULL);
	slurm_array("3", "0", "15", "16");
	ck_assert_int_eq(unsetenv("SLURM_ARRAY_TASK_MIN"), 0);
	env_bad("SLURM_ARRAY_TASK_MIN=(unset)", NULL);
	/* below MIN, and at MIN + COUNT */
	slurm_array("4", "5", "20", "16");
	env_bad("SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_MIN=5", NULL);
	slurm_array("21", "5", "20", "16");
	env_bad("SLURM_ARRAY_TASK_ID=21", NULL);
	/* not numbers: each value is still shown */
	slurm_array("abc", "0", "15", "16");
	env_bad("SLURM_ARRAY_TASK_ID=abc", "SLURM_ARRAY_TASK_MIN=0",
		"SLURM_ARRAY_TASK_COUNT=16", NULL);
	slurm_array("-1", "0", "15", "16");
	env_bad("SLURM_ARRAY_TASK_ID=-1", NULL);
	slurm_array("0", "0", "0", "0");
	env_bad("SLURM_ARRAY_TASK_COUNT=0", NULL);
	slurm_array("0", "0", "65536", "65537");
	env_bad("SLURM_ARRAY_TASK_COUNT=65537", "65536", NULL);
	slurm_array("", "0", "15", "16");
	env_bad("SLURM_ARRAY_TASK_ID=,", NULL);
}
END_TEST

START_TEST(env_kubernetes_indexed_job)
{
	set("JOB_COMPLETION_INDEX", "0");
	set("THUMPER_SHARD_COUNT", "16");
	env_ok(1, 16);
	set("JOB_COMPLETION_INDEX", "15");
	env_ok(16, 16);
	set("JOB_COMPLETION_INDEX", "16");
	env_bad("JOB_COMPLETION_INDEX=16", "THUMPER_SHARD_COUNT=16", NULL);
	set("JOB_COMPLETION_INDEX", "x");
	env_bad("JOB_COMPLETION_INDEX=x", "THUMPER_SHARD_COUNT=16", NULL);
	set("JOB_COMPLETION_INDEX", "0");
	set("THUMPER_SHARD_COUNT", "0");
	env_bad("THUMPER_SHARD_COUNT=0", NULL);
	ck_assert_int_eq(unsetenv("THUMPER_SHARD_COUNT"), 0);
	env_bad("THUMPER_SHARD_COUNT=(unset)", "completions", NULL);
}
END_TEST

START_TEST(env_slurm_goes_first)
{
	slurm_array("6", "5", "7", "3");
	set("JOB_COMPLETION_INDEX", "0");
	set("THUMPER_SHARD_COUNT", "16");
	env_ok(2, 3);
}
END_TEST

START_TEST(env_neither_names_both)
{
	env_bad("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", NULL);
	/* a count alone is not an Indexed Job */
	set("THUMPER_SHARD_COUNT", "16");
	set("SLURM_ARRAY_TASK_COUNT", "16");
	env_bad("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("shard");
	TCase *hash = tcase_create("hash"), *parse = tcase_create("parse");
	TCase *env = tcase_create("env");

	tcase_add_test(hash, shard_of_is_pinned);
	tcase_add_test(hash, shard_owns_follows_shard_of);
	tcase_add_test(hash, split_is_even);
	tcase_add_test(hash, shards_are_disjoint_and_complete);
	suite_add_tcase(s, hash);
	tcase_add_test(parse, parse_takes_k_of_n);
	tcase_add_test(parse, parse_refuses_bad_values);
	tcase_add_test(parse, shard_str_round_trips);
	suite_add_tcase(s, parse);
	tcase_add_checked_fixture(env, clear_env, NULL);
	tcase_add_test(env, env_slurm_array_from_zero);
	tcase_add_test(env, env_slurm_array_min_is_subtracted);
	tcase_add_test(env, env_slurm_refuses_a_step);
	tcase_add_test(env, env_slurm_refuses_what_does_not_fit);
	tcase_add_test(env, env_kubernetes_indexed_job);
	tcase_add_test(env, env_slurm_goes_first);
	tcase_add_test(env, env_neither_names_both);
	suite_add_tcase(s, env);
	return testutil_run(s);
}
