/*
 * scratch.c - large decode buffers kept from one image to the next (see
 * scratch.h).
 *
 * Each slot's buffer is mapped by itself, so that keeping it does not
 * pin the heap around it, and trimming returns it whole.
 */
#include <config.h>

#include <sys/mman.h>

#include "worker/scratch.h"

static struct {
	void *p;
	size_t cap;
} slots[SCRATCH_SLOTS];

static void
drop(enum scratch_slot s)
{
	if (slots[s].p != NULL)
		munmap(slots[s].p, slots[s].cap);
	slots[s].p = NULL;
	slots[s].cap = 0;
}

void *
scratch_get(enum scratch_slot s, size_t len)
{
	void *p;

	if (len == 0)
		len = 1;
	if (slots[s].cap >= len)
		return slots[s].p;
	drop(s);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	slots[s].p = p;
	slots[s].cap = len;
	return p;
}

void
scratch_trim(void)
{
	for (;;) {
		size_t held = 0;
		int big = 0;

		for (int s = 0; s < SCRATCH_SLOTS; s++) {
			held += slots[s].cap;
			if (slots[s].cap > slots[big].cap)
				big = s;
		}
		if (held <= SCRATCH_KEEP)
			return;
		drop(big);
	}
}
