/*
 * testutil.c - helpers shared by the Check unit tests (see testutil.h).
 */
#include <config.h>

#include <ftw.h>
#include <stdio.h>

#include "tests/unit/testutil.h"

int
testutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

static int
remove_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
testutil_rmtree(const char *dir)
{
	return nftw(dir, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}
