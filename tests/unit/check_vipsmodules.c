/*
 * check_vipsmodules.c - worker/vipsmodules.c: with untrusted loaders
 * blocked libvips starts without the modules that hold only untrusted
 * operations, keeps HEIF, and leaves nothing in the staging folder; with
 * them allowed, or with the operator's VIPSHOME, it loads every module.
 * Each test runs in its own process (Check's fork mode), so each starts
 * libvips afresh; what is loaded is read from /proc/self/maps.
 */
#include <config.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <vips/vips.h>

#include "tests/unit/testutil.h"
#include "worker/vipsmodules.h"

static char stage[PATH_MAX];
static bool have_modules;	/* main() names the case a TAP SKIP if not */

static void
make_stage(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(stage, sizeof(stage), "%s/check_vipsmodules.XXXXXX",
		 tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(stage));
}

static void
remove_stage(void)
{
	if (stage[0])
		testutil_rmtree(stage);
}

/* Is a file named NAME mapped into this process? */
static bool
mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	bool found = false;

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

static bool
installed(const char *module)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/vips-modules-%d.%d/%s", VIPS_LIBDIR,
		 vips_version(0), vips_version(1), module);
	return access(path, R_OK) == 0;
}

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(blocked_loaders_keep_heif_only)
{
	if (!have_modules)
		return;
	ck_assert_int_eq(vipsmodules_init("check", false, stage), 0);
	ck_assert(mapped("/vips-heif.so"));
	ck_assert(!mapped("/vips-magick.so"));
	ck_assert(!mapped("/vips-poppler.so"));
	ck_assert(!mapped("/vips-openslide.so"));
	ck_assert(!mapped("/vips-jxl.so"));
	ck_assert(vips_type_find("VipsOperation", "heifload") != 0);
	ck_assert(vips_type_find("VipsOperation", "magickload") == 0);
	ck_assert_int_eq(entries(stage), 0);
	ck_assert_ptr_null(getenv("VIPSHOME"));
}
END_TEST

START_TEST(allowed_loaders_load_every_module)
{
	if (!have_modules)
		return;
	ck_assert_int_eq(vipsmodules_init("check", true, stage), 0);
	ck_assert(mapped("/vips-magick.so"));
	ck_assert(vips_type_find("VipsOperation", "magickload") != 0);
	ck_assert_int_eq(entries(stage), 0);
}
END_TEST

START_TEST(operators_vipshome_is_left_alone)
{
	if (!have_modules)
		return;
	setenv("VIPSHOME", "/usr", 1);
	ck_assert_int_eq(vipsmodules_init("check", false, stage), 0);
	ck_assert(mapped("/vips-magick.so"));
	ck_assert_str_eq(getenv("VIPSHOME"), "/usr");
}
END_TEST

/* No folder to stage in: every module, as plain VIPS_INIT(). */
START_TEST(no_stage_loads_every_module)
{
	if (!have_modules)
		return;
	ck_assert_int_eq(vipsmodules_init("check", false, NULL), 0);
	ck_assert(mapped("/vips-magick.so"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vipsmodules");
	TCase *tc;

	have_modules = installed("vips-heif.so") && installed("vips-magick.so");
	tc = tcase_create(have_modules ? "init" :
			  "init # SKIP libvips' heif and magick modules "
			  "are not installed");
	tcase_add_checked_fixture(tc, make_stage, remove_stage);
	tcase_add_test(tc, blocked_loaders_keep_heif_only);
	tcase_add_test(tc, allowed_loaders_load_every_module);
	tcase_add_test(tc, operators_vipshome_is_left_alone);
	tcase_add_test(tc, no_stage_loads_every_module);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
