/*
 * check_proto.c - the worker frame protocol (pool/proto.h): round trips
 * of every message and every wire value, the exact bytes of each frame,
 * refusal of truncated, oversized, mis-versioned and out-of-range frames.
 * Garbage has check_proto_garbage.c.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool/proto.h"
#include "tests/unit/protosample.h"
#include "tests/unit/testutil.h"

START_TEST(job_round_trip_keeps_every_byte)
{
	struct proto_buf b = { 0 };
	struct proto_job in = sample_job(), out;
	const uint8_t *p;
	size_t len;

	ck_assert_int_eq(proto_encode_job(&b, 42, &in), 0);
	p = payload_of(&b, PROTO_JOB, 42, &len);
	ck_assert_int_eq(proto_decode_job(p, len, &out), 0);
	assert_same_bytes(out.src, in.src);
	ck_assert_uint_eq(out.noutputs, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(out.outputs[i].width, in.outputs[i].width);
		ck_assert_uint_eq(out.outputs[i].height, in.outputs[i].height);
		ck_assert_uint_eq(out.outputs[i].format, in.outputs[i].format);
		ck_assert_uint_eq(out.outputs[i].quality, in.outputs[i].quality);
		assert_same_bytes(out.outputs[i].path, in.outputs[i].path);
	}
	proto_buf_free(&b);
}
END_TEST

START_TEST(result_setup_hello_round_trip_back_to_back)
{
	struct proto_buf b = { 0 };
	struct proto_result r = sample_result(), r2;
	struct proto_setup s = sample_setup(), s2;
	struct proto_hello hi = { 4242 }, hi2;
	struct proto_hdr h;
	size_t off = 0;

	ck_assert_int_eq(proto_encode_result(&b, 7, &r), 0);
	ck_assert_int_eq(proto_encode_setup(&b, &s), 0);
	ck_assert_int_eq(proto_encode_hello(&b, &hi), 0);

	ck_assert_int_eq(proto_decode_hdr(b.data + off, b.len - off, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_RESULT);
	ck_assert_uint_eq(h.id, 7);
	ck_assert_int_eq(proto_decode_result(b.data + off + PROTO_HDR_LEN, h.len, &r2), 0);
	ck_assert_uint_eq(r2.status, PROTO_STATUS_SOURCE);
	ck_assert_uint_eq(r2.src_width, 4000);
	ck_assert_uint_eq(r2.src_height, 3000);
	ck_assert_uint_eq(r2.elapsed_us, 123456);
	assert_same_bytes(r2.reason, r.reason);
	assert_same_bytes(r2.engine, r.engine);
	ck_assert_uint_eq(r2.flags, PROTO_RESULT_PLACEHOLDER_UNSTORED);
	assert_same_bytes(r2.thumbhash, r.thumbhash);
	off += PROTO_HDR_LEN + h.len;

	ck_assert_int_eq(proto_decode_hdr(b.data + off, b.len - off, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_SETUP);
	ck_assert_uint_eq(h.id, 0);
	ck_assert_int_eq(proto_decode_setup(b.data + off + PROTO_HDR_LEN, h.len, &s2), 0);
	assert_same_setup(&s2, &s);
	off += PROTO_HDR_LEN + h.len;

	ck_assert_int_eq(proto_decode_hdr(b.data + off, b.len - off, &h), 0);
	ck_assert_uint_eq(h.type, PROTO_HELLO);
	ck_assert_int_eq(proto_decode_hello(b.data + off + PROTO_HDR_LEN, h.len, &hi2), 0);
	ck_assert_uint_eq(hi2.pid, 4242);
	ck_assert_uint_eq(off + PROTO_HDR_LEN + h.len, b.len);
	proto_buf_free(&b);
}
END_TEST

/*
 * The exact bytes of one frame of each type.  These pin the layout and
 * the wire values: a change here is a protocol change, so bump
 * PROTO_VERSION (the 0x05 below) together with these bytes.
 */
START_TEST(frames_have_their_documented_bytes)
{
	static const uint8_t setup[] = {
		0x01, 0x01, 0x05, 0x00, 0x32, 0x00, 0x00, 0x00, /* SETUP v5 */
		0, 0, 0, 0, 0, 0, 0, 0,				/* id 0 */
		0x01, 0x00, 0x01, 0x00, 0x02,	/* centre, untrusted, off */
		0x01,				/* placeholder: thumbhash */
		0x04, 0x00, 0x00, 0x00,		/* vips_threads */
		0x00, 0x01, 0x00, 0x00,		/* memory_mb */
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, '/', 't',	/* tmpdir */
		0x01, 0x00, 0x00, 0x00,			/* nread */
		0x02, 0x00, 0x00, 0x00, '/', 'a',
		0x00, 0x00, 0x00, 0x00,			/* nwrite */
	};
	static const uint8_t job[] = {
		0x02, 0x01, 0x05, 0x00, 0x1a, 0x00, 0x00, 0x00, /* JOB v5 */
		0x07, 0, 0, 0, 0, 0, 0, 0,			/* id 7 */
		0x02, 0x00, 0x00, 0x00, '/', 's',	/* src */
		0x01, 0x00, 0x00, 0x00,			/* noutputs */
		0xc8, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,	/* 200x100 */
		0x02, 0x5a,				/* png, quality 90 */
		0x02, 0x00, 0x00, 0x00, '/', 'd',	/* path */
	};
	static const uint8_t result[] = {
		0x02, 0x02, 0x05, 0x00, 0x27, 0x00, 0x00, 0x00, /* RESULT v5 */
		0x07, 0, 0, 0, 0, 0, 0, 0,
		0x02, 0x00, 0x00, 0x00,			/* status: dest */
		0x80, 0x02, 0x00, 0x00, 0xe0, 0x01, 0x00, 0x00,	/* 640x480 */
		0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 1000 us */
		0x01, 0x00, 0x00, 0x00, 'x',		/* reason */
		0x01, 0x00, 0x00, 0x00, 'e',		/* engine */
		0x01, 0x00, 0x00, 0x00,			/* flags: unstored */
		0x01, 0x00, 0x00, 0x00, 'h',		/* thumbhash */
	};
	static const uint8_t hello[] = {
		0x01, 0x02, 0x05, 0x00, 0x04, 0x00, 0x00, 0x00, /* HELLO v5 */
		0, 0, 0, 0, 0, 0, 0, 0,
		0x34, 0x12, 0x00, 0x00,			/* pid */
	};
	struct proto_setup s = {
		.crop = PROTO_CROP_CENTRE, .untrusted_loaders = 1,
		.jpeg_fast = PROTO_JPEG_FAST_OFF,
		.placeholder = PROTO_PLACEHOLDER_THUMBHASH, .vips_threads = 4,
		.memory_mb = 0x100, .max_pixels = 0x0102030405060708ULL,
		.max_file_bytes = 9, .tmpdir = bytes("/t"),
		.nread = 1, .read = { bytes("/a") },
	};
	struct proto_job j = {
		.src = bytes("/s"), .noutputs = 1,
		.outputs = { { 200, 100, PROTO_FORMAT_PNG, 90, bytes("/d") } },
	};
	struct proto_result r = {
		.status = PROTO_STATUS_DEST, .src_width = 640,
		.src_height = 480, .elapsed_us = 1000, .reason = bytes("x"),
		.engine = bytes("e"), .flags = PROTO_RESULT_PLACEHOLDER_UNSTORED,
		.thumbhash = bytes("h"),
	};
	struct proto_hello hi = { 0x1234 };
	struct proto_buf b = { 0 };

	ck_assert_int_eq(PROTO_VERSION, 5);
	ck_assert_int_eq(proto_encode_setup(&b, &s), 0);
	ck_assert_uint_eq(b.len, sizeof(setup));
	ck_assert_mem_eq(b.data, setup, sizeof(setup));
	b.len = 0;
	ck_assert_int_eq(proto_encode_job(&b, 7, &j), 0);
	ck_assert_uint_eq(b.len, sizeof(job));
	ck_assert_mem_eq(b.data, job, sizeof(job));
	b.len = 0;
	ck_assert_int_eq(proto_encode_result(&b, 7, &r), 0);
	ck_assert_uint_eq(b.len, sizeof(result));
	ck_assert_mem_eq(b.data, result, sizeof(result));
	b.len = 0;
	ck_assert_int_eq(proto_encode_hello(&b, &hi), 0);
	ck_assert_uint_eq(b.len, sizeof(hello));
	ck_assert_mem_eq(b.data, hello, sizeof(hello));
	proto_buf_free(&b);
}
END_TEST

START_TEST(every_setup_value_round_trips)
{
	struct proto_buf b = { 0 };
	struct proto_setup s = sample_setup(), out;
	const uint8_t *p;
	size_t len;
	int n = 0;

	for (unsigned crop = 0; crop <= PROTO_CROP_LAST; crop++)
	for (unsigned fast = 0; fast <= PROTO_JPEG_FAST_LAST; fast++)
	for (unsigned ph = 0; ph <= PROTO_PLACEHOLDER_LAST; ph++)
	for (unsigned flags = 0; flags < 8; flags++) {
		s.crop = (uint8_t)crop;
		s.jpeg_fast = (uint8_t)fast;
		s.placeholder = (uint8_t)ph;
		s.keep_metadata = flags & 1;
		s.untrusted_loaders = (flags >> 1) & 1;
		s.follow_symlinks = (flags >> 2) & 1;
		b.len = 0;
		ck_assert_int_eq(proto_encode_setup(&b, &s), 0);
		p = payload_of(&b, PROTO_SETUP, 0, &len);
		ck_assert_int_eq(proto_decode_setup(p, len, &out), 0);
		assert_same_setup(&out, &s);
		n++;
	}
	ck_assert_int_eq(n, 3 * 3 * 2 * 8);
	proto_buf_free(&b);
}
END_TEST

/* Offsets of the one-byte SETUP fields in its payload. */
enum { S_CROP, S_KEEP, S_UNTRUSTED, S_FOLLOW, S_JPEG_FAST, S_PLACEHOLDER,
       S_TMPDIR = 30 };

START_TEST(out_of_range_setup_values_are_refused)
{
	static const struct { int off; uint8_t bad; } cases[] = {
		{ S_CROP, PROTO_CROP_LAST + 1 }, { S_CROP, 0xff },
		{ S_KEEP, 2 }, { S_UNTRUSTED, 2 }, { S_FOLLOW, 0x80 },
		{ S_JPEG_FAST, PROTO_JPEG_FAST_LAST + 1 },
		{ S_JPEG_FAST, 0xff },
		{ S_PLACEHOLDER, PROTO_PLACEHOLDER_LAST + 1 },
	};
	struct proto_buf b = { 0 }, e = { 0 };
	struct proto_setup s = sample_setup(), out;
	struct proto_hello hi = { 1 };
	uint8_t p[512];
	size_t len;

	ck_assert_int_eq(proto_encode_setup(&b, &s), 0);
	len = b.len - PROTO_HDR_LEN;
	ck_assert_uint_le(len, sizeof(p));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_setup bad = s;
		uint8_t *field = &bad.crop;

		memcpy(p, b.data + PROTO_HDR_LEN, len);
		ck_assert_int_eq(proto_decode_setup(p, len, &out), 0);
		p[cases[i].off] = cases[i].bad;
		ck_assert_int_eq(proto_decode_setup(p, len, &out), -EPROTO);

		/* the encoder refuses it too, and leaves the buffer alone */
		switch (cases[i].off) {
		case S_KEEP: field = &bad.keep_metadata; break;
		case S_UNTRUSTED: field = &bad.untrusted_loaders; break;
		case S_FOLLOW: field = &bad.follow_symlinks; break;
		case S_JPEG_FAST: field = &bad.jpeg_fast; break;
		case S_PLACEHOLDER: field = &bad.placeholder; break;
		}
		*field = cases[i].bad;
		e.len = 0;
		ck_assert_int_eq(proto_encode_hello(&e, &hi), 0);
		ck_assert_int_eq(proto_encode_setup(&e, &bad), -EINVAL);
		ck_assert_uint_eq(e.len, PROTO_HDR_LEN + 4);
	}

	/* tmpdir: absolute, not empty */
	memcpy(p, b.data + PROTO_HDR_LEN, len);
	ck_assert_uint_eq(p[S_TMPDIR], s.tmpdir.len);
	ck_assert_uint_eq(p[S_TMPDIR + 4], '/');
	p[S_TMPDIR + 4] = 'v';
	ck_assert_int_eq(proto_decode_setup(p, len, &out), -EPROTO);
	s.tmpdir = bytes("var/tmp");
	ck_assert_int_eq(proto_encode_setup(&e, &s), -EINVAL);
	s.tmpdir = bytes("");
	ck_assert_int_eq(proto_encode_setup(&e, &s), -EINVAL);
	proto_buf_free(&b);
	proto_buf_free(&e);
}
END_TEST

START_TEST(empty_tmpdir_is_refused)
{
	/* the fixed fields, tmpdir, nread = 0, nwrite = 0 */
	uint8_t p[S_TMPDIR + 4 + 1 + 8] = { 0 };
	struct proto_setup out;

	ck_assert_int_eq(proto_decode_setup(p, sizeof(p) - 1, &out), -EPROTO);
	p[S_TMPDIR] = 1;
	p[S_TMPDIR + 4] = '/';
	ck_assert_int_eq(proto_decode_setup(p, sizeof(p), &out), 0);
	ck_assert_uint_eq(out.tmpdir.len, 1);
	ck_assert_uint_eq(out.nread + out.nwrite, 0);
}
END_TEST

START_TEST(formats_outside_the_enum_are_refused)
{
	struct proto_buf b = { 0 };
	struct proto_job j = sample_job(), out;
	const uint8_t *p = NULL;
	uint8_t copy[512];
	size_t len = 0, at = 4 + j.src.len + 4 + 4 + 4;	/* outputs[0].format */

	for (unsigned f = PROTO_FORMAT_FIRST; f <= PROTO_FORMAT_LAST; f++) {
		j.outputs[0].format = (uint8_t)f;
		b.len = 0;
		ck_assert_int_eq(proto_encode_job(&b, 1, &j), 0);
		p = payload_of(&b, PROTO_JOB, 1, &len);
		ck_assert_uint_eq(p[at], f);
		ck_assert_int_eq(proto_decode_job(p, len, &out), 0);
		ck_assert_uint_eq(out.outputs[0].format, f);
	}
	ck_assert_uint_le(len, sizeof(copy));
	memcpy(copy, p, len);
	copy[at] = 0;			/* "auto" is the parent's to decide */
	ck_assert_int_eq(proto_decode_job(copy, len, &out), -EPROTO);
	copy[at] = PROTO_FORMAT_LAST + 1;
	ck_assert_int_eq(proto_decode_job(copy, len, &out), -EPROTO);

	b.len = 0;
	j.outputs[1].format = 0;
	ck_assert_int_eq(proto_encode_job(&b, 1, &j), -EINVAL);
	j.outputs[1].format = PROTO_FORMAT_LAST + 1;
	ck_assert_int_eq(proto_encode_job(&b, 1, &j), -EINVAL);
	ck_assert_uint_eq(b.len, 0);
	proto_buf_free(&b);
}
END_TEST

START_TEST(statuses_outside_the_enum_are_refused)
{
	struct proto_buf b = { 0 };
	struct proto_result r = sample_result(), out;
	const uint8_t *p = NULL;
	uint8_t copy[128];
	size_t len = 0;

	for (unsigned st = 0; st <= PROTO_STATUS_LAST; st++) {
		r.status = st;
		b.len = 0;
		ck_assert_int_eq(proto_encode_result(&b, 3, &r), 0);
		p = payload_of(&b, PROTO_RESULT, 3, &len);
		ck_assert_int_eq(proto_decode_result(p, len, &out), 0);
		ck_assert_uint_eq(out.status, st);
	}
	ck_assert_uint_le(len, sizeof(copy));
	memcpy(copy, p, len);
	copy[0] = PROTO_STATUS_LAST + 1;
	ck_assert_int_eq(proto_decode_result(copy, len, &out), -EPROTO);
	copy[0] = 0;
	copy[3] = 1;			/* 2^24: the high bytes count too */
	ck_assert_int_eq(proto_decode_result(copy, len, &out), -EPROTO);

	b.len = 0;
	r.status = PROTO_STATUS_LAST + 1;
	ck_assert_int_eq(proto_encode_result(&b, 3, &r), -EINVAL);
	ck_assert_uint_eq(b.len, 0);
	proto_buf_free(&b);
}
END_TEST

/* Flags other than the known ones, and a hash too long to be one. */
START_TEST(result_flags_and_thumbhash_are_checked)
{
	struct proto_buf b = { 0 };
	struct proto_result r = sample_result(), out;
	const uint8_t *p;
	uint8_t copy[256];
	char longer[PROTO_MAX_THUMBHASH + 2];
	size_t len, at = 4 + 4 + 4 + 8 + 4 + r.reason.len + 4 + r.engine.len;

	ck_assert_int_eq(proto_encode_result(&b, 3, &r), 0);
	p = payload_of(&b, PROTO_RESULT, 3, &len);
	ck_assert_uint_le(len, sizeof(copy));
	memcpy(copy, p, len);
	ck_assert_uint_eq(copy[at], PROTO_RESULT_PLACEHOLDER_UNSTORED);
	copy[at] = 2;
	ck_assert_int_eq(proto_decode_result(copy, len, &out), -EPROTO);
	copy[at] = 0;
	copy[at + 3] = 0x80;
	ck_assert_int_eq(proto_decode_result(copy, len, &out), -EPROTO);
	r.flags = 2;
	ck_assert_int_eq(proto_encode_result(&b, 3, &r), -EINVAL);
	r.flags = 0;
	memset(longer, 'A', sizeof(longer));
	r.thumbhash.data = (const uint8_t *)longer;
	r.thumbhash.len = PROTO_MAX_THUMBHASH;
	b.len = 0;
	ck_assert_int_eq(proto_encode_result(&b, 3, &r), 0);
	r.thumbhash.len = PROTO_MAX_THUMBHASH + 1;
	ck_assert_int_eq(proto_encode_result(&b, 3, &r), -EINVAL);
	/* a decoder reads only what an encoder writes */
	memcpy(copy, b.data + PROTO_HDR_LEN, b.len - PROTO_HDR_LEN);
	copy[at + 4] = PROTO_MAX_THUMBHASH + 1;
	ck_assert_int_eq(proto_decode_result(copy, b.len - PROTO_HDR_LEN, &out),
			 -EPROTO);
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

START_TEST(every_truncation_of_a_setup_is_refused)
{
	struct proto_buf b = { 0 };
	struct proto_setup in = sample_setup(), out;
	size_t plen;

	ck_assert_int_eq(proto_encode_setup(&b, &in), 0);
	plen = b.len - PROTO_HDR_LEN;
	for (size_t cut = 0; cut < plen; cut++)
		ck_assert_int_eq(proto_decode_setup(b.data + PROTO_HDR_LEN, cut,
						    &out), -EPROTO);
	proto_buf_free(&b);
}
END_TEST

START_TEST(trailing_bytes_are_refused)
{
	struct proto_buf b = { 0 };
	struct proto_hello hi = { 1 }, out;
	uint8_t payload[8] = { 1, 0, 0, 0, 9, 9, 9, 9 };

	ck_assert_int_eq(proto_decode_hello(payload, 4, &out), 0);
	ck_assert_uint_eq(out.pid, 1);
	ck_assert_int_eq(proto_decode_hello(payload, 8, &out), -EPROTO);
	ck_assert_int_eq(proto_decode_hello(payload, 5, &out), -EPROTO);
	/* the encoder writes exactly the 4 bytes the decoder accepts */
	ck_assert_int_eq(proto_encode_hello(&b, &hi), 0);
	ck_assert_uint_eq(b.len, PROTO_HDR_LEN + 4);
	ck_assert_mem_eq(b.data + PROTO_HDR_LEN, payload, 4);
	proto_buf_free(&b);
}
END_TEST

START_TEST(header_refuses_wrong_version_and_oversized_length)
{
	uint8_t hdr[PROTO_HDR_LEN] = { 0x02, 0x02, PROTO_VERSION, 0 };
	struct proto_hdr h;

	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), 0);
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr) - 1, &h), -EPROTO);
	hdr[2] = PROTO_VERSION - 1;
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), -EPROTO);
	hdr[2] = PROTO_VERSION + 1;
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), -EPROTO);
	hdr[2] = PROTO_VERSION;
	hdr[4] = 0x01;		/* len = PROTO_MAX_PAYLOAD + 1 */
	hdr[5] = 0x00;
	hdr[6] = 0x04;
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), -EPROTO);
	hdr[4] = 0x00;		/* len = PROTO_MAX_PAYLOAD */
	ck_assert_int_eq(proto_decode_hdr(hdr, sizeof(hdr), &h), 0);
	ck_assert_uint_eq(h.len, PROTO_MAX_PAYLOAD);
}
END_TEST

START_TEST(bad_counts_and_lengths_are_refused)
{
	struct proto_job out;
	/* src len 2 "ab", noutputs 0 */
	uint8_t zero_outputs[] = { 2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0 };
	/* src len claims 1000 bytes */
	uint8_t long_src[] = { 0xe8, 0x03, 0, 0, 'a', 'b' };
	/* a NUL inside the source path; one 1x1 jpeg output "x" */
	uint8_t nul_src[] = { 3, 0, 0, 0, 'a', 0, 'b', 1, 0, 0, 0,
			      1, 0, 0, 0, 1, 0, 0, 0, 1, 85, 1, 0, 0, 0, 'x' };
	/* 17 outputs */
	uint8_t many[] = { 1, 0, 0, 0, 'a', 17, 0, 0, 0 };

	ck_assert_int_eq(proto_decode_job(zero_outputs, sizeof(zero_outputs), &out), -EPROTO);
	ck_assert_int_eq(proto_decode_job(long_src, sizeof(long_src), &out), -EPROTO);
	ck_assert_int_eq(proto_decode_job(nul_src, sizeof(nul_src), &out), -EPROTO);
	nul_src[5] = 'c';
	ck_assert_int_eq(proto_decode_job(nul_src, sizeof(nul_src), &out), 0);
	nul_src[11] = 0;	/* width 0 */
	ck_assert_int_eq(proto_decode_job(nul_src, sizeof(nul_src), &out), -EPROTO);
	ck_assert_int_eq(proto_decode_job(many, sizeof(many), &out), -EPROTO);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("frames");
	int failed;

	tcase_add_test(tc, job_round_trip_keeps_every_byte);
	tcase_add_test(tc, result_setup_hello_round_trip_back_to_back);
	tcase_add_test(tc, frames_have_their_documented_bytes);
	tcase_add_test(tc, every_setup_value_round_trips);
	tcase_add_test(tc, out_of_range_setup_values_are_refused);
	tcase_add_test(tc, empty_tmpdir_is_refused);
	tcase_add_test(tc, formats_outside_the_enum_are_refused);
	tcase_add_test(tc, statuses_outside_the_enum_are_refused);
	tcase_add_test(tc, result_flags_and_thumbhash_are_checked);
	tcase_add_test(tc, every_truncation_of_a_job_is_refused);
	tcase_add_test(tc, every_truncation_of_a_setup_is_refused);
	tcase_add_test(tc, trailing_bytes_are_refused);
	tcase_add_test(tc, header_refuses_wrong_version_and_oversized_length);
	tcase_add_test(tc, bad_counts_and_lengths_are_refused);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	return failed;
}
