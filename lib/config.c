/*
 * config.c - thumper.conf into a struct config (see config.h, design.md §3):
 * the parsing half; config_check.c holds the checking half.
 *
 * Files and strings take one code path: config_load() reads the file into
 * memory and hands the text to the loader behind config_load_string()
 * (which the fuzz target drives).  @include is refused before libconfig
 * sees the text; libconfig parses; then every group is walked member by
 * member against a table of its keys (struct key), so an unknown key
 * anywhere is an error and each message can say "FILE:LINE: KEY: what",
 * KEY being the dotted path (watch[0].dest).  Values go straight into the
 * struct; lists (watch, sizes, patterns) are built aside and swapped in
 * whole, so a failed load leaves a struct that config_free() can release.
 * The roots are cross-checked last (config_check_roots()).
 *
 * An integer libconfig 1.5 kept in 32 bits is compared with its text
 * (config_int_text_is()) before it is taken; see config_check.c for why.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/config_check.h"
#include "lib/path.h"

#define CONFIG_FILE_MAX (1024 * 1024)

struct key;
typedef int (*load_fn)(struct loader *l, const config_setting_t *s,
		       const char *key, void *obj, const struct key *k);

/* One key of a group: LOAD stores it in the field at OFF of the group's
 * object (or, for a nested group, loads that group into it). */
struct key {
	const char *name;
	load_fn load;
	size_t off;
	long long min;
	long long max;
};

static const char *const log_levels[] = {
	[LOG_ERR] = "err",
	[LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	}
	return "nothing";
}

static int want_type(struct loader *l, const config_setting_t *s,
		     const char *key, int type)
{
	int t = config_setting_type(s);

	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return 0;
	return config_fail(l, s, key, "wrong type: expected %s, found %s",
			   type_name(type), type_name(t));
}

static int get_int(struct loader *l, const config_setting_t *s,
		   const char *key, long long min, long long max,
		   long long *out)
{
	long long v;

	if (want_type(l, s, key, CONFIG_TYPE_INT) < 0)
		return -1;
	v = config_setting_get_int64(s);
	if (config_setting_type(s) == CONFIG_TYPE_INT &&
	    !config_int_text_is(l, s, v))
		return config_fail(l, s, key, "too large for a 32-bit "
				   "integer: write it with an L suffix "
				   "(e.g. 5000000000L)");
	if (v < min || v > max)
		return config_fail(l, s, key, "%lld is out of range "
				   "%lld..%lld", v, min, max);
	*out = v;
	return 0;
}

#define FIELD(obj, k, type) ((type *)(void *)((char *)(obj) + (k)->off))

static int load_uint(struct loader *l, const config_setting_t *s,
		     const char *key, void *obj, const struct key *k)
{
	long long v;

	if (get_int(l, s, key, k->min, k->max, &v) < 0)
		return -1;
	*FIELD(obj, k, unsigned) = (unsigned)v;
	return 0;
}

static int load_int(struct loader *l, const config_setting_t *s,
		    const char *key, void *obj, const struct key *k)
{
	long long v;

	if (get_int(l, s, key, k->min, k->max, &v) < 0)
		return -1;
	*FIELD(obj, k, int) = (int)v;
	return 0;
}

static int load_u64(struct loader *l, const config_setting_t *s,
		    const char *key, void *obj, const struct key *k)
{
	long long v;

	if (get_int(l, s, key, k->min, k->max, &v) < 0)
		return -1;
	*FIELD(obj, k, uint64_t) = (uint64_t)v;
	return 0;
}

static int load_bool(struct loader *l, const config_setting_t *s,
		     const char *key, void *obj, const struct key *k)
{
	if (want_type(l, s, key, CONFIG_TYPE_BOOL) < 0)
		return -1;
	*FIELD(obj, k, bool) = config_setting_get_bool(s) != 0;
	return 0;
}

static int get_string(struct loader *l, const config_setting_t *s,
		      const char *key, const char **out)
{
	if (want_type(l, s, key, CONFIG_TYPE_STRING) < 0)
		return -1;
	*out = config_setting_get_string(s);
	return 0;
}

static bool is_relative_form(const char *p)
{
	return strcmp(p, ".") == 0 || strcmp(p, "..") == 0 ||
	       strncmp(p, "./", 2) == 0 || strncmp(p, "../", 3) == 0;
}

static int load_path(struct loader *l, const config_setting_t *s,
		     const char *key, void *obj, const struct key *k)
{
	char **field = FIELD(obj, k, char *);
	const char *v;
	char *abs;

	if (get_string(l, s, key, &v) < 0)
		return -1;
	if (*v == '\0')
		return config_fail(l, s, key, "empty path");
	if (v[0] == '/')
		abs = path_join("", v);
	else if (!is_relative_form(v))
		return config_fail(l, s, key, "\"%s\" must be an absolute "
				   "path, or start with ./ or ../ to be taken "
				   "relative to the config file's folder", v);
	else if (!l->base)
		return config_fail(l, s, key, "a relative path needs a config "
				   "file to be relative to");
	else
		abs = path_join(l->base, v);
	if (!abs)
		return config_fail(l, s, key, "out of memory");
	if (strlen(abs) >= PATH_MAX) {
		free(abs);
		return config_fail(l, s, key, "path longer than %d bytes",
				   PATH_MAX - 1);
	}
	free(*field);
	*field = abs;
	return 0;
}

static int load_log_level(struct loader *l, const config_setting_t *s,
			  const char *key, void *obj, const struct key *k)
{
	const char *v;

	if (get_string(l, s, key, &v) < 0)
		return -1;
	for (size_t i = 0; i < NELEM(log_levels); i++) {
		if (log_levels[i] && strcmp(v, log_levels[i]) == 0) {
			*FIELD(obj, k, int) = (int)i;
			return 0;
		}
	}
	return config_fail(l, s, key, "\"%s\" is not one of debug, info, "
			   "notice, warning, err", v);
}

static int load_format(struct loader *l, const config_setting_t *s,
		       const char *key, void *obj, const struct key *k)
{
	const char *v;

	if (get_string(l, s, key, &v) < 0)
		return -1;
	if (settings_parse_format(v, FIELD(obj, k, enum thumb_format)) < 0)
		return config_fail(l, s, key, "\"%s\" is not one of auto, "
				   "jpeg, png, webp, avif", v);
	return 0;
}

static int load_crop(struct loader *l, const config_setting_t *s,
		     const char *key, void *obj, const struct key *k)
{
	const char *v;

	if (get_string(l, s, key, &v) < 0)
		return -1;
	if (settings_parse_crop(v, FIELD(obj, k, enum thumb_crop)) < 0)
		return config_fail(l, s, key, "\"%s\" is not one of none, "
				   "centre, attention", v);
	return 0;
}

static int load_placeholder(struct loader *l, const config_setting_t *s,
			    const char *key, void *obj, const struct key *k)
{
	const char *v;

	if (get_string(l, s, key, &v) < 0)
		return -1;
	if (settings_parse_placeholder(v, FIELD(obj, k,
						enum thumb_placeholder)) < 0)
		return config_fail(l, s, key, "\"%s\" is not one of none, "
				   "thumbhash", v);
	return 0;
}

/* A size's name is its folder under the dest root. */
static int load_size_name(struct loader *l, const config_setting_t *s,
			  const char *key, void *obj, const struct key *k)
{
	char *field = FIELD(obj, k, char);
	const char *v;

	if (get_string(l, s, key, &v) < 0)
		return -1;
	if (*v == '\0' || strcmp(v, ".") == 0 || strcmp(v, "..") == 0 ||
	    strchr(v, '/'))
		return config_fail(l, s, key, "\"%s\" cannot be a folder "
				   "name (empty, \".\", \"..\" or containing "
				   "'/')", v);
	if (strlen(v) >= SETTINGS_NAME_MAX)
		return config_fail(l, s, key, "longer than %d bytes",
				   SETTINGS_NAME_MAX - 1);
	strcpy(field, v);
	return 0;
}

/*
 * An array or list of non-empty patterns without '/' (they match names,
 * not paths), copied into the filter by SET.  An empty list is refused
 * unless ALLOW_EMPTY.
 */
static int load_patterns(struct loader *l, const config_setting_t *s,
			 const char *key, struct filter *f,
			 int (*set)(struct filter *, const char *const *,
				    size_t), bool allow_empty)
{
	int type = config_setting_type(s);
	int n = config_setting_length(s);
	const char **pats;
	int rc = -1;

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return config_fail(l, s, key, "wrong type: expected an array "
				   "[ ] of strings, found %s",
				   type_name(type));
	if (n == 0 && !allow_empty)
		return config_fail(l, s, key, "empty: no file would be taken");
	pats = calloc(n > 0 ? (size_t)n : 1, sizeof(*pats));
	if (!pats)
		return config_fail(l, s, key, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			config_fail(l, e, key, "element %d: expected a string, "
				    "found %s", i,
				    type_name(config_setting_type(e)));
			goto out;
		}
		pats[i] = config_setting_get_string(e);
		if (*pats[i] == '\0' || strchr(pats[i], '/')) {
			config_fail(l, e, key, "pattern \"%s\": patterns match "
				    "file names, so they are not empty and "
				    "hold no '/'", pats[i]);
			goto out;
		}
	}
	if (set(f, pats, (size_t)n) < 0) {
		config_fail(l, s, key, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(pats);
	return rc;
}

static int load_include(struct loader *l, const config_setting_t *s,
			const char *key, void *obj, const struct key *k)
{
	return load_patterns(l, s, key, FIELD(obj, k, struct filter),
			     filter_set_include, false);
}

static int load_ignore(struct loader *l, const config_setting_t *s,
		       const char *key, void *obj, const struct key *k)
{
	return load_patterns(l, s, key, FIELD(obj, k, struct filter),
			     filter_set_ignore, true);
}

static int load_group(struct loader *l, const config_setting_t *g,
		      const char *prefix, const struct key *keys, void *obj);

#define UINT_KEY(name, type, field, min, max) \
	{ name, load_uint, offsetof(type, field), min, max }

static const struct key root_keys[] = {
	{ "source", load_path, offsetof(struct watch_root, source), 0, 0 },
	{ "dest", load_path, offsetof(struct watch_root, dest), 0, 0 },
	{ "recursive", load_bool, offsetof(struct watch_root, recursive), 0, 0 },
	{ "scan_on_start", load_bool,
	  offsetof(struct watch_root, scan_on_start), 0, 0 },
	{ "mirror_deletes", load_bool,
	  offsetof(struct watch_root, mirror_deletes), 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct key size_keys[] = {
	{ "name", load_size_name, offsetof(struct size_spec, name), 0, 0 },
	{ "width", load_int, offsetof(struct size_spec, width), 1, 100000 },
	{ "height", load_int, offsetof(struct size_spec, height), 1, 100000 },
	{ "format", load_format, offsetof(struct size_spec, format), 0, 0 },
	{ "quality", load_int, offsetof(struct size_spec, quality), 1, 100 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct key output_keys[] = {
	{ "format", load_format, offsetof(struct settings, format), 0, 0 },
	{ "quality", load_int, offsetof(struct settings, quality), 1, 100 },
	{ "crop", load_crop, offsetof(struct settings, crop), 0, 0 },
	{ "keep_metadata", load_bool,
	  offsetof(struct settings, keep_metadata), 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct key filter_keys[] = {
	{ "include", load_include, 0, 0, 0 },
	{ "ignore", load_ignore, 0, 0, 0 },
	{ "follow_symlinks", load_bool,
	  offsetof(struct filter, follow_symlinks), 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct key limit_keys[] = {
	{ "max_pixels", load_u64, offsetof(struct limits, max_pixels),
	  1, INT64_MAX },
	UINT_KEY("max_file_mb", struct limits, max_file_mb, 1, 1048576),
	UINT_KEY("job_timeout", struct limits, job_timeout, 1, 86400),
	UINT_KEY("max_attempts", struct limits, max_attempts, 1, 100),
	UINT_KEY("worker_max_jobs", struct limits, worker_max_jobs, 1, INT_MAX),
	UINT_KEY("worker_memory_mb", struct limits, worker_memory_mb, 64,
		 4194304),
	UINT_KEY("vips_threads", struct limits, vips_threads, 1, 1024),
	{ "untrusted_loaders", load_bool,
	  offsetof(struct limits, untrusted_loaders), 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

static void free_roots(struct watch_root *roots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(roots[i].source);
		free(roots[i].dest);
	}
	free(roots);
}

static int load_watch(struct loader *l, const config_setting_t *s,
		      const char *key, void *obj, const struct key *k)
{
	struct config *c = FIELD(obj, k, struct config);
	int n = config_setting_length(s);
	struct watch_root *roots;
	size_t nroots = 0;
	char elem[CONFIG_KEY_MAX];

	if (want_type(l, s, key, CONFIG_TYPE_LIST) < 0)
		return -1;
	roots = calloc(n > 0 ? (size_t)n : 1, sizeof(*roots));
	if (!roots)
		return config_fail(l, s, key, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct watch_root *r = &roots[nroots++];

		*r = (struct watch_root){ .recursive = true,
					  .scan_on_start = true,
					  .mirror_deletes = true };
		snprintf(elem, sizeof(elem), "%s[%d]", key, i);
		if (load_group(l, e, elem, root_keys, r) < 0)
			goto fail;
		if (!r->source || !r->dest) {
			config_fail(l, e, elem, "missing %s: every watch needs "
				    "a source and a dest",
				    r->source ? "dest" : "source");
			goto fail;
		}
	}
	free_roots(c->roots, c->nroots);
	c->roots = roots;
	c->nroots = nroots;
	return 0;
fail:
	free_roots(roots, nroots);
	return -1;
}

static int load_sizes(struct loader *l, const config_setting_t *s,
		      const char *key, void *obj, const struct key *k)
{
	struct settings *st = FIELD(obj, k, struct settings);
	struct size_spec sizes[SETTINGS_MAX_SIZES];
	int n = config_setting_length(s);
	char elem[CONFIG_KEY_MAX];

	if (want_type(l, s, key, CONFIG_TYPE_LIST) < 0)
		return -1;
	if (n < 1 || n > SETTINGS_MAX_SIZES)
		return config_fail(l, s, key, "%d sizes: give 1 to %d", n,
				   SETTINGS_MAX_SIZES);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		sizes[i] = (struct size_spec){ .format = THUMB_FORMAT_AUTO };
		snprintf(elem, sizeof(elem), "%s[%d]", key, i);
		if (load_group(l, e, elem, size_keys, &sizes[i]) < 0)
			return -1;
		if (sizes[i].width == 0 || sizes[i].height == 0)
			return config_fail(l, e, elem, "missing %s: every "
					   "size needs a width and a height",
					   sizes[i].width ? "height" : "width");
		if (n == 1)
			continue;
		if (sizes[i].name[0] == '\0')
			return config_fail(l, e, elem, "missing name: with "
					   "several sizes each needs a name "
					   "(its folder under the dest)");
		for (int j = 0; j < i; j++) {
			if (strcmp(sizes[i].name, sizes[j].name) == 0) {
				snprintf(elem, sizeof(elem), "%s[%d].name",
					 key, i);
				return config_fail(l,
					config_setting_get_member(e, "name"),
					elem, "\"%s\" is already the name of "
					"%s[%d]", sizes[i].name, key, j);
			}
		}
	}
	memcpy(st->sizes, sizes, (size_t)n * sizeof(sizes[0]));
	st->nsizes = (size_t)n;
	return 0;
}

static int load_output(struct loader *l, const config_setting_t *s,
		       const char *key, void *obj, const struct key *k)
{
	return load_group(l, s, key, output_keys, FIELD(obj, k, struct settings));
}

static int load_filter(struct loader *l, const config_setting_t *s,
		       const char *key, void *obj, const struct key *k)
{
	struct settings *st = FIELD(obj, k, struct settings);

	return load_group(l, s, key, filter_keys, &st->filter);
}

static int load_limits(struct loader *l, const config_setting_t *s,
		       const char *key, void *obj, const struct key *k)
{
	struct settings *st = FIELD(obj, k, struct settings);

	return load_group(l, s, key, limit_keys, &st->limits);
}

static int load_shard(struct loader *l, const config_setting_t *s,
		      const char *key, void *obj, const struct key *k)
{
	char why[256];

	if (want_type(l, s, key, CONFIG_TYPE_STRING) < 0)
		return -1;
	if (shard_parse(config_setting_get_string(s),
			FIELD(obj, k, struct shard), why, sizeof(why)) != 0)
		return config_fail(l, s, key, "%s", why);
	return 0;
}

/* The settings groups take the struct settings inside the config. */
#define SETTINGS_OFF offsetof(struct config, settings)

static const struct key top_keys[] = {
	UINT_KEY("workers", struct config, workers, 0, 4096),
	{ "control_socket", load_path,
	  offsetof(struct config, control_socket), 0, 0 },
	{ "state_dir", load_path, offsetof(struct config, state_dir), 0, 0 },
	{ "log_level", load_log_level, offsetof(struct config, log_level), 0, 0 },
	UINT_KEY("queue_limit", struct config, queue_limit, 1, 100000000),
	UINT_KEY("settle_ms", struct config, settle_ms, 0, 3600000),
	UINT_KEY("poll_interval", struct config, poll_interval, 0, 31536000),
	UINT_KEY("events_buffer", struct config, events_buffer, 1, 1000000),
	{ "shard", load_shard, offsetof(struct config, shard), 0, 0 },
	{ "watch", load_watch, 0, 0, 0 },
	{ "sizes", load_sizes, SETTINGS_OFF, 0, 0 },
	{ "output", load_output, SETTINGS_OFF, 0, 0 },
	{ "filter", load_filter, SETTINGS_OFF, 0, 0 },
	{ "limits", load_limits, SETTINGS_OFF, 0, 0 },
	{ "placeholder", load_placeholder,
	  SETTINGS_OFF + offsetof(struct settings, placeholder), 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

static int unknown_key(struct loader *l, const config_setting_t *s,
		       const char *key, const struct key *keys)
{
	char known[512];
	size_t len = 0;

	known[0] = '\0';
	for (const struct key *k = keys; k->name && len < sizeof(known); k++) {
		int n = snprintf(known + len, sizeof(known) - len, "%s%s",
				 k == keys ? "" : ", ", k->name);

		if (n < 0)
			break;
		len += (size_t)n;
	}
	return config_fail(l, s, key, "unknown key (known here: %s)", known);
}

/*
 * Loads every member of group G (whose key path is PREFIX, "" at the
 * top) through KEYS into OBJ.  Stops at the first error.
 */
static int load_group(struct loader *l, const config_setting_t *g,
		      const char *prefix, const struct key *keys, void *obj)
{
	int n = config_setting_length(g);
	char key[CONFIG_KEY_MAX];

	if (want_type(l, g, *prefix ? prefix : "(top)", CONFIG_TYPE_GROUP) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct key *k = keys;

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
			 name ? name : "?");
		while (k->name && (!name || strcmp(k->name, name) != 0))
			k++;
		if (!k->name)
			return unknown_key(l, s, key, keys);
		if (k->load(l, s, key, obj, k) < 0)
			return -1;
	}
	return 0;
}

/* The folder of file NAME, absolute; NULL when it cannot be known. */
static char *folder_of(const char *name)
{
	char *cwd = NULL, *full, *slash;

	if (name[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return NULL;
	}
	full = path_join(cwd ? cwd : "", name);
	free(cwd);
	if (!full)
		return NULL;
	slash = strrchr(full, '/');
	if (slash == full)
		slash[1] = '\0';
	else
		*slash = '\0';
	return full;
}

int config_load_string(struct config *c, const char *text, const char *name,
		       char *err, size_t errsz)
{
	struct loader l = {
		.name = name ? name : "(string)",
		.text = text,
		.base = name ? folder_of(name) : NULL,
		.err = err,
		.errsz = errsz,
	};
	int include_line = config_find_include(text);
	config_t cfg;
	config_setting_t *top;
	char *path_copy = NULL;
	int rc = -1;

	config_init(&cfg);
	if (include_line > 0) {
		snprintf(err, errsz, "%s:%d: @include is not supported: put "
			 "every setting in this one file", l.name, include_line);
		goto out;
	}
	if (!config_read_string(&cfg, text)) {
		snprintf(err, errsz, "%s:%d: %s", l.name,
			 config_error_line(&cfg), config_error_text(&cfg));
		goto out;
	}
	top = config_root_setting(&cfg);
	if (load_group(&l, top, "", top_keys, c) < 0 ||
	    config_check_roots(&l, c, top) < 0)
		goto out;
	if (name) {
		path_copy = strdup(name);
		if (!path_copy) {
			snprintf(err, errsz, "%s: out of memory", l.name);
			goto out;
		}
	}
	free(c->path);
	c->path = path_copy;
	rc = 0;
out:
	config_destroy(&cfg);
	free(l.base);
	return rc;
}

int config_load(struct config *c, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len;
	int rc = -1;

	if (!f) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errsz, "%s: larger than %d bytes: not a config "
			 "file", path, CONFIG_FILE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errsz, "%s: holds a NUL byte: not a config file",
			 path);
		goto out;
	}
	text[len] = '\0';
	rc = config_load_string(c, text, path, err, errsz);
out:
	free(text);
	fclose(f);
	return rc;
}

int config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->control_socket = strdup("/run/thumper/control.sock");
	c->state_dir = strdup("/var/lib/thumper");
	c->log_level = LOG_INFO;
	c->queue_limit = 100000;
	c->events_buffer = 1024;
	if (!c->control_socket || !c->state_dir ||
	    settings_init(&c->settings) < 0) {
		config_free(c);
		return -ENOMEM;
	}
	return 0;
}

void config_free(struct config *c)
{
	free(c->path);
	free(c->control_socket);
	free(c->state_dir);
	free_roots(c->roots, c->nroots);
	settings_free(&c->settings);
	memset(c, 0, sizeof(*c));
}

const char *config_log_level_name(int level)
{
	if (level >= 0 && (size_t)level < NELEM(log_levels) && log_levels[level])
		return log_levels[level];
	return "info";
}
