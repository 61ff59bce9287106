/*
 * protosample.h - what the protocol tests (check_proto, check_proto_garbage)
 * share: one sample of each message, with awkward bytes in every string,
 * and the checks that compare them.
 */
#ifndef THUMPER_PROTOSAMPLE_H
#define THUMPER_PROTOSAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "pool/proto.h"

struct proto_bytes bytes(const char *s);
struct proto_job sample_job(void);
struct proto_setup sample_setup(void);
struct proto_result sample_result(void);
void assert_same_bytes(struct proto_bytes a, struct proto_bytes b);

/* The payload of the one frame in B, after checking its header. */
const uint8_t *payload_of(const struct proto_buf *b, uint16_t type,
			  uint64_t id, size_t *len);
void assert_same_setup(const struct proto_setup *a,
		       const struct proto_setup *b);

#endif
