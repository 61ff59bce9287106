/*
 * fuzz_proto.c - every frame decoder on arbitrary bytes.
 * fuzz-sources: pool/proto.c
 */
#include <stddef.h>
#include <stdint.h>

#include "pool/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_hdr h;
	struct proto_job j;
	struct proto_result r;
	struct proto_setup s;
	struct proto_hello hi;

	if (proto_decode_hdr(data, size, &h) == 0 && h.len <= size - PROTO_HDR_LEN) {
		const uint8_t *p = data + PROTO_HDR_LEN;

		switch (h.type) {
		case PROTO_JOB:
			if (proto_decode_job(p, h.len, &j) == 0)
				for (uint32_t i = 0; i < j.noutputs; i++)
					(void)j.outputs[i].path.data[j.outputs[i].path.len - 1];
			break;
		case PROTO_RESULT:
			(void)proto_decode_result(p, h.len, &r);
			break;
		case PROTO_SETUP:
			(void)proto_decode_setup(p, h.len, &s);
			break;
		default:
			(void)proto_decode_hello(p, h.len, &hi);
		}
	}
	(void)proto_decode_job(data, size, &j);
	(void)proto_decode_result(data, size, &r);
	return 0;
}
