/*
 * exchange.c - thumperctl's one exchange with thumperd (see exchange.h).
 *
 * The socket is non-blocking and every wait (connect, send, read) is a
 * poll() against one deadline, so a stuck daemon cannot hang a script.
 * A daemon that closes while the request is being sent may have said why,
 * so the reply is read anyway.  Every failure is printed here, naming the
 * socket and, where it helps, what to check.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/exchange.h"
#include "ctl/format.h"
#include "ctl/json.h"

long long exchange_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for EVENTS on FD until DEADLINE: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int n;

	do {
		left = deadline - exchange_now_ms();
		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
	} while (n < 0 && errno == EINTR);
	return n;
}

static int connect_to(int fd, const struct sockaddr_un *sa, long long deadline,
		      const char *sock, int timeout_ms)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && exchange_now_ms() < deadline) {
			/* backlog full: the daemon is busy or stuck */
			poll(NULL, 0, 20);
			continue;
		}
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0) {
			if (err == 0)
				return 0;
			errno = err;
		}
		break;
	}
	if (errno == EAGAIN || errno == EINPROGRESS)
		fmt_say_path("cannot connect to ", sock, ": no answer within %d ms "
			     "(is thumperd stuck?)", timeout_ms);
	else
		fmt_say_path("cannot connect to ", sock, ": %s%s",
			     strerror(errno),
			     errno == ENOENT || errno == ECONNREFUSED ?
			     " (is thumperd running?)" : errno == EACCES ?
			     " (try as root or as a member of the socket's group)" :
			     "");
	return -1;
}

/* Sends REQ[0..reqlen): 0 sent (or the daemon hung up), 1 timed out, -1
 * failed (printed). */
static int send_all(int fd, const char *req, size_t reqlen, long long deadline,
		    const char *sock)
{
	size_t sent = 0;

	while (sent < reqlen) {
		ssize_t n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);

		if (n >= 0) {
			sent += (size_t)n;
		} else if (errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				return 1;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			break;	/* it may have said why: read on */
		} else if (errno != EINTR) {
			fmt_say_path("cannot send to ", sock, ": %s",
				     strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Makes room for 4 KiB more in OUT: 0, or -1 (printed). */
static int grow(struct reply_buf *out, const char *sock)
{
	size_t cap = out->cap ? out->cap * 2 : 16384;
	char *p;

	if (out->cap - out->len >= 4096)
		return 0;
	if (out->cap > JSON_MAX_LEN) {
		fmt_say_path("the reply from ", sock, " is larger than %u bytes",
			     JSON_MAX_LEN);
		return -1;
	}
	if (!(p = realloc(out->data, cap))) {
		fputs("thumperctl: out of memory\n", stderr);
		return -1;
	}
	out->data = p;
	out->cap = cap;
	return 0;
}

/* Reads to EOF into OUT: 0 read, 1 timed out, -1 failed (printed). */
static int read_all(int fd, struct reply_buf *out, long long deadline,
		    const char *sock)
{
	for (;;) {
		ssize_t n;

		if (grow(out, sock) != 0)
			return -1;
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n > 0) {
			out->len += (size_t)n;
		} else if (n == 0) {
			break;
		} else if (errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline) <= 0)
				return 1;
		} else if (errno != EINTR) {
			fmt_say_path("cannot read the reply from ", sock, ": %s",
				     strerror(errno));
			return -1;
		}
	}
	out->data[out->len] = '\0';
	if (out->len == 0) {
		fmt_say_path("", sock, ": the daemon closed the connection "
			     "without replying");
		return -1;
	}
	return 0;
}

int exchange_connect(const char *sock, int timeout_ms)
{
	long long deadline = exchange_now_ms() + timeout_ms;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fmt_say_path("cannot connect to ", sock, ": longer than %zu "
			     "bytes, the limit of a socket path",
			     sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "thumperctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect_to(fd, &sa, deadline, sock, timeout_ms) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int exchange_send(int fd, const char *buf, size_t len, int timeout_ms,
		  const char *sock)
{
	int rc = send_all(fd, buf, len, exchange_now_ms() + timeout_ms, sock);

	if (rc == 1)
		fmt_say_path("cannot send to ", sock, ": not taken within %d "
			     "ms (is thumperd stuck?)", timeout_ms);
	return rc == 0 ? 0 : -1;
}

int exchange_line(int fd, struct reply_buf *in, long long deadline,
		  const char *sock, char **line)
{
	char *nl;

	if (in->taken > 0) {	/* drop the line the last call gave */
		memmove(in->data, in->data + in->taken, in->len - in->taken);
		in->len -= in->taken;
		in->taken = 0;
	}
	for (;;) {
		ssize_t n;

		if (in->data && (nl = memchr(in->data, '\n', in->len))) {
			*nl = '\0';
			*line = in->data;
			in->taken = (size_t)(nl - in->data) + 1;
			return 1;
		}
		if (grow(in, sock) != 0)
			return -1;
		n = read(fd, in->data + in->len, in->cap - in->len - 1);
		if (n > 0) {
			in->len += (size_t)n;
		} else if (n == 0) {
			return 0;
		} else if (errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline < 0 ? LLONG_MAX
							     : deadline) == 0)
				return 2;
		} else if (errno != EINTR) {
			fmt_say_path("cannot read from ", sock, ": %s",
				     strerror(errno));
			return -1;
		}
	}
}

int exchange_request(const char *sock, const char *req, size_t reqlen,
		     int timeout_ms, struct reply_buf *out)
{
	long long deadline = exchange_now_ms() + timeout_ms;
	int fd, rc;

	if ((fd = exchange_connect(sock, timeout_ms)) < 0)
		return -1;
	rc = send_all(fd, req, reqlen, deadline, sock);
	if (rc == 0)
		rc = read_all(fd, out, deadline, sock);
	if (rc == 1) {
		fmt_say_path("no reply from ", sock, " within %d ms (is "
			     "thumperd stuck?)", timeout_ms);
		rc = -1;
	}
	close(fd);
	return rc;
}
