/*
 * watchtest.c - the inotify watch tests' harness (see watchtest.h).
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "lib/filter.h"
#include "watch/walk.h"
#include "watch/watch.h"

#include "tests/unit/watchtest.h"

char watchtest_base[] = "/tmp/check_watch.XXXXXX";

static long saved_queued = -1, saved_watches = -1;

long
sysctl_get(const char *path)
{
	FILE *fp = fopen(path, "r");
	long v = -1;

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

int
sysctl_set(const char *path, long v)
{
	FILE *fp = fopen(path, "w");
	int rc;

	if (fp == NULL)
		return -1;
	rc = fprintf(fp, "%ld\n", v) < 0;
	return fclose(fp) != 0 || rc ? -1 : 0;
}

/* Unchecked fixture (runs in the parent): whatever a test did, undo it. */
void
suite_setup(void)
{
	saved_queued = sysctl_get(QUEUED_SYSCTL);
	saved_watches = sysctl_get(WATCHES_SYSCTL);
}

void
suite_teardown(void)
{
	if (saved_queued > 0 && sysctl_get(QUEUED_SYSCTL) != saved_queued)
		sysctl_set(QUEUED_SYSCTL, saved_queued);
	if (saved_watches > 0 && sysctl_get(WATCHES_SYSCTL) != saved_watches)
		sysctl_set(WATCHES_SYSCTL, saved_watches);
}

void
walk_new_dir(struct ctx *c, int root, const char *rel)
{
	char abs[PATH_MAX], sub[256];
	struct walk_entry e;
	struct walk *wk;
	int rc;

	ck_assert_int_lt(snprintf(abs, sizeof(abs), "%s/%s", c->root[root], rel),
			 sizeof(abs));
	if (walk_open(abs, &c->f, WALK_DIRS, &wk) != 0)
		return;
	while ((rc = walk_next(wk, &e)) != 0) {
		if (rc < 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			     e.path) >= (int)sizeof(sub))
			ck_abort_msg("path too long: %s/%s", rel, e.path);
		if (e.is_dir) {
			watch_add_dir(c->w, root, sub);
		} else if (c->nev < MAX_EVENTS) {
			struct rec *r = &c->ev[c->nev++];

			r->type = WALKED;
			r->root = root;
			snprintf(r->path, sizeof(r->path), "%s", sub);
		}
	}
	walk_close(wk);
}

void
event_cb(struct watch *w, const struct watch_event *ev, void *data)
{
	struct ctx *c = data;
	struct rec *r;

	ck_assert_ptr_eq(w, c->w);
	ck_assert_int_lt(c->nev, MAX_EVENTS);
	r = &c->ev[c->nev++];
	r->type = ev->type;
	r->root = ev->root;
	r->old_root = ev->old_root;
	snprintf(r->path, sizeof(r->path), "%s", ev->path);
	snprintf(r->old_path, sizeof(r->old_path), "%s",
		 ev->old_path ? ev->old_path : "");
	if (c->close_in_cb) {
		c->close_in_cb = false;
		watch_close(w, NULL);
		c->closed = true;
		return;
	}
	if (c->walk_new_dirs && ev->type == WATCH_DIR_NEW)
		walk_new_dir(c, ev->root, ev->path);
}

static void
closed_cb(void *data)
{
	((struct ctx *)data)->closed = true;
}

static void
timeout_cb(uv_timer_t *t)
{
	((struct ctx *)t->data)->timed_out = true;
}

/* Index of the first event of TYPE for PATH (NULL: any), or -1. */
int
find(const struct ctx *c, int type, const char *path)
{
	for (int i = 0; i < c->nev; i++)
		if (c->ev[i].type == type &&
		    (path == NULL || strcmp(c->ev[i].path, path) == 0))
			return i;
	return -1;
}

int
count(const struct ctx *c, int type)
{
	int n = 0;

	for (int i = 0; i < c->nev; i++)
		n += c->ev[i].type == type;
	return n;
}

/* Runs the loop until that event comes (its index) or WAIT_MS pass (-1). */
int
wait_for(struct ctx *c, int type, const char *path)
{
	int i;

	c->timed_out = false;
	uv_timer_start(&c->timer, timeout_cb, WAIT_MS, 0);
	while ((i = find(c, type, path)) < 0 && !c->timed_out)
		uv_run(&c->loop, UV_RUN_ONCE);
	uv_timer_stop(&c->timer);
	return i;
}

/* Runs the loop for SETTLE_MS: whatever was coming has come. */
void
settle(struct ctx *c)
{
	c->timed_out = false;
	uv_timer_start(&c->timer, timeout_cb, SETTLE_MS, 0);
	while (!c->timed_out)
		uv_run(&c->loop, UV_RUN_ONCE);
}

/* Runs a shell command in the test's folder. */
void
sh(struct ctx *c, const char *fmt, ...)
{
	char cmd[2048], full[2048 + 160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && %s", c->dir, cmd);
	ck_assert_msg(system(full) == 0, "command failed: %s", cmd);
}

void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/* A file under this test's folder, by relative path. */
const char *
at(struct ctx *c, const char *rel)
{
	static char buf[2][PATH_MAX * 2];
	static int next;
	char *b = buf[next++ % 2];

	snprintf(b, sizeof(buf[0]), "%s/%s", c->dir, rel);
	return b;
}

/* Folders and loop, without the watch (see start()). */
void
init(struct ctx *c)
{
	char tmpl[sizeof(c->dir) - 4];

	memset(c, 0, sizeof(*c));
	snprintf(tmpl, sizeof(tmpl), "%s/t.XXXXXX", watchtest_base);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	memcpy(c->dir, tmpl, sizeof(tmpl));
	snprintf(c->root[0], sizeof(c->root[0]), "%s/r0", c->dir);
	snprintf(c->root[1], sizeof(c->root[1]), "%s/r1", c->dir);
	snprintf(c->out, sizeof(c->out), "%s/out", c->dir);
	ck_assert_int_eq(mkdir(c->root[0], 0755), 0);
	ck_assert_int_eq(mkdir(c->root[1], 0755), 0);
	ck_assert_int_eq(mkdir(c->out, 0755), 0);
	ck_assert_int_eq(filter_init_default(&c->f), 0);
	ck_assert_int_eq(uv_loop_init(&c->loop), 0);
	ck_assert_int_eq(uv_timer_init(&c->loop, &c->timer), 0);
	c->timer.data = c;
	c->walk_new_dirs = true;
}

void
start(struct ctx *c, int nroots, bool recursive)
{
	ck_assert_int_eq(watch_new(&c->loop, &c->f, event_cb, c, &c->w), 0);
	for (int i = 0; i < nroots; i++)
		ck_assert_int_eq(watch_add_root(c->w, i, c->root[i], recursive), 0);
}

void
setup(struct ctx *c, int nroots)
{
	init(c);
	start(c, nroots, true);
}

void
finish(struct ctx *c)
{
	if (!c->closed)
		watch_close(c->w, closed_cb);
	uv_close((uv_handle_t *)&c->timer, NULL);
	ck_assert_int_eq(uv_run(&c->loop, UV_RUN_DEFAULT), 0);
	ck_assert(c->closed);
	ck_assert_int_eq(uv_loop_close(&c->loop), 0);
	filter_free(&c->f);
	sh(c, "rm -rf '%s'", c->dir);
}

int
watchtest_run(const char *name, TCase *tc)
{
	Suite *s = suite_create(name);
	SRunner *sr;
	char cmd[256];
	int failed;

	if (mkdtemp(watchtest_base) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", watchtest_base);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: could not remove %s\n", name, watchtest_base);
	return failed == 0 ? 0 : 1;
}
