/*
 * thumb_time.c - the worker's own time per file, measured in-process.
 *
 *   thumb_time [-n REPS] [-s WxH] DEST FILE...
 *
 * Runs thumb_make() (worker/thumb.c, the code thumper-worker runs, with the
 * same defaults: 200x200, auto format, quality 85, one libvips thread)
 * over FILE... REPS times, the files interleaved so a slow moment is
 * spread over all of them, and prints per file the median, minimum and
 * maximum wall time in microseconds:
 *   FILE MEDIAN_US MIN_US MAX_US
 * Thumbnails go to DEST/<basename>, overwritten each round.  One untimed
 * warm-up round comes first (page cache, libvips' first-call setup).
 * This is the yardstick the live latency is compared with when the
 * per-job worker CPU time is not available (see README.md).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/settings.h"
#include "lib/tpath.h"
#include "worker/thumb.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
one(const struct thumb_config *tc, const struct settings *s, const char *dest,
    const char *src)
{
	const char *name = strrchr(src, '/');
	enum thumb_format fmt;
	struct thumb_output out;
	struct thumb_result res;
	char path[4096];

	name = name ? name + 1 : src;
	fmt = tpath_format(settings_size_format(s, 0), name);
	if (tpath_build(path, sizeof(path), dest, NULL, name, fmt) < 0)
		return -1;
	out = (struct thumb_output){
		.width = s->sizes[0].width,
		.height = s->sizes[0].height,
		.format = fmt,
		.quality = settings_size_quality(s, 0),
		.path = path,
	};
	memset(&res, 0, sizeof(res));
	if (thumb_make(tc, src, &out, 1, &res) != THUMB_OK) {
		fprintf(stderr, "thumb_time: %s: %s\n", src, res.reason);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct thumb_config tc;
	const char *dest;
	uint64_t *t;
	long reps = 5;
	char err[512];
	int c, nfiles;

	if (settings_init(&s) < 0)
		return 2;
	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		switch (c) {
		case 'n':
			reps = strtol(optarg, NULL, 10);
			break;
		case 's':
			if (settings_parse_box(optarg, &s.sizes[0].width,
					       &s.sizes[0].height) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2 || reps < 1)
		goto usage;
	dest = argv[optind];
	nfiles = argc - optind - 1;
	tc = (struct thumb_config){
		.crop = s.crop,
		.png_fast = true,
		.tiff_fast = true,
		.keep_metadata = s.keep_metadata,
		.untrusted_loaders = s.limits.untrusted_loaders,
		.follow_symlinks = s.filter.follow_symlinks,
		.max_pixels = s.limits.max_pixels,
		.max_file_bytes = (uint64_t)s.limits.max_file_mb << 20,
		.memory_bytes = (uint64_t)s.limits.worker_memory_mb << 20,
		.vips_threads = s.limits.vips_threads,
	};
	if (thumb_init(argv[0], &tc, err, sizeof(err)) < 0) {
		fprintf(stderr, "thumb_time: %s\n", err);
		return 2;
	}
	if ((t = calloc((size_t)nfiles * (size_t)reps, sizeof(*t))) == NULL)
		return 2;
	for (int f = 0; f < nfiles; f++)
		if (one(&tc, &s, dest, argv[optind + 1 + f]) != 0)
			return 1;
	for (long r = 0; r < reps; r++)
		for (int f = 0; f < nfiles; f++) {
			uint64_t t0 = now_ns();

			if (one(&tc, &s, dest, argv[optind + 1 + f]) != 0)
				return 1;
			t[(size_t)f * (size_t)reps + (size_t)r] = now_ns() - t0;
		}
	for (int f = 0; f < nfiles; f++) {
		uint64_t *v = &t[(size_t)f * (size_t)reps];

		qsort(v, (size_t)reps, sizeof(*v), cmp_u64);
		printf("%s %.1f %.1f %.1f\n", argv[optind + 1 + f],
		       (reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2) / 1e3,
		       v[0] / 1e3, v[reps - 1] / 1e3);
	}
	free(t);
	thumb_shutdown();
	settings_free(&s);
	return 0;
usage:
	fprintf(stderr, "usage: thumb_time [-n REPS] [-s WxH] DEST FILE...\n");
	return 2;
}
