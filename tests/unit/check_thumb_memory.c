/*
 * check_thumb_memory.c - the worker's heap between images (worker/thumb.c,
 * design.md §6 "Memory"): what one image frees is kept for the next, so
 * the next does not fault the same memory in again, but never more than
 * HEAP_KEEP (128 MiB) of it.
 *
 * This process runs thumb_init() and thumb_make() as the worker does; the
 * counts are the kernel's (getrusage() minor faults, /proc/self/statm).
 * glibc's allocator is what is under test, so in an AddressSanitizer
 * build, whose allocator replaces it, the test case is a TAP SKIP.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vips/vips.h>

#include "tests/unit/testutil.h"
#include "worker/thumb.h"

#ifdef __SANITIZE_ADDRESS__
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static char tmpdir[] = "/tmp/check_thumb_memory.XXXXXX";
static char big[300], small[300];
static const struct thumb_config cfg = { .max_pixels = 100000000 };

/* A W x H progressive JPEG of smooth colour at PATH. */
static int
make_jpeg(const char *path, int w, int h)
{
	VipsImage *xyz, *img;
	int rc;

	if (vips_xyz(&xyz, w, h, NULL) != 0)
		return -1;
	rc = vips_bandjoin_const1(xyz, &img, 128, NULL);
	g_object_unref(xyz);
	if (rc != 0)
		return -1;
	rc = vips_jpegsave(img, path, "interlace", TRUE, NULL);
	g_object_unref(img);
	return rc;
}

static long
minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long
rss_mib(void)
{
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%*s %ld", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * sysconf(_SC_PAGESIZE) >> 20;
}

/* Thumbnails SRC to a 200x200 JPEG and returns the minor faults it took. */
static long
thumbnail(const char *src)
{
	struct thumb_output out = { 200, 200, THUMB_FORMAT_JPEG, 85, NULL };
	struct thumb_result res;
	char path[320];
	long f0 = minor_faults();

	snprintf(path, sizeof(path), "%s/out.jpg", tmpdir);
	out.path = path;
	ck_assert_int_eq(thumb_make(&cfg, src, &out, 1, &res), THUMB_OK);
	return minor_faults() - f0;
}

/*
 * A 3000x2000 progressive JPEG makes libjpeg allocate and zero ~18 MB of
 * coefficients, some 4,400 pages; the second time, on the heap the first
 * one freed, that must not fault in page by page again.  The bound is on
 * the second count alone: the first may be low too when the process
 * happens to hold free heap already (or the kernel backs it with huge
 * pages), and that proves nothing either way.
 */
#define COEF_PAGES (3000L * 2000 * 3 / 4096)

START_TEST(next_image_reuses_the_memory_the_last_one_freed)
{
	long first, second;

	if (SANITIZED)
		return;
	first = thumbnail(big);
	second = thumbnail(big);

	ck_assert_msg(second * 8 < COEF_PAGES, "minor faults: %ld for the "
		      "first thumbnail, %ld for the same one again (%ld pages "
		      "of coefficients)", first, second, COEF_PAGES);
}
END_TEST

/* Heap blocks of 16 MiB are touched so that they are resident. */
static void *
touched_block(void)
{
	char *p = malloc(16 << 20);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < 16 << 20; i += 4096)
		((volatile char *)p)[i] = 1;
	return p;
}

/*
 * 160 MiB freed below a live block (so not at the top of the heap, which
 * glibc returns by itself) is more than the worker keeps: after the next
 * image it is returned to the system.  No free chunk of 16 MiB is left
 * from before, so each block comes from the top, the last one above all.
 */
START_TEST(free_heap_above_the_mark_is_returned)
{
	void *blocks[10], *pin;
	long before = rss_mib(), held;

	if (SANITIZED)
		return;
	for (int i = 0; i < 10; i++)
		blocks[i] = touched_block();
	pin = touched_block();
	for (int i = 0; i < 10; i++)
		free(blocks[i]);
	held = rss_mib();
	ck_assert_msg(held > before + 150, "RSS %ld MiB before, only %ld with "
		      "160 MiB freed: the blocks were not kept", before, held);
	thumbnail(small);
	ck_assert_msg(rss_mib() < before + 64, "RSS %ld MiB before, %ld with "
		      "160 MiB freed, %ld after the next image", before, held,
		      rss_mib());
	free(pin);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("thumb_memory");
	TCase *tc = tcase_create(SANITIZED ? "heap # SKIP the sanitizer's "
				 "allocator replaces glibc's" : "heap");
	SRunner *sr;
	char err[512];
	int failed;

	(void)argc;
	if (mkdtemp(tmpdir) == NULL ||
	    thumb_init(argv[0], &cfg, err, sizeof(err)) != 0)
		return 99;
	snprintf(big, sizeof(big), "%s/big.jpg", tmpdir);
	snprintf(small, sizeof(small), "%s/small.jpg", tmpdir);
	if (make_jpeg(big, 3000, 2000) != 0 || make_jpeg(small, 64, 64) != 0)
		return 99;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, next_image_reuses_the_memory_the_last_one_freed);
	tcase_add_test(tc, free_heap_above_the_mark_is_returned);
	suite_add_tcase(s, tc);
	/* one process: the heap under test is the one thumb_init() set up */
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	thumb_shutdown();
	testutil_rmtree(tmpdir);
	return failed == 0 ? 0 : 1;
}
