/*
 * failures.h - thumperd's record of sources that cannot be thumbnailed.
 *
 * One small file per failed source under STATE_DIR/failed, named by a hash
 * of the source's path and holding its size, mtime, the time and reason
 * of the failure and the path itself.  A recorded source is not retried
 * until its size or mtime changes, or the record is forgotten (thumperctl
 * retry).  Only the source's own faults are recorded here.
 */
#ifndef THUMPER_FAILURES_H
#define THUMPER_FAILURES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

struct failures;

struct failure_record {
	const char *src;	/* absolute path */
	const char *reason;
	int64_t size;
	struct timespec mtime;
	time_t when;
};

/*
 * Opens (creating) STATE_DIR/failed.  Returns 0 and sets *out, or -errno.
 */
int failures_open(const char *state_dir, struct failures **out);
void failures_close(struct failures *f);

/* Records SRC (whose state is ST) as failed for REASON.  0 or -errno. */
int failures_record(struct failures *f, const char *src, const struct stat *st,
		    const char *reason);

/*
 * True when SRC is recorded with exactly ST's size and mtime; the
 * record's reason then goes to REASON[0..reasonsz) unless it is NULL.
 */
bool failures_blocked(struct failures *f, const char *src,
		      const struct stat *st, char *reason, size_t reasonsz);

/* Forgets SRC's record.  Returns 0, or -ENOENT if there was none. */
int failures_forget(struct failures *f, const char *src);

/*
 * Calls CB for every record (in no particular order) until it returns
 * non-zero.  Returns the number of records visited.
 */
long failures_each(struct failures *f,
		   int (*cb)(const struct failure_record *r, void *data),
		   void *data);

/*
 * Parses the text of one record file, BUF[0..LEN) with BUF[LEN] == '\0',
 * into R, whose strings then point into BUF (which it changes).  Returns
 * 0, or -EINVAL when the text is not a record.  The functions above read
 * records with it; it is public for the unit tests and the fuzz target.
 */
int failures_parse(char *buf, size_t len, struct failure_record *r);

#endif
