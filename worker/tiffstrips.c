/*
 * tiffstrips.c - the TIFF fast path's bands decoded on a few threads (see
 * tiffstrips.h).
 *
 * The decoding threads claim bands from one counter, so a thread that
 * shares its core with another process holds up only the bands it has
 * claimed.  One mutex and one condition variable guard the counters: a
 * band is megabytes of pixels, so a handful of broadcasts per band cost
 * nothing.  Whatever cannot be set up (a buffer, a handle, a thread)
 * means fewer threads, down to the serial decode, never a failed image.
 */
#include <config.h>

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "worker/tiffstrips.h"

/* More threads than this barely help: fastout's reduce, on the calling
 * thread, then takes as long as the decode. */
#define MAX_THREADS 4

/* Smaller images are decoded serially: a handle and a thread each cost
 * more than they would save there.  So are uncompressed ones: reading
 * them is a copy, which a thread does no faster, and handing the bands
 * from core to core took 20% more CPU time for no shorter wall time. */
#define SMALL_PIXELS ((uint64_t)2 << 20)
#define MIN_BANDS 4

/* The band buffers in flight take at most this much, or two bands. */
#define BUFS_BUDGET ((size_t)64 << 20)

/* A decoding thread runs libtiff's codecs, whose state is on the heap;
 * the worker lives under RLIMIT_AS, where 8 MiB default stacks add up. */
#define STACK_SIZE ((size_t)256 << 10)

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct tifflayout *l;
	uint8_t **bufs;		/* band K is decoded into bufs[K % nbufs] */
	uint32_t *ready;	/* per buffer: the band in it plus 1, 0: none */
	unsigned nbufs;
	uint32_t next;		/* the next band to claim */
	uint32_t consumed;	/* bands the calling thread is done with */
	int stop;		/* a decode failed, or the calling thread is done */
};

struct decoder {
	struct pool *p;
	struct tiffdec dec;
	pthread_t tid;
};

/*
 * The CPUs this process may run on, at most MAX_THREADS.  The pool runs
 * one worker per core, so while every worker is busy the extra threads
 * only share the worker's own core with each other: the decode takes the
 * same CPU time, no loss.  When fewer images remain than workers (the
 * last big image of a batch, or thumperd's one new file), a worker's
 * threads run on the cores that would otherwise idle.
 */
unsigned
tiffstrips_threads(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void
push_band(struct fastout *fo, const struct tifflayout *l, uint32_t k,
	  const uint8_t *band)
{
	uint32_t rows = tifflayout_rows(l, k);

	for (uint32_t r = 0; r < rows; r++)
		fastout_push(fo, band + (size_t)r * l->line);
}

static int
serial(struct tiffdec *d, const struct tifflayout *l, struct fastout *fo)
{
	uint8_t *band = malloc(tifflayout_band_size(l));
	int rc = band != NULL && tiffdec_ready(d, l) == 0 ? 0 : -1;

	for (uint32_t k = 0; k < l->count && rc == 0; k++) {
		rc = tiffdec_band(d, l, k, band);
		if (rc == 0)
			push_band(fo, l, k, band);
	}
	free(band);
	return rc;
}

static void *
decode_loop(void *arg)
{
	struct decoder *w = arg;
	struct pool *p = w->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		uint32_t k;
		int rc;

		while (!p->stop && p->next < p->l->count &&
		       p->next >= p->consumed + p->nbufs)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->next >= p->l->count)
			break;
		k = p->next++;
		pthread_mutex_unlock(&p->mu);
		rc = tiffdec_band(&w->dec, p->l, k, p->bufs[k % p->nbufs]);
		pthread_mutex_lock(&p->mu);
		if (rc != 0)
			p->stop = 1;
		else
			p->ready[k % p->nbufs] = k + 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The calling thread's part: every band in order into FO. */
static int
consume(struct pool *p, struct fastout *fo)
{
	for (uint32_t k = 0; k < p->l->count; k++) {
		unsigned i = k % p->nbufs;
		int stop;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->ready[i] != k + 1)
			pthread_cond_wait(&p->cv, &p->mu);
		stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			return -1;
		push_band(fo, p->l, k, p->bufs[i]);
		pthread_mutex_lock(&p->mu);
		p->consumed = k + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return 0;
}

static void
pool_free(struct pool *p)
{
	for (unsigned i = 0; p->bufs != NULL && i < p->nbufs; i++)
		free(p->bufs[i]);
	free(p->bufs);
	free(p->ready);
}

/* Two buffers per thread, within BUFS_BUDGET.  Returns 0 or -1. */
static int
pool_init(struct pool *p, const struct tifflayout *l, unsigned threads)
{
	size_t size = tifflayout_band_size(l), fit = BUFS_BUDGET / size;

	p->l = l;
	p->nbufs = fit < 2 ? 2 : fit < 2 * threads ? (unsigned)fit : 2 * threads;
	p->bufs = calloc(p->nbufs, sizeof(*p->bufs));
	p->ready = calloc(p->nbufs, sizeof(*p->ready));
	if (p->bufs == NULL || p->ready == NULL)
		return -1;
	for (unsigned i = 0; i < p->nbufs; i++)
		if ((p->bufs[i] = malloc(size)) == NULL)
			return -1;
	return 0;
}

/*
 * Opens and starts up to N decoders in W; returns how many run.  The
 * handles are opened here, on the calling thread, like every buffer, so
 * that the threads allocate little of their own.
 */
static unsigned
start(struct decoder *w, unsigned n, struct pool *p, const struct tiffdec *d)
{
	pthread_attr_t attr;
	unsigned started = 0;

	if (pthread_attr_init(&attr) != 0)
		return 0;
	if (pthread_attr_setstacksize(&attr, STACK_SIZE) == 0) {
		for (; started < n; started++) {
			w[started].p = p;
			if (tiffdec_open(&w[started].dec, d->src.fd,
					 d->src.size) != 0)
				break;
			if (tiffdec_ready(&w[started].dec, p->l) != 0 ||
			    pthread_create(&w[started].tid, &attr, decode_loop,
					   &w[started]) != 0) {
				tiffdec_close(&w[started].dec);
				break;
			}
		}
	}
	pthread_attr_destroy(&attr);
	return started;
}

/* The threaded decode; returns 0, -1, or 1 when no thread could start. */
static int
threaded(struct tiffdec *d, const struct tifflayout *l, unsigned threads,
	 struct fastout *fo)
{
	struct pool p = { .stop = 0 };
	struct decoder *w = NULL;
	unsigned started = 0;
	int rc = 1;

	if (pool_init(&p, l, threads) == 0 &&
	    (w = calloc(threads, sizeof(*w))) != NULL &&
	    pthread_mutex_init(&p.mu, NULL) == 0) {
		if (pthread_cond_init(&p.cv, NULL) == 0) {
			started = start(w, threads < p.nbufs ? threads : p.nbufs,
					&p, d);
			if (started > 0)
				rc = consume(&p, fo);
			pthread_mutex_lock(&p.mu);
			p.stop = 1;
			pthread_cond_broadcast(&p.cv);
			pthread_mutex_unlock(&p.mu);
			for (unsigned i = 0; i < started; i++) {
				pthread_join(w[i].tid, NULL);
				tiffdec_close(&w[i].dec);
			}
			pthread_cond_destroy(&p.cv);
		}
		pthread_mutex_destroy(&p.mu);
	}
	free(w);
	pool_free(&p);
	return rc;
}

int
tiffstrips_push(struct tiffdec *d, const struct tifflayout *l,
		unsigned threads, struct fastout *fo)
{
	int rc;

	if (threads > 1 && !l->uncompressed && l->count >= MIN_BANDS &&
	    (uint64_t)l->width * l->height >= SMALL_PIXELS &&
	    (rc = threaded(d, l, threads, fo)) != 1)
		return rc;
	return serial(d, l, fo);
}
