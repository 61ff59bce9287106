/*
 * protosample.c - sample frames for the protocol tests (see protosample.h).
 */
#include <config.h>

#include <check.h>
#include <string.h>

#include "tests/unit/protosample.h"

struct proto_bytes
bytes(const char *s)
{
	struct proto_bytes b = { (const uint8_t *)s, (uint32_t)strlen(s) };

	return b;
}

struct proto_job
sample_job(void)
{
	struct proto_job j;

	memset(&j, 0, sizeof(j));
	j.src = bytes("/srv/in/odd name\nwith newline \xff\xfe.jpg");
	j.noutputs = 2;
	j.outputs[0].width = 200;
	j.outputs[0].height = 150;
	j.outputs[0].format = PROTO_FORMAT_JPEG;
	j.outputs[0].quality = 85;
	j.outputs[0].path = bytes("/srv/out/small/odd name\nwith newline \xff\xfe.jpg");
	j.outputs[1].width = 1024;
	j.outputs[1].height = 1024;
	j.outputs[1].format = PROTO_FORMAT_WEBP;
	j.outputs[1].quality = 80;
	j.outputs[1].path = bytes("/srv/out/large/x.jpg.webp");
	return j;
}

struct proto_setup
sample_setup(void)
{
	struct proto_setup s;

	memset(&s, 0, sizeof(s));
	s.crop = PROTO_CROP_ATTENTION;
	s.keep_metadata = 1;
	s.untrusted_loaders = 0;
	s.follow_symlinks = 1;
	s.jpeg_fast = PROTO_JPEG_FAST_DRAFT;
	s.placeholder = PROTO_PLACEHOLDER_THUMBHASH;
	s.vips_threads = 3;
	s.memory_mb = 1024;
	s.max_pixels = 100000000;
	s.max_file_bytes = 512u << 20;
	s.tmpdir = bytes("/var/tmp/odd dir");
	s.nread = 1;
	s.read[0] = bytes("/srv/in coming");
	s.nwrite = 2;
	s.write[0] = bytes("/srv/thumbs");
	s.write[1] = bytes("/srv/more\nthumbs");
	return s;
}

struct proto_result
sample_result(void)
{
	struct proto_result r = {
		.status = PROTO_STATUS_SOURCE,
		.src_width = 4000,
		.src_height = 3000,
		.elapsed_us = 123456,
		.reason = bytes("cannot decode"),
		.engine = bytes("libvips (tiff: ICC profile)"),
		.flags = PROTO_RESULT_PLACEHOLDER_UNSTORED,
		.thumbhash = bytes("oAcOLZpgd3dReYeGd3h3d+PwC/h3"),
	};

	return r;
}

void
assert_same_bytes(struct proto_bytes a, struct proto_bytes b)
{
	ck_assert_uint_eq(a.len, b.len);
	if (a.len > 0)
		ck_assert_mem_eq(a.data, b.data, a.len);
}

/* The payload of the one frame in B, after checking its header. */
const uint8_t *
payload_of(const struct proto_buf *b, uint16_t type, uint64_t id,
	   size_t *len)
{
	struct proto_hdr h;

	ck_assert_int_eq(proto_decode_hdr(b->data, b->len, &h), 0);
	ck_assert_uint_eq(h.type, type);
	ck_assert_uint_eq(h.version, PROTO_VERSION);
	ck_assert_uint_eq(h.id, id);
	ck_assert_uint_eq(PROTO_HDR_LEN + (size_t)h.len, b->len);
	*len = h.len;
	return b->data + PROTO_HDR_LEN;
}

void
assert_same_setup(const struct proto_setup *a, const struct proto_setup *b)
{
	ck_assert_uint_eq(a->crop, b->crop);
	ck_assert_uint_eq(a->keep_metadata, b->keep_metadata);
	ck_assert_uint_eq(a->untrusted_loaders, b->untrusted_loaders);
	ck_assert_uint_eq(a->follow_symlinks, b->follow_symlinks);
	ck_assert_uint_eq(a->jpeg_fast, b->jpeg_fast);
	ck_assert_uint_eq(a->placeholder, b->placeholder);
	ck_assert_uint_eq(a->vips_threads, b->vips_threads);
	ck_assert_uint_eq(a->memory_mb, b->memory_mb);
	ck_assert_uint_eq(a->max_pixels, b->max_pixels);
	ck_assert_uint_eq(a->max_file_bytes, b->max_file_bytes);
	assert_same_bytes(a->tmpdir, b->tmpdir);
	ck_assert_uint_eq(a->nread, b->nread);
	for (uint32_t i = 0; i < a->nread; i++)
		assert_same_bytes(a->read[i], b->read[i]);
	ck_assert_uint_eq(a->nwrite, b->nwrite);
	for (uint32_t i = 0; i < a->nwrite; i++)
		assert_same_bytes(a->write[i], b->write[i]);
}
