/*
 * wait.c - `thumperctl wait` (see stream.h).
 *
 * One connection carries a `wait PATH` line per path; the daemon answers
 * each with a done or failed record, or an error naming the path, in
 * whatever order they settle.  Paths are kept sorted so an answer finds
 * its path by binary search, however many there are.  The thumbnails are
 * printed at the end, in the order the paths were given; a failure or a
 * refusal ends the wait at once.  A wait the daemon could not take
 * because it was reloading is sent again shortly after.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/exchange.h"
#include "ctl/render.h"
#include "ctl/stream.h"
#include "lib/escape.h"

#define RETRY_MS 200
#define PENDING_SHOWN 10

struct waited {
	const char *path;
	size_t arg;		/* its first position on the command line */
	struct json *answer;	/* the done record, once it came */
	bool retry;		/* to be sent again (the daemon was reloading) */
};

struct waiting {
	const char *sock;
	int fd;
	struct waited *w;	/* sorted by path, unique */
	size_t n, pending;
	size_t nretry;		/* marked to be sent again ... */
	long long retry_at;	/* ... at this time */
	bool json;
};

static int by_path(const void *a, const void *b)
{
	const struct waited *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->arg > y->arg) - (x->arg < y->arg);
}

static int by_arg(const void *a, const void *b)
{
	const struct waited *x = a, *y = b;

	return (x->arg > y->arg) - (x->arg < y->arg);
}

static int send_wait(struct waiting *s, const char *path)
{
	size_t len = strlen(path);
	char *line = malloc(len + 7);
	int rc;

	if (!line) {
		fputs("thumperctl: out of memory\n", stderr);
		return -1;
	}
	memcpy(line, "wait ", 5);
	memcpy(line + 5, path, len);
	line[len + 5] = '\n';
	rc = exchange_send(s->fd, line, len + 6, 10000, s->sock);
	free(line);
	return rc;
}

/* The waited entry of PATH, or NULL. */
static struct waited *find(struct waiting *s, const char *path)
{
	struct waited key = { .path = path, .arg = 0 };
	size_t lo = 0, hi = s->n;

	while (lo < hi) {	/* the first entry not below KEY */
		size_t mid = lo + (hi - lo) / 2;

		if (by_path(&s->w[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && strcmp(s->w[lo].path, path) == 0 ? &s->w[lo] : NULL;
}

static void say(const char *path, const char *what, const char *why)
{
	fputs("thumperctl: ", stderr);
	escape_text(stderr, path);
	fprintf(stderr, ": %s", what);
	escape_text(stderr, why);
	fputc('\n', stderr);
}

/*
 * Takes one answer LINE.  Returns -1 to go on, or the exit status it
 * ends the wait with.
 */
static int take(struct waiting *s, const char *line)
{
	char err[128];
	struct json *j = json_parse(line, strlen(line), err, sizeof(err));
	const char *path = render_str(j, "path"), *error = render_str(j, "error");
	const char *event = render_str(j, "event");
	struct waited *w;
	int rc;

	if (!path)
		path = render_str(j, "source");
	if (!j || !path || !(w = find(s, path)) || (!error && !event)) {
		fputs("thumperctl: an answer from thumperd that cannot be "
		      "read: ", stderr);
		escape_text(stderr, line);
		fputc('\n', stderr);
		json_free(j);
		return EXIT_UNREACHABLE;
	}
	if (error && strcmp(error, "reloading, try again") == 0) {
		if (!w->retry && s->nretry++ == 0)
			s->retry_at = exchange_now_ms() + RETRY_MS;
		w->retry = true;
		json_free(j);
		return -1;
	}
	if (s->json) {
		printf("%s\n", line);
		fflush(stdout);
	}
	if (error || strcmp(event, "done") != 0) {
		if (!s->json)
			say(path, error ? "" : "failed: ", error ? error
			    : json_string(json_get(j, "reason"), "?", NULL));
		rc = !error ? EXIT_REFUSED : strcmp(error, "stopping") == 0
			? EXIT_UNREACHABLE : EXIT_USAGE;
		json_free(j);
		return rc;
	}
	if (!w->answer) {
		w->answer = j;
		s->pending--;
	} else {
		json_free(j);
	}
	return -1;
}

static int resend(struct waiting *s)
{
	s->nretry = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->w[i].retry)
			continue;
		s->w[i].retry = false;
		if (send_wait(s, s->w[i].path) != 0)
			return -1;
	}
	return 0;
}

static void print_done(struct waiting *s)
{
	qsort(s->w, s->n, sizeof(*s->w), by_arg);
	for (size_t i = 0; i < s->n && !s->json; i++) {
		const struct json *t = json_get(s->w[i].answer, "thumbnails");

		for (size_t k = 0; k < json_len(t); k++) {
			escape_text(stdout, json_string(json_at(t, k), "", NULL));
			fputc('\n', stdout);
		}
	}
}

static void print_pending(const struct waiting *s, long timeout_ms)
{
	size_t shown = 0;

	fprintf(stderr, "thumperctl: timed out after %.3g s; still waiting "
		"for %zu: ", timeout_ms / 1000.0, s->pending);
	for (size_t i = 0; i < s->n && shown < PENDING_SHOWN; i++) {
		if (s->w[i].answer)
			continue;
		fputs(shown++ ? ", " : "", stderr);
		escape_text(stderr, s->w[i].path);
	}
	if (s->pending > shown)
		fprintf(stderr, " and %zu more", s->pending - shown);
	fputc('\n', stderr);
}

/* Reads answers until none is pending.  Returns the exit status. */
static int collect(struct waiting *s, long timeout_ms)
{
	long long end = timeout_ms < 0 ? -1 : exchange_now_ms() + timeout_ms;
	struct reply_buf in = { 0 };
	int rc = -1;

	while (rc < 0 && s->pending > 0) {
		long long deadline = end;
		char *line;

		if (s->nretry > 0 && (end < 0 || s->retry_at < end))
			deadline = s->retry_at;
		switch (exchange_line(s->fd, &in, deadline, s->sock, &line)) {
		case 1:
			rc = take(s, line);
			break;
		case 2:
			if (deadline != end)
				rc = resend(s) ? EXIT_UNREACHABLE : -1;
			else
				rc = EXIT_TIMEOUT;
			break;
		case 0:
			fputs("thumperctl: thumperd closed the connection "
			      "before answering (stopping?)\n", stderr);
			rc = EXIT_UNREACHABLE;
			break;
		default:
			rc = EXIT_UNREACHABLE;
			break;
		}
	}
	free(in.data);
	if (rc == EXIT_TIMEOUT)
		print_pending(s, timeout_ms);
	return rc < 0 ? 0 : rc;
}

int ctl_wait(const char *sock, char *const *paths, size_t n, long timeout_ms,
	     bool json)
{
	struct waiting s = { .sock = sock, .json = json };
	size_t u = 0;
	int rc = EXIT_UNREACHABLE;

	if (!(s.w = calloc(n, sizeof(*s.w)))) {
		fputs("thumperctl: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		s.w[i] = (struct waited){ .path = paths[i], .arg = i };
	qsort(s.w, n, sizeof(*s.w), by_path);
	for (size_t i = 0; i < n; i++)	/* a path given twice is one wait */
		if (u == 0 || strcmp(s.w[u - 1].path, s.w[i].path) != 0)
			s.w[u++] = s.w[i];
	s.n = s.pending = u;
	if ((s.fd = exchange_connect(sock, 10000)) >= 0) {
		for (size_t i = 0; i < s.n; i++)
			if (send_wait(&s, s.w[i].path) != 0)
				goto out;
		if ((rc = collect(&s, timeout_ms)) == 0)
			print_done(&s);
	}
out:
	if (s.fd >= 0)
		close(s.fd);
	for (size_t i = 0; i < s.n; i++)
		json_free(s.w[i].answer);
	free(s.w);
	return rc;
}
