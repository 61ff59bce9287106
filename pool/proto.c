/*
 * proto.c - encoding and decoding of the worker frames (see proto.h).
 *
 * Encoding reserves the header, appends the payload field by field and
 * patches the length in at the end.  Decoding walks a cursor that fails
 * closed: once a read runs past the end every later read fails too, so a
 * decoder checks the cursor once, at the end, and also refuses trailing
 * bytes.  Nothing here allocates on the decode side.  The value checks
 * (setup_ok(), output_ok(), result_ok()) serve both directions: an
 * encoder refuses the values a decoder would.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/settings.h"
#include "pool/proto.h"

/* The wire values are the settings' values: both sides convert by cast. */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(PROTO_CROP_NONE, THUMB_CROP_NONE) &&
	       SAME(PROTO_CROP_CENTRE, THUMB_CROP_CENTRE) &&
	       SAME(PROTO_CROP_ATTENTION, THUMB_CROP_ATTENTION),
	       "enum proto_crop must match enum thumb_crop");
_Static_assert(SAME(PROTO_JPEG_FAST_EXACT, THUMB_JPEG_FAST_EXACT) &&
	       SAME(PROTO_JPEG_FAST_DRAFT, THUMB_JPEG_FAST_DRAFT) &&
	       SAME(PROTO_JPEG_FAST_OFF, THUMB_JPEG_FAST_OFF),
	       "enum proto_jpeg_fast must match enum thumb_jpeg_fast");
_Static_assert(SAME(PROTO_PLACEHOLDER_NONE, THUMB_PLACEHOLDER_NONE) &&
	       SAME(PROTO_PLACEHOLDER_THUMBHASH, THUMB_PLACEHOLDER_THUMBHASH),
	       "enum proto_placeholder must match enum thumb_placeholder");
_Static_assert(SAME(PROTO_FORMAT_JPEG, THUMB_FORMAT_JPEG) &&
	       SAME(PROTO_FORMAT_PNG, THUMB_FORMAT_PNG) &&
	       SAME(PROTO_FORMAT_WEBP, THUMB_FORMAT_WEBP) &&
	       SAME(PROTO_FORMAT_AVIF, THUMB_FORMAT_AVIF) &&
	       (int)THUMB_FORMAT_AUTO < (int)PROTO_FORMAT_FIRST,
	       "enum proto_format must match enum thumb_format");

void
proto_buf_free(struct proto_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int
buf_reserve(struct proto_buf *b, size_t more)
{
	size_t cap;
	uint8_t *p;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* An encoder appends into buf; a failed reserve makes every later put a
 * no-op and frame_end() reports it. */
struct enc {
	struct proto_buf *buf;
	size_t start;
	int err;
};

static void
enc_put(struct enc *e, uint64_t v, int n)
{
	if (e->err == 0 && (e->err = buf_reserve(e->buf, n)) == 0) {
		put_le(e->buf->data + e->buf->len, v, n);
		e->buf->len += n;
	}
}

static void
enc_bytes(struct enc *e, const uint8_t *p, uint32_t len)
{
	enc_put(e, len, 4);
	if (e->err == 0 && (e->err = buf_reserve(e->buf, len)) == 0) {
		if (len > 0)
			memcpy(e->buf->data + e->buf->len, p, len);
		e->buf->len += len;
	}
}

static void
frame_begin(struct enc *e, struct proto_buf *b, uint16_t type, uint64_t id)
{
	e->buf = b;
	e->start = b->len;
	e->err = 0;
	enc_put(e, type, 2);
	enc_put(e, PROTO_VERSION, 2);
	enc_put(e, 0, 4);
	enc_put(e, id, 8);
}

static int
frame_end(struct enc *e)
{
	size_t payload;

	if (e->err == 0) {
		payload = e->buf->len - e->start - PROTO_HDR_LEN;
		if (payload > PROTO_MAX_PAYLOAD)
			e->err = -EMSGSIZE;
		else
			put_le(e->buf->data + e->start + 4, payload, 4);
	}
	if (e->err != 0)
		e->buf->len = e->start;
	return e->err;
}

static bool
setup_ok(const struct proto_setup *m)
{
	return m->crop <= PROTO_CROP_LAST && m->keep_metadata <= 1 &&
	       m->untrusted_loaders <= 1 && m->follow_symlinks <= 1 &&
	       m->jpeg_fast <= PROTO_JPEG_FAST_LAST &&
	       m->placeholder <= PROTO_PLACEHOLDER_LAST &&
	       m->tmpdir.len > 0 && m->tmpdir.data[0] == '/';
}

static bool
output_ok(const struct proto_output *o)
{
	return o->width > 0 && o->height > 0 && o->path.len > 0 &&
	       o->format >= PROTO_FORMAT_FIRST &&
	       o->format <= PROTO_FORMAT_LAST;
}

static bool
result_ok(const struct proto_result *m)
{
	return m->status <= PROTO_STATUS_LAST &&
	       (m->flags & ~(uint32_t)PROTO_RESULT_FLAGS) == 0 &&
	       m->thumbhash.len <= PROTO_MAX_THUMBHASH;
}

int
proto_encode_setup(struct proto_buf *b, const struct proto_setup *m)
{
	struct enc e;

	if (m->nread > PROTO_MAX_ROOTS || m->nwrite > PROTO_MAX_ROOTS)
		return -EMSGSIZE;
	if (!setup_ok(m))
		return -EINVAL;
	frame_begin(&e, b, PROTO_SETUP, 0);
	enc_put(&e, m->crop, 1);
	enc_put(&e, m->keep_metadata, 1);
	enc_put(&e, m->untrusted_loaders, 1);
	enc_put(&e, m->follow_symlinks, 1);
	enc_put(&e, m->jpeg_fast, 1);
	enc_put(&e, m->placeholder, 1);
	enc_put(&e, m->vips_threads, 4);
	enc_put(&e, m->memory_mb, 4);
	enc_put(&e, m->max_pixels, 8);
	enc_put(&e, m->max_file_bytes, 8);
	enc_bytes(&e, m->tmpdir.data, m->tmpdir.len);
	enc_put(&e, m->nread, 4);
	for (uint32_t i = 0; i < m->nread; i++)
		enc_bytes(&e, m->read[i].data, m->read[i].len);
	enc_put(&e, m->nwrite, 4);
	for (uint32_t i = 0; i < m->nwrite; i++)
		enc_bytes(&e, m->write[i].data, m->write[i].len);
	return frame_end(&e);
}

int
proto_encode_job(struct proto_buf *b, uint64_t id, const struct proto_job *m)
{
	struct enc e;

	if (m->noutputs == 0 || m->noutputs > PROTO_MAX_OUTPUTS)
		return -EMSGSIZE;
	if (m->src.len == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < m->noutputs; i++)
		if (!output_ok(&m->outputs[i]))
			return -EINVAL;
	frame_begin(&e, b, PROTO_JOB, id);
	enc_bytes(&e, m->src.data, m->src.len);
	enc_put(&e, m->noutputs, 4);
	for (uint32_t i = 0; i < m->noutputs; i++) {
		const struct proto_output *o = &m->outputs[i];

		enc_put(&e, o->width, 4);
		enc_put(&e, o->height, 4);
		enc_put(&e, o->format, 1);
		enc_put(&e, o->quality, 1);
		enc_bytes(&e, o->path.data, o->path.len);
	}
	return frame_end(&e);
}

int
proto_encode_hello(struct proto_buf *b, const struct proto_hello *m)
{
	struct enc e;

	frame_begin(&e, b, PROTO_HELLO, 0);
	enc_put(&e, m->pid, 4);
	return frame_end(&e);
}

int
proto_encode_result(struct proto_buf *b, uint64_t id,
		    const struct proto_result *m)
{
	struct enc e;
	uint32_t rlen = m->reason.len, elen = m->engine.len;

	if (!result_ok(m))
		return -EINVAL;
	if (rlen > PROTO_MAX_REASON)
		rlen = PROTO_MAX_REASON;
	if (elen > PROTO_MAX_ENGINE)
		elen = PROTO_MAX_ENGINE;
	frame_begin(&e, b, PROTO_RESULT, id);
	enc_put(&e, m->status, 4);
	enc_put(&e, m->src_width, 4);
	enc_put(&e, m->src_height, 4);
	enc_put(&e, m->elapsed_us, 8);
	enc_bytes(&e, m->reason.data, rlen);
	enc_bytes(&e, m->engine.data, elen);
	enc_put(&e, m->flags, 4);
	enc_bytes(&e, m->thumbhash.data, m->thumbhash.len);
	return frame_end(&e);
}

int
proto_decode_hdr(const uint8_t *buf, size_t len, struct proto_hdr *h)
{
	if (len < PROTO_HDR_LEN)
		return -EPROTO;
	h->type = (uint16_t)get_le(buf, 2);
	h->version = (uint16_t)get_le(buf + 2, 2);
	h->len = (uint32_t)get_le(buf + 4, 4);
	h->id = get_le(buf + 8, 8);
	if (h->version != PROTO_VERSION || h->len > PROTO_MAX_PAYLOAD)
		return -EPROTO;
	return 0;
}

struct cur {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static uint64_t
cur_get(struct cur *c, int n)
{
	uint64_t v;

	if (c->bad || c->left < (size_t)n) {
		c->bad = true;
		return 0;
	}
	v = get_le(c->p, n);
	c->p += n;
	c->left -= n;
	return v;
}

/* A counted string; NUL bytes are refused so it can become a C path. */
static struct proto_bytes
cur_bytes(struct cur *c, uint32_t max)
{
	struct proto_bytes s = { NULL, 0 };
	uint32_t len = (uint32_t)cur_get(c, 4);

	if (c->bad || len > c->left || len > max ||
	    memchr(c->p, '\0', len) != NULL) {
		c->bad = true;
		return s;
	}
	s.data = c->p;
	s.len = len;
	c->p += len;
	c->left -= len;
	return s;
}

static int
cur_end(const struct cur *c)
{
	return c->bad || c->left != 0 ? -EPROTO : 0;
}

int
proto_decode_setup(const uint8_t *p, size_t len, struct proto_setup *m)
{
	struct cur c = { p, len, false };

	m->crop = (uint8_t)cur_get(&c, 1);
	m->keep_metadata = (uint8_t)cur_get(&c, 1);
	m->untrusted_loaders = (uint8_t)cur_get(&c, 1);
	m->follow_symlinks = (uint8_t)cur_get(&c, 1);
	m->jpeg_fast = (uint8_t)cur_get(&c, 1);
	m->placeholder = (uint8_t)cur_get(&c, 1);
	m->vips_threads = (uint32_t)cur_get(&c, 4);
	m->memory_mb = (uint32_t)cur_get(&c, 4);
	m->max_pixels = cur_get(&c, 8);
	m->max_file_bytes = cur_get(&c, 8);
	m->tmpdir = cur_bytes(&c, PROTO_MAX_PAYLOAD);
	if (c.bad || !setup_ok(m))
		return -EPROTO;
	m->nread = (uint32_t)cur_get(&c, 4);
	if (m->nread > PROTO_MAX_ROOTS)
		return -EPROTO;
	for (uint32_t i = 0; i < m->nread; i++)
		m->read[i] = cur_bytes(&c, PROTO_MAX_PAYLOAD);
	m->nwrite = (uint32_t)cur_get(&c, 4);
	if (m->nwrite > PROTO_MAX_ROOTS)
		return -EPROTO;
	for (uint32_t i = 0; i < m->nwrite; i++)
		m->write[i] = cur_bytes(&c, PROTO_MAX_PAYLOAD);
	return cur_end(&c);
}

int
proto_decode_job(const uint8_t *p, size_t len, struct proto_job *m)
{
	struct cur c = { p, len, false };

	m->src = cur_bytes(&c, PROTO_MAX_PAYLOAD);
	m->noutputs = (uint32_t)cur_get(&c, 4);
	if (m->src.len == 0 || m->noutputs == 0 ||
	    m->noutputs > PROTO_MAX_OUTPUTS)
		return -EPROTO;
	for (uint32_t i = 0; i < m->noutputs && !c.bad; i++) {
		struct proto_output *o = &m->outputs[i];

		o->width = (uint32_t)cur_get(&c, 4);
		o->height = (uint32_t)cur_get(&c, 4);
		o->format = (uint8_t)cur_get(&c, 1);
		o->quality = (uint8_t)cur_get(&c, 1);
		o->path = cur_bytes(&c, PROTO_MAX_PAYLOAD);
		if (!output_ok(o))
			c.bad = true;
	}
	return cur_end(&c);
}

int
proto_decode_hello(const uint8_t *p, size_t len, struct proto_hello *m)
{
	struct cur c = { p, len, false };

	m->pid = (uint32_t)cur_get(&c, 4);
	return cur_end(&c);
}

int
proto_decode_result(const uint8_t *p, size_t len, struct proto_result *m)
{
	struct cur c = { p, len, false };

	m->status = (uint32_t)cur_get(&c, 4);
	m->src_width = (uint32_t)cur_get(&c, 4);
	m->src_height = (uint32_t)cur_get(&c, 4);
	m->elapsed_us = cur_get(&c, 8);
	m->reason = cur_bytes(&c, PROTO_MAX_REASON);
	m->engine = cur_bytes(&c, PROTO_MAX_ENGINE);
	m->flags = (uint32_t)cur_get(&c, 4);
	m->thumbhash = cur_bytes(&c, PROTO_MAX_THUMBHASH);
	if (!result_ok(m))
		return -EPROTO;
	return cur_end(&c);
}
