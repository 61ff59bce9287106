/*
 * utf8.c - UTF-8 validation (see utf8.h), as RFC 3629 defines it: the
 * lead byte gives the length and the payload bits, each continuation
 * byte is 10xxxxxx, and the code point must need that length (no
 * overlong forms) and be a scalar value (no surrogates, at most U+10FFFF).
 */
#include <config.h>

#include <stdint.h>

#include "lib/utf8.h"

size_t
utf8_len(const char *str, size_t avail)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;
	uint32_t cp;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= avail || (s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}
