/*
 * fuzz_config.c - libFuzzer target for the config loader: any bytes go
 * through config_load_string(), the same path config_load() takes, and
 * a config that loads must print and load back, and an error must name
 * the file.  The loader refuses @include, so no input makes libconfig
 * open a file.  tests/fuzz/fuzz_config.supp holds libconfig 1.5's own
 * leak on some syntax errors (hyperrealm/libconfig#142, fixed in 1.7).
 *
 * fuzz-sources: lib/config.c lib/config_check.c lib/config_print.c
 * fuzz-sources: lib/settings.c lib/filter.c lib/tpath.c lib/path.c lib/shard.c
 * fuzz-pkgs: libconfig
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints C and loads the print into a fresh config: it must load. */
static void check_reload(const struct config *c)
{
	struct config again;
	char err[1024];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	config_print(c, f);
	fclose(f);
	if (config_defaults(&again) == 0 &&
	    config_load_string(&again, text, "/fuzz/printed.conf", err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "printed config does not load: %s\n%s", err, text);
		abort();
	}
	config_free(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[1024];
	char *text;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_defaults(&c) == 0) {
		if (config_load_string(&c, text, "/fuzz/etc/thumper.conf", err,
				       sizeof(err)) == 0)
			check_reload(&c);
		else if (strncmp(err, "/fuzz/", 6) != 0)
			abort();
	}
	config_free(&c);
	free(text);
	return 0;
}
