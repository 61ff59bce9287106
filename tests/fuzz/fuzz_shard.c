/*
 * fuzz_shard.c - the --shard value and the scheduler's variables
 * (lib/shard.c) on arbitrary bytes.  The first byte picks the parser:
 * even, shard_parse() on the rest as a string; odd, the rest split at
 * newlines into the values of SLURM_ARRAY_TASK_ID, _MIN, _MAX, _COUNT,
 * _STEP, JOB_COMPLETION_INDEX and THUMPER_SHARD_COUNT (an empty value
 * unsets it) for shard_from_env().  Besides memory errors it checks what
 * they promise: a taken shard has 1 <= K <= N <= SHARD_MAX, prints as
 * "K/N" that parses back to itself, and owns exactly the paths hashed
 * to it (the input itself is one); a refusal leaves the shard alone and
 * says why.
 * fuzz-sources: lib/shard.c
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vars[] = {
	"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
	"SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_STEP",
	"JOB_COMPLETION_INDEX", "THUMPER_SHARD_COUNT",
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))

/* Sets the variables from the newline-separated values in TEXT. */
static void
set_env(char *text)
{
	char *next = text;

	for (size_t i = 0; i < NVARS; i++) {
		char *v = next, *nl;

		if (v != NULL && (nl = strchr(v, '\n')) != NULL) {
			*nl = '\0';
			next = nl + 1;
		} else {
			next = NULL;
		}
		if (v != NULL && *v != '\0')
			setenv(vars[i], v, 1);
		else
			unsetenv(vars[i]);
	}
}

/* What RC, S and ERR promise; TEXT doubles as a path to hash. */
static void
check(int rc, const struct shard *s, const char *err, const char *text)
{
	char str[SHARD_STRMAX], back_err[256];
	struct shard back = { 0, 0 };
	uint32_t k;

	if (rc != 0) {
		if (s->k != 0 || s->n != 0 || err[0] == '\0')
			abort();
		return;
	}
	if (s->k < 1 || s->k > s->n || s->n > SHARD_MAX)
		abort();
	if (shard_parse(shard_str(s, str), &back, back_err,
			sizeof(back_err)) != 0 ||
	    back.k != s->k || back.n != s->n)
		abort();
	k = shard_of(text, s->n);
	if (k < 1 || k > s->n || shard_owns(s, text) != (k == s->k))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shard s = { 0, 0 };
	char err[512] = "";
	char *text;
	int rc;

	if (size < 1 || (text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] % 2 == 0) {
		rc = shard_parse(text, &s, err, sizeof(err));
	} else {
		set_env(text);
		rc = shard_from_env(&s, err, sizeof(err));
	}
	check(rc, &s, err, text);
	free(text);
	return 0;
}
