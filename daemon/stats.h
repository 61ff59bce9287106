/*
 * stats.h - thumperd's counters: totals, upload-to-thumbnail latency and
 * the rate over the last minute (thumperctl status, metrics).
 *
 * The fields are written only by the functions below (dispatch.c calls
 * them as jobs end); anyone may read them through a const pointer.
 */
#ifndef THUMPER_STATS_H
#define THUMPER_STATS_H

#include <stdint.h>

#define STATS_LATENCY_SAMPLES 1024
#define STATS_LATENCY_BUCKETS 12	/* bounds: stats_latency_bounds_s */
#define STATS_RATE_SECONDS 60

struct stats {
	uint64_t started_ms;
	unsigned long done, failed, skipped;
	uint64_t source_bytes;
	/* the most recent latencies, a ring, for the percentiles */
	uint32_t latency_ms[STATS_LATENCY_SAMPLES];
	unsigned nlatency, latency_next;
	/* every latency, as a cumulative histogram, for metrics */
	uint64_t latency_hist[STATS_LATENCY_BUCKETS];
	uint64_t latency_count;
	double latency_sum_s;
	/* done per second, a ring ending at second rate_sec */
	uint32_t rate[STATS_RATE_SECONDS];
	uint64_t rate_sec;
};

/* Upper bounds of the latency histogram's buckets, in seconds. */
extern const double stats_latency_bounds_s[STATS_LATENCY_BUCKETS];

/* Zeroes ST; the daemon started at NOW_MS. */
void stats_init(struct stats *st, uint64_t now_ms);

/* A source of BYTES thumbnailed at NOW_MS. */
void stats_done(struct stats *st, uint64_t bytes, uint64_t now_ms);
/* A live source took MS from its event to its thumbnails. */
void stats_latency(struct stats *st, uint64_t ms);
void stats_failed(struct stats *st);
void stats_skipped(struct stats *st);

/* Sources done per second over the minute up to NOW_MS. */
double stats_rate_1m(const struct stats *st, uint64_t now_ms);

/* The median and 99th percentile of the recent latencies (0 if none). */
void stats_percentiles(const struct stats *st, uint32_t *p50, uint32_t *p99);

#endif
