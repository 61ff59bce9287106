/*
 * json.h - a small strict JSON reader (RFC 8259) for thumperctl.
 *
 * json_parse() reads one whole document into a tree, or fails with a
 * message; no input can make it crash, loop or recurse deeper than
 * JSON_MAX_DEPTH.  The accessors take NULL and nodes of the wrong type
 * and then return their default, so a reader of a reply can walk it
 * (json_get(json_get(root, "queue"), "live")) without checking each step.
 */
#ifndef THUMPER_JSON_H
#define THUMPER_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64		/* nested arrays and objects */
#define JSON_MAX_LEN (16u << 20)	/* bytes of one document */

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json;

/*
 * Parses TEXT[0..len) (UTF-8, need not be NUL-terminated): one value
 * with optional white space around it.  Returns the tree, which the
 * caller frees with json_free(), or NULL with "offset N: what" in err
 * (also for out of memory).  Numbers out of a double's range, invalid
 * UTF-8, lone surrogates and anything past JSON_MAX_DEPTH or
 * JSON_MAX_LEN are errors.
 */
struct json *json_parse(const char *text, size_t len, char *err,
			size_t errsz);
void json_free(struct json *j);

enum json_type json_type(const struct json *j);	/* JSON_NULL for NULL */

/* An object's member KEY (the first, if a name repeats), or NULL. */
const struct json *json_get(const struct json *obj, const char *key);

/* Items of an array or members of an object; 0 for anything else. */
size_t json_len(const struct json *j);

/* Item I of an array (or the value of member I of an object), or NULL. */
const struct json *json_at(const struct json *arr, size_t i);

/* Name of member I of an object, or NULL. */
const char *json_key(const struct json *obj, size_t i);

/*
 * A string's value, NUL-terminated (a "\u0000" inside ends it early as
 * a C string: *len, when LEN is not NULL, has the whole length), owned
 * by the tree; DEF when J is not a string.
 */
const char *json_string(const struct json *j, const char *def, size_t *len);

double json_number(const struct json *j, double def);
bool json_bool(const struct json *j, bool def);

#endif
