/*
 * follow.c - the stream commands (see follow.h).
 *
 * A wait is judged at once (judge.c): refused, failed or done already.
 * Anything else (not there yet, being written, queued, in flight) waits
 * in the feed for its next done or failed record.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "daemon/follow.h"
#include "daemon/health.h"
#include "daemon/judge.h"

/* Answers CL's wait for PATH with a refusal. */
static void
refuse(struct control_client *cl, const char *path, const char *why)
{
	size_t len = 0;
	char *text = judge_refusal(path, why, &len);

	if (text == NULL)
		control_end(cl, true);
	else
		feed_answer(cl, text, len);
	free(text);
}

static void
wait_for(struct daemon *d, struct control_client *cl, const char *path)
{
	const char *src = NULL;
	size_t len = 0;
	char *text = judge_wait(d, path, &len, &src);

	if (text != NULL) {
		feed_answer(cl, text, len);
		free(text);
		return;
	}
	switch (src ? feed_wait(d->feed, cl, src) : -ENOMEM) {
	case 0:
		break;
	case -E2BIG:
		refuse(cl, path, "too many waits on one connection");
		break;
	default:
		refuse(cl, path, "out of memory");
		break;
	}
}

void
follow_request(struct daemon *d, struct control_client *cl,
	       const struct ctl_request *req)
{
	if (req->cmd == CTL_WAIT) {
		wait_for(d, cl, req->path);
		return;
	}
	if (feed_subscribe(d->feed, cl, health_state(d)) != 0)
		control_end(cl, true);
}
