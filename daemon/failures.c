/*
 * failures.c - failure records on disk (see failures.h).
 *
 * A record is a text file: four "key value" lines, then "path " and the
 * source's path as raw bytes to the end of the file (a path may hold a
 * newline).  It is named by the FNV-1a hash of the path; on a collision
 * the next hash values are probed, so the stored path is always compared.
 * Records are written to a temporary file and renamed into place.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/failures.h"
#include "lib/hash.h"

#define PROBES 8
#define RECORD_MAX (PATH_MAX + 2048)
/*
 * The basis record names have always been hashed from: FNV's own basis
 * short of its last decimal digit.  Any basis hashes as well, and names
 * already on disk depend on this one, so it stays.
 */
#define RECORD_HASH_BASIS 1469598103934665603ULL

struct failures {
	char dir[PATH_MAX];
	long nrecords;		/* so that the usual case, none, costs nothing */
};

static int
count_cb(const struct failure_record *r, void *data)
{
	(void)r;
	(void)data;
	return 0;
}

int
failures_open(const char *state_dir, struct failures **out)
{
	struct failures *f = calloc(1, sizeof(*f));
	int n;

	if (f == NULL)
		return -ENOMEM;
	n = snprintf(f->dir, sizeof(f->dir), "%s/failed", state_dir);
	if (n < 0 || (size_t)n >= sizeof(f->dir)) {
		free(f);
		return -ENAMETOOLONG;
	}
	if ((mkdir(state_dir, 0750) != 0 && errno != EEXIST) ||
	    (mkdir(f->dir, 0750) != 0 && errno != EEXIST)) {
		n = -errno;
		free(f);
		return n;
	}
	f->nrecords = failures_each(f, count_cb, NULL);
	*out = f;
	return 0;
}

void
failures_close(struct failures *f)
{
	free(f);
}

int
failures_parse(char *buf, size_t len, struct failure_record *r)
{
	char *p = buf, *nl, *path;
	long long sec = 0, nsec = -1, when = 0, size = -1;

	if ((path = strstr(buf, "\npath ")) == NULL)
		return -EINVAL;
	*path = '\0';
	r->src = path + 6;
	r->reason = "";
	(void)len;
	for (; p && *p; p = nl ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (sscanf(p, "size %lld", &size) == 1 ||
		    sscanf(p, "mtime %lld.%lld", &sec, &nsec) == 2 ||
		    sscanf(p, "time %lld", &when) == 1)
			continue;
		if (strncmp(p, "reason ", 7) == 0)
			r->reason = p + 7;
	}
	/* a record without a whole mtime could never match its source */
	if (size < 0 || nsec < 0 || nsec > 999999999)
		return -EINVAL;
	r->size = size;
	r->mtime.tv_sec = (time_t)sec;
	r->mtime.tv_nsec = (long)nsec;
	r->when = (time_t)when;
	return 0;
}

/* Reads the record at PATH into BUF.  0, -ENOENT or -EINVAL. */
static int
read_record(const char *path, char *buf, struct failure_record *r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, RECORD_MAX - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	buf[n] = '\0';
	return failures_parse(buf, (size_t)n, r);
}

/*
 * Finds the slot of SRC: sets PATH to its record file and returns 1 if
 * the record exists, 0 if PATH is a free slot, -errno otherwise.
 */
static int
find_slot(struct failures *f, const char *src, char *path, char *buf,
	  struct failure_record *r)
{
	uint64_t h = hash_fnv1a64(RECORD_HASH_BASIS, src);
	char freeslot[PATH_MAX] = "";

	for (int i = 0; i < PROBES; i++) {
		int rc;

		if (snprintf(path, PATH_MAX, "%s/%016" PRIx64, f->dir,
			     h + i) >= PATH_MAX)
			return -ENAMETOOLONG;
		rc = read_record(path, buf, r);
		if (rc == 0 && strcmp(r->src, src) == 0)
			return 1;
		if (rc != 0 && *freeslot == '\0')
			snprintf(freeslot, sizeof(freeslot), "%s", path);
	}
	if (*freeslot == '\0')
		return -ENOSPC;
	snprintf(path, PATH_MAX, "%s", freeslot);
	return 0;
}

int
failures_record(struct failures *f, const char *src, const struct stat *st,
		const char *reason)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	char *buf = malloc(RECORD_MAX);
	struct failure_record old;
	bool exists;
	FILE *out;
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	if ((rc = find_slot(f, src, path, buf, &old)) < 0)
		goto out;
	exists = rc == 1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((out = fopen(tmp, "we")) == NULL) {
		rc = -errno;
		goto out;
	}
	fprintf(out, "size %lld\nmtime %lld.%09ld\ntime %lld\nreason ",
		(long long)st->st_size, (long long)st->st_mtim.tv_sec,
		st->st_mtim.tv_nsec, (long long)time(NULL));
	for (const char *p = reason; *p; p++)
		fputc(*p == '\n' ? ' ' : *p, out);
	fprintf(out, "\npath %s", src);
	rc = fclose(out) == 0 && rename(tmp, path) == 0 ? 0 : -errno;
	if (rc != 0)
		unlink(tmp);
	else if (!exists)
		f->nrecords++;
out:
	free(buf);
	return rc;
}

bool
failures_blocked(struct failures *f, const char *src, const struct stat *st,
		 char *reason, size_t reasonsz)
{
	char path[PATH_MAX];
	char *buf = malloc(RECORD_MAX);
	struct failure_record r;
	bool blocked = false;

	if (f->nrecords == 0 || buf == NULL) {
		free(buf);
		return false;
	}
	if (find_slot(f, src, path, buf, &r) == 1)
		blocked = r.size == st->st_size &&
			  r.mtime.tv_sec == st->st_mtim.tv_sec &&
			  r.mtime.tv_nsec == st->st_mtim.tv_nsec;
	if (blocked && reason)
		snprintf(reason, reasonsz, "%s", r.reason);
	free(buf);
	return blocked;
}

int
failures_forget(struct failures *f, const char *src)
{
	char path[PATH_MAX];
	char *buf = malloc(RECORD_MAX);
	struct failure_record r;
	int rc;

	if (f->nrecords == 0 || buf == NULL) {
		free(buf);
		return buf == NULL && f->nrecords ? -ENOMEM : -ENOENT;
	}
	rc = find_slot(f, src, path, buf, &r);
	free(buf);
	if (rc != 1)
		return rc < 0 ? rc : -ENOENT;
	if (unlink(path) != 0)
		return -errno;
	f->nrecords--;
	return 0;
}

long
failures_each(struct failures *f,
	      int (*cb)(const struct failure_record *r, void *data), void *data)
{
	DIR *d = opendir(f->dir);
	char *buf = malloc(RECORD_MAX);
	char path[PATH_MAX];
	struct dirent *de;
	long n = 0;

	if (d == NULL || buf == NULL) {
		if (d)
			closedir(d);
		free(buf);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct failure_record r;

		if (de->d_name[0] == '.' || strlen(de->d_name) != 16)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", f->dir,
			     de->d_name) >= (int)sizeof(path) ||
		    read_record(path, buf, &r) != 0)
			continue;
		n++;
		if (cb(&r, data) != 0)
			break;
	}
	closedir(d);
	free(buf);
	return n;
}
