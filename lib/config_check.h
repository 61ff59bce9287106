/*
 * config_check.h - what the parser (config.c) asks of the checker
 * (config_check.c).  Private to lib/config*.c: programs and tests use
 * lib/config.h.  Calls run one way, config.c to config_check.c.
 */
#ifndef THUMPER_CONFIG_CHECK_H
#define THUMPER_CONFIG_CHECK_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"

#define CONFIG_KEY_MAX 128	/* a dotted key path, e.g. watch[0].dest */

/* One load in progress: where its text came from and where errors go. */
struct loader {
	const char *name;	/* the file, for messages */
	const char *text;	/* its text, for config_int_text_is() */
	char *base;		/* folder of ./ and ../ paths; NULL: refused */
	char *err;
	size_t errsz;
};

/*
 * Writes "FILE:LINE: KEY: message" into L's error buffer (LINE is S's,
 * 0 without S) and returns -1: every message of the loader takes this
 * shape.
 */
__attribute__((format(printf, 4, 5)))
int config_fail(struct loader *l, const config_setting_t *s, const char *key,
		const char *fmt, ...);

/*
 * The line of TEXT holding a libconfig @include directive (one whose
 * first non-blank characters are "@include"), or 0.
 */
int config_find_include(const char *text);

/*
 * Whether the integer written for S on its line of L's text is V: false
 * when libconfig 1.5 wrapped a number too large for 32 bits.  True when
 * no "NAME = number" is found there (a value on a later line).
 */
bool config_int_text_is(const struct loader *l, const config_setting_t *s,
			long long v);

/*
 * The cross-checks of design.md §3/§4 on a loaded C (TOP is the file's
 * root setting, for line numbers): no dest inside a source or source
 * inside a dest, no two sources or two dests overlapping, state_dir and
 * control_socket outside every root, and a control_socket short enough
 * for a Unix socket address.  0, or -1 through config_fail().
 */
int config_check_roots(struct loader *l, const struct config *c,
		       const config_setting_t *top);

#endif
