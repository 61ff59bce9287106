/*
 * render.h - thumperctl's reading of a reply: the exit status it means,
 * and one renderer per command for the human form.
 *
 * Renderers read the reply through json.h's defaulting accessors: a
 * missing or mistyped field prints as nothing or zero, and fields they do
 * not know are ignored, so the daemon may add fields freely.  Every
 * string from the daemon goes out through escape_text().
 */
#ifndef THUMPER_CTL_RENDER_H
#define THUMPER_CTL_RENDER_H

#include <stdbool.h>

#include "ctl/exchange.h"
#include "ctl/json.h"
#include "lib/ctlproto.h"

#define EXIT_REFUSED 1		/* the daemon refused or failed the command */
#define EXIT_USAGE 2		/* usage, or a PATH no request can carry */
#define EXIT_UNREACHABLE 3	/* no daemon, or a reply that cannot be read */

/* Prints reply R, a JSON object, for people on stdout. */
typedef void render_fn(const struct json *r);

render_fn render_status;	/* status.c */
render_fn render_failures;
render_fn render_message;	/* the "message" of an {"ok": true, ...} */
render_fn render_version;

/*
 * Judges and prints REP, the reply of SOCK to CMD: as it came with JSON
 * (and when RENDER is NULL), else through RENDER; a refusal's message goes
 * to stderr.  A text_reply command's reply is printed as it came unless it
 * is a JSON object.  Returns the exit status: 0, EXIT_REFUSED, or
 * EXIT_UNREACHABLE for a reply that is not a JSON object.
 */
int render_reply(const struct ctl_command *cmd, render_fn *render,
		 const char *sock, const struct reply_buf *rep, bool json);

/* Member KEY of OBJ as a string (NULL when not one) or number (0). */
static inline const char *render_str(const struct json *obj, const char *key)
{
	return json_string(json_get(obj, key), NULL, NULL);
}

static inline double render_num(const struct json *obj, const char *key)
{
	return json_number(json_get(obj, key), 0);
}

#endif
