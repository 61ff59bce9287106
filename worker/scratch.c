/*
 * scratch.c - large decode buffers kept from one image to the next (see
 * scratch.h).
 *
 * Each slot's buffer is mapped by itself, so that keeping it does not
 * pin the heap around it, and trimming returns its tail to the kernel.
 * Its start is aligned to a huge page and it is advised as huge pages
 * (MADV_HUGEPAGE; Debian's kernels give them only when asked): a
 * buffer is written whole as soon as it is taken, so a 2 MiB page costs
 * one fault where 4 KiB pages cost 512.  On the bench's 16 PNGs in one
 * process that took the faults from 131,900 to 18,400 and the time from
 * 2.6-3.4 s to 1.5-1.9 s (tests/bench/README.md "Worker memory").
 */
#include <config.h>

#include <stdint.h>
#include <sys/mman.h>

#include "worker/scratch.h"

#define HUGE_PAGE ((size_t)2 << 20)

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

/*
 * LEN bytes, a whole number of huge pages, starting on a huge page
 * boundary: mapped a huge page longer, then the ends cut off.  NULL when
 * out of memory.
 */
static void *
map_huge(size_t len)
{
	size_t head, tail;
	uint8_t *p;

	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_PAGE - (uintptr_t)p % HUGE_PAGE) % HUGE_PAGE;
	tail = HUGE_PAGE - head;
	if (head > 0)
		munmap(p, head);
	munmap(p + head + len, tail);
	p += head;
	/* advice only: without it the pages are 4 KiB, nothing else */
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

/*
 * A buffer grows into a new mapping that takes the old one's pages
 * (mremap() moves them, page tables and all, no copy: both ends are on
 * huge pages), so only the part it grows by is faulted in afresh.
 */
void *
scratch_get(enum scratch_slot s, size_t len)
{
	uint8_t *p;

	if (len == 0)
		len = 1;
	if (slots[s].cap >= len)
		return slots[s].p;
	if (len > SIZE_MAX - 2 * HUGE_PAGE)
		return NULL;
	len = (len + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	if ((p = map_huge(len)) == NULL) {
		drop(s);
		return NULL;
	}
	if (slots[s].p == NULL ||
	    mremap(slots[s].p, slots[s].cap, slots[s].cap,
		   MREMAP_MAYMOVE | MREMAP_FIXED, p) == MAP_FAILED)
		drop(s);
	slots[s].p = p;
	slots[s].cap = len;
	return p;
}

/*
 * Shrinks the largest buffers, keeping their first pages, until the
 * slots hold SCRATCH_KEEP or less: what stays is what the next image
 * would fault in first.
 */
void
scratch_trim(void)
{
	for (;;) {
		size_t held = 0, over;
		int big = 0;

		for (int s = 0; s < SCRATCH_SLOTS; s++) {
			held += slots[s].cap;
			if (slots[s].cap > slots[big].cap)
				big = s;
		}
		if (held <= SCRATCH_KEEP)
			return;
		over = (held - SCRATCH_KEEP + HUGE_PAGE - 1) / HUGE_PAGE *
		       HUGE_PAGE;
		if (over >= slots[big].cap) {
			drop((enum scratch_slot)big);
			continue;
		}
		munmap((uint8_t *)slots[big].p + slots[big].cap - over, over);
		slots[big].cap -= over;
	}
}
