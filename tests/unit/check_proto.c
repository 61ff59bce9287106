/*
 * check_proto.c - the worker frame protocol: round trips, and refusal of
 * truncated, oversized, mis-versioned and garbage frames.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool/proto.h"

static struct proto_bytes
bytes(const char *s)
{
	struct proto_bytes b = { (const uint8_t *)s, (uint32_t)strlen(s) };

	return b;
}

static struct proto_job
sample_job(void)
{
	struct proto_job j;

	memset(&j, 0, sizeof(j));
	j.src = bytes("/srv/in/odd name\nwith newline \xff\xfe.jpg");
	j.noutputs = 2;
	j.outputs[0].width = 200;
	j.outputs[0].height = 150;
	j.outputs[0].format = 1;
	j.outputs[0].quality = 85;
	j.outputs[0].path = bytes("/srv/out/small/odd name\nwith newline \xff\xfe.jpg");
	j.outputs[1].width = 1024;
	j.outputs[1].height = 1024;
	j.outputs[1].format = 3;
	j.outputs[1].quality = 80;
	j.outputs[1].path = bytes("/srv/out/large/x.jpg.webp");
	return j;
}

START_TEST(job_round_trip_keeps_every_byte)
{
	struct proto_buf b = { 0 };
	struct proto_job in = sample_job(), out;
	struct proto_hdr h;

	ck_assert_int_eq(proto_encode_job(&b, 42, &in), 0);
	ck_assert_int_eq(proto_decode_hdr(b.data, b.len, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_JOB);
	ck_assert_uint_eq(h.version, PROTO_VERSION);
	ck_assert_uint_eq(h.id, 42);
	ck_assert_uint_eq(h.len + PROTO_HDR_LEN, b.len);
	ck_assert_int_eq(proto_decode_job(b.data + PROTO_HDR_LEN, h.len, &out), 0);
	ck_assert_uint_eq(out.src.len, in.src.len);
	ck_assert_mem_eq(out.src.data, in.src.data, in.src.len);
	ck_assert_uint_eq(out.noutputs, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(out.outputs[i].width, in.outputs[i].width);
		ck_assert_uint_eq(out.outputs[i].height, in.outputs[i].height);
		ck_assert_uint_eq(out.outputs[i].format, in.outputs[i].format);
		ck_assert_uint_eq(out.outputs[i].quality, in.outputs[i].quality);
		ck_assert_uint_eq(out.outputs[i].path.len, in.outputs[i].path.len);
		ck_assert_mem_eq(out.outputs[i].path.data, in.outputs[i].path.data,
				 in.outputs[i].path.len);
	}
	proto_buf_free(&b);
}
END_TEST

START_TEST(result_setup_hello_round_trip)
{
	struct proto_buf b = { 0 };
	struct proto_result r = { 1, 4000, 3000, 123456, bytes("cannot decode") }, r2;
	struct proto_setup s = { .crop = 2, .keep_metadata = 1, .follow_symlinks = 1,
				 .vips_threads = 1, .memory_mb = 1024,
				 .max_pixels = 100000000,
				 .max_file_bytes = 512u << 20 }, s2;
	struct proto_hello hi = { 4242 }, hi2;
	struct proto_hdr h;
	size_t off = 0;

	s.nread = 1;
	s.read[0] = bytes("/srv/in coming");
	s.nwrite = 2;
	s.write[0] = bytes("/srv/thumbs");
	s.write[1] = bytes("/srv/more\nthumbs");
	ck_assert_int_eq(proto_encode_result(&b, 7, &r), 0);
	ck_assert_int_eq(proto_encode_setup(&b, &s), 0);
	ck_assert_int_eq(proto_encode_hello(&b, &hi), 0);

	ck_assert_int_eq(proto_decode_hdr(b.data + off, b.len - off, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_RESULT);
	ck_assert_int_eq(proto_decode_result(b.data + off + PROTO_HDR_LEN, h.len, &r2), 0);
	ck_assert_uint_eq(r2.status, 1);
	ck_assert_uint_eq(r2.src_width, 4000);
	ck_assert_uint_eq(r2.src_height, 3000);
	ck_assert_uint_eq(r2.elapsed_us, 123456);
	ck_assert_uint_eq(r2.reason.len, strlen("cannot decode"));
	off += PROTO_HDR_LEN + h.len;

	ck_assert_int_eq(proto_decode_hdr(b.data + off, b.len - off, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_SETUP);
	ck_assert_int_eq(proto_decode_setup(b.data + off + PROTO_HDR_LEN, h.len, &s2), 0);
	ck_assert_uint_eq(s2.crop, 2);
	ck_assert_uint_eq(s2.memory_mb, 1024);
	ck_assert_uint_eq(s2.max_pixels, 100000000);
	ck_assert_uint_eq(s2.max_file_bytes, 512u << 20);
	ck_assert_uint_eq(s2.nread, 1);
	ck_assert_uint_eq(s2.read[0].len, strlen("/srv/in coming"));
	ck_assert_mem_eq(s2.read[0].data, "/srv/in coming", s2.read[0].len);
	ck_assert_uint_eq(s2.nwrite, 2);
	ck_assert_mem_eq(s2.write[1].data, "/srv/more\nthumbs", s2.write[1].len);
	off += PROTO_HDR_LEN + h.len;

	ck_assert_int_eq(proto_decode_hdr(b.data + off, b.len - off, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_HELLO);
	ck_assert_int_eq(proto_decode_hello(b.data + off + PROTO_HDR_LEN, h.len, &hi2), 0);
	ck_assert_uint_eq(hi2.pid, 4242);
	ck_assert_uint_eq(off + PROTO_HDR_LEN + h.len, b.len);
	proto_buf_free(&b);
}
END_TEST

START_TEST(every_truncation_of_a_job_is_refused)
{
	struct proto_buf b = { 0 };
	struct proto_job in = sample_job(), out;
	size_t plen;

	ck_assert_int_eq(proto_encode_job(&b, 1, &in), 0);
	plen = b.len - PROTO_HDR_LEN;
	for (size_t cut = 0; cut < plen; cut++)
		ck_assert_int_eq(proto_decode_job(b.data + PROTO_HDR_LEN, cut, &out),
				 -EPROTO);
	proto_buf_free(&b);
}
END_TEST

START_TEST(trailing_bytes_are_refused)
{
	struct proto_buf b = { 0 };
	struct proto_hello hi = { 1 }, out;
	uint8_t payload[8] = { 1, 0, 0, 0, 9, 9, 9, 9 };

	ck_assert_int_eq(proto_decode_hello(payload, 4, &out), 0);
	ck_assert_int_eq(proto_decode_hello(payload, 8, &out), -EPROTO);
	ck_assert_int_eq(proto_encode_hello(&b, &hi), 0);
	proto_buf_free(&b);
}
END_TEST

START_TEST(header_refuses_wrong_version_and_oversized_length)
{
	uint8_t hdr[PROTO_HDR_LEN] = { 0x02, 0x02, PROTO_VERSION, 0 };
	struct proto_hdr h;

	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), 0);
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr) - 1, &h), -EPROTO);
	hdr[2] = PROTO_VERSION + 1;
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), -EPROTO);
	hdr[2] = PROTO_VERSION;
	hdr[4] = 0x01;		/* len = PROTO_MAX_PAYLOAD + 1 */
	hdr[5] = 0x00;
	hdr[6] = 0x04;
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), -EPROTO);
}
END_TEST

START_TEST(bad_counts_and_lengths_are_refused)
{
	struct proto_job out;
	/* src len 2 "ab", noutputs 0 */
	uint8_t zero_outputs[] = { 2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0 };
	/* src len claims 1000 bytes */
	uint8_t long_src[] = { 0xe8, 0x03, 0, 0, 'a', 'b' };
	/* a NUL inside the source path */
	uint8_t nul_src[] = { 3, 0, 0, 0, 'a', 0, 'b', 1, 0, 0, 0,
			      1, 0, 0, 0, 1, 0, 0, 0, 1, 85, 1, 0, 0, 0, 'x' };
	/* 17 outputs */
	uint8_t many[] = { 1, 0, 0, 0, 'a', 17, 0, 0, 0 };

	ck_assert_int_eq(proto_decode_job(zero_outputs, sizeof(zero_outputs), &out), -EPROTO);
	ck_assert_int_eq(proto_decode_job(long_src, sizeof(long_src), &out), -EPROTO);
	ck_assert_int_eq(proto_decode_job(nul_src, sizeof(nul_src), &out), -EPROTO);
	nul_src[5] = 'c';
	ck_assert_int_eq(proto_decode_job(nul_src, sizeof(nul_src), &out), 0);
	ck_assert_int_eq(proto_decode_job(many, sizeof(many), &out), -EPROTO);
}
END_TEST

START_TEST(garbage_never_decodes_past_its_buffer)
{
	uint8_t buf[512];
	struct proto_job j;
	struct proto_result r;
	struct proto_setup s;
	unsigned seed = 12345;

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		/* small counts make the decoders go deep */
		if (len > 8) {
			buf[0] = (uint8_t)(buf[0] % 8);
			buf[1] = buf[2] = buf[3] = 0;
		}
		(void)proto_decode_job(buf, len, &j);
		(void)proto_decode_result(buf, len, &r);
		(void)proto_decode_setup(buf, len, &s);
	}
}
END_TEST

START_TEST(setup_with_too_many_roots_is_refused)
{
	struct proto_buf b = { 0 };
	struct proto_setup s;
	/* nread = PROTO_MAX_ROOTS + 1 after the fixed fields */
	uint8_t payload[32 + 4] = { 0 };

	memset(&s, 0, sizeof(s));
	s.nwrite = PROTO_MAX_ROOTS + 1;
	ck_assert_int_eq(proto_encode_setup(&b, &s), -EMSGSIZE);
	ck_assert_uint_eq(b.len, 0);
	payload[28] = PROTO_MAX_ROOTS + 1;
	ck_assert_int_eq(proto_decode_setup(payload, sizeof(payload), &s), -EPROTO);
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
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("frames");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, job_round_trip_keeps_every_byte);
	tcase_add_test(tc, result_setup_hello_round_trip);
	tcase_add_test(tc, every_truncation_of_a_job_is_refused);
	tcase_add_test(tc, trailing_bytes_are_refused);
	tcase_add_test(tc, header_refuses_wrong_version_and_oversized_length);
	tcase_add_test(tc, bad_counts_and_lengths_are_refused);
	tcase_add_test(tc, garbage_never_decodes_past_its_buffer);
	tcase_add_test(tc, oversized_job_is_not_encoded);
	tcase_add_test(tc, setup_with_too_many_roots_is_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
