/*
 * judge.h - whether a wait for a source is settled (design.md §7): by the
 * running config and what is on disk, at once when it arrives, and again
 * when what it depends on may have changed without a record (a reload, a
 * folder renamed with its thumbnails).
 */
#ifndef THUMPER_JUDGE_H
#define THUMPER_JUDGE_H

#include <stddef.h>

struct daemon;

/* The answer to a wait for PATH that will never be done, for WHY: a
 * line to free, or NULL without memory. */
char *judge_refusal(const char *path, const char *why, size_t *len);

/*
 * The answer that settles a wait for PATH now (a refusal, a failed or a
 * done record: a line to free, its length in *LEN), or NULL to wait on,
 * with the source's path in *SRC (valid until the next call; NULL when
 * out of memory).
 */
char *judge_wait(struct daemon *d, const char *path, size_t *len,
		 const char **src);

/*
 * Judges again the open waits for source SRC, when something settled it
 * without a record of its own (its thumbnails renamed along with it, or
 * found fresh or failed when its turn came), answering them if so.
 */
void judge_again(struct daemon *d, const char *src);

/*
 * Judges again the open waits for sources under folder UNDER (every one:
 * NULL), answering those that are settled or refused by now.
 */
void judge_recheck(struct daemon *d, const char *under);

#endif
