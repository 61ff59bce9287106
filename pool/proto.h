/*
 * proto.h - the frames between the pool (parent) and thumper-worker.
 *
 * Both sides include this one header, and it is the whole protocol: the
 * frame layout, the message types and every value a field can carry.
 * Bump PROTO_VERSION if any message layout or wire value below changes.
 * A frame is a fixed 16-byte header followed by LEN payload bytes.  All
 * integers are little-endian.  Paths are counted byte strings: any byte
 * but NUL is allowed (spaces, newlines, invalid UTF-8).  Every decoder
 * checks every length against what is left of the frame, and every enum
 * and flag against its values, and returns -EPROTO on anything that does
 * not add up; a receiver treats that as fatal for the peer that sent it.
 *
 *   parent -> worker   SETUP (once, first), JOB (one at a time)
 *   worker -> parent   HELLO (after SETUP is applied), RESULT (per JOB)
 *
 * Every setting the worker takes arrives in SETUP, never through its
 * environment (design.md §6).
 */
#ifndef THUMPER_PROTO_H
#define THUMPER_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* 5: SETUP asks for a placeholder, RESULT carries it (design.md §10). */
#define PROTO_VERSION 5
#define PROTO_HDR_LEN 16
#define PROTO_MAX_PAYLOAD (256 * 1024)
#define PROTO_MAX_OUTPUTS 16
#define PROTO_MAX_REASON 1024
#define PROTO_MAX_ENGINE 256
#define PROTO_MAX_ROOTS 64
#define PROTO_MAX_THUMBHASH 64	/* base64 of the longest hash is 36 */

enum proto_type {
	/* parent -> worker: 0x01xx */
	PROTO_SETUP = 0x0101,
	PROTO_JOB = 0x0102,
	/* worker -> parent: 0x02xx */
	PROTO_HELLO = 0x0201,
	PROTO_RESULT = 0x0202,
};

/*
 * Wire values.  Crop, format, fast-JPEG and placeholder values are those
 * of lib/settings.h's enum thumb_crop, thumb_format, thumb_jpeg_fast and
 * thumb_placeholder, so
 * each side converts with a cast; proto.c asserts that at compile time.
 * Statuses are the worker engine's enum thumb_status (worker.c asserts).
 */

/* SETUP crop: how a thumbnail fills its box. */
enum proto_crop {
	PROTO_CROP_NONE = 0,		/* fit inside the box */
	PROTO_CROP_CENTRE = 1,
	PROTO_CROP_ATTENTION = 2,
	PROTO_CROP_LAST = PROTO_CROP_ATTENTION,
};

/* SETUP jpeg_fast: the decode scale of the JPEG fast path. */
enum proto_jpeg_fast {
	PROTO_JPEG_FAST_EXACT = 0,	/* the scale libvips would take */
	PROTO_JPEG_FAST_DRAFT = 1,	/* the smallest that covers the box */
	PROTO_JPEG_FAST_OFF = 2,	/* libvips for every JPEG */
	PROTO_JPEG_FAST_LAST = PROTO_JPEG_FAST_OFF,
};

/* SETUP placeholder: what the worker stores with each thumbnail. */
enum proto_placeholder {
	PROTO_PLACEHOLDER_NONE = 0,
	PROTO_PLACEHOLDER_THUMBHASH = 1,	/* user.thumper.thumbhash */
	PROTO_PLACEHOLDER_LAST = PROTO_PLACEHOLDER_THUMBHASH,
};

/* RESULT flags. */
enum proto_result_flag {
	/* the file system has no user xattrs: the placeholder is unstored */
	PROTO_RESULT_PLACEHOLDER_UNSTORED = 1 << 0,
	PROTO_RESULT_FLAGS = PROTO_RESULT_PLACEHOLDER_UNSTORED,
};

/* JOB output format: always decided by the parent (0 = auto is refused). */
enum proto_format {
	PROTO_FORMAT_JPEG = 1,
	PROTO_FORMAT_PNG = 2,
	PROTO_FORMAT_WEBP = 3,
	PROTO_FORMAT_AVIF = 4,
	PROTO_FORMAT_FIRST = PROTO_FORMAT_JPEG,
	PROTO_FORMAT_LAST = PROTO_FORMAT_AVIF,
};

/* RESULT status: how a job ended, sorted by whose fault it was. */
enum proto_status {
	PROTO_STATUS_OK = 0,
	PROTO_STATUS_SOURCE = 1,	/* the source's: undecodable, too big */
	PROTO_STATUS_DEST = 2,		/* the thumbnail cannot be written */
	PROTO_STATUS_CHANGED = 3,	/* the source changed while read */
	PROTO_STATUS_LAST = PROTO_STATUS_CHANGED,
};

struct proto_hdr {
	uint16_t type;
	uint16_t version;
	uint32_t len;		/* payload bytes after the header */
	uint64_t id;		/* job id (0 for SETUP and HELLO) */
};

struct proto_bytes {
	const uint8_t *data;	/* not NUL-terminated; points into the frame */
	uint32_t len;
};

/*
 * SETUP: process-wide worker settings, in wire order.  The flags are 0 or
 * 1.  tmpdir is absolute: the worker makes its scratch folder in it
 * (tempname_scratch()), where the parent will look for it.
 */
struct proto_setup {
	uint8_t crop;		/* enum proto_crop */
	uint8_t keep_metadata;
	uint8_t untrusted_loaders;
	uint8_t follow_symlinks;
	uint8_t jpeg_fast;	/* enum proto_jpeg_fast */
	uint8_t placeholder;	/* enum proto_placeholder */
	uint32_t vips_threads;
	uint32_t memory_mb;	/* RLIMIT_AS, 0: none */
	uint64_t max_pixels;
	uint64_t max_file_bytes;
	struct proto_bytes tmpdir;
	uint32_t nread;		/* folders the worker may read (sources) */
	struct proto_bytes read[PROTO_MAX_ROOTS];
	uint32_t nwrite;	/* folders it may write (dests) */
	struct proto_bytes write[PROTO_MAX_ROOTS];
};

struct proto_output {
	uint32_t width;
	uint32_t height;
	uint8_t format;		/* enum proto_format */
	uint8_t quality;
	struct proto_bytes path;
};

/* JOB: one source, all of its sizes. */
struct proto_job {
	struct proto_bytes src;
	uint32_t noutputs;
	struct proto_output outputs[PROTO_MAX_OUTPUTS];
};

/* HELLO: the worker is set up and waits for jobs. */
struct proto_hello {
	uint32_t pid;
};

/* RESULT: how a job ended. */
struct proto_result {
	uint32_t status;	/* enum proto_status */
	uint32_t src_width;
	uint32_t src_height;
	uint64_t elapsed_us;	/* the worker's own time on the job */
	struct proto_bytes reason;	/* empty when status is OK */
	struct proto_bytes engine;	/* what made it, why no fast path,
					 * and any note (thumb.h) */
	uint32_t flags;		/* enum proto_result_flag */
	struct proto_bytes thumbhash;	/* base64; empty when none */
};

/* A growable buffer frames are encoded into. */
struct proto_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void proto_buf_free(struct proto_buf *b);

/*
 * Encoders append one whole frame to B.  They return 0, -ENOMEM,
 * -EMSGSIZE when the payload would pass PROTO_MAX_PAYLOAD (or a count
 * passes its limit), or -EINVAL for a message the decoder would refuse
 * (a value outside its enum, a flag other than 0 or 1, a bad tmpdir).
 * On failure B is left as it was.
 */
int proto_encode_setup(struct proto_buf *b, const struct proto_setup *m);
int proto_encode_job(struct proto_buf *b, uint64_t id, const struct proto_job *m);
int proto_encode_hello(struct proto_buf *b, const struct proto_hello *m);
int proto_encode_result(struct proto_buf *b, uint64_t id,
			const struct proto_result *m);

/*
 * Reads the header at BUF (LEN >= PROTO_HDR_LEN bytes).  Returns 0, or
 * -EPROTO for a wrong version or a payload over PROTO_MAX_PAYLOAD.
 */
int proto_decode_hdr(const uint8_t *buf, size_t len, struct proto_hdr *h);

/*
 * Payload decoders: P/LEN is the payload after the header.  They return 0
 * or -EPROTO (short, trailing bytes, bad counts, a NUL inside a path, a
 * value outside its enum, a flag other than 0 or 1, an empty or relative
 * tmpdir).  proto_bytes fields point into P.
 */
int proto_decode_setup(const uint8_t *p, size_t len, struct proto_setup *m);
int proto_decode_job(const uint8_t *p, size_t len, struct proto_job *m);
int proto_decode_hello(const uint8_t *p, size_t len, struct proto_hello *m);
int proto_decode_result(const uint8_t *p, size_t len, struct proto_result *m);

#endif
