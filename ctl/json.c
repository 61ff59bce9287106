/*
 * json.c - strict RFC 8259 reader into a tree (see json.h).
 *
 * A recursive descent over a bounded buffer: every read checks the end
 * pointer first (the text need not be NUL-terminated), and each array
 * or object level counts against JSON_MAX_DEPTH, so neither the C stack
 * nor json_free()'s recursion can grow with the input.  Strings are
 * decoded to UTF-8 as they are read; raw bytes must already be valid
 * UTF-8 (lib/utf8.h).  Numbers are checked against the grammar before
 * strtod() sees a NUL-terminated copy of them (thumperctl never calls
 * setlocale(), so the decimal point is '.').
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/json.h"
#include "lib/utf8.h"

struct json {
	enum json_type type;
	char *key;		/* member name when inside an object */
	char *str;		/* JSON_STRING: value, NUL-terminated */
	size_t len;		/* string length, or number of items */
	double num;
	struct json *items;	/* JSON_ARRAY, JSON_OBJECT */
};

struct parser {
	const char *start, *p, *end;
	int depth;
	char *err;
	size_t errsz;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->errsz == 0 || ps->err[0])	/* keep the first message */
		return -1;
	n = snprintf(ps->err, ps->errsz, "offset %zu: ",
		     (size_t)(ps->p - ps->start));
	if (n >= 0 && (size_t)n < ps->errsz) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errsz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The 4 hex digits after "\u" at ps->p (which is past the 'u'). */
static int read_hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;

	if (ps->end - ps->p < 4)
		return fail(ps, "\\u needs 4 hex digits");
	for (int i = 0; i < 4; i++) {
		char c = ps->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(ps, "\\u needs 4 hex digits");
	}
	ps->p += 4;
	*out = v;
	return 0;
}

/*
 * The string at ps->p (its opening quote), decoded into a new buffer.
 * Decoding never lengthens a string, so the raw length bounds it.
 */
static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
	const char *q;
	char *buf;
	size_t n = 0;

	ps->p++;
	q = memchr(ps->p, '"', (size_t)(ps->end - ps->p));
	while (q && q[-1] == '\\')	/* a bound only: escapes come later */
		q = memchr(q + 1, '"', (size_t)(ps->end - q - 1));
	buf = malloc((size_t)((q ? q : ps->end) - ps->p) + 1);
	if (!buf)
		return fail(ps, "out of memory");
	for (;;) {
		unsigned char c;
		uint32_t cp, lo;
		size_t k;

		if (ps->p >= ps->end) {
			fail(ps, "unterminated string");
			goto bad;
		}
		c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20) {
			fail(ps, "control byte 0x%02x in a string", c);
			goto bad;
		}
		if (c != '\\') {
			k = utf8_len(ps->p, (size_t)(ps->end - ps->p));
			if (k == 0) {
				fail(ps, "invalid UTF-8");
				goto bad;
			}
			memcpy(buf + n, ps->p, k);
			n += k;
			ps->p += k;
			continue;
		}
		if (++ps->p >= ps->end) {
			fail(ps, "unterminated string");
			goto bad;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"': case '\\': case '/':
			buf[n++] = (char)c;
			continue;
		case 'b': buf[n++] = '\b'; continue;
		case 'f': buf[n++] = '\f'; continue;
		case 'n': buf[n++] = '\n'; continue;
		case 'r': buf[n++] = '\r'; continue;
		case 't': buf[n++] = '\t'; continue;
		case 'u':
			break;
		default:
			ps->p--;
			fail(ps, "unknown escape \\%c", c >= 0x20 && c < 0x7f
			     ? c : '?');
			goto bad;
		}
		if (read_hex4(ps, &cp) < 0)
			goto bad;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			fail(ps, "lone low surrogate \\u%04x", (unsigned)cp);
			goto bad;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (ps->end - ps->p < 2 || ps->p[0] != '\\' ||
			    ps->p[1] != 'u') {
				fail(ps, "high surrogate without its low half");
				goto bad;
			}
			ps->p += 2;
			if (read_hex4(ps, &lo) < 0)
				goto bad;
			if (lo < 0xdc00 || lo > 0xdfff) {
				fail(ps, "high surrogate without its low half");
				goto bad;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		n += put_utf8(buf + n, cp);
	}
	ps->p++;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
bad:
	free(buf);
	return -1;
}

static size_t digits(struct parser *ps)
{
	const char *s = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return (size_t)(ps->p - s);
}

static int parse_number(struct parser *ps, double *out)
{
	const char *s = ps->p;
	char small[64], *copy = small;
	size_t len;
	int rc = 0;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (digits(ps) == 0)
		return fail(ps, "expected a digit");
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (digits(ps) == 0)
			return fail(ps, "expected a digit after '.'");
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps) == 0)
			return fail(ps, "expected a digit in the exponent");
	}
	len = (size_t)(ps->p - s);
	if (len >= sizeof(small) && !(copy = malloc(len + 1)))
		return fail(ps, "out of memory");
	memcpy(copy, s, len);
	copy[len] = '\0';
	errno = 0;
	*out = strtod(copy, NULL);
	if (errno == ERANGE && isinf(*out)) {
		ps->p = s;
		rc = fail(ps, "number out of range");
	}
	if (copy != small)
		free(copy);
	return rc;
}

static int parse_value(struct parser *ps, struct json *j);

/* Appends a zeroed item to J; NULL when out of memory. */
static struct json *add_item(struct json *j, size_t *cap)
{
	if (j->len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct json *n = realloc(j->items, ncap * sizeof(*n));

		if (!n)
			return NULL;
		j->items = n;
		*cap = ncap;
	}
	memset(&j->items[j->len], 0, sizeof(*j->items));
	return &j->items[j->len++];
}

/* An array or object at ps->p (its '[' or '{') into J. */
static int parse_container(struct parser *ps, struct json *j, char close)
{
	size_t cap = 0, klen;

	j->type = close == ']' ? JSON_ARRAY : JSON_OBJECT;
	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested deeper than %d", JSON_MAX_DEPTH);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		struct json *item = add_item(j, &cap);

		if (!item)
			return fail(ps, "out of memory");
		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a member name");
			if (parse_string(ps, &item->key, &klen) < 0)
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "expected ':'");
			ps->p++;
		}
		if (parse_value(ps, item) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == close)
			break;
		if (ps->p >= ps->end || *ps->p != ',')
			return fail(ps, "expected ',' or '%c'", close);
		ps->p++;
		skip_ws(ps);
	}
	ps->p++;
	ps->depth--;
	return 0;
}

static int literal(struct parser *ps, const char *word, enum json_type t,
		   struct json *j)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "unexpected character");
	ps->p += n;
	j->type = t;
	return 0;
}

static int parse_value(struct parser *ps, struct json *j)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "expected a value, found the end");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, j, '}');
	case '[':
		return parse_container(ps, j, ']');
	case '"':
		j->type = JSON_STRING;
		return parse_string(ps, &j->str, &j->len);
	case 't':
		return literal(ps, "true", JSON_TRUE, j);
	case 'f':
		return literal(ps, "false", JSON_FALSE, j);
	case 'n':
		return literal(ps, "null", JSON_NULL, j);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		j->type = JSON_NUMBER;
		return parse_number(ps, &j->num);
	default:
		return fail(ps, "unexpected character");
	}
}

static void free_tree(struct json *j)
{
	for (size_t i = 0; j->items && i < j->len; i++)
		free_tree(&j->items[i]);
	free(j->items);
	free(j->key);
	free(j->str);
}

struct json *json_parse(const char *text, size_t len, char *err,
			size_t errsz)
{
	struct parser ps = { text, text, text + len, 0, err, errsz };
	struct json *j;

	if (errsz > 0)
		err[0] = '\0';
	if (len > JSON_MAX_LEN) {
		fail(&ps, "document larger than %u bytes", JSON_MAX_LEN);
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		fail(&ps, "out of memory");
		return NULL;
	}
	if (parse_value(&ps, j) == 0) {
		skip_ws(&ps);
		if (ps.p == ps.end)
			return j;
		fail(&ps, "text after the document");
	}
	json_free(j);
	return NULL;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	free_tree(j);
	free(j);
}

enum json_type json_type(const struct json *j)
{
	return j ? j->type : JSON_NULL;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (strcmp(obj->items[i].key, key) == 0)
			return &obj->items[i];
	return NULL;
}

size_t json_len(const struct json *j)
{
	return j && (j->type == JSON_ARRAY || j->type == JSON_OBJECT) ? j->len : 0;
}

const struct json *json_at(const struct json *arr, size_t i)
{
	return i < json_len(arr) ? &arr->items[i] : NULL;
}

const char *json_key(const struct json *obj, size_t i)
{
	return json_type(obj) == JSON_OBJECT && i < obj->len ?
	       obj->items[i].key : NULL;
}

const char *json_string(const struct json *j, const char *def, size_t *len)
{
	if (!j || j->type != JSON_STRING) {
		if (len)
			*len = def ? strlen(def) : 0;
		return def;
	}
	if (len)
		*len = j->len;
	return j->str;
}

double json_number(const struct json *j, double def)
{
	return j && j->type == JSON_NUMBER ? j->num : def;
}

bool json_bool(const struct json *j, bool def)
{
	if (j && j->type == JSON_TRUE)
		return true;
	if (j && j->type == JSON_FALSE)
		return false;
	return def;
}
