/*
 * lzw.c - TIFF's LZW decoder for one strip or tile (see lzw.h).
 *
 * Every string of the table is an earlier string plus one byte, and both
 * are in the output already, the whole unit being one buffer: the table
 * holds where each string first appeared and its length, and a code is
 * expanded by copying those bytes forward, 8 at a time, rather than by
 * walking a chain of prefixes backwards a byte at a time as libtiff
 * does.  The entry a code adds is the previous code's string and the
 * first byte of this one, which follows it in the output: (where the
 * previous string starts, its length + 1).  So the entry is in place
 * before this code is expanded, and the code naming the entry it adds
 * (KwKwK) is an overlapping copy like any other.  Codes are read from a
 * 64-bit buffer refilled with one big-endian load.
 */
#include <config.h>

#include <endian.h>
#include <string.h>

#include "worker/lzw.h"

enum {
	CLEAR = 256,
	EOI = 257,
	FIRST = 258,		/* the first string code after a Clear */
	MIN_BITS = 9,
	MAX_BITS = 12,
	TABLE = 1 << MAX_BITS,
};

/* The code stream: the next bits, most significant first, in buf. */
struct bits {
	const uint8_t *src;
	size_t n, pos;		/* bytes of src, and the next one to load */
	uint64_t buf;		/* the stream from the next bit on */
	unsigned have;		/* bits of buf that are the stream's */
};

/*
 * Tops B up to at least 56 bits, or to the end of the data.  The 8-byte
 * load puts the stream in all of buf, more than `have` counts: the next
 * load ORs the same bits again, so they need not be masked off.
 */
static inline void
refill(struct bits *b)
{
	if (b->n - b->pos >= 8) {
		uint64_t w;

		memcpy(&w, b->src + b->pos, 8);
		b->buf |= be64toh(w) >> b->have;
		b->pos += (63 - b->have) >> 3;
		b->have |= 56;
		return;
	}
	while (b->have <= 56 && b->pos < b->n) {
		b->buf |= (uint64_t)b->src[b->pos++] << (56 - b->have);
		b->have += 8;
	}
}

/*
 * Copies LEN bytes at OUT + FROM to OUT + AT, forward, so that an
 * overlapping source repeats (KwKwK).  8 bytes a step when the source is
 * at least that far behind and the unit has room for the overshoot,
 * which later strings write over.
 */
static inline void
copy_string(uint8_t *out, size_t at, size_t from, size_t len, size_t want)
{
	uint8_t *d = out + at;
	const uint8_t *s = out + from;

	if (at - from >= 8 && want - at - len >= 8) {
		size_t i = 0;

		do {
			memcpy(d + i, s + i, 8);
			i += 8;
		} while (i < len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

/* Where the decode is: the previous string, 0 long just after a Clear. */
struct state {
	size_t at;		/* output bytes so far */
	size_t prev_at;
	uint32_t prev_len;
	unsigned next;		/* the code the next string gets */
	unsigned width;		/* bits of the next code */
};

/*
 * Expands CODE, not Clear or EOI, at S->at.  Returns 0, or -1 for a code
 * past the table or output past the unit.
 */
static inline int
expand(struct lzw *z, struct state *s, unsigned code, uint8_t *out,
       size_t want)
{
	uint32_t len;

	if (s->prev_len == 0) {		/* just after a Clear: a byte */
		if (code >= CLEAR || s->at == want)
			return -1;
		out[s->at] = (uint8_t)code;
		s->prev_at = s->at++;
		s->prev_len = 1;
		return 0;
	}
	if (code > s->next || s->next >= TABLE)
		return -1;
	z->s[s->next].at = (uint32_t)s->prev_at;
	z->s[s->next].len = s->prev_len + 1;
	/* one code early, as TIFF 6.0 has it */
	if (++s->next == (1u << s->width) - 1 && s->width < MAX_BITS)
		s->width++;
	if (code < CLEAR) {
		if (s->at == want)
			return -1;
		out[s->at] = (uint8_t)code;
		len = 1;
	} else {
		len = z->s[code].len;
		if (len > want - s->at)
			return -1;
		copy_string(out, s->at, z->s[code].at, len, want);
	}
	s->prev_at = s->at;
	s->prev_len = len;
	s->at += len;
	return 0;
}

int
lzw_decode(struct lzw *z, const uint8_t *src, size_t n, uint8_t *out,
	   size_t want)
{
	struct bits b = { src, n, 0, 0, 0 };
	struct state s = { 0, 0, 0, FIRST, MIN_BITS };
	int cleared = 0;

	/* offsets into the unit are 32 bits; 0x00 0x01..: the old LZW */
	if (want > UINT32_MAX || (n >= 2 && src[0] == 0 && (src[1] & 1)))
		return -1;
	for (;;) {
		unsigned code;

		if (b.have < s.width) {
			refill(&b);
			if (b.have < s.width)
				return -1;	/* the data ends before EOI */
		}
		code = (unsigned)(b.buf >> (64 - s.width));
		b.buf <<= s.width;
		b.have -= s.width;
		if (code == EOI)
			return cleared && s.at == want ? 0 : -1;
		if (code == CLEAR) {
			/* libtiff never writes two in a row; readers differ */
			if (cleared && s.prev_len == 0)
				return -1;
			cleared = 1;
			s.next = FIRST;
			s.width = MIN_BITS;
			s.prev_len = 0;
		} else if (!cleared || expand(z, &s, code, out, want) != 0) {
			return -1;
		}
	}
}
