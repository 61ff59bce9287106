/*
 * control.c - the control socket's I/O (see control.h).
 *
 * Each client owns a pipe and an idle timer and is freed by the second
 * close callback.  A client is served once: its first line is parsed,
 * the command runs (through the callbacks main gave, which are
 * commands.c's) into a memory stream, the reply is written and the
 * client closed.  A stream command's client instead stays, with no idle
 * timer: every line it sends is handed over, and the lines it is sent
 * are shared, reference-counted, and counted until written, so that its
 * owner can bound them.  Bad data from a client only ever costs that
 * client: an over-long line, a NUL byte, an unknown command get an
 * {"error": ...} reply (the last line of a stream); silence gets it
 * dropped.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon/control.h"
#include "lib/escape.h"
#include "daemon/log.h"

struct control_client {
	struct control *c;
	struct control_client *next;
	uv_pipe_t pipe;
	uv_timer_t timer;
	int open;
	bool done;		/* served, or ending: reads nothing more */
	bool stream;		/* a stream command's client */
	bool gone_told;		/* ops->gone has been called */
	bool ending;		/* close once every line is written */
	enum ctl_cmd cmd;	/* a stream's command */
	unsigned pending;	/* lines not yet written */
	void *owner;
	uid_t uid;
	size_t len;
	char line[CTL_LINE_MAX + 2];
};

struct control {
	uv_pipe_t server;
	const struct control_ops *ops;
	void *data;
	struct control_client *clients;
	unsigned nclients;
	unsigned nstreams;
	bool closing;
	bool server_closed;	/* C is freed once it and every client are */
	bool activated;		/* the socket came from systemd */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct reply {
	uv_write_t req;
	struct control_client *cl;
	char *data;
};

struct line_write {
	uv_write_t req;
	struct control_client *cl;
	struct control_line *line;
};

static void
client_closed_cb(uv_handle_t *h)
{
	struct control_client *cl = h->data;
	struct control *c = cl->c;
	struct control_client **pp;

	if (--cl->open > 0)
		return;
	for (pp = &c->clients; *pp != cl; pp = &(*pp)->next)
		;
	*pp = cl->next;
	if (cl->stream)
		c->nstreams--;
	else
		c->nclients--;
	free(cl);
	if (c->server_closed && c->clients == NULL)
		free(c);
}

static void
client_close(struct control_client *cl)
{
	if (uv_is_closing((uv_handle_t *)&cl->pipe))
		return;
	if (cl->stream && !cl->gone_told) {
		cl->gone_told = true;
		cl->c->ops->gone(cl->c->data, cl);
	}
	uv_close((uv_handle_t *)&cl->pipe, client_closed_cb);
	uv_close((uv_handle_t *)&cl->timer, client_closed_cb);
}

static void
reply_written_cb(uv_write_t *req, int status)
{
	struct reply *r = (struct reply *)req;

	(void)status;
	client_close(r->cl);
	free(r->data);
	free(r);
}

/* Sends DATA (taken over) and closes the client after it is written. */
static void
send_reply(struct control_client *cl, char *data, size_t len)
{
	struct reply *r = calloc(1, sizeof(*r));
	uv_buf_t buf = uv_buf_init(data, (unsigned)len);

	cl->done = true;
	uv_read_stop((uv_stream_t *)&cl->pipe);
	if (r == NULL) {
		free(data);
		client_close(cl);
		return;
	}
	r->cl = cl;
	r->data = data;
	if (uv_write(&r->req, (uv_stream_t *)&cl->pipe, &buf, 1,
		     reply_written_cb) != 0) {
		free(data);
		free(r);
		client_close(cl);
	}
}

static char *
error_json(const char *msg, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (f == NULL)
		return NULL;
	fputs("{\"error\": ", f);
	escape_json(f, msg);
	fputs("}\n", f);
	fclose(f);
	return out;
}

static void
send_error(struct control_client *cl, const char *msg)
{
	size_t len = 0;
	char *out;
	struct control_line *l;

	if (!cl->stream) {
		if ((out = error_json(msg, &len)) == NULL)
			client_close(cl);
		else
			send_reply(cl, out, len);
		return;
	}
	/* A stream's bad line ends it, after what it was already sent. */
	out = error_json(msg, &len);
	l = out ? control_line_new(out, len) : NULL;
	free(out);
	if (l == NULL || control_send(cl, l) != 0) {
		control_line_unref(l);
		control_end(cl, true);
		return;
	}
	control_line_unref(l);
	control_end(cl, false);
}

struct control_line *
control_line_new(const char *text, size_t len)
{
	struct control_line *l = malloc(sizeof(*l) + len);

	if (l == NULL)
		return NULL;
	l->refs = 1;
	l->len = len;
	memcpy(l->data, text, len);
	return l;
}

void
control_line_unref(struct control_line *l)
{
	if (l != NULL && --l->refs == 0)
		free(l);
}

static void
line_written_cb(uv_write_t *req, int status)
{
	struct line_write *w = (struct line_write *)req;
	struct control_client *cl = w->cl;

	control_line_unref(w->line);
	free(w);
	cl->pending--;
	if (uv_is_closing((uv_handle_t *)&cl->pipe))
		return;
	if (status != 0) {
		client_close(cl);	/* hung up */
		return;
	}
	if (cl->pending > 0)
		return;
	if (cl->ending)
		client_close(cl);
	else
		cl->c->ops->drained(cl->c->data, cl);
}

int
control_send(struct control_client *cl, struct control_line *l)
{
	struct line_write *w;
	uv_buf_t buf = uv_buf_init(l->data, (unsigned)l->len);

	if (uv_is_closing((uv_handle_t *)&cl->pipe) || cl->ending)
		return 0;
	if ((w = malloc(sizeof(*w))) == NULL)
		return -ENOMEM;
	w->cl = cl;
	w->line = l;
	l->refs++;
	cl->pending++;
	if (uv_write(&w->req, (uv_stream_t *)&cl->pipe, &buf, 1,
		     line_written_cb) != 0) {
		cl->pending--;
		l->refs--;
		free(w);
		client_close(cl);
	}
	return 0;
}

unsigned
control_pending(const struct control_client *cl)
{
	return (cl)->pending;
}

void
control_end(struct control_client *cl, bool drop)
{

	cl->done = cl->ending = true;
	uv_read_stop((uv_stream_t *)&cl->pipe);
	if (drop || cl->pending == 0)
		client_close(cl);
}

void
control_set_owner(struct control_client *cl, void *owner)
{
	(cl)->owner = owner;
}

void *
control_owner(const struct control_client *cl)
{
	return (cl)->owner;
}

/* CL's first stream request: it leaves the request clients' count. */
static bool
become_stream(struct control_client *cl, enum ctl_cmd cmd)
{
	struct control *c = cl->c;
	uv_os_fd_t fd;
	int sz = CONTROL_STREAM_SNDBUF;

	if (c->nstreams >= CONTROL_MAX_STREAMS)
		return false;
	c->nclients--;
	c->nstreams++;
	cl->stream = true;
	cl->cmd = cmd;
	uv_timer_stop(&cl->timer);
	if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) == 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return true;
}

static void
serve(struct control_client *cl, size_t len)
{
	struct ctl_request req;
	const char *err;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	if (ctl_parse(cl->line, len, &req, &err) != 0) {
		send_error(cl, err);
		return;
	}
	if (req.privileged && cl->uid != 0 && cl->uid != geteuid()) {
		send_error(cl, "permission denied: this command is only for "
			   "root and the daemon's own user");
		return;
	}
	if (cl->stream && req.cmd != cl->cmd) {
		send_error(cl, "only more lines of the same command may "
			   "follow on this connection");
		return;
	}
	if (ctl_commands[req.cmd].stream) {
		if (!cl->stream && !become_stream(cl, req.cmd)) {
			send_error(cl, "too many waiting and following clients");
			return;
		}
		cl->c->ops->stream(cl->c->data, cl, &req);
		return;
	}
	if ((f = open_memstream(&out, &outlen)) == NULL) {
		send_error(cl, "out of memory");
		return;
	}
	cl->c->ops->request(cl->c->data, &req, f);
	fclose(f);
	send_reply(cl, out, outlen);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct control_client *cl = h->data;

	(void)suggested;
	*buf = uv_buf_init(cl->line + cl->len,
			   (unsigned)(sizeof(cl->line) - 1 - cl->len));
}

/* Serves each whole line in CL's buffer, keeping what follows the last. */
static void
serve_lines(struct control_client *cl)
{
	char *nl;

	while (!cl->done && (nl = memchr(cl->line, '\n', cl->len)) != NULL) {
		size_t n = (size_t)(nl - cl->line), rest = cl->len - n - 1;

		serve(cl, n);
		if (cl->done || uv_is_closing((uv_handle_t *)&cl->pipe))
			return;
		memmove(cl->line, cl->line + n + 1, rest);
		cl->len = rest;
	}
	if (!cl->done && cl->len > CTL_LINE_MAX)
		send_error(cl, "request too long (4 KiB at most)");
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct control_client *cl = s->data;

	(void)buf;
	if (cl->done)
		return;
	if (n == UV_EOF && !cl->stream && cl->len > 0 &&
	    cl->len <= CTL_LINE_MAX) {
		serve(cl, cl->len);	/* a last line without its newline */
		return;
	}
	if (n < 0) {
		client_close(cl);	/* a stream client hanging up ends it */
		return;
	}
	cl->len += (size_t)n;
	serve_lines(cl);
}

static void
idle_cb(uv_timer_t *t)
{
	struct control_client *cl = t->data;

	log_debug("control: dropping a client silent for %d s",
		  CONTROL_IDLE_MS / 1000);
	client_close(cl);
}

static uid_t
peer_uid(uv_pipe_t *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)p, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return (uid_t)-1;
	return cred.uid;
}

static void
connection_cb(uv_stream_t *server, int status)
{
	struct control *c = server->data;
	struct control_client *cl;

	if (status != 0 || c->closing || (cl = calloc(1, sizeof(*cl))) == NULL)
		return;
	cl->c = c;
	uv_pipe_init(server->loop, &cl->pipe, 0);
	uv_timer_init(server->loop, &cl->timer);
	cl->pipe.data = cl->timer.data = cl;
	cl->open = 2;
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0) {
		client_close(cl);
		return;
	}
	if (c->nclients > CONTROL_MAX_CLIENTS) {
		send_error(cl, "too many clients");
		return;
	}
	cl->uid = peer_uid(&cl->pipe);
	uv_timer_start(&cl->timer, idle_cb, CONTROL_IDLE_MS, 0);
	uv_read_start((uv_stream_t *)&cl->pipe, alloc_cb, read_cb);
}

/* True when a daemon already answers on PATH. */
static bool
someone_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool yes;

	if (fd < 0)
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	yes = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return yes;
}

static int
bind_own(struct control *c, uv_loop_t *loop, char *err, size_t errsz)
{
	struct stat st;
	mode_t old;
	int rc;

	if (someone_answers(c->path)) {
		snprintf(err, errsz, "another daemon already answers on %s",
			 c->path);
		return -1;
	}
	if (lstat(c->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "%s exists and is not a socket",
				 c->path);
			return -1;
		}
		unlink(c->path);	/* stale: nobody answers on it */
	}
	uv_pipe_init(loop, &c->server, 0);
	c->server.data = c;
	old = umask(0117);
	rc = uv_pipe_bind(&c->server, c->path);
	umask(old);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&c->server, 64, connection_cb);
	if (rc != 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", c->path,
			 uv_strerror(rc));
		return -1;
	}
	chmod(c->path, 0660);
	return 0;
}

static void
server_closed_cb(uv_handle_t *h)
{
	struct control *c = h->data;

	/* Clients' close callbacks may come after this one. */
	c->server_closed = true;
	if (c->clients == NULL)
		free(c);
}

int
control_start(uv_loop_t *loop, const char *path,
	      const struct control_ops *ops, void *data,
	      struct control **out, char *err, size_t errsz)
{
	struct control *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	c->ops = ops;
	c->data = data;
	c->server.data = c;
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errsz, "control_socket %s is too long", path);
		free(c);
		return -1;
	}
	memcpy(c->path, path, strlen(path) + 1);
	if (sd_listen_fds(0) >= 1) {
		c->activated = true;
		uv_pipe_init(loop, &c->server, 0);
		c->server.data = c;
		rc = uv_pipe_open(&c->server, SD_LISTEN_FDS_START);
		if (rc == 0)
			rc = uv_listen((uv_stream_t *)&c->server, 64,
				       connection_cb);
		if (rc != 0) {
			snprintf(err, errsz, "cannot use the socket systemd "
				 "passed: %s", uv_strerror(rc));
			c->server.data = c;
			uv_close((uv_handle_t *)&c->server, server_closed_cb);
			return -1;
		}
	} else if (bind_own(c, loop, err, errsz) != 0) {
		if (c->server.loop) {
			c->server.data = c;
			uv_close((uv_handle_t *)&c->server, server_closed_cb);
		} else {
			free(c);
		}
		return -1;
	}
	c->server.data = c;
	*out = c;
	return 0;
}

void
control_close(struct control *c)
{
	c->closing = true;
	for (struct control_client *cl = c->clients; cl; cl = cl->next)
		client_close(cl);
	if (!c->activated)
		unlink(c->path);
	c->server.data = c;
	uv_close((uv_handle_t *)&c->server, server_closed_cb);
}
