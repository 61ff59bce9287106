/*
 * check_escape.c - escaping of arbitrary file names (lib/escape.h) for a
 * terminal line and for a JSON string: the documented escapes one by one,
 * well-formed UTF-8 kept whole, and every kind of malformed UTF-8
 * (overlong, surrogate, past U+10FFFF, stray continuation, cut short)
 * escaped byte by byte.  Then, for every string of one and two bytes and
 * for every three- and four-byte string that starts like a multi-byte
 * sequence: the output is valid UTF-8 (glibc's iconv is the judge), holds
 * no raw control byte, and unescapes back to the input, so no byte is
 * ever lost or made ambiguous.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "tests/unit/testutil.h"

/* The output of FN(S), in a buffer the caller frees. */
static char *
run(void (*fn)(FILE *, const char *), const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, s);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(strlen(out), len);	/* never writes a NUL */
	return out;
}

static void
expect(void (*fn)(FILE *, const char *), const char *in, const char *want)
{
	char *out = run(fn, in);

	ck_assert_msg(strcmp(out, want) == 0, "\"%s\" gave \"%s\", want \"%s\"",
		      in, out, want);
	free(out);
}

START_TEST(text_keeps_printable_ascii)
{
	expect(escape_text, "", "");
	expect(escape_text, "/srv/in/a b/c.jpg", "/srv/in/a b/c.jpg");
	expect(escape_text, " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~",
	       " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~");
}
END_TEST

START_TEST(text_escapes_backslash_and_control_bytes)
{
	expect(escape_text, "a\\b", "a\\\\b");
	expect(escape_text, "line\nbreak", "line\\x0abreak");
	expect(escape_text, "\x1b[31mred", "\\x1b[31mred");
	expect(escape_text, "\r\t\x01\x1f\x7f", "\\x0d\\x09\\x01\\x1f\\x7f");
	/* An escaped-looking name stays distinguishable from the real byte. */
	expect(escape_text, "\\x0a", "\\\\x0a");
}
END_TEST

struct case_ {
	const char *in, *want;
};

static void
expect_all(void (*fn)(FILE *, const char *), const struct case_ *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect(fn, c[i].in, c[i].want);
}

START_TEST(text_keeps_well_formed_utf8_whole)
{
	/* é, €, an emoji, U+00A0 U+07FF, U+0800 U+FFFD, U+10000 U+10FFFF */
	static const struct case_ c[] = {
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "\xe2\x82\xac", "\xe2\x82\xac" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "\xc2\xa0\xdf\xbf", "\xc2\xa0\xdf\xbf" },
		{ "\xe0\xa0\x80\xef\xbf\xbd", "\xe0\xa0\x80\xef\xbf\xbd" },
		{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
		  "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf" },
	};

	expect_all(escape_text, c, sizeof(c) / sizeof(c[0]));
}
END_TEST

START_TEST(text_escapes_malformed_utf8_byte_by_byte)
{
	static const struct case_ c[] = {
		{ "\xff", "\\xff" },
		/* a stray continuation byte */
		{ "\x80", "\\x80" },
		/* a sequence cut short by the end, by ASCII, by a bad byte */
		{ "\xc3", "\\xc3" },
		{ "\xc3(", "\\xc3(" },
		{ "\xe2\x82", "\\xe2\\x82" },
		{ "\xe2\x82x", "\\xe2\\x82x" },
		/* overlong forms of '/' */
		{ "\xc0\xaf", "\\xc0\\xaf" },
		{ "\xc1\xbf", "\\xc1\\xbf" },
		{ "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },
		{ "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf" },
		/* surrogates D800 and DFFF */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
		{ "\xed\xbf\xbf", "\\xed\\xbf\\xbf" },
		/* past U+10FFFF, and lead bytes no sequence may start with */
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
		{ "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80" },
		{ "\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80" },
		/* a bad byte does not swallow the good sequence after it */
		{ "\xe2\xc3\xa9", "\\xe2\xc3\xa9" },
	};

	expect_all(escape_text, c, sizeof(c) / sizeof(c[0]));
}
END_TEST

START_TEST(json_quotes_and_escapes)
{
	expect(escape_json, "", "\"\"");
	expect(escape_json, "/srv/in/a b.jpg", "\"/srv/in/a b.jpg\"");
	expect(escape_json, "say \"hi\"", "\"say \\\"hi\\\"\"");
	expect(escape_json, "a\\b", "\"a\\\\b\"");
	expect(escape_json, "a\nb\tc", "\"a\\nb\\tc\"");
	expect(escape_json, "\r\x01\x1b\x1f\x7f",
	       "\"\\u000d\\u0001\\u001b\\u001f\\u007f\"");
	expect(escape_json, "/", "\"/\"");
}
END_TEST

START_TEST(json_keeps_utf8_and_shows_bad_bytes_as_u00nn)
{
	expect(escape_json, "caf\xc3\xa9 \xf0\x9f\x98\x80",
	       "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	expect(escape_json, "\xff", "\"\\u00ff\"");
	expect(escape_json, "bad\xe9.jpg", "\"bad\\u00e9.jpg\"");	/* Latin-1 é */
	expect(escape_json, "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	expect(escape_json, "\xc0\x80", "\"\\u00c0\\u0080\"");		/* overlong NUL */
	expect(escape_json, "\xf4\x90\x80\x80",
	       "\"\\u00f4\\u0090\\u0080\\u0080\"");
	expect(escape_json, "\xe2\x82\"", "\"\\u00e2\\u0082\\\"\"");
}
END_TEST

/* --- properties over many inputs ---------------------------------- */

static iconv_t cd;

static bool
valid_utf8(const char *s)
{
	char out[64];
	char *in = (char *)s, *o = out;
	size_t inlen = strlen(s), outlen = sizeof(out);

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inlen > 0) {
		if (iconv(cd, &in, &inlen, &o, &outlen) == (size_t)-1) {
			if (errno == E2BIG) {
				o = out;
				outlen = sizeof(out);
				continue;
			}
			return false;
		}
	}
	return true;
}

static int
hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : -1;
}

/* Reverses escape_text(); false if OUT is not something it can write. */
static bool
unescape_text(const char *out, char *back, size_t backsz)
{
	size_t n = 0;

	for (const char *p = out; *p; p++) {
		char c = *p;

		if (n + 1 >= backsz)
			return false;
		if (c == '\\') {
			if (p[1] == '\\') {
				p++;
			} else if (p[1] == 'x' && hex(p[2]) >= 0 && hex(p[3]) >= 0) {
				c = (char)(hex(p[2]) * 16 + hex(p[3]));
				p += 3;
			} else {
				return false;
			}
		}
		back[n++] = c;
	}
	back[n] = '\0';
	return true;
}

/* Reverses escape_json(); false if OUT is not something it can write. */
static bool
unescape_json(const char *out, char *back, size_t backsz)
{
	size_t len = strlen(out), n = 0;

	if (len < 2 || out[0] != '"' || out[len - 1] != '"')
		return false;
	for (size_t i = 1; i < len - 1; i++) {
		char c = out[i];

		if (n + 1 >= backsz || c == '"')
			return false;
		if (c == '\\') {
			c = out[++i];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'u' && i + 4 < len - 1 && out[i + 1] == '0' &&
				 out[i + 2] == '0' && hex(out[i + 3]) >= 0 &&
				 hex(out[i + 4]) >= 0) {
				c = (char)(hex(out[i + 3]) * 16 + hex(out[i + 4]));
				i += 4;
			} else if (c != '"' && c != '\\') {
				return false;
			}
		}
		back[n++] = c;
	}
	back[n] = '\0';
	return true;
}

/* Whether S is well-formed UTF-8 that needs no escape in either form. */
static bool
plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '"')
			return false;
	return valid_utf8(s);
}

static unsigned long nchecked;

static void
check_properties(const char *in)
{
	char back[64];
	char *t = run(escape_text, in), *j = run(escape_json, in);

	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f,
			      "escape_text left control byte %02x", *p);
	for (const unsigned char *p = (const unsigned char *)j; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f,
			      "escape_json left control byte %02x", *p);
	ck_assert_msg(valid_utf8(t), "escape_text output is not UTF-8: %s", t);
	ck_assert_msg(valid_utf8(j), "escape_json output is not UTF-8: %s", j);
	ck_assert_msg(unescape_text(t, back, sizeof(back)) &&
		      strcmp(back, in) == 0, "escape_text lost bytes: %s", t);
	ck_assert_msg(unescape_json(j, back, sizeof(back)) &&
		      strcmp(back, in) == 0, "escape_json lost bytes: %s", j);
	if (plain(in)) {
		ck_assert_str_eq(t, in);
		ck_assert_uint_eq(strlen(j), strlen(in) + 2);
		ck_assert(strncmp(j + 1, in, strlen(in)) == 0);
	}
	free(t);
	free(j);
	nchecked++;
}

START_TEST(every_short_string_escapes_losslessly_to_utf8)
{
	char s[8];

	cd = iconv_open("UTF-32LE", "UTF-8");
	ck_assert(cd != (iconv_t)-1);
	for (int a = 1; a < 256; a++) {
		s[0] = (char)a;
		s[1] = '\0';
		check_properties(s);
		for (int b = 1; b < 256; b++) {
			s[1] = (char)b;
			s[2] = '\0';
			check_properties(s);
		}
	}
	/* Every three-byte string with a lead byte and two continuation
	 * or stray bytes, then four-byte ones from the four-byte leads. */
	for (int a = 0xc0; a < 0x100; a++)
		for (int b = 0x7f; b < 0xc1; b++)
			for (int c = 0x7f; c < 0xc1; c += 3) {
				s[0] = (char)a;
				s[1] = (char)b;
				s[2] = (char)c;
				s[3] = '\0';
				check_properties(s);
			}
	for (int a = 0xf0; a < 0xf8; a++)
		for (int b = 0x80; b < 0xc0; b++)
			for (int d = 0x7f; d < 0xc1; d += 0x41) {
				s[0] = (char)a;
				s[1] = (char)b;
				s[2] = (char)0x80;
				s[3] = (char)d;
				s[4] = '\0';
				check_properties(s);
			}
	iconv_close(cd);
	ck_assert_uint_gt(nchecked, 100000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("escape");
	int failed;

	tcase_add_test(tc, text_keeps_printable_ascii);
	tcase_add_test(tc, text_escapes_backslash_and_control_bytes);
	tcase_add_test(tc, text_keeps_well_formed_utf8_whole);
	tcase_add_test(tc, text_escapes_malformed_utf8_byte_by_byte);
	tcase_add_test(tc, json_quotes_and_escapes);
	tcase_add_test(tc, json_keeps_utf8_and_shows_bad_bytes_as_u00nn);
	tcase_add_test(tc, every_short_string_escapes_losslessly_to_utf8);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	return failed;
}
