/*
 * fuzz_lzw.c - the TIFF fast path's LZW decoder (worker/lzw.c) on
 * arbitrary bytes: the first two bytes are the unit's size (0 to 65535),
 * the rest its stored data.  Besides memory errors it checks what the
 * decoder promises: nothing written past the unit, which is followed
 * here by guard bytes, whether it takes the data or not.
 * fuzz-sources: worker/lzw.c
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/lzw.h"

#define GUARD 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lzw table;
	size_t want;
	uint8_t *out;

	if (size < 2)
		return 0;
	want = (size_t)data[0] << 8 | data[1];
	if ((out = malloc(want + GUARD)) == NULL)
		return 0;
	memset(out + want, 0xa5, GUARD);
	(void)lzw_decode(&table, data + 2, size - 2, out, want);
	for (size_t i = 0; i < GUARD; i++)
		if (out[want + i] != 0xa5)
			abort();
	free(out);
	return 0;
}
