/*
 * config_print.c - the effective configuration in libconfig syntax
 * (thumperd -t), which config_load() reads back to the same config.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/config.h"

/* S as a libconfig string literal: quotes, backslashes and control bytes
 * escaped, every other byte as it is. */
static void print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void print_patterns(FILE *f, const char *key, char *const *pats,
			   size_t n)
{
	fprintf(f, "  %s = [", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : " ", f);
		print_string(f, pats[i]);
	}
	fputs(" ];\n", f);
}

static const char *bool_name(bool b)
{
	return b ? "true" : "false";
}

void config_print(const struct config *c, FILE *f)
{
	char shard[SHARD_STRMAX];
	const struct settings *s = &c->settings;
	const struct limits *lim = &s->limits;

	fprintf(f, "# thumper effective configuration%s%s\n",
		c->path ? " from " : " (defaults)", c->path ? c->path : "");
	fprintf(f, "workers = %u;\n", c->workers);
	fputs("control_socket = ", f);
	print_string(f, c->control_socket);
	fputs(";\nstate_dir = ", f);
	print_string(f, c->state_dir);
	fprintf(f, ";\nlog_level = \"%s\";\n", config_log_level_name(c->log_level));
	fprintf(f, "queue_limit = %u;\nsettle_ms = %u;\npoll_interval = %u;\n"
		"events_buffer = %u;\n", c->queue_limit, c->settle_ms,
		c->poll_interval, c->events_buffer);
	if (c->shard.n > 0)
		fprintf(f, "shard = \"%s\";\n", shard_str(&c->shard, shard));
	fputs("watch = (", f);
	for (size_t i = 0; i < c->nroots; i++) {
		const struct watch_root *r = &c->roots[i];

		fputs(i ? ",\n  { source = " : "\n  { source = ", f);
		print_string(f, r->source);
		fputs("; dest = ", f);
		print_string(f, r->dest);
		fprintf(f, ";\n    recursive = %s; scan_on_start = %s; "
			"mirror_deletes = %s; }", bool_name(r->recursive),
			bool_name(r->scan_on_start),
			bool_name(r->mirror_deletes));
	}
	fputs(c->nroots ? "\n);\n" : " );\n", f);
	fputs("sizes = (", f);
	for (size_t i = 0; i < s->nsizes; i++) {
		const struct size_spec *z = &s->sizes[i];

		fputs(i ? ",\n  {" : "\n  {", f);
		if (z->name[0]) {
			fputs(" name = ", f);
			print_string(f, z->name);
			fputc(';', f);
		}
		fprintf(f, " width = %d; height = %d;", z->width, z->height);
		if (z->format != THUMB_FORMAT_AUTO)
			fprintf(f, " format = \"%s\";",
				settings_format_name(z->format));
		if (z->quality > 0)
			fprintf(f, " quality = %d;", z->quality);
		fputs(" }", f);
	}
	fputs("\n);\n", f);
	fprintf(f, "output = { format = \"%s\"; quality = %d; crop = \"%s\"; "
		"keep_metadata = %s; };\n", settings_format_name(s->format),
		s->quality, settings_crop_name(s->crop),
		bool_name(s->keep_metadata));
	fputs("filter = {\n", f);
	print_patterns(f, "include", s->filter.include, s->filter.ninclude);
	print_patterns(f, "ignore", s->filter.ignore, s->filter.nignore);
	fprintf(f, "  follow_symlinks = %s;\n};\n",
		bool_name(s->filter.follow_symlinks));
	fprintf(f, "limits = {\n  max_pixels = %" PRIu64 "%s;\n"
		"  max_file_mb = %u;\n  job_timeout = %u;\n"
		"  max_attempts = %u;\n  worker_max_jobs = %u;\n"
		"  worker_memory_mb = %u;\n  vips_threads = %u;\n"
		"  untrusted_loaders = %s;\n};\n",
		lim->max_pixels, lim->max_pixels > INT32_MAX ? "L" : "",
		lim->max_file_mb, lim->job_timeout, lim->max_attempts,
		lim->worker_max_jobs, lim->worker_memory_mb,
		lim->vips_threads, bool_name(lim->untrusted_loaders));
	fprintf(f, "placeholder = \"%s\";\n",
		settings_placeholder_name(s->placeholder));
}
