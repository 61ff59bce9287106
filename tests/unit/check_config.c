/*
 * check_config.c - thumper.conf loading (design.md §3): the defaults, a file
 * that sets every key, one case per kind of mistake (each message must
 * name file, line and key), "./" paths taken from the config's folder,
 * config_print() output that loads back to the same config, and the
 * shipped sample and demo configs.
 */
#include <config.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/config.h"
#include "tests/unit/testutil.h"

static char dir[256];
static char err[1024];
static struct config c;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/check_config.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(config_defaults(&c), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	config_free(&c);
	testutil_rmtree(dir);
}

/* Writes TEXT to DIR/NAME (NAME may hold one folder) and returns the
 * path in a static buffer. */
static const char *write_conf(const char *name, const char *text)
{
	static char path[PATH_MAX];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static char *print_to_string(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	config_print(cfg, f);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(test_defaults)
{
	ck_assert_ptr_null(c.path);
	ck_assert_uint_eq(c.workers, 0);
	ck_assert_str_eq(c.control_socket, "/run/thumper/control.sock");
	ck_assert_str_eq(c.state_dir, "/var/lib/thumper");
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_uint_eq(c.queue_limit, 100000);
	ck_assert_uint_eq(c.settle_ms, 0);
	ck_assert_uint_eq(c.poll_interval, 0);
	ck_assert_uint_eq(c.events_buffer, 1024);
	ck_assert_uint_eq(c.shard.n, 0);
	ck_assert_uint_eq(c.nroots, 0);
	ck_assert_uint_eq(c.settings.nsizes, 1);
	ck_assert_int_eq(c.settings.sizes[0].width, 200);
	ck_assert_int_eq(c.settings.quality, 85);
	ck_assert_uint_eq(c.settings.limits.max_pixels, 100000000);
	ck_assert_int_eq(c.settings.placeholder, THUMB_PLACEHOLDER_NONE);
}
END_TEST

START_TEST(test_empty_file_keeps_defaults)
{
	const char *path = write_conf("t.conf", "# nothing\n");

	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.path, path);
	ck_assert_uint_eq(c.queue_limit, 100000);
	ck_assert_uint_eq(c.settings.nsizes, 1);
}
END_TEST

static const char full_conf[] =
	"workers = 3;\n"
	"control_socket = \"/run/t/c.sock\";\n"
	"state_dir = \"/var/lib/t\";\n"
	"log_level = \"debug\";\n"
	"queue_limit = 50;\n"
	"settle_ms = 250;\n"
	"poll_interval = 600;\n"
	"events_buffer = 16;\n"
	"shard = \"3/8\";\n"
	"watch = (\n"
	"  { source = \"/srv/in\"; dest = \"/srv/thumbs\"; },\n"
	"  { source = \"/data/up//load/\"; dest = \"/data/thumbs\";\n"
	"    recursive = false; scan_on_start = false; mirror_deletes = false; }\n"
	");\n"
	"sizes = (\n"
	"  { name = \"small\"; width = 200; height = 150; },\n"
	"  { name = \"large\"; width = 1024; height = 768; format = \"webp\"; quality = 80; }\n"
	");\n"
	"output = { format = \"png\"; quality = 90; crop = \"attention\"; keep_metadata = true; };\n"
	"filter = { include = [ \"*.jpg\", \"*.dng\" ]; ignore = [ \"*.part\" ];\n"
	"           follow_symlinks = true; };\n"
	"limits = { max_pixels = 5000000000L; max_file_mb = 100; job_timeout = 30;\n"
	"           max_attempts = 3; worker_max_jobs = 10; worker_memory_mb = 2048;\n"
	"           vips_threads = 2; untrusted_loaders = true; };\n"
	"placeholder = \"thumbhash\";\n";

START_TEST(test_full_file)
{
	const char *path = write_conf("t.conf", full_conf);
	const struct settings *s = &c.settings;

	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.workers, 3);
	ck_assert_str_eq(c.control_socket, "/run/t/c.sock");
	ck_assert_str_eq(c.state_dir, "/var/lib/t");
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_uint_eq(c.queue_limit, 50);
	ck_assert_uint_eq(c.settle_ms, 250);
	ck_assert_uint_eq(c.poll_interval, 600);
	ck_assert_uint_eq(c.events_buffer, 16);
	ck_assert_uint_eq(c.shard.k, 3);
	ck_assert_uint_eq(c.shard.n, 8);
	ck_assert_uint_eq(c.nroots, 2);
	ck_assert_str_eq(c.roots[0].source, "/srv/in");
	ck_assert_str_eq(c.roots[0].dest, "/srv/thumbs");
	ck_assert(c.roots[0].recursive && c.roots[0].scan_on_start &&
		  c.roots[0].mirror_deletes);
	ck_assert_str_eq(c.roots[1].source, "/data/up/load");
	ck_assert(!c.roots[1].recursive && !c.roots[1].scan_on_start &&
		  !c.roots[1].mirror_deletes);
	ck_assert_uint_eq(s->nsizes, 2);
	ck_assert_str_eq(s->sizes[0].name, "small");
	ck_assert_int_eq(s->sizes[0].width, 200);
	ck_assert_int_eq(s->sizes[0].height, 150);
	ck_assert_int_eq(settings_size_format(s, 0), THUMB_FORMAT_PNG);
	ck_assert_int_eq(settings_size_quality(s, 0), 90);
	ck_assert_str_eq(s->sizes[1].name, "large");
	ck_assert_int_eq(settings_size_format(s, 1), THUMB_FORMAT_WEBP);
	ck_assert_int_eq(settings_size_quality(s, 1), 80);
	ck_assert_int_eq(s->crop, THUMB_CROP_ATTENTION);
	ck_assert(s->keep_metadata);
	ck_assert_uint_eq(s->filter.ninclude, 2);
	ck_assert_str_eq(s->filter.include[1], "*.dng");
	ck_assert_uint_eq(s->filter.nignore, 1);
	ck_assert(s->filter.follow_symlinks);
	ck_assert_uint_eq(s->limits.max_pixels, 5000000000ULL);
	ck_assert_uint_eq(s->limits.max_file_mb, 100);
	ck_assert_uint_eq(s->limits.job_timeout, 30);
	ck_assert_uint_eq(s->limits.max_attempts, 3);
	ck_assert_uint_eq(s->limits.worker_max_jobs, 10);
	ck_assert_uint_eq(s->limits.worker_memory_mb, 2048);
	ck_assert_uint_eq(s->limits.vips_threads, 2);
	ck_assert(s->limits.untrusted_loaders);
	ck_assert_int_eq(s->placeholder, THUMB_PLACEHOLDER_THUMBHASH);
}
END_TEST

START_TEST(test_one_size_needs_no_name)
{
	const char *path = write_conf("t.conf",
				      "sizes = ( { width = 64; height = 48; } );\n");

	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.settings.nsizes, 1);
	ck_assert_str_eq(c.settings.sizes[0].name, "");
	ck_assert_int_eq(c.settings.sizes[0].width, 64);
}
END_TEST

/* One mistake per case: the message must start "FILE" + WANT. */
static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{ "wokers = 2;\n", ":1: wokers: unknown key" },
	{ "limits = {\n  job_timout = 5;\n};\n",
	  ":2: limits.job_timout: unknown key" },
	{ "watch = ( { source = \"/a\"; dest = \"/b\"; recurse = true; } );\n",
	  ":1: watch[0].recurse: unknown key" },
	{ "sizes = ( { width = 1; height = 1; colour = 1; } );\n",
	  ":1: sizes[0].colour: unknown key" },
	{ "workers = \"4\";\n", ":1: workers: wrong type: expected an integer, "
	  "found a string" },
	{ "\nsettle_ms = 1.5;\n", ":2: settle_ms: wrong type" },
	{ "output = { keep_metadata = 1; };\n",
	  ":1: output.keep_metadata: wrong type: expected a boolean" },
	{ "watch = { source = \"/a\"; dest = \"/b\"; };\n",
	  ":1: watch: wrong type: expected a list" },
	{ "watch = ( \"/a\" );\n", ":1: watch[0]: wrong type: expected a group" },
	{ "limits = 5;\n", ":1: limits: wrong type: expected a group" },
	{ "filter = { include = \"*.jpg\"; };\n",
	  ":1: filter.include: wrong type: expected an array" },
	{ "filter = { ignore = [ 1 ]; };\n",
	  ":1: filter.ignore: element 0: expected a string" },
	{ "filter = { include = [ ]; };\n", ":1: filter.include: empty" },
	{ "filter = { ignore = [ \"a/*.jpg\" ]; };\n",
	  ":1: filter.ignore: pattern \"a/*.jpg\"" },
	{ "log_level = \"verbose\";\n", ":1: log_level: \"verbose\" is not one of" },
	{ "output = { format = \"gif\"; };\n",
	  ":1: output.format: \"gif\" is not one of" },
	{ "output = {\n crop = \"smart\"; };\n", ":2: output.crop: \"smart\"" },
	{ "\nplaceholder = \"blurhash\";\n",
	  ":2: placeholder: \"blurhash\" is not one of none, thumbhash" },
	{ "placeholder = true;\n", ":1: placeholder: wrong type" },
	{ "sizes = ( { width = 1; height = 1; format = \"bmp\"; } );\n",
	  ":1: sizes[0].format: \"bmp\"" },
	{ "state_dir = \"var/lib/thumper\";\n",
	  ":1: state_dir: \"var/lib/thumper\" must be an absolute path" },
	{ "control_socket = \"\";\n", ":1: control_socket: empty path" },
	{ "watch = ( { source = \"/a\"; dest = \"thumbs\"; } );\n",
	  ":1: watch[0].dest: \"thumbs\" must be an absolute path" },
	{ "watch = (\n { source = \"/srv/in\";\n   dest = \"/srv/in/thumbs\"; } );\n",
	  ":3: watch[0].dest: /srv/in/thumbs is inside watch[0].source" },
	{ "watch = ( { source = \"/srv/in\"; dest = \"/srv/in/\"; } );\n",
	  ":1: watch[0].dest: /srv/in is inside watch[0].source" },
	{ "watch = ( { source = \"/a\"; dest = \"/t1\"; },\n"
	  "  { source = \"/b\"; dest = \"/a/t2\"; } );\n",
	  ":2: watch[1].dest: /a/t2 is inside watch[0].source (/a)" },
	{ "watch = ( { source = \"/a\"; dest = \"/t1\"; },\n"
	  "  { source = \"/a/sub\"; dest = \"/t2\"; } );\n",
	  ":2: watch[1].source: /a/sub overlaps watch[0].source" },
	{ "watch = ( { source = \"/a/sub\"; dest = \"/t1\"; },\n"
	  "  { source = \"/a\"; dest = \"/t2\"; } );\n",
	  ":2: watch[1].source: /a overlaps watch[0].source" },
	{ "watch = ( { source = \"/a\"; dest = \"/t\"; },\n"
	  "  { source = \"/b\"; dest = \"/t\"; } );\n",
	  ":2: watch[1].dest: /t overlaps watch[0].dest" },
	{ "watch = ( { source = \"/a\"; dest = \"/t\"; },\n"
	  "  { source = \"/b\"; dest = \"/t/b\"; } );\n",
	  ":2: watch[1].dest: /t/b overlaps watch[0].dest" },
	{ "watch = ( { source = \"/t/in\"; dest = \"/t\"; } );\n",
	  ":1: watch[0].source: /t/in is inside watch[0].dest" },
	{ "watch = ( { dest = \"/t\"; } );\n", ":1: watch[0]: missing source" },
	{ "watch = ( { source = \"/a\"; } );\n", ":1: watch[0]: missing dest" },
	{ "watch = ( { source = \"/a\"; dest = \"/t\"; } );\n"
	  "state_dir = \"/t/.state\";\n",
	  ":2: state_dir: /t/.state is inside watch[0].dest" },
	{ "watch = ( { source = \"/var/lib\"; dest = \"/t\"; } );\n",
	  ":1: watch[0].source: holds state_dir /var/lib/thumper" },
	{ "control_socket = \"/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  ".sock\";\n", ":1: control_socket: longer than 107 bytes" },
	{ "sizes = (\n { name = \"a\"; width = 1; height = 1; },\n"
	  " { name = \"a\"; width = 2; height = 2; } );\n",
	  ":3: sizes[1].name: \"a\" is already the name of sizes[0]" },
	{ "sizes = ( { name = \"a\"; width = 1; height = 1; },\n"
	  " { width = 2; height = 2; } );\n",
	  ":2: sizes[1]: missing name: with several sizes" },
	{ "sizes = ( { name = \"a/b\"; width = 1; height = 1; } );\n",
	  ":1: sizes[0].name: \"a/b\" cannot be a folder name" },
	{ "sizes = ( { name = \"..\"; width = 1; height = 1; } );\n",
	  ":1: sizes[0].name: \"..\" cannot be a folder name" },
	{ "sizes = ( { name = \"\"; width = 1; height = 1; } );\n",
	  ":1: sizes[0].name: \"\" cannot be a folder name" },
	{ "sizes = ( { width = 0; height = 1; } );\n",
	  ":1: sizes[0].width: 0 is out of range 1..100000" },
	{ "sizes = ( { width = 10; height = 100001; } );\n",
	  ":1: sizes[0].height: 100001 is out of range 1..100000" },
	{ "sizes = ( { width = 10; } );\n", ":1: sizes[0]: missing height" },
	{ "sizes = ( );\n", ":1: sizes: 0 sizes: give 1 to 16" },
	{ "sizes = ( { width = 1; height = 1; quality = 101; } );\n",
	  ":1: sizes[0].quality: 101 is out of range 1..100" },
	{ "output = { quality = 0; };\n",
	  ":1: output.quality: 0 is out of range 1..100" },
	{ "workers = -1;\n", ":1: workers: -1 is out of range 0..4096" },
	{ "shard = \"0/2\";\n", ":1: shard: '0/2': K must be 1 to N" },
	{ "shard = \"2\";\n", ":1: shard: '2' is not K/N" },
	{ "shard = 2;\n", ":1: shard: " },
	{ "queue_limit = 0;\n", ":1: queue_limit: 0 is out of range" },
	{ "events_buffer = 0;\n", ":1: events_buffer: 0 is out of range" },
	{ "limits = { job_timeout = 0; };\n",
	  ":1: limits.job_timeout: 0 is out of range 1..86400" },
	{ "limits = { max_pixels = -5; };\n",
	  ":1: limits.max_pixels: -5 is out of range" },
	{ "limits = { max_pixels = 5000000000; };\n",
	  ":1: limits.max_pixels: too large for a 32-bit integer" },
	{ "sizes = ( { width = 4294967496; height = 10; } );\n",
	  ":1: sizes[0].width: too large for a 32-bit integer" },
	{ "workers = ;\n", ":1: syntax error" },
	{ "a = 1;\na = 2;\n", ":2: duplicate setting name" },
	{ "workers = 1;\n  @include \".\"\n", ":2: @include is not supported" },
};

START_TEST(test_error_names_file_line_key)
{
	const char *path = write_conf("t.conf", bad[_i].text);
	char want[PATH_MAX + 256];

	snprintf(want, sizeof(want), "%s%s", path, bad[_i].want);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		      "got \"%s\", want \"%s...\"", err, want);
}
END_TEST

START_TEST(test_missing_file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/nope.conf", dir);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "nope.conf: cannot open: "));
}
END_TEST

START_TEST(test_nul_byte_refused)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/nul.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("workers = 1;\n\0wokers = 2;\n", 1, 26, f);
	fclose(f);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL byte"));
}
END_TEST

START_TEST(test_failed_load_keeps_lists)
{
	char good[PATH_MAX];
	const char *path;

	snprintf(good, sizeof(good), "%s", write_conf("good.conf", full_conf));
	ck_assert_msg(config_load(&c, good, err, sizeof(err)) == 0, "%s", err);
	path = write_conf("bad.conf",
			  "watch = ( { source = \"/x\"; dest = \"/y\"; },\n"
			  "  { source = \"/z\"; dest = 5; } );\n"
			  "sizes = ( { width = 1; height = 1; },\n"
			  "  { width = 2; height = 2; } );\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_uint_eq(c.nroots, 2);
	ck_assert_str_eq(c.roots[0].source, "/srv/in");
	ck_assert_uint_eq(c.settings.nsizes, 2);
	ck_assert_str_eq(c.path, good);
}
END_TEST

START_TEST(test_relative_paths_from_config_folder)
{
	const char *path = write_conf("etc/t.conf",
		"control_socket = \"../demo/run/control.sock\";\n"
		"state_dir = \"./state/../state2/\";\n"
		"watch = ( { source = \"../demo/incoming\"; dest = \"../demo/thumbs\"; },\n"
		"          { source = \"..\"; dest = \"/elsewhere\"; } );\n");
	char want[PATH_MAX + 64];

	/* ".." is the whole tmp folder: refused, it holds the other root. */
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	path = write_conf("etc/t.conf",
		"control_socket = \"../demo/run/control.sock\";\n"
		"state_dir = \"./state/../state2/\";\n"
		"watch = ( { source = \"../demo/incoming\"; dest = \"../demo/thumbs\"; },\n"
		"          { source = \"./pics/.\"; dest = \"/elsewhere\"; } );\n");
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s/demo/run/control.sock", dir);
	ck_assert_str_eq(c.control_socket, want);
	snprintf(want, sizeof(want), "%s/etc/state2", dir);
	ck_assert_str_eq(c.state_dir, want);
	snprintf(want, sizeof(want), "%s/demo/incoming", dir);
	ck_assert_str_eq(c.roots[0].source, want);
	snprintf(want, sizeof(want), "%s/demo/thumbs", dir);
	ck_assert_str_eq(c.roots[0].dest, want);
	snprintf(want, sizeof(want), "%s/etc/pics", dir);
	ck_assert_str_eq(c.roots[1].source, want);
}
END_TEST

START_TEST(test_relative_config_path_uses_cwd)
{
	char cwd[PATH_MAX], want[PATH_MAX + 64];

	write_conf("etc/t.conf", "state_dir = \"../state\";\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_msg(config_load(&c, "etc/t.conf", err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(chdir(cwd), 0);
	snprintf(want, sizeof(want), "%s/state", dir);
	ck_assert_str_eq(c.state_dir, want);
}
END_TEST

START_TEST(test_string_without_name_refuses_relative)
{
	ck_assert_int_eq(config_load_string(&c, "state_dir = \"./s\";\n", NULL,
					    err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "(string):1: state_dir: a relative path",
			      38) == 0, "%s", err);
	ck_assert_int_eq(config_load_string(&c, "workers = 7;\n", NULL,
					    err, sizeof(err)), 0);
	ck_assert_uint_eq(c.workers, 7);
	ck_assert_ptr_null(c.path);
}
END_TEST

/* Loads TEXT, prints it, loads the print into a fresh config and prints
 * that: the two prints must be the same text. */
static void check_round_trip(const char *text)
{
	const char *path = write_conf("orig.conf", text);
	struct config again;
	char *first, *second;

	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	first = print_to_string(&c);
	path = write_conf("printed.conf", first);
	ck_assert_int_eq(config_defaults(&again), 0);
	ck_assert_msg(config_load(&again, path, err, sizeof(err)) == 0,
		      "%s\n%s", err, first);
	second = print_to_string(&again);
	ck_assert_str_eq(strchr(first, '\n'), strchr(second, '\n'));
	ck_assert_uint_eq(again.nroots, c.nroots);
	ck_assert_uint_eq(again.settings.nsizes, c.settings.nsizes);
	ck_assert_uint_eq(again.settings.limits.max_pixels,
			  c.settings.limits.max_pixels);
	config_free(&again);
	free(first);
	free(second);
}

START_TEST(test_print_round_trip_full)
{
	check_round_trip(full_conf);
}
END_TEST

START_TEST(test_print_round_trip_defaults)
{
	check_round_trip("");
}
END_TEST

START_TEST(test_print_round_trip_odd_strings)
{
	check_round_trip(
		"watch = ( { source = \"/in/\\\"q\\\" \\\\ tab\\there\"; "
		"dest = \"/out/\\x01\xc3\xa9\"; } );\n"
		"sizes = ( { name = \"sm all\"; width = 1; height = 2; } );\n"
		"filter = { include = [ \"*.[jJ]pg\", \"\\\"*\" ]; ignore = [ ]; };\n");
	ck_assert_str_eq(c.roots[0].source, "/in/\"q\" \\ tab\there");
	ck_assert_str_eq(c.roots[0].dest, "/out/\x01\xc3\xa9");
	ck_assert_uint_eq(c.settings.filter.nignore, 0);
}
END_TEST

static void load_shipped(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/etc/%s", TOP_SRCDIR, name);
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
}

START_TEST(test_shipped_sample_is_the_defaults)
{
	struct config d;
	char *want, *got;

	load_shipped("thumper.conf");
	ck_assert_int_eq(config_defaults(&d), 0);
	d.nroots = c.nroots;
	d.roots = c.roots;
	want = print_to_string(&d);
	got = print_to_string(&c);
	ck_assert_str_eq(strchr(got, '\n'), strchr(want, '\n'));
	d.roots = NULL;
	d.nroots = 0;
	config_free(&d);
	free(want);
	free(got);
}
END_TEST

START_TEST(test_shipped_demo_stays_in_checkout)
{
	/* TOP_SRCDIR may be "BUILD/../.." (make distcheck): the loader's
	 * paths are normalised, so compare with the resolved folder. */
	char *top = realpath(TOP_SRCDIR, NULL);
	size_t n;

	ck_assert_ptr_nonnull(top);
	n = strlen(top);
	load_shipped("thumper-demo.conf");
	ck_assert_uint_ge(c.nroots, 1);
	ck_assert(strncmp(c.roots[0].source, top, n) == 0);
	ck_assert(strncmp(c.roots[0].dest, top, n) == 0);
	ck_assert(strncmp(c.state_dir, top, n) == 0);
	ck_assert(strncmp(c.control_socket, top, n) == 0);
	free(top);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file_keeps_defaults);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_one_size_needs_no_name);
	tcase_add_loop_test(tc, test_error_names_file_line_key, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_nul_byte_refused);
	tcase_add_test(tc, test_failed_load_keeps_lists);
	tcase_add_test(tc, test_relative_paths_from_config_folder);
	tcase_add_test(tc, test_relative_config_path_uses_cwd);
	tcase_add_test(tc, test_string_without_name_refuses_relative);
	tcase_add_test(tc, test_print_round_trip_full);
	tcase_add_test(tc, test_print_round_trip_defaults);
	tcase_add_test(tc, test_print_round_trip_odd_strings);
	tcase_add_test(tc, test_shipped_sample_is_the_defaults);
	tcase_add_test(tc, test_shipped_demo_stays_in_checkout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
