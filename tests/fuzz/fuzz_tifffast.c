/*
 * fuzz_tifffast.c - the TIFF fast path on arbitrary bytes: the first byte
 * picks the crop, the box (64 or 200 wide) and the decode threads (1 or
 * 2, for images large enough for tiffstrips.c), the rest is the file,
 * handed over in a memfd as the worker hands over a source.  Besides
 * memory errors it checks what the path promises: on success one JPEG
 * per output and no reason, on fallback no buffer and a reason when the
 * bytes start like a TIFF.
 * fuzz-sources: worker/tifffast.c worker/fastout.c worker/resample.c
 * fuzz-sources: worker/resample_alpha.c worker/icc.c worker/placeholder.c
 * fuzz-sources: worker/thumbhash.c worker/tiffdecode.c worker/tiffstrips.c
 * fuzz-sources: worker/lzw.c worker/pngfilter.c
 * fuzz-pkgs: libtiff-4 libjpeg lcms2 vips libdeflate
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "worker/tifffast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thumb_config cfg = { .max_pixels = 4000000, .tiff_fast = true };
	struct thumb_output o = { 64, 64, THUMB_FORMAT_JPEG, 85, "unused" };
	void *buf = NULL;
	size_t len = 0;
	const char *why = NULL;
	int fd;

	if (size < 1)
		return 0;
	cfg.crop = data[0] & 1 ? THUMB_CROP_CENTRE : THUMB_CROP_NONE;
	o.width = o.height = data[0] & 2 ? 200 : 64;
	cfg.tiff_threads = data[0] & 4 ? 2 : 1;
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	if (tifffast_make(&cfg, fd, size - 1, &o, 1, &buf, &len, NULL, &why) ==
	    TIFFFAST_OK) {
		if (buf == NULL || len < 4 || why != NULL ||
		    memcmp(buf, "\xff\xd8\xff", 3) != 0)
			abort();
	} else if (buf != NULL || len != 0) {
		abort();
	}
	free(buf);
	close(fd);
	return 0;
}
