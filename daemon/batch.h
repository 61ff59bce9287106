/*
 * batch.h - the command line of `thumper SRC DEST`.
 *
 * Parsing is kept apart from running so it can be tested on its own.
 * Settings come from the defaults, then from -c FILE, then from the
 * options that override them (-s, -f, -q, --crop), whatever their order
 * on the command line.
 */
#ifndef THUMPER_BATCH_H
#define THUMPER_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/settings.h"

enum batch_progress { PROGRESS_AUTO = -1, PROGRESS_OFF = 0, PROGRESS_ON = 1 };

struct batch_opts {
	const char *src;
	const char *dest;
	const char *config_path;
	unsigned jobs;		/* 0: one per online CPU */
	bool force;
	bool json;
	enum batch_progress progress;
	struct settings settings;
};

enum batch_parse {
	BATCH_RUN = 0,
	BATCH_HELP,
	BATCH_VERSION,
	BATCH_USAGE_ERROR = -1,
};

/*
 * Parses ARGV into O (which it initialises; free with batch_opts_free()
 * whatever it returns).  On BATCH_USAGE_ERROR, err says what is wrong.
 */
enum batch_parse batch_parse_args(int argc, char **argv, struct batch_opts *o,
				  char *err, size_t errsz);
void batch_opts_free(struct batch_opts *o);

void batch_usage(FILE *f);

#endif
