/*
 * check_json.c - the strict JSON reader thumperctl renders replies with:
 * every RFC 8259 value type, string escapes to UTF-8 (surrogate pairs
 * included), lookups that default on missing or mistyped fields, and
 * malformed input of every kind refused with an offset, never a crash.
 */
#include <config.h>

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/json.h"

static struct json *parse(const char *text)
{
	char err[256] = "untouched";
	struct json *j = json_parse(text, strlen(text), err, sizeof(err));

	ck_assert_msg(j != NULL, "refused %s: %s", text, err);
	return j;
}

/* TEXT[0..len) is refused with a message holding WANT. */
static void refused_n(const char *text, size_t len, const char *want)
{
	char err[256] = "";
	struct json *j = json_parse(text, len, err, sizeof(err));

	ck_assert_msg(j == NULL, "accepted '%.*s'", (int)len, text);
	ck_assert_msg(strncmp(err, "offset ", 7) == 0, "no offset: %s", err);
	ck_assert_msg(strstr(err, want) != NULL, "'%.*s': '%s' lacks '%s'",
		      (int)len, text, err, want);
}

static void refused(const char *text, const char *want)
{
	refused_n(text, strlen(text), want);
}

START_TEST(test_status_reply)
{
	struct json *j = parse(
		"{\"state\": \"running\", \"uptime_s\": 12, \"roots\": ["
		"{\"source\": \"/srv/in\", \"dest\": \"/srv/thumbs\"}],"
		" \"queue\": {\"live\": 0, \"backlog\": 10},"
		" \"scan\": {\"active\": true, \"root\": null},"
		" \"rate_1m\": 4.5, \"reasons\": [], \"new_field\": {\"x\": [1]}}\n");
	const struct json *roots = json_get(j, "roots");

	ck_assert_int_eq(json_type(j), JSON_OBJECT);
	ck_assert_uint_eq(json_len(j), 8);
	ck_assert_str_eq(json_key(j, 0), "state");
	ck_assert_str_eq(json_string(json_get(j, "state"), NULL, NULL), "running");
	ck_assert(json_number(json_get(j, "uptime_s"), -1) == 12);
	ck_assert(json_number(json_get(j, "rate_1m"), -1) == 4.5);
	ck_assert_uint_eq(json_len(roots), 1);
	ck_assert_str_eq(json_string(json_get(json_at(roots, 0), "dest"), NULL,
				     NULL), "/srv/thumbs");
	ck_assert(json_number(json_get(json_get(j, "queue"), "backlog"), 0) == 10);
	ck_assert(json_bool(json_get(json_get(j, "scan"), "active"), false));
	ck_assert_int_eq(json_type(json_get(json_get(j, "scan"), "root")),
			 JSON_NULL);
	ck_assert_uint_eq(json_len(json_get(j, "reasons")), 0);
	ck_assert_int_eq(json_type(json_get(j, "reasons")), JSON_ARRAY);
	json_free(j);
}
END_TEST

START_TEST(test_accessors_default)
{
	struct json *j = parse("{\"n\": 1, \"s\": \"x\", \"a\": [true, false]}");
	const struct json *a = json_get(j, "a");
	size_t len = 99;

	ck_assert_ptr_null(json_get(j, "missing"));
	ck_assert_ptr_null(json_get(a, "n"));		/* not an object */
	ck_assert_ptr_null(json_get(NULL, "n"));
	ck_assert_ptr_null(json_at(a, 2));
	ck_assert_ptr_null(json_at(json_get(j, "n"), 0));
	ck_assert_ptr_null(json_key(a, 0));
	ck_assert_str_eq(json_string(json_get(j, "n"), "def", &len), "def");
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_null(json_string(NULL, NULL, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert(json_number(json_get(j, "s"), 7) == 7);
	ck_assert(json_number(NULL, -2) == -2);
	ck_assert(json_bool(json_at(a, 0), false) == true);
	ck_assert(json_bool(json_at(a, 1), true) == false);
	ck_assert(json_bool(json_get(j, "n"), true) == true);
	ck_assert_uint_eq(json_len(json_get(j, "s")), 0);
	ck_assert_int_eq(json_type(NULL), JSON_NULL);
	json_free(j);
	json_free(NULL);
}
END_TEST

START_TEST(test_first_of_repeated_names)
{
	struct json *j = parse("{\"k\": 1, \"k\": 2}");

	ck_assert(json_number(json_get(j, "k"), 0) == 1);
	ck_assert_uint_eq(json_len(j), 2);
	json_free(j);
}
END_TEST

START_TEST(test_scalars_at_top)
{
	struct json *j;

	j = parse(" true ");
	ck_assert_int_eq(json_type(j), JSON_TRUE);
	json_free(j);
	j = parse("null");
	ck_assert_int_eq(json_type(j), JSON_NULL);
	json_free(j);
	j = parse("\"s\"");
	ck_assert_str_eq(json_string(j, NULL, NULL), "s");
	json_free(j);
	j = parse("[]");
	ck_assert_uint_eq(json_len(j), 0);
	json_free(j);
	j = parse("{ }");
	ck_assert_uint_eq(json_len(j), 0);
	json_free(j);
}
END_TEST

START_TEST(test_numbers)
{
	static const struct { const char *text; double want; } ok[] = {
		{ "0", 0 }, { "-0", 0 }, { "42", 42 }, { "-17", -17 },
		{ "3.25", 3.25 }, { "1e3", 1000 }, { "1E+2", 100 },
		{ "25e-1", 2.5 }, { "1700000000.123456789", 1700000000.123456789 },
		{ "1e-400", 0 }, { "1.7976931348623157e308", 1.7976931348623157e308 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct json *j = parse(ok[i].text);

		ck_assert_int_eq(json_type(j), JSON_NUMBER);
		ck_assert_msg(json_number(j, -1) == ok[i].want, "%s gave %g",
			      ok[i].text, json_number(j, -1));
		json_free(j);
	}
	/* a long number goes through a heap copy */
	{
		char text[301];
		struct json *j;

		memset(text, '9', 300);
		text[300] = '\0';
		j = parse(text);
		ck_assert(json_number(j, 0) > 9.9e299);
		json_free(j);
	}
	refused("01", "text after");
	refused("1.", "digit after '.'");
	refused(".5", "unexpected");
	refused("-", "expected a digit");
	refused("+1", "unexpected");
	refused("1e", "exponent");
	refused("1e+", "exponent");
	refused("0x10", "text after");
	refused("1e400", "out of range");
	refused("-1e400", "out of range");
	refused("NaN", "unexpected");
	refused("Infinity", "unexpected");
}
END_TEST

START_TEST(test_string_escapes)
{
	struct json *j;
	size_t len;

	j = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
	ck_assert_str_eq(json_string(j, NULL, NULL), "a\"b\\c/d\b\f\n\r\t");
	json_free(j);
	j = parse("\"\\u00e9\\u20AC\\ud83d\\ude00 \xc3\xa9\"");
	ck_assert_str_eq(json_string(j, NULL, NULL),
			 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc3\xa9");
	json_free(j);
	j = parse("\"a\\u0000b\"");
	ck_assert_str_eq(json_string(j, NULL, &len), "a");
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(json_string(j, NULL, NULL), "a\0b", 4) == 0);
	json_free(j);
	j = parse("\"\\\\\"");		/* ends in an escaped backslash */
	ck_assert_str_eq(json_string(j, NULL, NULL), "\\");
	json_free(j);
	j = parse("[\"\\\\\",\"\\\"\"]");
	ck_assert_str_eq(json_string(json_at(j, 1), NULL, NULL), "\"");
	json_free(j);
}
END_TEST

START_TEST(test_bad_strings)
{
	refused("\"abc", "unterminated");
	refused("\"abc\\", "unterminated");
	refused("\"a\nb\"", "control byte 0x0a");
	refused("\"a\tb\"", "control byte 0x09");
	refused("\"\\x41\"", "unknown escape \\x");
	refused("\"\\u12\"", "4 hex digits");
	refused("\"\\u12g4\"", "4 hex digits");
	refused("\"\\ud83d\"", "high surrogate");
	refused("\"\\ud83d\\u0041\"", "high surrogate");
	refused("\"\\ud83dx\"", "high surrogate");
	refused("\"\\ude00\"", "lone low surrogate");
	refused("\"\xff\"", "invalid UTF-8");
	refused("\"\xc3\"", "invalid UTF-8");		/* cut sequence */
	refused("\"\xc0\xaf\"", "invalid UTF-8");		/* overlong */
	refused("\"\xed\xa0\x80\"", "invalid UTF-8");	/* surrogate */
	refused("\"\xf4\x90\x80\x80\"", "invalid UTF-8");	/* > U+10FFFF */
	refused("'single'", "unexpected");
	refused_n("\"a\0b\"", 5, "control byte 0x00");
}
END_TEST

START_TEST(test_bad_structure)
{
	refused("", "expected a value, found the end");
	refused("   ", "expected a value");
	refused("{", "expected a member name");
	refused("{\"a\"", "expected ':'");
	refused("{\"a\":", "expected a value");
	refused("{\"a\":1", "expected ',' or '}'");
	refused("{\"a\":1,}", "expected a member name");
	refused("{a:1}", "expected a member name");
	refused("[1,]", "unexpected");
	refused("[1 2]", "expected ',' or ']'");
	refused("[", "expected a value");
	refused("]", "unexpected");
	refused("{} {}", "text after");
	refused("tru", "unexpected");
	refused("nul", "unexpected");
	refused("truex", "text after");
	refused("\xef\xbb\xbf{}", "unexpected");		/* BOM */
	refused("[1]\v", "text after");			/* not JSON space */
	refused_n("[1]\0", 4, "text after");
}
END_TEST

START_TEST(test_depth_limit)
{
	char deep[2 * (JSON_MAX_DEPTH + 1) + 1];
	struct json *j;
	int n;

	for (n = 0; n < JSON_MAX_DEPTH; n++)
		deep[n] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	j = parse(deep);
	ck_assert_uint_eq(json_len(j), 1);
	json_free(j);

	for (n = 0; n < JSON_MAX_DEPTH + 1; n++)
		deep[n] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	refused(deep, "nested deeper than 64");
	refused("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		"nested deeper");
}
END_TEST

START_TEST(test_size_limit)
{
	size_t len = JSON_MAX_LEN + 1;
	char *big = malloc(len);

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', len);
	big[0] = '1';
	refused_n(big, len, "larger than");
	free(big);
}
END_TEST

START_TEST(test_unterminated_buffer)
{
	/* the reader stops at LEN even with no NUL after it */
	char *buf = malloc(4);
	struct json *j;
	char err[64];

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "1234", 4);
	j = json_parse(buf, 2, err, sizeof(err));
	ck_assert(json_number(j, 0) == 12);
	json_free(j);
	memcpy(buf, "\"abc", 4);
	ck_assert_ptr_null(json_parse(buf, 4, err, sizeof(err)));
	ck_assert_ptr_null(json_parse(buf, 4, err, 0));	/* no room: no write */
	free(buf);
}
END_TEST

START_TEST(test_many_items)
{
	size_t n = 100000, len = 0;
	char *text = malloc(n * 2 + 2);
	struct json *j;

	ck_assert_ptr_nonnull(text);
	text[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		text[len++] = i % 10 + '0';
		text[len++] = i + 1 < n ? ',' : ']';
	}
	j = json_parse(text, len, NULL, 0);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_len(j), n);
	ck_assert(json_number(json_at(j, n - 1), -1) == (n - 1) % 10);
	json_free(j);
	free(text);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, test_status_reply);
	tcase_add_test(tc, test_accessors_default);
	tcase_add_test(tc, test_first_of_repeated_names);
	tcase_add_test(tc, test_scalars_at_top);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_bad_strings);
	tcase_add_test(tc, test_bad_structure);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_unterminated_buffer);
	tcase_add_test(tc, test_many_items);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
