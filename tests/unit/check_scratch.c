/*
 * check_scratch.c - the decode buffers kept between images
 * (worker/scratch.c): a slot's buffer is reused while it is big enough,
 * grown with its pages when it is not, trimming shrinks the largest
 * until the slots hold SCRATCH_KEEP or less, and each buffer starts on a
 * huge page and is advised as huge pages.
 */
#include <config.h>

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/testutil.h"
#include "worker/scratch.h"

#define MIB ((size_t)1 << 20)

START_TEST(a_slot_is_reused_while_big_enough)
{
	char *a = scratch_get(SCRATCH_ROWS, 4 * MIB), *b, *c;

	ck_assert_ptr_nonnull(a);
	memset(a, 0xA5, 4 * MIB);	/* the whole buffer is writable */
	b = scratch_get(SCRATCH_ROWS, 3 * MIB);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq((unsigned char)b[4 * MIB - 1], 0xA5);	/* kept */
	c = scratch_get(SCRATCH_ROWS, 5 * MIB);
	ck_assert_ptr_nonnull(c);
	memset(c, 0, 5 * MIB);
	ck_assert_ptr_ne(scratch_get(SCRATCH_PIXELS, MIB), c);
}
END_TEST

/* Growing moves the pages the buffer had: they are not faulted again. */
START_TEST(a_growing_slot_keeps_its_pages)
{
	char *a = scratch_get(SCRATCH_PIXELS, 6 * MIB), *b;

	ck_assert_ptr_nonnull(a);
	memset(a, 0x5A, 6 * MIB);
	b = scratch_get(SCRATCH_PIXELS, 20 * MIB);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b[0], 0x5A);
	ck_assert_int_eq(b[6 * MIB - 1], 0x5A);
	ck_assert_int_eq(b[6 * MIB], 0);	/* the new part, zeroed */
	memset(b, 1, 20 * MIB);
}
END_TEST

START_TEST(trimming_shrinks_the_largest_to_fit)
{
	char *small, *big;

	small = scratch_get(SCRATCH_PIXELS, 8 * MIB);
	big = scratch_get(SCRATCH_ROWS, SCRATCH_KEEP - 16 * MIB);
	ck_assert_ptr_nonnull(small);
	ck_assert_ptr_nonnull(big);
	small[0] = 1;
	big[0] = 2;
	scratch_trim();		/* under SCRATCH_KEEP: both kept */
	ck_assert_ptr_eq(scratch_get(SCRATCH_PIXELS, MIB), small);
	ck_assert_ptr_eq(scratch_get(SCRATCH_ROWS, MIB), big);
	ck_assert_int_eq(small[0], 1);
	ck_assert_int_eq(big[0], 2);
	big = scratch_get(SCRATCH_ROWS, SCRATCH_KEEP);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(big[0], 2);	/* grown, its pages kept */
	big[SCRATCH_KEEP - 1] = 3;
	scratch_trim();		/* over: the largest shrinks by the excess */
	ck_assert_ptr_eq(scratch_get(SCRATCH_PIXELS, MIB), small);
	ck_assert_int_eq(small[0], 1);
	ck_assert_ptr_eq(scratch_get(SCRATCH_ROWS, SCRATCH_KEEP - 8 * MIB),
			 big);
	ck_assert_int_eq(big[0], 2);
	/* a byte past the shrunk end was returned: growing faults it anew */
	big = scratch_get(SCRATCH_ROWS, SCRATCH_KEEP);
	ck_assert_int_eq(big[SCRATCH_KEEP - 1], 0);
}
END_TEST

/* The VmFlags line of the mapping holding P, from /proc/self/smaps. */
static void
vm_flags(const void *p, char *flags, size_t size)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;

	ck_assert_ptr_nonnull(f);
	flags[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		uintmax_t lo, hi;

		if (sscanf(line, "%jx-%jx ", &lo, &hi) == 2)
			in = lo <= (uintptr_t)p && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0)
			snprintf(flags, size, "%s", line + 8);
	}
	fclose(f);
}

START_TEST(buffers_start_on_a_huge_page_advised_as_huge)
{
	char *p = scratch_get(SCRATCH_FILE, 3 * MIB + 5), flags[512];

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % (2 * MIB), 0);
	memset(p, 1, 3 * MIB + 5);
	vm_flags(p, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " hg") != NULL,
		      "no MADV_HUGEPAGE in VmFlags:%s", flags);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("scratch");
	TCase *tc = tcase_create("slots");

	tcase_add_test(tc, a_slot_is_reused_while_big_enough);
	tcase_add_test(tc, a_growing_slot_keeps_its_pages);
	tcase_add_test(tc, trimming_shrinks_the_largest_to_fit);
	tcase_add_test(tc, buffers_start_on_a_huge_page_advised_as_huge);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
