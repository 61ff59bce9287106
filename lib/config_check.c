/*
 * config_check.c - what thumper refuses in a config that libconfig
 * parsed (see config.h, design.md §3), and the one shape of every
 * loader message, "FILE:LINE: KEY: what".
 *
 * Two checks guard against libconfig 1.5 (Debian 12) itself:
 *  - it keeps an integer written without an L suffix in 32 bits and
 *    silently wraps a bigger one; config_int_text_is() compares what it
 *    kept with the text on the setting's line so the parser can refuse
 *    that;
 *  - its @include calls exit() from inside the scanner when the file
 *    cannot be read (a folder, say: hyperrealm/libconfig#292), which would
 *    end the daemon on a reload; config_find_include() finds @include so
 *    that it is refused before libconfig sees the text.
 *
 * The roots are cross-checked once the whole file is loaded: a dest
 * inside a source would thumbnail its own thumbnails, and a source inside
 * a dest would see its images removed as orphaned thumbnails.  "Inside"
 * is path_inside() (lib/path.h), on paths the parser has normalised.
 * Nothing here calls back into config.c.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "lib/config.h"
#include "lib/config_check.h"
#include "lib/path.h"

static int line_of(const config_setting_t *s)
{
	return s ? config_setting_source_line(s) : 0;
}

int config_fail(struct loader *l, const config_setting_t *s, const char *key,
		const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(l->err, l->errsz, "%s:%d: %s: ", l->name, line_of(s), key);
	if (n >= 0 && (size_t)n < l->errsz) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errsz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int config_find_include(const char *text)
{
	int line = 1;

	for (const char *p = text; p; p = strchr(p, '\n'), line++) {
		if (*p == '\n')
			p++;
		p += strspn(p, " \t");
		if (strncmp(p, "@include", 8) == 0)
			return line;
	}
	return 0;
}

/*
 * Only ever refuses a value it has read: a line may hold the key twice
 * (two sizes on one line), and any match will do.
 */
bool config_int_text_is(const struct loader *l, const config_setting_t *s,
			long long v)
{
	const char *name = config_setting_name(s);
	int line = config_setting_source_line(s);
	const char *p = l->text, *end, *q;
	bool seen = false;
	size_t nlen;

	if (!name || line < 1)
		return true;
	for (int i = 1; i < line; i++) {
		p = strchr(p, '\n');
		if (!p)
			return true;
		p++;
	}
	end = p + strcspn(p, "\n");
	nlen = strlen(name);
	for (q = p; (q = memmem(q, (size_t)(end - q), name, nlen)); q += nlen) {
		const char *r = q + nlen;
		long long t;

		if (q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '_' ||
			      q[-1] == '-' || q[-1] == '*'))
			continue;
		r += strspn(r, " \t");
		if (*r != '=' && *r != ':')
			continue;
		r++;
		r += strspn(r, " \t");
		if (*r != '-' && *r != '+' && !isdigit((unsigned char)*r))
			continue;
		errno = 0;
		if (r[0] == '0' && (r[1] == 'x' || r[1] == 'X'))
			t = strtoll(r, NULL, 16);
		else
			t = strtoll(r, NULL, 10);
		if (errno == 0 && t == v)
			return true;
		seen = true;
	}
	return !seen;
}

/*
 * Writes "watch[I].NAME" into KEY and returns that setting when the file
 * has it (NULL otherwise: the message then says line 0).
 */
static const config_setting_t *root_key(const config_setting_t *watch,
					size_t i, const char *name,
					char key[CONFIG_KEY_MAX])
{
	const config_setting_t *e;

	snprintf(key, CONFIG_KEY_MAX, "watch[%zu].%s", i, name);
	if (!watch)
		return NULL;
	e = config_setting_get_elem(watch, (unsigned)i);
	return e ? config_setting_get_member(e, name) : NULL;
}

/* Roots I and J against each other (the overlap checks once, for J < I). */
static int check_pair(struct loader *l, const struct config *c,
		      const config_setting_t *watch, size_t i, size_t j)
{
	const struct watch_root *r = &c->roots[i], *o = &c->roots[j];
	char key[CONFIG_KEY_MAX];

	if (path_inside(r->dest, o->source))
		return config_fail(l, root_key(watch, i, "dest", key), key,
				   "%s is inside watch[%zu].source (%s): "
				   "thumbnails would be thumbnailed",
				   r->dest, j, o->source);
	if (path_inside(o->source, r->dest))
		return config_fail(l, root_key(watch, j, "source", key), key,
				   "%s is inside watch[%zu].dest (%s): its "
				   "images would be removed as orphaned "
				   "thumbnails", o->source, i, r->dest);
	if (j >= i)
		return 0;
	if (path_inside(r->source, o->source) ||
	    path_inside(o->source, r->source))
		return config_fail(l, root_key(watch, i, "source", key), key,
				   "%s overlaps watch[%zu].source (%s)",
				   r->source, j, o->source);
	if (path_inside(r->dest, o->dest) || path_inside(o->dest, r->dest))
		return config_fail(l, root_key(watch, i, "dest", key), key,
				   "%s overlaps watch[%zu].dest (%s)",
				   r->dest, j, o->dest);
	return 0;
}

/*
 * A file of the daemon's own (PATH at key WHAT) must not lie in a tree
 * that is watched or whose orphans are removed.
 */
static int check_own_file(struct loader *l, const struct config *c,
			  const config_setting_t *top,
			  const config_setting_t *watch, const char *what,
			  const char *path)
{
	const config_setting_t *s = config_setting_get_member(top, what);
	char key[CONFIG_KEY_MAX];

	for (size_t i = 0; i < c->nroots; i++) {
		const struct watch_root *r = &c->roots[i];
		const char *side = path_inside(path, r->source) ? "source" :
				   path_inside(path, r->dest) ? "dest" : NULL;

		if (!side)
			continue;
		if (s)
			return config_fail(l, s, what, "%s is inside "
					   "watch[%zu].%s (%s)", path, i, side,
					   *side == 's' ? r->source : r->dest);
		return config_fail(l, root_key(watch, i, side, key), key,
				   "holds %s %s", what, path);
	}
	return 0;
}

int config_check_roots(struct loader *l, const struct config *c,
		       const config_setting_t *top)
{
	const config_setting_t *watch = config_setting_get_member(top, "watch");
	size_t sun_max = sizeof(((struct sockaddr_un *)0)->sun_path);

	for (size_t i = 0; i < c->nroots; i++)
		for (size_t j = 0; j < c->nroots; j++)
			if (check_pair(l, c, watch, i, j) < 0)
				return -1;
	if (check_own_file(l, c, top, watch, "state_dir", c->state_dir) < 0 ||
	    check_own_file(l, c, top, watch, "control_socket",
			   c->control_socket) < 0)
		return -1;
	if (strlen(c->control_socket) >= sun_max)
		return config_fail(l, config_setting_get_member(top,
							     "control_socket"),
				   "control_socket", "longer than %zu bytes, "
				   "the limit of a Unix socket path",
				   sun_max - 1);
	return 0;
}
