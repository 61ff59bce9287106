/*
 * escape.c - terminal and JSON escaping of arbitrary byte strings.
 *
 * Both escapers walk the string as UTF-8 (utf8.h): a well-formed
 * multi-byte sequence is copied whole, every other byte is escaped on its
 * own.  The strings are NUL-terminated, so a sequence never needs more
 * than the 4 bytes utf8_len() is given (it stops at the NUL).
 */
#include <config.h>

#include <stddef.h>

#include "lib/escape.h"
#include "lib/utf8.h"

void
escape_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len((const char *)s, 4) : 0;

		if (n > 0) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s < 0x20 || *s >= 0x7f)
			fprintf(f, "\\x%02x", *s);
		else
			fputc(*s, f);
		s++;
	}
}

void
escape_json(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len((const char *)s, 4) : 0;

		if (n > 0) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s >= 0x7f)
				fprintf(f, "\\u%04x", *s);
			else
				fputc(*s, f);
		}
		s++;
	}
	fputc('"', f);
}
