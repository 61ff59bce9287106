/*
 * hash.h - the one string hash thumper uses: 64-bit FNV-1a, for the
 * daemon's hash tables (queue, feed), the names of failure records and
 * the shard rule (shard.h).  Its values are part of what lands on disk
 * (failure records' names) and of the shard rule, so it never changes.
 */
#ifndef THUMPER_HASH_H
#define THUMPER_HASH_H

#include <stdint.h>

#define HASH_FNV1A64_BASIS 0xcbf29ce484222325ULL

/* FNV-1a-64 of the bytes of S before its NUL, starting from H (the
 * basis, or a basis mixed with what else the key holds). */
static inline uint64_t
hash_fnv1a64(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

#endif
