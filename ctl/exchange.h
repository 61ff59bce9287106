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
};

/*
 * Connects to the Unix socket SOCK, sends REQ[0..reqlen) and reads the
 * reply to EOF into OUT (zeroed by the caller), all within TIMEOUT_MS.
 * Returns 0 (OUT holds at least one byte), or -1 with the reason printed
 * on stderr naming SOCK.  OUT->data is the caller's to free either way.
 */
int exchange_request(const char *sock, const char *req, size_t reqlen,
		     int timeout_ms, struct reply_buf *out);

#endif
