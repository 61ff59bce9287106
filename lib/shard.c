/*
 * shard.c - splitting one tree among N copies (see shard.h).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/shard.h"

static uint64_t
fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint32_t
shard_of(const char *rel, uint32_t n)
{
	return (uint32_t)(fmix64(hash_fnv1a64(HASH_FNV1A64_BASIS, rel)) % n) + 1;
}

bool
shard_owns(const struct shard *s, const char *rel)
{
	return s->n == 0 || shard_of(rel, s->n) == s->k;
}

/*
 * Slurm array task ids go up to MaxArraySize - 1 (at most 4,000,000), far
 * past SHARD_MAX; only N is held to SHARD_MAX.
 */
#define ID_MAX 0x7fffffffUL

/* A plain decimal number 0..MAX, all of STR.  0 or -1. */
static int
number(const char *str, unsigned long max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (str == NULL || *str < '0' || *str > '9')
		return -1;
	errno = 0;
	v = strtoul(str, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
shard_parse(const char *str, struct shard *out, char *err, size_t errsz)
{
	char k[16], *slash;
	uint32_t kv, nv;

	slash = strchr(str, '/');
	if (slash == NULL || (size_t)(slash - str) >= sizeof(k)) {
		snprintf(err, errsz, "'%s' is not K/N (for example 2/16)", str);
		return -EINVAL;
	}
	memcpy(k, str, (size_t)(slash - str));
	k[slash - str] = '\0';
	if (number(k, UINT32_MAX, &kv) != 0 ||
	    number(slash + 1, UINT32_MAX, &nv) != 0) {
		snprintf(err, errsz, "'%s' is not K/N (for example 2/16)", str);
		return -EINVAL;
	}
	if (nv < 1 || nv > SHARD_MAX || kv < 1 || kv > nv) {
		snprintf(err, errsz, "'%s': K must be 1 to N and N 1 to %d",
			 str, SHARD_MAX);
		return -EINVAL;
	}
	out->k = kv;
	out->n = nv;
	return 0;
}

/*
 * Variable NAME as a number up to MAX; its text (or "(unset)") in SEEN,
 * whatever it holds.  0 or -1.
 */
static int
env_number(const char *name, unsigned long max, uint32_t *out, char *seen,
	   size_t seensz)
{
	const char *v = getenv(name);

	snprintf(seen, seensz, "%s=%s", name, v ? v : "(unset)");
	return number(v, max, out);
}

static int
from_slurm(struct shard *out, char *err, size_t errsz)
{
	char id_s[64], min_s[64], count_s[64], max_s[64];
	const char *step = getenv("SLURM_ARRAY_TASK_STEP");
	uint32_t id, min, count, max;
	int bad;

	/* each one read, so that the message can show what was found */
	bad = env_number("SLURM_ARRAY_TASK_ID", ID_MAX, &id, id_s,
			 sizeof(id_s));
	bad |= env_number("SLURM_ARRAY_TASK_MIN", ID_MAX, &min, min_s,
			  sizeof(min_s));
	bad |= env_number("SLURM_ARRAY_TASK_COUNT", SHARD_MAX, &count,
			  count_s, sizeof(count_s));
	if (env_number("SLURM_ARRAY_TASK_MAX", ID_MAX, &max, max_s,
		       sizeof(max_s)) != 0 && !bad)
		max = min + count - 1;	/* unset: nothing to check */
	/*
	 * The step before the task's place in the range: task 14 of
	 * --array=0-15:2 is outside MIN + COUNT only because of its step.
	 */
	if (!bad && count >= 1 && ((step != NULL && strcmp(step, "1") != 0) ||
				   max < min || max - min + 1 != count)) {
		snprintf(err, errsz, "the Slurm job array must be one range "
			 "with step 1 (like --array=0-15); found "
			 "SLURM_ARRAY_TASK_STEP=%s, %s, %s, %s",
			 step ? step : "(unset)", min_s, max_s, count_s);
		return -EINVAL;
	}
	if (bad || count < 1 || id < min || id - min >= count) {
		snprintf(err, errsz, "a Slurm job array needs "
			 "SLURM_ARRAY_TASK_ID, _MIN and _COUNT with MIN <= ID "
			 "< MIN + COUNT and COUNT 1 to %d; found %s, %s, %s",
			 SHARD_MAX, id_s, min_s, count_s);
		return -EINVAL;
	}
	out->k = id - min + 1;
	out->n = count;
	return 0;
}

static int
from_kubernetes(struct shard *out, char *err, size_t errsz)
{
	char index_s[64], count_s[64];
	uint32_t index, count;
	int bad;

	bad = env_number("JOB_COMPLETION_INDEX", ID_MAX, &index, index_s,
			 sizeof(index_s));
	bad |= env_number("THUMPER_SHARD_COUNT", SHARD_MAX, &count, count_s,
			  sizeof(count_s));
	if (bad || count < 1 || index >= count) {
		snprintf(err, errsz, "a Kubernetes Indexed Job needs "
			 "JOB_COMPLETION_INDEX below THUMPER_SHARD_COUNT (1 to "
			 "%d: set it to the Job's completions); found %s, %s",
			 SHARD_MAX, index_s, count_s);
		return -EINVAL;
	}
	out->k = index + 1;
	out->n = count;
	return 0;
}

int
shard_from_env(struct shard *out, char *err, size_t errsz)
{
	if (getenv("SLURM_ARRAY_TASK_ID") != NULL)
		return from_slurm(out, err, errsz);
	if (getenv("JOB_COMPLETION_INDEX") != NULL)
		return from_kubernetes(out, err, errsz);
	snprintf(err, errsz, "neither SLURM_ARRAY_TASK_ID (a Slurm job "
		 "array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) "
		 "is set");
	return -EINVAL;
}

const char *
shard_str(const struct shard *s, char *buf)
{
	if (s->n == 0)
		buf[0] = '\0';
	else
		snprintf(buf, SHARD_STRMAX, "%u/%u", s->k, s->n);
	return buf;
}
