/*
 * config.h - thumper.conf (libconfig syntax, design.md §3) into a struct
 * config.
 *
 * Every key has a default; unknown keys, wrong types and bad values are
 * errors that name the file, the line and the key.  Paths must be absolute;
 * a path that starts with "./" or "../" is taken relative to the config
 * file's folder (for the demo config in a checkout).  Used by thumperd and
 * by `thumper -c FILE` (which takes only the thumbnail settings).
 */
#ifndef THUMPER_CONFIG_H
#define THUMPER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/settings.h"
#include "lib/shard.h"

struct watch_root {
	char *source;		/* absolute, no trailing slash */
	char *dest;
	bool recursive;
	bool scan_on_start;
	bool mirror_deletes;
};

struct config {
	char *path;		/* the file it was read from, NULL for defaults */
	unsigned workers;	/* 0: one per online CPU */
	char *control_socket;
	char *state_dir;
	int log_level;		/* LOG_DEBUG .. LOG_ERR (syslog.h) */
	unsigned queue_limit;
	unsigned settle_ms;
	unsigned poll_interval;	/* seconds, 0: off */
	unsigned events_buffer;	/* unread event records per subscriber */
	struct shard shard;	/* this daemon's files of a shared tree */
	struct watch_root *roots;
	size_t nroots;
	struct settings settings;
};

/*
 * Fills every default of design.md §3 (no watch roots).  0 or -ENOMEM.
 * (Not config_init(): libconfig already exports that symbol, and a
 * program linking both would silently call the wrong one.)
 */
int config_defaults(struct config *c);

/*
 * Reads PATH over the settings in C (which config_defaults() must have set
 * up): keys present in the file replace those in C, lists (watch, sizes,
 * filter patterns) replace whole.  Returns 0, or -1 with "FILE:LINE: KEY:
 * what is wrong" in err (KEY is the dotted path, e.g. watch[0].dest);
 * on error C still holds a consistent config that config_free() releases.
 * libconfig's @include is refused (see config.c for why).
 */
int config_load(struct config *c, const char *path, char *err, size_t errsz);

/*
 * The same for a config held in TEXT.  NAME stands for the file in
 * messages and its folder anchors "./" and "../" paths; with NAME NULL,
 * messages say "(string)" and relative paths are refused.
 */
int config_load_string(struct config *c, const char *text, const char *name,
		       char *err, size_t errsz);

/* The name of a log level ("debug" .. "err"). */
const char *config_log_level_name(int level);

/* Writes the effective settings to F in libconfig syntax (thumperd -t). */
void config_print(const struct config *c, FILE *f);

void config_free(struct config *c);

#endif
