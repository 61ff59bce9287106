/*
 * walk_shard.c - one shard's walk of the source tree, alone.
 *
 *   walk_shard SRC [K/N]
 *
 * What `thumper --shard K/N SRC DEST` does to SRC before any image is
 * touched, and nothing else: walk_open() with the default filter,
 * walk_set_shard(), then walk_next() to the end, as batch/batch.c's
 * start() and pump_cb() do.  No pool and no DEST, so that `make
 * bench-shard` can time the walk and count its system calls (strace -c)
 * against `find SRC -type f`.  Prints the number of files yielded; exit
 * 0, or 1 with a message when SRC or a folder cannot be read, 2 on usage.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "lib/filter.h"
#include "lib/shard.h"
#include "watch/walk.h"

int
main(int argc, char **argv)
{
	struct shard shard = { 0, 0 };
	struct filter filter;
	struct walk_entry e;
	struct walk *w;
	unsigned long files = 0;
	char err[256];
	int rc, status = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: walk_shard SRC [K/N]\n");
		return 2;
	}
	if (argc == 3 && shard_parse(argv[2], &shard, err, sizeof(err)) != 0) {
		fprintf(stderr, "walk_shard: %s\n", err);
		return 2;
	}
	if (filter_init_default(&filter) != 0) {
		fprintf(stderr, "walk_shard: out of memory\n");
		return 1;
	}
	if ((rc = walk_open(argv[1], &filter, 0, &w)) != 0) {
		fprintf(stderr, "walk_shard: %s: %s\n", argv[1], strerror(-rc));
		filter_free(&filter);
		return 1;
	}
	walk_set_shard(w, &shard);
	while ((rc = walk_next(w, &e)) != 0) {
		if (rc < 0) {
			fprintf(stderr, "walk_shard: %s: %s\n", e.path,
				strerror(-rc));
			status = 1;
			continue;
		}
		files++;
	}
	walk_close(w);
	filter_free(&filter);
	printf("%lu\n", files);
	return status;
}
