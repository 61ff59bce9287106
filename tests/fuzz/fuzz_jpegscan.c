/*
 * fuzz_jpegscan.c - the reduced progressive stream builder on arbitrary
 * bytes: the first byte picks the IDCT size of each of 4 components (two
 * bits each: 1, 2, 4 or 8), the rest is the JPEG.  Besides memory
 * errors it checks what the builder promises: a result is shorter than
 * its input, still starts with SOI and ends with EOI, and reducing it
 * again changes nothing (it already holds only needed scans).
 * fuzz-sources: worker/jpegscan.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/jpegscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *in, size_t len, const int *sizes, int ncomp)
{
	struct jpegscan_stats st, st2;
	uint8_t *out = NULL, *again = NULL;
	size_t outlen = 0, againlen = 0;

	if (jpegscan_reduce(in, len, sizes, ncomp, &out, &outlen, &st) != 0) {
		if (out != NULL)
			abort();	/* nothing allocated on failure */
		return;
	}
	if (out == NULL)
		return;
	if (outlen >= len || outlen < 4 || out[0] != 0xFF || out[1] != 0xD8 ||
	    out[outlen - 2] != 0xFF || out[outlen - 1] != 0xD9 ||
	    st.kept >= st.scans)
		abort();
	if (jpegscan_reduce(out, outlen, sizes, ncomp, &again, &againlen,
			    &st2) != 0 || again != NULL || st2.scans != st.kept)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sizes[JPEGSCAN_MAX_COMPONENTS];

	if (size < 1)
		return 0;
	for (int i = 0; i < JPEGSCAN_MAX_COMPONENTS; i++)
		sizes[i] = 1 << (data[0] >> (2 * i) & 3);
	for (int ncomp = 1; ncomp <= JPEGSCAN_MAX_COMPONENTS; ncomp++)
		check(data + 1, size - 1, sizes, ncomp);
	return 0;
}
