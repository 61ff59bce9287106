/*
 * follow.h - the stream commands (design.md §7): `events` subscribes a
 * client to the event feed; `wait PATH` answers when PATH's thumbnails
 * are fresh or it has failed, at once if that is so already.
 */
#ifndef THUMPER_FOLLOW_H
#define THUMPER_FOLLOW_H

#include "daemon/control.h"
#include "daemon/ctlreq.h"

struct daemon;

/* control_ops.stream: one request line of stream client CL. */
void follow_request(struct daemon *d, struct control_client *cl,
		    const struct ctl_request *req);

#endif
