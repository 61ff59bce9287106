/*
 * shard.h - which files are this copy's when N copies share one tree.
 *
 * When a scheduler starts N copies of thumper over one source tree (a
 * Slurm job array, a Kubernetes Indexed Job), or N daemons serve one
 * tree, each takes the files whose path relative to the source root
 * hashes to its own number; nothing is coordinated.  The hash is fixed
 * and documented (design.md §10), because shards of one run may be
 * different builds on different machines:
 *
 *   shard(P) = fmix64(FNV-1a-64(P)) mod N, plus 1
 *
 * over the bytes of P, the path relative to the root with '/' between
 * components and no leading "./" or '/'.  FNV-1a is the 64-bit one
 * (offset basis 0xcbf29ce484222325, prime 0x100000001b3); fmix64 is
 * MurmurHash3's finaliser, which spreads FNV's low bits before "mod N".
 * It depends on nothing but the path: adding files moves no other file
 * to another shard.
 */
#ifndef THUMPER_SHARD_H
#define THUMPER_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHARD_MAX 65536		/* the most shards a run is split into */
#define SHARD_STRMAX 24		/* "65536/65536" and its NUL, with room */

struct shard {
	uint32_t k;		/* 1..n */
	uint32_t n;		/* 0: not sharded (every file is ours) */
};

/* The shard (1..N) path REL falls in. */
uint32_t shard_of(const char *rel, uint32_t n);

/* Whether REL is S's: always when S is unsharded. */
bool shard_owns(const struct shard *s, const char *rel);

/*
 * Parses "K/N" (decimal, 1 <= K <= N <= SHARD_MAX).  Returns 0, or
 * -EINVAL with ERR saying what is wrong with the value.
 */
int shard_parse(const char *str, struct shard *out, char *err, size_t errsz);

/*
 * Reads K and N from the scheduler's environment: a Slurm job array
 * (K - 1 = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, N =
 * SLURM_ARRAY_TASK_COUNT, a contiguous range with step 1) or a
 * Kubernetes Indexed Job (K - 1 = JOB_COMPLETION_INDEX, N =
 * THUMPER_SHARD_COUNT).  Returns 0, or -EINVAL with ERR naming the
 * variables looked for and what was found.
 */
int shard_from_env(struct shard *out, char *err, size_t errsz);

/* "K/N", or "" when unsharded, into BUF (SHARD_STRMAX bytes). */
const char *shard_str(const struct shard *s, char *buf);

#endif
