/*
 * control.h - thumperd's control socket (design.md §7).
 *
 * A Unix stream socket: one request line in, one reply out (a JSON
 * document, or Prometheus text for metrics), then the daemon closes.  At
 * most CONTROL_MAX_CLIENTS at once; a client silent for CONTROL_IDLE_MS
 * is dropped.  With systemd socket activation the passed socket is used;
 * otherwise the daemon binds its own, refusing if another daemon answers
 * on the path.
 *
 * A stream command (ctl_commands[].stream: wait, events) keeps its
 * client: the owner sends it lines with control_send() for as long as it
 * likes, and is told when it is gone.  Up to CONTROL_MAX_STREAMS stream
 * clients, on top of the others.  Each holds a kernel send buffer of only
 * CONTROL_STREAM_SNDBUF, so what a client does not read waits in the
 * daemon, where its owner can count and bound it (control_pending()).
 */
#ifndef THUMPER_CONTROL_H
#define THUMPER_CONTROL_H

#include <stdio.h>

#include <uv.h>

#include "daemon/ctlreq.h"

#define CONTROL_MAX_CLIENTS 64
#define CONTROL_MAX_STREAMS 256
#define CONTROL_IDLE_MS 5000
#define CONTROL_STREAM_SNDBUF 16384

struct control;
struct control_client;

/* One line for stream clients, shared by all it is sent to. */
struct control_line {
	unsigned refs;
	size_t len;
	char data[];
};

struct control_ops {
	/*
	 * Runs one well-formed request from a client allowed to make it,
	 * and writes the whole reply to REPLY (a memory stream; control.c
	 * sends it).
	 */
	void (*request)(void *data, const struct ctl_request *req, FILE *reply);
	/*
	 * A stream command's request from CL: its first line, and each
	 * further line of the same command.  Answered with control_send().
	 */
	void (*stream)(void *data, struct control_client *cl,
		       const struct ctl_request *req);
	/* Every line sent to CL so far is in its socket. */
	void (*drained)(void *data, struct control_client *cl);
	/* CL is gone (hung up, dropped, ended); it is invalid after this. */
	void (*gone)(void *data, struct control_client *cl);
};

/*
 * Starts serving on PATH (or on the socket systemd passed), handing each
 * request to OPS with DATA.  Returns 0 and sets *out, or -1 with a message
 * in err (another daemon answers, cannot bind, ...).
 */
int control_start(uv_loop_t *loop, const char *path,
		  const struct control_ops *ops, void *data,
		  struct control **out, char *err, size_t errsz);

/* A line of LEN bytes from TEXT, with one reference; NULL without memory. */
struct control_line *control_line_new(const char *text, size_t len);
void control_line_unref(struct control_line *l);

/* Queues L (taking a reference) to stream client CL.  0 or -ENOMEM. */
int control_send(struct control_client *cl, struct control_line *l);

/* Lines queued to CL and not yet in its socket. */
unsigned control_pending(const struct control_client *cl);

/* Closes CL once its queued lines are written (at once: DROP). */
void control_end(struct control_client *cl, bool drop);

/* The owner's pointer for CL (NULL until set). */
void control_set_owner(struct control_client *cl, void *owner);
void *control_owner(const struct control_client *cl);

/* Stops listening, drops every client, frees C once all is closed. */
void control_close(struct control *c);

#endif
