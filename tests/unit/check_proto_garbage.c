/*
 * check_proto_garbage.c - the worker frame protocol (pool/proto.h) against
 * garbage: every frame either is refused or decodes to a message that
 * encodes back to the very same bytes; messages past the limits are not
 * encoded at all.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool/proto.h"
#include "tests/unit/protosample.h"
#include "tests/unit/testutil.h"

static int
within(const uint8_t *p, size_t len, struct proto_bytes b)
{
	return b.len == 0 || (b.data >= p && b.len <= len &&
			      b.data <= p + len - b.len);
}

/*
 * Decodes P/LEN as a TYPE payload.  A decoder may only answer 0 or
 * -EPROTO; when it accepts, every byte string it returns lies inside P
 * and encoding the message again gives back exactly P/LEN (so nothing
 * was skipped, misread or accepted that the encoder would not write).
 * Returns the decoder's answer.
 */
static int
decode_reencode(uint16_t type, const uint8_t *p, size_t len)
{
	union {
		struct proto_setup s;
		struct proto_job j;
		struct proto_result r;
		struct proto_hello h;
	} m;
	struct proto_buf b = { 0 };
	int rc, enc = -1, in = 1;

	switch (type) {
	case PROTO_SETUP:
		if ((rc = proto_decode_setup(p, len, &m.s)) != 0)
			break;
		in = within(p, len, m.s.tmpdir);
		for (uint32_t i = 0; i < m.s.nread; i++)
			in = in && within(p, len, m.s.read[i]);
		for (uint32_t i = 0; i < m.s.nwrite; i++)
			in = in && within(p, len, m.s.write[i]);
		enc = proto_encode_setup(&b, &m.s);
		break;
	case PROTO_JOB:
		if ((rc = proto_decode_job(p, len, &m.j)) != 0)
			break;
		in = within(p, len, m.j.src);
		for (uint32_t i = 0; i < m.j.noutputs; i++)
			in = in && within(p, len, m.j.outputs[i].path);
		enc = proto_encode_job(&b, 0, &m.j);
		break;
	case PROTO_RESULT:
		if ((rc = proto_decode_result(p, len, &m.r)) != 0)
			break;
		in = within(p, len, m.r.reason) &&
		     within(p, len, m.r.engine) &&
		     within(p, len, m.r.thumbhash);
		enc = proto_encode_result(&b, 0, &m.r);
		break;
	default:
		if ((rc = proto_decode_hello(p, len, &m.h)) != 0)
			break;
		enc = proto_encode_hello(&b, &m.h);
		break;
	}
	if (rc != 0 && rc != -EPROTO)
		ck_abort_msg("type 0x%04x: decoder answered %d", type, rc);
	if (rc == 0 && !in)
		ck_abort_msg("type 0x%04x: bytes outside the payload", type);
	if (rc == 0 && (enc != 0 || b.len != PROTO_HDR_LEN + len ||
			memcmp(b.data + PROTO_HDR_LEN, p, len) != 0))
		ck_abort_msg("type 0x%04x: %zu accepted bytes encode back to "
			     "%zu other bytes (%d)", type, len,
			     b.len - PROTO_HDR_LEN, enc);
	proto_buf_free(&b);
	return rc;
}

/*
 * Random bytes (with small counts, so the decoders go deep) and random
 * mutations of valid payloads (flipped, zeroed or small bytes, cut or
 * lengthened) are each refused or decode to a message that encodes back
 * to the same bytes.  Both outcomes must occur, or this proves nothing.
 */
START_TEST(garbage_is_refused_or_reencodes_to_itself)
{
	static const uint16_t types[] = { PROTO_SETUP, PROTO_JOB,
					  PROTO_RESULT, PROTO_HELLO };
	struct proto_buf valid[4] = { { 0 } };
	struct proto_setup s = sample_setup();
	struct proto_job j = sample_job();
	struct proto_result r = sample_result();
	struct proto_hello hi = { 99 };
	uint8_t buf[512];
	unsigned seed = 12345;
	int accepted[4] = { 0 }, refused[4] = { 0 };

	ck_assert_int_eq(proto_encode_setup(&valid[0], &s), 0);
	ck_assert_int_eq(proto_encode_job(&valid[1], 0, &j), 0);
	ck_assert_int_eq(proto_encode_result(&valid[2], 0, &r), 0);
	ck_assert_int_eq(proto_encode_hello(&valid[3], &hi), 0);

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (len > 8) {
			buf[0] = (uint8_t)(buf[0] % 8);
			buf[1] = buf[2] = buf[3] = 0;
		}
		for (int t = 0; t < 4; t++)
			(void)decode_reencode(types[t], buf, len);
	}
	for (int round = 0; round < 40000; round++) {
		int t = round % 4;
		size_t len = valid[t].len - PROTO_HDR_LEN;
		int edits = 1 + rand_r(&seed) % 3;

		ck_assert_uint_le(len, sizeof(buf));
		memcpy(buf, valid[t].data + PROTO_HDR_LEN, len);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand_r(&seed) % len;

			switch (rand_r(&seed) % 5) {
			case 0:
				buf[at] = (uint8_t)rand_r(&seed);
				break;
			case 1:
				buf[at] = (uint8_t)(rand_r(&seed) % 4);
				break;
			case 2:
				buf[at] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
				break;
			case 3:
				len = at;
				break;
			default:
				if (len < sizeof(buf))
					buf[len++] = (uint8_t)rand_r(&seed);
				break;
			}
			if (len == 0)
				break;
		}
		if (decode_reencode(types[t], buf, len) == 0)
			accepted[t]++;
		else
			refused[t]++;
	}
	for (int t = 0; t < 4; t++) {
		ck_assert_msg(accepted[t] > 100 && refused[t] > 100,
			      "type 0x%04x: %d mutations accepted, %d refused",
			      types[t], accepted[t], refused[t]);
		proto_buf_free(&valid[t]);
	}
}
END_TEST

START_TEST(setup_with_too_many_roots_is_refused)
{
	struct proto_buf b = { 0 };
	struct proto_setup s = sample_setup(), out;
	uint8_t p[256];
	size_t len;

	s.nread = s.nwrite = 0;
	ck_assert_int_eq(proto_encode_setup(&b, &s), 0);
	len = b.len - PROTO_HDR_LEN;
	ck_assert_uint_le(len, sizeof(p));
	memcpy(p, b.data + PROTO_HDR_LEN, len);
	ck_assert_int_eq(proto_decode_setup(p, len, &out), 0);
	p[len - 8] = PROTO_MAX_ROOTS + 1;	/* nread */
	ck_assert_int_eq(proto_decode_setup(p, len, &out), -EPROTO);
	p[len - 8] = 0;
	p[len - 4] = PROTO_MAX_ROOTS + 1;	/* nwrite */
	ck_assert_int_eq(proto_decode_setup(p, len, &out), -EPROTO);

	b.len = 0;
	s.nwrite = PROTO_MAX_ROOTS + 1;
	ck_assert_int_eq(proto_encode_setup(&b, &s), -EMSGSIZE);
	ck_assert_uint_eq(b.len, 0);
	proto_buf_free(&b);
}
END_TEST

START_TEST(oversized_job_is_not_encoded)
{
	struct proto_buf b = { 0 };
	struct proto_job j = sample_job();
	size_t big = PROTO_MAX_PAYLOAD;
	char *huge = malloc(big);

	memset(huge, 'a', big);
	j.src.data = (const uint8_t *)huge;
	j.src.len = (uint32_t)big;
	ck_assert_int_eq(proto_encode_job(&b, 1, &j), -EMSGSIZE);
	ck_assert_uint_eq(b.len, 0);
	j.noutputs = PROTO_MAX_OUTPUTS + 1;
	ck_assert_int_eq(proto_encode_job(&b, 1, &j), -EMSGSIZE);
	free(huge);
	proto_buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proto_garbage");
	TCase *tc = tcase_create("garbage");

	tcase_add_test(tc, garbage_is_refused_or_reencodes_to_itself);
	tcase_add_test(tc, oversized_job_is_not_encoded);
	tcase_add_test(tc, setup_with_too_many_roots_is_refused);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
