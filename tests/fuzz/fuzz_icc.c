/*
 * fuzz_icc.c - the worker's ICC profile judge (worker/icc.c) on arbitrary
 * bytes: the first byte's low bit says grey pixels, the rest is the
 * profile.  Besides memory errors and undefined behaviour in lcms2's
 * parser and in the judge, it checks what the judge promises: a known
 * verdict, and for an unusable profile a reason, one short line.
 * fuzz-sources: worker/icc.c
 * fuzz-pkgs: lcms2
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/icc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[64];
	enum icc_verdict v;

	if (size < 1)
		return 0;
	/* a byte no reason holds marks one left unwritten */
	memset(why, '\1', sizeof(why));
	why[sizeof(why) - 1] = '\0';
	v = icc_judge(data + 1, size - 1, data[0] & 1, why, sizeof(why));
	if (v != ICC_AS_IS && v != ICC_CONVERT && v != ICC_UNUSABLE)
		abort();
	if (v == ICC_UNUSABLE && (why[0] == '\0' || why[0] == '\1' ||
				  strchr(why, '\n') != NULL))
		abort();
	return 0;
}
