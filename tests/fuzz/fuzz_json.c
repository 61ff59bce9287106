/*
 * fuzz_json.c - the JSON reader thumperctl renders daemon replies with,
 * on arbitrary bytes.  Whatever parses is walked whole through the
 * accessors (every string read to its stated length, every key looked
 * up again), and an error must carry its offset.
 *
 * fuzz-sources: ctl/json.c lib/utf8.c
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct json *j, int depth)
{
	size_t sum = 0, len;
	const char *s;

	if (depth > JSON_MAX_DEPTH + 1)
		abort();
	switch (json_type(j)) {
	case JSON_STRING:
		s = json_string(j, NULL, &len);
		for (size_t i = 0; i < len; i++)
			sum += (unsigned char)s[i];
		if (s[len] != '\0')
			abort();
		break;
	case JSON_NUMBER:
		sum += (size_t)(json_number(j, 0) != json_number(j, 0));
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < json_len(j); i++)
			if (!json_get(j, json_key(j, i)))
				abort();
		/* fall through */
	case JSON_ARRAY:
		for (size_t i = 0; i < json_len(j); i++)
			sum += walk(json_at(j, i), depth + 1);
		break;
	default:
		break;
	}
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	struct json *j = json_parse((const char *)data, size, err, sizeof(err));

	if (j) {
		(void)walk(j, 0);
		json_free(j);
	} else if (strncmp(err, "offset ", 7) != 0) {
		abort();
	}
	return 0;
}
