/*
 * fuzz_proto.c - every frame decoder on arbitrary bytes.  Besides memory
 * errors it checks what the decoders promise: they answer 0 or -EPROTO,
 * every byte string they return lies inside the payload, and a payload
 * they accept encodes back to exactly the same bytes (the encoders refuse
 * nothing a decoder accepts, and the decoders skip and invent nothing).
 * The input is read as a whole frame, then as a bare payload of each type.
 * fuzz-sources: pool/proto.c
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const uint8_t *p, size_t len, struct proto_bytes b)
{
	if (b.len > 0 && (b.data < p || b.len > len || b.data > p + len - b.len))
		abort();
}

static void
check(uint16_t type, const uint8_t *p, size_t len)
{
	union {
		struct proto_setup s;
		struct proto_job j;
		struct proto_result r;
		struct proto_hello h;
	} m;
	struct proto_buf b = { 0 };
	int rc, enc = -1;

	switch (type) {
	case PROTO_SETUP:
		if ((rc = proto_decode_setup(p, len, &m.s)) != 0)
			break;
		inside(p, len, m.s.tmpdir);
		for (uint32_t i = 0; i < m.s.nread; i++)
			inside(p, len, m.s.read[i]);
		for (uint32_t i = 0; i < m.s.nwrite; i++)
			inside(p, len, m.s.write[i]);
		enc = proto_encode_setup(&b, &m.s);
		break;
	case PROTO_JOB:
		if ((rc = proto_decode_job(p, len, &m.j)) != 0)
			break;
		inside(p, len, m.j.src);
		for (uint32_t i = 0; i < m.j.noutputs; i++)
			inside(p, len, m.j.outputs[i].path);
		enc = proto_encode_job(&b, 1, &m.j);
		break;
	case PROTO_RESULT:
		if ((rc = proto_decode_result(p, len, &m.r)) != 0)
			break;
		inside(p, len, m.r.reason);
		inside(p, len, m.r.engine);
		inside(p, len, m.r.thumbhash);
		enc = proto_encode_result(&b, 1, &m.r);
		break;
	default:
		if ((rc = proto_decode_hello(p, len, &m.h)) != 0)
			break;
		enc = proto_encode_hello(&b, &m.h);
		break;
	}
	if (rc != 0 && rc != -EPROTO)
		abort();
	if (rc == 0 && (enc != 0 || b.len != PROTO_HDR_LEN + len))
		abort();
	if (rc == 0 && len > 0 && memcmp(b.data + PROTO_HDR_LEN, p, len) != 0)
		abort();
	proto_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { PROTO_SETUP, PROTO_JOB,
					  PROTO_RESULT, PROTO_HELLO };
	struct proto_hdr h;

	if (proto_decode_hdr(data, size, &h) == 0 &&
	    h.len <= size - PROTO_HDR_LEN)
		check(h.type, data + PROTO_HDR_LEN, h.len);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		check(types[t], data, size);
	return 0;
}
