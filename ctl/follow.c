/*
 * follow.c - `thumperctl events` (see stream.h).
 *
 * With --json each record is printed as it came, one JSON object a line,
 * and flushed, so a pipe reader sees it at once.  Otherwise each record
 * is one line for people: its local time, its event and what it is
 * about; a record of an event this thumperctl does not know is printed
 * by name, so a newer daemon's records still show.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/exchange.h"
#include "ctl/format.h"
#include "ctl/render.h"
#include "ctl/stream.h"
#include "lib/escape.h"

static void put(const struct json *r, const char *key)
{
	escape_text(stdout, json_string(json_get(r, key), "?", NULL));
}

/* The strings of array KEY of R, joined by ", ". */
static void put_list(const struct json *r, const char *key)
{
	const struct json *a = json_get(r, key);

	for (size_t i = 0; i < json_len(a); i++) {
		fputs(i ? ", " : "", stdout);
		escape_text(stdout, json_string(json_at(a, i), "?", NULL));
	}
}

static void render_record(const struct json *r, const char *event)
{
	char when[32], ms[32];

	printf("%s  %-8s ", fmt_when(render_num(r, "time"), when), event);
	if (strcmp(event, "done") == 0) {
		put(r, "source");
		fputs(" -> ", stdout);
		put_list(r, "thumbnails");
		if (json_get(r, "ms"))
			printf(" (%s)", fmt_millis(render_num(r, "ms"), ms));
	} else if (strcmp(event, "failed") == 0) {
		put(r, "source");
		fputs(": ", stdout);
		put(r, "reason");
	} else if (strcmp(event, "removed") == 0) {
		put(r, "source");
		if (json_len(json_get(r, "thumbnails")) > 0) {
			fputs(" with ", stdout);
			put_list(r, "thumbnails");
		}
	} else if (strcmp(event, "renamed") == 0) {
		put(r, "from");
		fputs(" -> ", stdout);
		put(r, "to");
		fputs(json_bool(json_get(r, "moved"), false)
		      ? " (thumbnails moved along)" : " (thumbnails remade)",
		      stdout);
	} else if (strcmp(event, "state") == 0 ||
		   strcmp(event, "subscribed") == 0) {
		put(r, "state");
		if (json_len(json_get(r, "reasons")) > 0) {
			fputs(": ", stdout);
			put_list(r, "reasons");
		}
	}
	fputc('\n', stdout);
}

/*
 * Takes one record LINE.  Returns -1 to go on, or what the stream's end
 * will mean: 0 the daemon is stopping, EXIT_REFUSED we were dropped.
 */
static int take(const char *line, bool json, const char *sock)
{
	char err[128];
	struct json *r = json_parse(line, strlen(line), err, sizeof(err));
	const char *event = render_str(r, "event");
	int rc = -1;

	if (!event) {
		fmt_say_path("a record from ", sock, " that cannot be read: %s",
			     render_str(r, "error") ? render_str(r, "error")
						    : err);
		json_free(r);
		return EXIT_UNREACHABLE;
	}
	if (json)
		printf("%s\n", line);
	if (strcmp(event, "lost") == 0) {
		fprintf(stderr, "thumperctl: thumperd dropped this stream for "
			"falling behind: %.0f events lost\n",
			render_num(r, "count"));
		rc = EXIT_REFUSED;
	} else {
		if (!json)
			render_record(r, event);
		if (strcmp(event, "state") == 0 &&
		    strcmp(json_string(json_get(r, "state"), "", NULL),
			   "stopping") == 0)
			rc = 0;
	}
	fflush(stdout);
	json_free(r);
	return rc;
}

int ctl_events(const char *sock, bool json)
{
	struct reply_buf in = { 0 };
	int fd = exchange_connect(sock, 10000), end = -1, rc;
	char *line;

	if (fd < 0)
		return EXIT_UNREACHABLE;
	if (exchange_send(fd, "events\n", 7, 10000, sock) != 0) {
		close(fd);
		return EXIT_UNREACHABLE;
	}
	while ((rc = exchange_line(fd, &in, -1, sock, &line)) == 1) {
		int t = take(line, json, sock);

		if (t == EXIT_UNREACHABLE) {
			end = t;
			break;
		}
		if (t >= 0)
			end = t;
	}
	if (rc == 0 && end < 0)
		fmt_say_path("", sock, ": thumperd ended the stream");
	free(in.data);
	close(fd);
	return end < 0 ? EXIT_UNREACHABLE : end;
}
