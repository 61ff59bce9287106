/*
 * fuzz_failures.c - the failure-record parser (failures_parse(), what
 * thumperd reads back from STATE_DIR/failed) on arbitrary bytes.  A parse
 * that fails says -EINVAL; one that succeeds leaves the path and reason
 * inside the buffer and the size not negative.  A record it accepts, if
 * it is one thumperd could have written (path under PATH_MAX, reason at
 * most the worker protocol's 1,024 bytes, nanoseconds in range), is
 * written again with failures_record() into a temporary state folder and
 * must read back through failures_each() and block its source as the
 * same path, reason, size and mtime: writer and parser agree.
 * fuzz-sources: daemon/failures.c
 */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/failures.h"

#define REASON_MAX 1024		/* PROTO_MAX_REASON */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char state[] = "/tmp/fuzz_failures.XXXXXX";
static struct failures *store;

static int
remove_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	failures_close(store);
	store = NULL;
	nftw(state, remove_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* A broken promise: say which, remove the state folder, crash. */
static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_failures: %s\n", what);
	cleanup();
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(state) == NULL || failures_open(state, &store) != 0) {
		perror("fuzz_failures: state folder");
		abort();
	}
	atexit(cleanup);
	return 0;
}

struct expect {
	const struct failure_record *want;
	int seen;
};

static int
compare_cb(const struct failure_record *r, void *data)
{
	struct expect *e = data;

	e->seen++;
	if (strcmp(r->src, e->want->src) != 0 ||
	    strcmp(r->reason, e->want->reason) != 0 ||
	    r->size != e->want->size ||
	    r->mtime.tv_sec != e->want->mtime.tv_sec ||
	    r->mtime.tv_nsec != e->want->mtime.tv_nsec) {
		fprintf(stderr, "read back: src \"%s\" reason \"%s\" size "
			"%lld mtime %lld.%09ld\n", r->src, r->reason,
			(long long)r->size, (long long)r->mtime.tv_sec,
			r->mtime.tv_nsec);
		fail("the record read back differs from the one written");
	}
	return 0;
}

/* Writes R as thumperd would, reads it back, and forgets it. */
static void
round_trip(const struct failure_record *r)
{
	struct stat st;
	struct expect e = { r, 0 };
	int rc;

	memset(&st, 0, sizeof(st));
	st.st_size = (off_t)r->size;
	st.st_mtim = r->mtime;
	if ((rc = failures_record(store, r->src, &st, r->reason)) != 0) {
		fprintf(stderr, "failures_record: %s\n", strerror(-rc));
		fail("a parsed record cannot be written back");
	}
	if (!failures_blocked(store, r->src, &st, NULL, 0))
		fail("the record written back does not block its source");
	if (failures_each(store, compare_cb, &e) != 1 || e.seen != 1)
		fail("the record written back is not read back once");
	if (failures_forget(store, r->src) != 0)
		fail("the record written back cannot be forgotten");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct failure_record r;
	size_t srclen, reasonlen;
	int rc;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&r, 0, sizeof(r));
	rc = failures_parse(buf, size, &r);
	if (rc != 0) {
		if (rc != -EINVAL)
			fail("a refusal other than -EINVAL");
		goto out;
	}
	/* Both strings end inside the buffer (the reason may be a literal ""). */
	if (r.src < buf || r.src > buf + size)
		fail("the path is outside the buffer");
	srclen = strlen(r.src);
	reasonlen = strlen(r.reason);
	if (*r.reason != '\0' &&
	    (r.reason < buf || r.reason + reasonlen > buf + size))
		fail("the reason is outside the buffer");
	if (r.size < 0)
		fail("a negative size accepted");
	if (memchr(r.reason, '\n', reasonlen) != NULL)
		fail("a reason of more than one line");
	if (srclen < PATH_MAX && reasonlen <= REASON_MAX &&
	    r.mtime.tv_nsec >= 0 && r.mtime.tv_nsec < 1000000000L)
		round_trip(&r);
out:
	free(buf);
	return 0;
}
