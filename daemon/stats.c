/*
 * stats.c - thumperd's counters (see stats.h).
 *
 * The rate is a ring of per-second counts that is moved forward only
 * when a source is counted; a reader skips the seconds the ring has not
 * reached yet instead of clearing them, so reading changes nothing.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "daemon/stats.h"

/* Upper bounds of the latency histogram, in seconds (design.md §9 scale). */
const double stats_latency_bounds_s[STATS_LATENCY_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

void
stats_init(struct stats *st, uint64_t now_ms)
{
	memset(st, 0, sizeof(*st));
	st->started_ms = now_ms;
}

/* Moves the rate ring forward to second SEC, clearing what it passes. */
static void
rate_advance(struct stats *st, uint64_t sec)
{
	if (sec <= st->rate_sec)
		return;
	if (sec - st->rate_sec >= STATS_RATE_SECONDS)
		memset(st->rate, 0, sizeof(st->rate));
	else
		for (uint64_t s = st->rate_sec + 1; s <= sec; s++)
			st->rate[s % STATS_RATE_SECONDS] = 0;
	st->rate_sec = sec;
}

void
stats_done(struct stats *st, uint64_t bytes, uint64_t now_ms)
{
	st->done++;
	st->source_bytes += bytes;
	rate_advance(st, now_ms / 1000);
	st->rate[st->rate_sec % STATS_RATE_SECONDS]++;
}

void
stats_latency(struct stats *st, uint64_t ms)
{
	double s = (double)ms / 1000.0;

	st->latency_ms[st->latency_next] = ms > UINT32_MAX ? UINT32_MAX
							   : (uint32_t)ms;
	st->latency_next = (st->latency_next + 1) % STATS_LATENCY_SAMPLES;
	if (st->nlatency < STATS_LATENCY_SAMPLES)
		st->nlatency++;
	for (int i = 0; i < STATS_LATENCY_BUCKETS; i++)
		if (s <= stats_latency_bounds_s[i])
			st->latency_hist[i]++;
	st->latency_count++;
	st->latency_sum_s += s;
}

void
stats_failed(struct stats *st)
{
	st->failed++;
}

void
stats_skipped(struct stats *st)
{
	st->skipped++;
}

double
stats_rate_1m(const struct stats *st, uint64_t now_ms)
{
	uint64_t sec = now_ms / 1000, sum = 0;

	if (sec > st->rate_sec && sec - st->rate_sec >= STATS_RATE_SECONDS)
		return 0;
	for (int i = 0; i < STATS_RATE_SECONDS; i++)
		sum += st->rate[i];
	/* seconds past rate_sec still hold counts from a minute before */
	for (uint64_t s = st->rate_sec + 1; s <= sec; s++)
		sum -= st->rate[s % STATS_RATE_SECONDS];
	return (double)sum / STATS_RATE_SECONDS;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
stats_percentiles(const struct stats *st, uint32_t *p50, uint32_t *p99)
{
	uint32_t s[STATS_LATENCY_SAMPLES];

	*p50 = *p99 = 0;
	if (st->nlatency == 0)
		return;
	memcpy(s, st->latency_ms, st->nlatency * sizeof(*s));
	qsort(s, st->nlatency, sizeof(*s), cmp_u32);
	*p50 = s[(st->nlatency - 1) / 2];
	*p99 = s[(st->nlatency - 1) * 99 / 100];
}
