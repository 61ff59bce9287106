/*
 * exchange.h - one request to the control socket and its whole reply.
 */
#ifndef THUMPER_CTL_EXCHANGE_H
#define THUMPER_CTL_EXCHANGE_H

#include <stddef.h>

/* A reply as read: DATA[0..len) and a NUL after it; the caller frees DATA. */
struct reply_buf {
	char *data;
	size_t len, cap;
	size_t taken;	/* exchange_line(): the bytes of the line it gave */
};

/*
 * Connects to the Unix socket SOCK, sends REQ[0..reqlen) and reads the
 * reply to EOF into OUT (zeroed by the caller), all within TIMEOUT_MS.
 * Returns 0 (OUT holds at least one byte), or -1 with the reason printed
 * on stderr naming SOCK.  OUT->data is the caller's to free either way.
 */
int exchange_request(const char *sock, const char *req, size_t reqlen,
		     int timeout_ms, struct reply_buf *out);

/*
 * For the stream commands (wait, events), which keep the connection:
 * exchange_connect() returns a connected non-blocking socket, or -1;
 * exchange_send() sends all of BUF[0..len): 0 or -1.  exchange_line()
 * reads the next line from FD into IN (zeroed by the caller, freed by
 * it) and points *LINE at it, NUL-terminated, until the next call:
 * 1 a line, 0 end of stream, 2 DEADLINE passed (exchange_now_ms()
 * time; -1: none), -1 failed.  Failures are printed, naming SOCK.
 */
int exchange_connect(const char *sock, int timeout_ms);
int exchange_send(int fd, const char *buf, size_t len, int timeout_ms,
		  const char *sock);
int exchange_line(int fd, struct reply_buf *in, long long deadline,
		  const char *sock, char **line);
long long exchange_now_ms(void);	/* CLOCK_MONOTONIC */

#endif
