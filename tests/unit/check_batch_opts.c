/*
 * check_batch_opts.c - the command lines of `thumper SRC DEST` and
 * `thumper bench SRC` (batch/batch.h, design.md §2): the defaults; every
 * option in its short, long and --opt=value forms; the bounds of each
 * value, in and just out; a bad value refused with a message naming the
 * option and the value; a missing value, an unknown option and the wrong
 * number of folders refused; -c FILE's settings overridden by -s, -f, -q
 * and --crop whatever their order; the bench's -j range, --runs and
 * --plot; and a parser that can be called again.  Last, the real program:
 * every bad value makes `thumper` exit 2 with the option named on stderr.
 */
#include <config.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch/batch.h"
#include "tests/unit/testutil.h"

#define MAX_ARGS 48

static char base[] = "/tmp/check_batch_opts.XXXXXX";
static struct batch_opts o;
static bool parsed;
static char err[1024];
static char *args[MAX_ARGS + 2];

static void
teardown(void)
{
	if (parsed)
		batch_opts_free(&o);
	parsed = false;
}

/* Parses the NULL-terminated arguments after the program name (after
 * "bench" when BENCH) into o; err holds the message. */
static enum batch_parse
parse_list(bool bench, va_list ap)
{
	const char *a;
	int argc = 0;

	teardown();
	args[argc++] = bench ? "bench" : "thumper";
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert_int_lt(argc, MAX_ARGS);
		args[argc++] = (char *)a;
	}
	args[argc] = NULL;
	memset(err, 0, sizeof(err));
	parsed = true;
	return bench ? bench_parse_args(argc, args, &o, err, sizeof(err))
		     : batch_parse_args(argc, args, &o, err, sizeof(err));
}

static enum batch_parse
parse(const char *first, ...)
{
	va_list ap;
	enum batch_parse rc;

	(void)first;		/* a placeholder for va_start */
	va_start(ap, first);
	rc = parse_list(false, ap);
	va_end(ap);
	return rc;
}

static enum batch_parse
bench(const char *first, ...)
{
	va_list ap;
	enum batch_parse rc;

	(void)first;		/* a placeholder for va_start */
	va_start(ap, first);
	rc = parse_list(true, ap);
	va_end(ap);
	return rc;
}

/* parse(...) with the arguments as given: P(a, b, c) parses "a b c". */
#define P(...) parse("", __VA_ARGS__, (const char *)NULL)
#define B(...) bench("", __VA_ARGS__, (const char *)NULL)

/* The last parse refused, with a message holding each of the strings. */
static void
refused(const char *what, const char *has1, const char *has2)
{
	ck_assert_msg(err[0] != '\0', "%s: refused without a message", what);
	ck_assert_msg(strstr(err, has1) != NULL,
		      "%s: message \"%s\" does not name \"%s\"", what, err, has1);
	if (has2)
		ck_assert_msg(strstr(err, has2) != NULL,
			      "%s: message \"%s\" does not say \"%s\"", what,
			      err, has2);
}

START_TEST(defaults)
{
	ck_assert_int_eq(P("in", "out"), BATCH_RUN);
	ck_assert_str_eq(o.src, "in");
	ck_assert_str_eq(o.dest, "out");
	ck_assert_ptr_null(o.config_path);
	ck_assert_uint_eq(o.jobs, 0);
	ck_assert(!o.force);
	ck_assert(!o.json);
	ck_assert_int_eq(o.progress, PROGRESS_AUTO);
	ck_assert_uint_eq(o.settings.nsizes, 1);
	ck_assert_int_eq(o.settings.sizes[0].width, 200);
	ck_assert_int_eq(o.settings.sizes[0].height, 200);
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_AUTO);
	ck_assert_int_eq(o.settings.quality, 85);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_NONE);
	ck_assert_int_eq(o.settings.placeholder, THUMB_PLACEHOLDER_NONE);
	ck_assert(filter_take_file(&o.settings.filter, "a.jpg"));
	ck_assert(!filter_take_file(&o.settings.filter, "a.txt"));
}
END_TEST

START_TEST(every_option_in_short_form)
{
	ck_assert_int_eq(P("-j", "4", "-s", "320x240", "-f", "png", "-q", "70",
			   "--crop", "attention", "--force", "--progress",
			   "--json", "in", "out"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs, 4);
	ck_assert_uint_eq(o.settings.nsizes, 1);
	ck_assert_int_eq(o.settings.sizes[0].width, 320);
	ck_assert_int_eq(o.settings.sizes[0].height, 240);
	ck_assert_str_eq(o.settings.sizes[0].name, "320x240");
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_PNG);
	ck_assert_int_eq(o.settings.quality, 70);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_ATTENTION);
	ck_assert(o.force);
	ck_assert(o.json);
	ck_assert_int_eq(o.progress, PROGRESS_ON);
	/* Short options glued to their values. */
	ck_assert_int_eq(P("-j2", "-s64x48", "-fwebp", "-q9", "in", "out"),
			 BATCH_RUN);
	ck_assert_uint_eq(o.jobs, 2);
	ck_assert_int_eq(o.settings.sizes[0].width, 64);
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_WEBP);
	ck_assert_int_eq(o.settings.quality, 9);
}
END_TEST

START_TEST(every_option_in_long_form)
{
	ck_assert_int_eq(P("--jobs", "3", "--size=100x50", "--format=AVIF",
			   "--quality", "100", "--crop=centre", "--no-progress",
			   "--force", "--json", "in", "out"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs, 3);
	ck_assert_int_eq(o.settings.sizes[0].width, 100);
	ck_assert_int_eq(o.settings.sizes[0].height, 50);
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_AVIF);
	ck_assert_int_eq(o.settings.quality, 100);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_CENTRE);
	ck_assert_int_eq(o.progress, PROGRESS_OFF);
	ck_assert(o.force && o.json);
	/* The last of --progress / --no-progress wins. */
	ck_assert_int_eq(P("--no-progress", "--progress", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.progress, PROGRESS_ON);
	ck_assert_int_eq(P("--progress", "--no-progress", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.progress, PROGRESS_OFF);
	/* Every format and crop name, in any case, with their aliases. */
	static const struct {
		const char *name;
		enum thumb_format f;
	} formats[] = {
		{ "auto", THUMB_FORMAT_AUTO }, { "jpeg", THUMB_FORMAT_JPEG },
		{ "JPG", THUMB_FORMAT_JPEG }, { "Png", THUMB_FORMAT_PNG },
		{ "webp", THUMB_FORMAT_WEBP }, { "avif", THUMB_FORMAT_AVIF },
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		ck_assert_int_eq(P("-f", formats[i].name, "in", "out"), BATCH_RUN);
		ck_assert_int_eq(o.settings.format, formats[i].f);
	}
	ck_assert_int_eq(P("--crop", "center", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_CENTRE);
	ck_assert_int_eq(P("--crop", "NONE", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_NONE);
	ck_assert_int_eq(P("--placeholder", "thumbhash", "in", "out"),
			 BATCH_RUN);
	ck_assert_int_eq(o.settings.placeholder, THUMB_PLACEHOLDER_THUMBHASH);
	ck_assert_int_eq(P("--placeholder=ThumbHash", "--placeholder", "none",
			   "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.settings.placeholder, THUMB_PLACEHOLDER_NONE);
	/* Unambiguous abbreviations, as getopt_long allows. */
	ck_assert_int_eq(P("--qual=5", "--no-p", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.settings.quality, 5);
	ck_assert_int_eq(o.progress, PROGRESS_OFF);
}
END_TEST

START_TEST(events_takes_a_file_or_stdout)
{
	ck_assert_int_eq(P("in", "out"), BATCH_RUN);
	ck_assert_ptr_null(o.events_path);
	ck_assert_int_eq(P("--events", "/var/log/run.ndjson", "in", "out"),
			 BATCH_RUN);
	ck_assert_str_eq(o.events_path, "/var/log/run.ndjson");
	ck_assert_int_eq(P("--events=-", "in", "out"), BATCH_RUN);
	ck_assert_str_eq(o.events_path, "-");
	/* A file and --json go together; stdout cannot carry both. */
	ck_assert_int_eq(P("--events", "ev", "--json", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(P("--events", "-", "--json", "in", "out"),
			 BATCH_USAGE_ERROR);
	refused("--events - --json", "--events -", "--json");
	ck_assert_int_eq(P("--events=", "in", "out"), BATCH_USAGE_ERROR);
	refused("--events=", "--events", "empty");
	ck_assert_int_eq(P("--events"), BATCH_USAGE_ERROR);
	refused("--events", "--events", "needs a value");
	/* The bench writes no records. */
	ck_assert_int_eq(B("--events", "ev", "in"), BATCH_USAGE_ERROR);
	refused("bench --events", "--events", NULL);
}
END_TEST

START_TEST(several_sizes_keep_their_order)
{
	ck_assert_int_eq(P("-s", "100", "--size", "200x100", "-s", "64X48",
			   "in", "out"), BATCH_RUN);
	ck_assert_uint_eq(o.settings.nsizes, 3);
	ck_assert_str_eq(o.settings.sizes[0].name, "100x100");
	ck_assert_int_eq(o.settings.sizes[0].height, 100);
	ck_assert_str_eq(o.settings.sizes[1].name, "200x100");
	ck_assert_str_eq(o.settings.sizes[2].name, "64x48");
	ck_assert_int_eq(o.settings.sizes[2].width, 64);
	ck_assert_int_eq(o.settings.sizes[2].height, 48);
}
END_TEST

START_TEST(at_most_sixteen_sizes_none_twice)
{
	char boxes[17][16];
	const char *a[40];
	int n = 0;

	for (int i = 0; i < 17; i++) {
		snprintf(boxes[i], sizeof(boxes[i]), "%dx%d", 10 + i, 10);
		a[n++] = "-s";
		a[n++] = boxes[i];
	}
	/* Sixteen go. */
	ck_assert_int_eq(parse("", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
			       a[7], a[8], a[9], a[10], a[11], a[12], a[13],
			       a[14], a[15], a[16], a[17], a[18], a[19], a[20],
			       a[21], a[22], a[23], a[24], a[25], a[26], a[27],
			       a[28], a[29], a[30], a[31], "in", "out",
			       (const char *)NULL), BATCH_RUN);
	ck_assert_uint_eq(o.settings.nsizes, 16);
	ck_assert_str_eq(o.settings.sizes[15].name, "25x10");
	/* The seventeenth does not. */
	ck_assert_int_eq(parse("", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
			       a[7], a[8], a[9], a[10], a[11], a[12], a[13],
			       a[14], a[15], a[16], a[17], a[18], a[19], a[20],
			       a[21], a[22], a[23], a[24], a[25], a[26], a[27],
			       a[28], a[29], a[30], a[31], a[32], a[33], "in",
			       "out", (const char *)NULL), BATCH_USAGE_ERROR);
	refused("17 sizes", "--size", "16");
	/* The same box twice, however it is written. */
	ck_assert_int_eq(P("-s", "100x100", "-s", "100", "in", "out"),
			 BATCH_USAGE_ERROR);
	refused("a box twice", "--size", "twice");
	ck_assert_int_eq(P("-s", "100x100", "-s", "100X100", "in", "out"),
			 BATCH_USAGE_ERROR);
	refused("a box twice", "--size", "twice");
}
END_TEST

START_TEST(values_at_their_bounds_are_taken)
{
	ck_assert_int_eq(P("-j", "1", "-q", "1", "-s", "1x1", "in", "out"),
			 BATCH_RUN);
	ck_assert_uint_eq(o.jobs, 1);
	ck_assert_int_eq(o.settings.quality, 1);
	ck_assert_int_eq(o.settings.sizes[0].width, 1);
	ck_assert_int_eq(P("-j", "1024", "-q", "100", "-s", "100000x100000",
			   "in", "out"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs, 1024);
	ck_assert_int_eq(o.settings.quality, 100);
	ck_assert_int_eq(o.settings.sizes[0].height, 100000);
}
END_TEST

static const struct {
	const char *opt, *value;	/* the option as given and its value */
	const char *named;		/* how the message names the option */
} bad_values[] = {
	{ "-j", "0", "--jobs" }, { "--jobs", "1025", "--jobs" },
	{ "-j", "-1", "--jobs" }, { "-j", "2x", "--jobs" },
	{ "-j", "", "--jobs" }, { "-j", "99999999999999999999", "--jobs" },
	{ "-j", "1.5", "--jobs" },
	{ "-s", "0x10", "--size" }, { "-s", "10x0", "--size" },
	{ "--size", "100001x1", "--size" }, { "-s", "abc", "--size" },
	{ "-s", "", "--size" }, { "-s", "10x", "--size" },
	{ "-s", "x10", "--size" }, { "-s", "-10x10", "--size" },
	{ "-s", "10x10x10", "--size" },
	{ "-f", "gif", "--format" }, { "--format", "", "--format" },
	{ "-f", "jpeg ", "--format" },
	{ "-q", "0", "--quality" }, { "--quality", "101", "--quality" },
	{ "-q", "50%", "--quality" }, { "-q", "", "--quality" },
	{ "--crop", "smart", "--crop" }, { "--crop", "", "--crop" },
	{ "--placeholder", "blurhash", "--placeholder" },
	{ "--placeholder", "", "--placeholder" },
};
#define NBAD (sizeof(bad_values) / sizeof(bad_values[0]))

START_TEST(a_bad_value_is_refused_naming_option_and_value)
{
	for (size_t i = 0; i < NBAD; i++) {
		char what[128], quoted[64];

		snprintf(what, sizeof(what), "%s '%s'", bad_values[i].opt,
			 bad_values[i].value);
		snprintf(quoted, sizeof(quoted), "'%s'", bad_values[i].value);
		ck_assert_msg(P(bad_values[i].opt, bad_values[i].value, "in",
				"out") == BATCH_USAGE_ERROR,
			      "%s was taken", what);
		refused(what, bad_values[i].named, quoted);
		/* Also where the value is glued on with '='. */
		if (strncmp(bad_values[i].opt, "--", 2) == 0) {
			char glued[64];

			snprintf(glued, sizeof(glued), "%s=%s",
				 bad_values[i].opt, bad_values[i].value);
			ck_assert_msg(P(glued, "in", "out") == BATCH_USAGE_ERROR,
				      "%s was taken", glued);
			refused(glued, bad_values[i].named, quoted);
		}
	}
}
END_TEST

START_TEST(a_missing_value_or_unknown_option_is_refused)
{
	static const char *const need[] = { "-j", "--jobs", "-s", "--size",
					    "-f", "--format", "-q", "--quality",
					    "--crop", "--placeholder", "-c",
					    "--config" };

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		ck_assert_int_eq(P("in", "out", need[i]), BATCH_USAGE_ERROR);
		refused(need[i], need[i], "needs a value");
	}
	ck_assert_int_eq(P("--bogus", "in", "out"), BATCH_USAGE_ERROR);
	refused("--bogus", "unknown option", "--bogus");
	ck_assert_int_eq(P("-z", "in", "out"), BATCH_USAGE_ERROR);
	refused("-z", "unknown option", "-z");
	ck_assert_int_eq(P("--force=yes", "in", "out"), BATCH_USAGE_ERROR);
	ck_assert(err[0] != '\0');
	/* The bench's own options are not the batch's. */
	ck_assert_int_eq(P("--runs", "3", "in", "out"), BATCH_USAGE_ERROR);
	refused("--runs", "unknown option", "--runs");
	ck_assert_int_eq(P("--plot", "x.svg", "in", "out"), BATCH_USAGE_ERROR);
	refused("--plot", "unknown option", "--plot");
}
END_TEST

START_TEST(exactly_two_folders_are_taken)
{
	ck_assert_int_eq(parse("", (const char *)NULL), BATCH_USAGE_ERROR);
	refused("no folder", "SRC and DEST", NULL);
	ck_assert_int_eq(P("in"), BATCH_USAGE_ERROR);
	refused("one folder", "SRC and DEST", NULL);
	ck_assert_int_eq(P("a", "b", "c"), BATCH_USAGE_ERROR);
	refused("three folders", "too many", NULL);
	/* Options may follow the folders; "--" ends the options. */
	ck_assert_int_eq(P("in", "out", "-j", "3"), BATCH_RUN);
	ck_assert_str_eq(o.src, "in");
	ck_assert_str_eq(o.dest, "out");
	ck_assert_uint_eq(o.jobs, 3);
	ck_assert_int_eq(P("-j", "2", "--", "-in", "--out"), BATCH_RUN);
	ck_assert_str_eq(o.src, "-in");
	ck_assert_str_eq(o.dest, "--out");
}
END_TEST

START_TEST(help_and_version)
{
	ck_assert_int_eq(P("-h"), BATCH_HELP);
	ck_assert_int_eq(P("--help"), BATCH_HELP);
	ck_assert_int_eq(P("-V"), BATCH_VERSION);
	ck_assert_int_eq(P("--version"), BATCH_VERSION);
	ck_assert_int_eq(P("in", "out", "--help"), BATCH_HELP);
	ck_assert_int_eq(B("--help"), BATCH_HELP);
}
END_TEST

/* Writes TEXT to BASE/NAME and returns the path (static). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static const char conf_text[] =
	"sizes = ( { name = \"small\"; width = 64; height = 48;\n"
	"            format = \"png\"; quality = 70; } );\n"
	"output = { format = \"webp\"; quality = 90; crop = \"attention\"; };\n"
	"filter = { include = [ \"*.foo\" ]; };\n"
	"placeholder = \"thumbhash\";\n";

START_TEST(config_file_settings_are_taken)
{
	char conf[PATH_MAX];

	snprintf(conf, sizeof(conf), "%s", write_file("a.conf", conf_text));
	ck_assert_int_eq(P("-c", conf, "in", "out"), BATCH_RUN);
	ck_assert_str_eq(o.config_path, conf);
	ck_assert_uint_eq(o.settings.nsizes, 1);
	ck_assert_str_eq(o.settings.sizes[0].name, "small");
	ck_assert_int_eq(o.settings.sizes[0].width, 64);
	ck_assert_int_eq(o.settings.sizes[0].format, THUMB_FORMAT_PNG);
	ck_assert_int_eq(o.settings.sizes[0].quality, 70);
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_WEBP);
	ck_assert_int_eq(o.settings.quality, 90);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_ATTENTION);
	ck_assert(filter_take_file(&o.settings.filter, "x.foo"));
	ck_assert(!filter_take_file(&o.settings.filter, "x.jpg"));
	ck_assert_int_eq(o.settings.placeholder, THUMB_PLACEHOLDER_THUMBHASH);
	ck_assert_int_eq(P("--config", conf, "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.settings.quality, 90);
}
END_TEST

START_TEST(options_override_the_config_file_in_any_order)
{
	char conf[PATH_MAX];

	snprintf(conf, sizeof(conf), "%s", write_file("b.conf", conf_text));
	/* Before -c ... */
	ck_assert_int_eq(P("-f", "jpeg", "-q", "50", "--crop", "none", "-c",
			   conf, "in", "out"), BATCH_RUN);
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_JPEG);
	ck_assert_int_eq(settings_size_format(&o.settings, 0), THUMB_FORMAT_JPEG);
	ck_assert_int_eq(o.settings.quality, 50);
	ck_assert_int_eq(settings_size_quality(&o.settings, 0), 50);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_NONE);
	ck_assert_str_eq(o.settings.sizes[0].name, "small");
	/* ... or after it. */
	ck_assert_int_eq(P("-c", conf, "-f", "jpeg", "-q", "50", "--crop",
			   "none", "in", "out"), BATCH_RUN);
	ck_assert_int_eq(settings_size_format(&o.settings, 0), THUMB_FORMAT_JPEG);
	ck_assert_int_eq(settings_size_quality(&o.settings, 0), 50);
	ck_assert_int_eq(o.settings.crop, THUMB_CROP_NONE);
	/* -s replaces the file's sizes; the rest of the file stays. */
	ck_assert_int_eq(P("-s", "10x20", "-c", conf, "in", "out"), BATCH_RUN);
	ck_assert_uint_eq(o.settings.nsizes, 1);
	ck_assert_str_eq(o.settings.sizes[0].name, "10x20");
	ck_assert_int_eq(o.settings.sizes[0].width, 10);
	ck_assert_int_eq(settings_size_format(&o.settings, 0), THUMB_FORMAT_WEBP);
	ck_assert_int_eq(settings_size_quality(&o.settings, 0), 90);
	ck_assert(filter_take_file(&o.settings.filter, "x.foo"));
	ck_assert_int_eq(P("--placeholder", "none", "-c", conf, "in", "out"),
			 BATCH_RUN);
	ck_assert_int_eq(o.settings.placeholder, THUMB_PLACEHOLDER_NONE);
	/* The file does not override the options either way. */
	ck_assert_int_eq(P("-c", conf, "-s", "10x20", "in", "out"), BATCH_RUN);
	ck_assert_str_eq(o.settings.sizes[0].name, "10x20");
}
END_TEST

START_TEST(a_bad_config_file_is_refused_naming_it)
{
	char conf[PATH_MAX], missing[PATH_MAX];

	snprintf(conf, sizeof(conf), "%s",
		 write_file("bad.conf", "output = {\n quality = 500; };\n"));
	ck_assert_int_eq(P("-c", conf, "in", "out"), BATCH_USAGE_ERROR);
	refused("a bad config", conf, "quality");
	ck_assert_ptr_nonnull(strstr(err, ":2:"));
	snprintf(missing, sizeof(missing), "%s/none.conf", base);
	ck_assert_int_eq(P("-c", missing, "in", "out"), BATCH_USAGE_ERROR);
	refused("a missing config", missing, NULL);
}
END_TEST

START_TEST(the_parser_can_be_called_again)
{
	ck_assert_int_eq(P("-j", "7", "--force", "--json", "-s", "10", "a", "b"),
			 BATCH_RUN);
	ck_assert_int_eq(P("-j", "0", "a", "b"), BATCH_USAGE_ERROR);
	ck_assert_int_eq(P("c", "d"), BATCH_RUN);
	ck_assert_str_eq(o.src, "c");
	ck_assert_uint_eq(o.jobs, 0);
	ck_assert(!o.force && !o.json);
	ck_assert_uint_eq(o.settings.nsizes, 1);
	ck_assert_int_eq(o.settings.sizes[0].width, 200);
	ck_assert_int_eq(P("-j", "5", "c", "d"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs, 5);
}
END_TEST

START_TEST(bench_takes_one_folder_and_a_range_of_workers)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_int_eq(B("src"), BATCH_RUN);
	ck_assert_str_eq(o.src, "src");
	ck_assert_ptr_null(o.dest);
	ck_assert_uint_eq(o.jobs_lo, 1);
	ck_assert_uint_eq(o.jobs_hi, ncpu < 1 ? 1 : ncpu > 1024 ? 1024 : ncpu);
	ck_assert_uint_eq(o.runs, 1);
	ck_assert_ptr_null(o.plot_path);
	ck_assert_int_eq(B("-j", "2-6", "--runs", "5", "--plot", "p.svg",
			   "-s", "64", "-f", "png", "--json", "src"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs_lo, 2);
	ck_assert_uint_eq(o.jobs_hi, 6);
	ck_assert_uint_eq(o.runs, 5);
	ck_assert_str_eq(o.plot_path, "p.svg");
	ck_assert_int_eq(o.settings.sizes[0].width, 64);
	ck_assert_int_eq(o.settings.format, THUMB_FORMAT_PNG);
	ck_assert(o.json);
	ck_assert_int_eq(B("--jobs=3", "--runs=100", "src"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs_lo, 1);
	ck_assert_uint_eq(o.jobs_hi, 3);
	ck_assert_uint_eq(o.runs, 100);
	ck_assert_int_eq(B("-j", "4-4", "src"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs_lo, 4);
	ck_assert_uint_eq(o.jobs_hi, 4);
	ck_assert_int_eq(B("-j", "1-1024", "src"), BATCH_RUN);
	ck_assert_uint_eq(o.jobs_hi, 1024);
}
END_TEST

START_TEST(bench_refuses_bad_values_naming_the_option)
{
	static const struct {
		const char *opt, *value, *named;
	} bad[] = {
		{ "-j", "4-2", "--jobs" }, { "-j", "0-2", "--jobs" },
		{ "-j", "2-", "--jobs" }, { "-j", "-2", "--jobs" },
		{ "-j", "0", "--jobs" }, { "-j", "1-1025", "--jobs" },
		{ "-j", "1-2-3", "--jobs" }, { "-j", "a-b", "--jobs" },
		{ "--runs", "0", "--runs" }, { "--runs", "101", "--runs" },
		{ "--runs", "x", "--runs" }, { "--plot", "", "--plot" },
		{ "-q", "0", "--quality" }, { "-s", "0", "--size" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "bench %s '%s'", bad[i].opt,
			 bad[i].value);
		ck_assert_msg(B(bad[i].opt, bad[i].value, "src") ==
			      BATCH_USAGE_ERROR, "%s was taken", what);
		refused(what, bad[i].named, NULL);
	}
	ck_assert_int_eq(B("-j"), BATCH_USAGE_ERROR);
	ck_assert_int_eq(bench("", (const char *)NULL), BATCH_USAGE_ERROR);
	refused("bench without SRC", "SRC", NULL);
	ck_assert_int_eq(B("a", "b"), BATCH_USAGE_ERROR);
	refused("bench with two folders", "too many", NULL);
}
END_TEST

/* --- the program ---------------------------------------------------- */

/* Runs THUMPER with ARGV[1..]; returns its exit status, stdout and
 * stderr in OUT and ERRBUF. */
static int
run_thumper(char *const argv[], char *out, size_t outsz, char *errbuf,
	    size_t errsz)
{
	const char *prog = getenv("THUMPER");
	int opipe[2], epipe[2], status;
	ssize_t n;
	size_t no = 0, ne = 0;
	pid_t pid;

	ck_assert_msg(prog != NULL, "THUMPER is not set (run through make check)");
	ck_assert_int_eq(pipe(opipe), 0);
	ck_assert_int_eq(pipe(epipe), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		close(opipe[0]);
		close(epipe[0]);
		execv(prog, argv);
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	/* Both outputs are small: read stdout to its end, then stderr. */
	while ((n = read(opipe[0], out + no, outsz - 1 - no)) > 0)
		no += (size_t)n;
	while ((n = read(epipe[0], errbuf + ne, errsz - 1 - ne)) > 0)
		ne += (size_t)n;
	out[no] = errbuf[ne] = '\0';
	close(opipe[0]);
	close(epipe[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(thumper_exits_2_naming_the_bad_option)
{
	char out[8192], errbuf[4096];
	char *argv[8];

	for (size_t i = 0; i < NBAD; i++) {
		argv[0] = "thumper";
		argv[1] = (char *)bad_values[i].opt;
		argv[2] = (char *)bad_values[i].value;
		argv[3] = "/nonexistent/in";
		argv[4] = "/nonexistent/out";
		argv[5] = NULL;
		ck_assert_int_eq(run_thumper(argv, out, sizeof(out), errbuf,
					     sizeof(errbuf)), 2);
		ck_assert_msg(strstr(errbuf, bad_values[i].named) != NULL,
			      "thumper %s '%s': stderr \"%s\" does not name %s",
			      argv[1], argv[2], errbuf, bad_values[i].named);
		ck_assert_ptr_nonnull(strstr(errbuf, "--help"));
		ck_assert_str_eq(out, "");
	}
	argv[1] = "--bogus";
	argv[2] = "in";
	argv[3] = "out";
	argv[4] = NULL;
	ck_assert_int_eq(run_thumper(argv, out, sizeof(out), errbuf,
				     sizeof(errbuf)), 2);
	ck_assert_ptr_nonnull(strstr(errbuf, "--bogus"));
	argv[1] = "in";
	argv[2] = NULL;
	ck_assert_int_eq(run_thumper(argv, out, sizeof(out), errbuf,
				     sizeof(errbuf)), 2);
	ck_assert_ptr_nonnull(strstr(errbuf, "SRC and DEST"));
	argv[1] = "bench";
	argv[2] = "--runs";
	argv[3] = "0";
	argv[4] = "src";
	argv[5] = NULL;
	ck_assert_int_eq(run_thumper(argv, out, sizeof(out), errbuf,
				     sizeof(errbuf)), 2);
	ck_assert_ptr_nonnull(strstr(errbuf, "--runs"));
	/* --help and --version are not errors. */
	argv[1] = "--help";
	argv[2] = NULL;
	ck_assert_int_eq(run_thumper(argv, out, sizeof(out), errbuf,
				     sizeof(errbuf)), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: thumper"));
	ck_assert_str_eq(errbuf, "");
	argv[1] = "--version";
	ck_assert_int_eq(run_thumper(argv, out, sizeof(out), errbuf,
				     sizeof(errbuf)), 0);
	ck_assert(strncmp(out, "thumper ", 8) == 0);
	if (getenv("THUMPER_VERSION"))
		ck_assert_ptr_nonnull(strstr(out, getenv("THUMPER_VERSION")));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("batch_opts");
	TCase *tc = tcase_create("parse"), *prog = tcase_create("program");
	int failed;

	if (mkdtemp(base) == NULL) {
		perror("check_batch_opts: mkdtemp");
		return 99;
	}
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_option_in_short_form);
	tcase_add_test(tc, every_option_in_long_form);
	tcase_add_test(tc, events_takes_a_file_or_stdout);
	tcase_add_test(tc, several_sizes_keep_their_order);
	tcase_add_test(tc, at_most_sixteen_sizes_none_twice);
	tcase_add_test(tc, values_at_their_bounds_are_taken);
	tcase_add_test(tc, a_bad_value_is_refused_naming_option_and_value);
	tcase_add_test(tc, a_missing_value_or_unknown_option_is_refused);
	tcase_add_test(tc, exactly_two_folders_are_taken);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, config_file_settings_are_taken);
	tcase_add_test(tc, options_override_the_config_file_in_any_order);
	tcase_add_test(tc, a_bad_config_file_is_refused_naming_it);
	tcase_add_test(tc, the_parser_can_be_called_again);
	tcase_add_test(tc, bench_takes_one_folder_and_a_range_of_workers);
	tcase_add_test(tc, bench_refuses_bad_values_naming_the_option);
	suite_add_tcase(s, tc);
	tcase_add_test(prog, thumper_exits_2_naming_the_bad_option);
	tcase_set_timeout(prog, 60);
	suite_add_tcase(s, prog);
	failed = testutil_run(s);
	if (testutil_rmtree(base) != 0)
		fprintf(stderr, "check_batch_opts: could not remove %s\n", base);
	return failed;
}
