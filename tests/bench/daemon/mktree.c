/*
 * mktree.c - an up-to-date source/dest pair of trees, fast.
 *
 *   mktree SRC DEST NDIRS FILES_PER_DIR
 *
 * Makes SRC/dNNNN/IMG_NNNNNNN.jpg (empty files: the walk never opens
 * them) and the same names under DEST, each thumbnail stamped with its
 * source's exact mtime (nanoseconds differ from file to file), so that
 * thumperd's start-up walk finds every source up to date and queues
 * nothing: a pure reconciliation.  Running it again on the same trees
 * only resets the times.  Exit 0, or 1 with a message.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
mkdir_open(int at, const char *name)
{
	if (mkdirat(at, name, 0755) != 0 && errno != EEXIST)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int
make_file(int dirfd, const char *name, const struct timespec *t)
{
	struct timespec times[2] = { t[0], t[0] };
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (futimens(fd, times) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
main(int argc, char **argv)
{
	unsigned long ndirs, nfiles, k = 0;
	int src, dest;

	if (argc != 5) {
		fprintf(stderr, "usage: mktree SRC DEST NDIRS FILES_PER_DIR\n");
		return 2;
	}
	ndirs = strtoul(argv[3], NULL, 10);
	nfiles = strtoul(argv[4], NULL, 10);
	if ((src = mkdir_open(AT_FDCWD, argv[1])) < 0 ||
	    (dest = mkdir_open(AT_FDCWD, argv[2])) < 0) {
		perror("mktree");
		return 1;
	}
	for (unsigned long d = 0; d < ndirs; d++) {
		char dname[32];
		int sd, dd;

		snprintf(dname, sizeof(dname), "d%04lu", d);
		if ((sd = mkdir_open(src, dname)) < 0 ||
		    (dd = mkdir_open(dest, dname)) < 0) {
			perror(dname);
			return 1;
		}
		for (unsigned long f = 0; f < nfiles; f++, k++) {
			struct timespec t = { 1700000000 + (time_t)(k / 1000),
					      (long)((k * 7919) % 1000000000) };
			char fname[32];

			snprintf(fname, sizeof(fname), "IMG_%07lu.jpg", k);
			if (make_file(sd, fname, &t) != 0 ||
			    make_file(dd, fname, &t) != 0) {
				perror(fname);
				return 1;
			}
		}
		close(sd);
		close(dd);
	}
	return 0;
}
