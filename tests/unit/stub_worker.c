/*
 * stub_worker.c - a worker that misbehaves on purpose, for check_pool.
 *
 * STUB_MODE selects how: "hang" takes a job and never answers, "garbage"
 * answers a job with bytes that are not a frame, "badid" answers with the
 * wrong job id, "die" exits at start before HELLO.  STUB_LOG, when set, is
 * a file each start appends a line to (to count spawns).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool/proto.h"

static int
read_n(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(3, buf + got, n - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int
read_frame(struct proto_hdr *h, uint8_t *payload)
{
	uint8_t hdr[PROTO_HDR_LEN];

	if (read_n(hdr, sizeof(hdr)) != 0 || proto_decode_hdr(hdr, sizeof(hdr), h) != 0)
		return -1;
	return read_n(payload, h->len);
}

int
main(void)
{
	static uint8_t payload[PROTO_MAX_PAYLOAD];
	const char *mode = getenv("STUB_MODE");
	const char *log = getenv("STUB_LOG");
	struct proto_buf b = { 0 };
	struct proto_hello hi = { (uint32_t)getpid() };
	struct proto_hdr h;

	if (log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "start %d\n", (int)getpid());
			fclose(f);
		}
	}
	if (mode == NULL || strcmp(mode, "die") == 0)
		return 1;
	if (read_frame(&h, payload) != 0)
		return 1;
	proto_encode_hello(&b, &hi);
	if (write(3, b.data, b.len) != (ssize_t)b.len)
		return 1;
	while (read_frame(&h, payload) == 0) {
		if (strcmp(mode, "hang") == 0) {
			pause();
		} else if (strcmp(mode, "garbage") == 0) {
			static const char junk[] = "this is not a frame at all.....";

			if (write(3, junk, sizeof(junk)) < 0)
				return 1;
		} else {
			struct proto_result r = {
				.status = PROTO_STATUS_OK,
				.src_width = 1, .src_height = 1, .elapsed_us = 1,
			};

			b.len = 0;
			proto_encode_result(&b, h.id + 1000, &r);
			if (write(3, b.data, b.len) < 0)
				return 1;
		}
	}
	proto_buf_free(&b);
	return 0;
}
