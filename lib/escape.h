/*
 * escape.h - file names made safe for a terminal line or a JSON string.
 *
 * A path may hold any byte but NUL: newlines, escape sequences, invalid
 * UTF-8.  Both functions write their whole output to F.
 */
#ifndef THUMPER_ESCAPE_H
#define THUMPER_ESCAPE_H

#include <stdio.h>

/*
 * Valid UTF-8 printable text as it is; backslash as "\\"; control bytes
 * and bytes that are not valid UTF-8 as "\xNN".
 */
void escape_text(FILE *f, const char *s);

/*
 * A JSON string with its quotes.  Bytes that are not valid UTF-8 become
 * "\u00NN" (so the document stays valid JSON and the byte stays visible).
 */
void escape_json(FILE *f, const char *s);

#endif
