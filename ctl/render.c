/*
 * render.c - what a reply from thumperd means and how it is printed (see
 * render.h): the refusal check shared by every command, and the renderers
 * of the short replies (failures, messages, version).  status, the long
 * one, has status.c.
 *
 * A reply is refused when it has an "error" member or "ok": false.  With
 * --json the reply is printed exactly as received, refused or not, so a
 * script sees the daemon's own words.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "ctl/format.h"
#include "ctl/render.h"

static int by_time(const void *a, const void *b)
{
	double ta = render_num(*(const struct json *const *)a, "time");
	double tb = render_num(*(const struct json *const *)b, "time");

	return (ta > tb) - (ta < tb);
}

/* Oldest first, so the newest are nearest the prompt. */
void render_failures(const struct json *r)
{
	const struct json *list = json_get(r, "failures");
	const struct json **sorted;
	size_t n = json_len(list);
	double total = json_number(json_get(r, "count"), (double)n);
	char b1[32], b2[32];

	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted) {
		fputs("thumperctl: out of memory\n", stderr);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_at(list, i);
	qsort(sorted, n, sizeof(*sorted), by_time);
	for (size_t i = 0; i < n; i++) {
		printf("%s  ", fmt_when(render_num(sorted[i], "time"), b1));
		escape_text(stdout, json_string(json_get(sorted[i], "source"),
						"?", NULL));
		fputs(": ", stdout);
		escape_text(stdout, json_string(json_get(sorted[i], "reason"),
						"?", NULL));
		fputc('\n', stdout);
	}
	free(sorted);
	if (total < 1) {
		puts("no failures");
		return;
	}
	if (total > (double)n)
		printf("%s failures, the latest %s shown", fmt_count(total, b1),
		       fmt_count((double)n, b2));
	else
		printf("%s failure%s", fmt_count(total, b1),
		       total < 2 ? "" : "s");
	puts(" (thumperctl retry [PATH] tries again)");
}

void render_message(const struct json *r)
{
	const char *msg = render_str(r, "message");

	if (msg) {
		escape_text(stdout, msg);
		fputc('\n', stdout);
	}
}

void render_version(const struct json *r)
{
	char b[32];

	printf("thumperctl %s\nthumperd ", PACKAGE_VERSION);
	escape_text(stdout, json_string(json_get(r, "version"), "?", NULL));
	if (json_get(r, "protocol"))
		printf(" (protocol %s)", fmt_count(render_num(r, "protocol"), b));
	fputc('\n', stdout);
}

/* The daemon's reason for refusing R, on stderr. */
static void say_refusal(const struct json *r)
{
	const char *e = json_string(json_get(r, "error"), NULL, NULL);

	fputs("thumperctl: ", stderr);
	escape_text(stderr, e ? e : json_string(json_get(r, "message"),
						"the daemon refused the command",
						NULL));
	fputc('\n', stderr);
}

int render_reply(const struct ctl_command *cmd, render_fn *render,
		 const char *sock, const struct reply_buf *rep, bool json)
{
	const char *p = rep->data + strspn(rep->data, " \t\r\n");
	struct json *r;
	char err[256];
	int rc = 0;

	if (cmd->text_reply && *p != '{') {
		fwrite(rep->data, 1, rep->len, stdout);
		return 0;
	}
	r = json_parse(rep->data, rep->len, err, sizeof(err));
	if (!r || json_type(r) != JSON_OBJECT) {
		fmt_say_path("", sock, ": the reply is not a JSON object (%s)",
			     r ? "another JSON value" : err);
		json_free(r);
		return EXIT_UNREACHABLE;
	}
	if (json_get(r, "error") || !json_bool(json_get(r, "ok"), true)) {
		rc = EXIT_REFUSED;
		if (!json)
			say_refusal(r);
	}
	if (json || (rc == 0 && !render))
		fwrite(rep->data, 1, rep->len, stdout);
	else if (rc == 0)
		render(r);
	json_free(r);
	return rc;
}
