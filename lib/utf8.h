/*
 * utf8.h - the one UTF-8 validator: what the terminal and JSON escapers
 * (escape.c) copy as text and what thumperctl's JSON reader accepts.
 */
#ifndef THUMPER_UTF8_H
#define THUMPER_UTF8_H

#include <stddef.h>

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence that starts at S
 * and fits in its first AVAIL bytes, or 0 when there is none there
 * (AVAIL 0, a stray continuation byte, a truncated sequence, an overlong
 * form, a surrogate, a code point past U+10FFFF).  An ASCII byte, NUL
 * included, is a sequence of 1.  Bytes past the first one that does not
 * continue the sequence are never read, so a NUL-terminated string may
 * pass AVAIL 4.
 */
size_t utf8_len(const char *s, size_t avail);

#endif
