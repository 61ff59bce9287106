/*
 * control.h - thumperd's control socket (design.md §7).
 *
 * A Unix stream socket: one request line in, one reply out (a JSON
 * document, or Prometheus text for metrics), then the daemon closes.  At
 * most CONTROL_MAX_CLIENTS at once; a client silent for CONTROL_IDLE_MS
 * is dropped.  With systemd socket activation the passed socket is used;
 * otherwise the daemon binds its own, refusing if another daemon answers
 * on the path.
 */
#ifndef THUMPER_CONTROL_H
#define THUMPER_CONTROL_H

#include <stdio.h>

#include <uv.h>

#include "daemon/ctlreq.h"

#define CONTROL_MAX_CLIENTS 64
#define CONTROL_IDLE_MS 5000

struct control;

/*
 * Runs one well-formed request from a client allowed to make it, and
 * writes the whole reply to REPLY (a memory stream; control.c sends it).
 */
typedef void (*control_request_cb)(void *data, const struct ctl_request *req,
				   FILE *reply);

/*
 * Starts serving on PATH (or on the socket systemd passed), handing each
 * request to CB with DATA.  Returns 0 and sets *out, or -1 with a message
 * in err (another daemon answers, cannot bind, ...).
 */
int control_start(uv_loop_t *loop, const char *path, control_request_cb cb,
		  void *data, struct control **out, char *err, size_t errsz);

/* Stops listening, drops every client, frees C once all is closed. */
void control_close(struct control *c);

#endif
