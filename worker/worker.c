/*
 * worker.c - thumper-worker: the only program that decodes images.
 *
 * Started by the pool with its frame pipe on fd 3.  Every setting it
 * takes comes in the one SETUP frame it reads first; its environment
 * only names its parent (THUMPER_PARENT_PID).  It limits itself (no new
 * privileges, address space), starts libvips, locks itself into the
 * source and dest folders and its own scratch folder (Landlock: after
 * libvips has loaded its modules), answers HELLO, then serves one JOB
 * frame at a time with one RESULT frame, synchronously.  It exits on
 * EOF of the pipe, when the parent dies (PR_SET_PDEATHSIG), and on any
 * frame it cannot make sense of: a malformed frame is fatal for the peer
 * that receives it, and the pool replaces a dead worker.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pool/proto.h"
#include "worker/sandbox.h"
#include "pool/tempname.h"
#include "worker/thumb.h"

#define WORKER_FD 3

/* A RESULT carries thumb_make()'s status as it is. */
_Static_assert((int)THUMB_OK == (int)PROTO_STATUS_OK &&
	       (int)THUMB_ERR_SOURCE == (int)PROTO_STATUS_SOURCE &&
	       (int)THUMB_ERR_DEST == (int)PROTO_STATUS_DEST &&
	       (int)THUMB_ERR_CHANGED == (int)PROTO_STATUS_CHANGED,
	       "enum thumb_status must match enum proto_status");

/* AddressSanitizer reserves terabytes of address space for its shadow
 * memory, so a sanitizer build cannot run under RLIMIT_AS. */
#ifdef __SANITIZE_ADDRESS__
#define LIMIT_ADDRESS_SPACE 0
#else
#define LIMIT_ADDRESS_SPACE 1
#endif

static const char *prog = "thumper-worker";

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
}

/* Reads exactly LEN bytes.  Returns 1, 0 on EOF before the first byte. */
static int
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("reading from the pool: %s", strerror(errno));
		if (n == 0) {
			if (got == 0)
				return 0;
			die("the pool closed the pipe in the middle of a frame");
		}
		got += n;
	}
	return 1;
}

static void
write_full(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			exit(0);	/* the pool closed our pipe: it is stopping */
		if (n < 0)
			die("writing to the pool: %s", strerror(errno));
		buf += n;
		len -= n;
	}
}

/*
 * Reads one frame into *payload (grown as needed).  Returns 1, or 0 on a
 * clean EOF between frames.
 */
static int
read_frame(struct proto_hdr *h, uint8_t **payload)
{
	uint8_t hdr[PROTO_HDR_LEN];

	if (!read_full(WORKER_FD, hdr, sizeof(hdr)))
		return 0;
	if (proto_decode_hdr(hdr, sizeof(hdr), h) != 0)
		die("malformed frame header from the pool");
	if (*payload == NULL && (*payload = malloc(PROTO_MAX_PAYLOAD)) == NULL)
		die("out of memory");
	if (h->len > 0 && !read_full(WORKER_FD, *payload, h->len))
		die("the pool closed the pipe in the middle of a frame");
	return 1;
}

static void
send_frame(struct proto_buf *b)
{
	write_full(WORKER_FD, b->data, b->len);
	b->len = 0;
}

static char *
dup_bytes(struct proto_bytes b)
{
	char *s = malloc(b.len + 1);

	if (s == NULL)
		die("out of memory");
	memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	return s;
}

/*
 * liborc, libvips' SIMD code generator, maps the code it compiles from a
 * file it creates and unlinks at once in $XDG_RUNTIME_DIR (then $HOME,
 * $TMPDIR, /tmp); without one it needs memory both writable and
 * executable, which a hardened service forbids.  Each worker gets its
 * own empty folder for that, inside its sandbox, named by its pid so the
 * pool can remove it when the worker dies.
 */
static char scratch[PATH_MAX];

static void
make_scratch(const struct proto_setup *s)
{
	char *tmpdir = dup_bytes(s->tmpdir);

	if (tempname_scratch(scratch, sizeof(scratch), tmpdir, getpid()) < 0)
		die("scratch folder name too long under %s", tmpdir);
	if (mkdir(scratch, 0700) != 0 && errno != EEXIST)
		die("cannot create %s: %s", scratch, strerror(errno));
	setenv("XDG_RUNTIME_DIR", scratch, 1);
	free(tmpdir);
}

/*
 * From here on the worker reads only sources and writes only dests (and
 * its scratch folder).
 */
static void
sandbox(const struct proto_setup *s)
{
	char *read[PROTO_MAX_ROOTS], *write[PROTO_MAX_ROOTS + 1];
	char err[512];

	for (uint32_t i = 0; i < s->nread; i++)
		read[i] = dup_bytes(s->read[i]);
	for (uint32_t i = 0; i < s->nwrite; i++)
		write[i] = dup_bytes(s->write[i]);
	write[s->nwrite] = scratch;
	if (sandbox_paths((const char *const *)read, s->nread,
			  (const char *const *)write, s->nwrite + 1, err,
			  sizeof(err)) < 0)
		die("%s", err);
	for (uint32_t i = 0; i < s->nread; i++)
		free(read[i]);
	for (uint32_t i = 0; i < s->nwrite; i++)
		free(write[i]);
}

/* Limits that hold for the rest of the process's life. */
static void
confine(const struct proto_setup *s)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (LIMIT_ADDRESS_SPACE && s->memory_mb > 0) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = (rlim_t)s->memory_mb << 20;
		if (setrlimit(RLIMIT_AS, &rl) != 0)
			die("RLIMIT_AS: %s", strerror(errno));
	}
}


static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
serve_job(const struct thumb_config *cfg, uint64_t id, const uint8_t *payload,
	  uint32_t len, struct proto_buf *out)
{
	struct proto_job job;
	struct thumb_output outs[PROTO_MAX_OUTPUTS];
	struct thumb_result res;
	struct proto_result r;
	uint64_t t0 = now_us();
	char engine[THUMB_ENGINE_MAX + THUMB_NOTE_MAX + 2];
	char *src;

	if (proto_decode_job(payload, len, &job) != 0)
		die("malformed JOB frame from the pool");
	src = dup_bytes(job.src);
	for (uint32_t i = 0; i < job.noutputs; i++) {
		outs[i].width = (int)job.outputs[i].width;
		outs[i].height = (int)job.outputs[i].height;
		outs[i].format = (enum thumb_format)job.outputs[i].format;
		outs[i].quality = job.outputs[i].quality;
		outs[i].path = dup_bytes(job.outputs[i].path);
	}
	thumb_make(cfg, src, outs, job.noutputs, &res);

	r.status = (uint32_t)res.status;
	r.src_width = res.src_width > 0 ? (uint32_t)res.src_width : 0;
	r.src_height = res.src_height > 0 ? (uint32_t)res.src_height : 0;
	r.elapsed_us = now_us() - t0;
	r.reason.data = (const uint8_t *)res.reason;
	r.reason.len = res.status == THUMB_OK ? 0 : (uint32_t)strlen(res.reason);
	snprintf(engine, sizeof(engine), "%s%s%s", res.engine,
		 res.note[0] ? "; " : "", res.note);
	r.engine.data = (const uint8_t *)engine;
	r.engine.len = (uint32_t)strlen(engine);
	/* a failed job wrote no thumbnail: nothing holds a placeholder */
	r.flags = res.status == THUMB_OK && res.placeholder_unstored ?
			  PROTO_RESULT_PLACEHOLDER_UNSTORED : 0;
	r.thumbhash.data = (const uint8_t *)res.thumbhash;
	r.thumbhash.len = res.status == THUMB_OK ?
				  (uint32_t)strlen(res.thumbhash) : 0;
	if (proto_encode_result(out, id, &r) != 0)
		die("cannot encode a result");
	send_frame(out);

	for (uint32_t i = 0; i < job.noutputs; i++)
		free((char *)outs[i].path);
	free(src);
}

int
main(int argc, char **argv)
{
	struct proto_buf out = { 0 };
	struct proto_setup setup;
	struct proto_hello hello;
	struct thumb_config cfg = { 0 };
	struct proto_hdr h;
	uint8_t *payload = NULL;
	const char *ppid = getenv("THUMPER_PARENT_PID");
	char err[512];

	(void)argc;
	/* Die with the parent, even if it was killed with SIGKILL; the
	 * getppid() check closes the race with a parent that died first. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (ppid == NULL || fcntl(WORKER_FD, F_GETFD) < 0) {
		fprintf(stderr, "%s: started by thumper and thumperd only "
			"(no frame pipe on fd %d)\n", prog, WORKER_FD);
		return 2;
	}
	if (getppid() != (pid_t)strtol(ppid, NULL, 10))
		return 1;
	signal(SIGPIPE, SIG_IGN);

	if (!read_frame(&h, &payload))
		return 0;
	if (h.type != PROTO_SETUP ||
	    proto_decode_setup(payload, h.len, &setup) != 0)
		die("the first frame from the pool is not a valid SETUP");
	confine(&setup);
	make_scratch(&setup);
	/* the temporaries' names need /proc, which the sandbox may hide */
	tempname_pidspace();
	/* proto.c asserts that the wire values are the settings' values */
	cfg.crop = (enum thumb_crop)setup.crop;
	cfg.jpeg_fast = (enum thumb_jpeg_fast)setup.jpeg_fast;
	cfg.tiff_fast = true;
	cfg.tiff_threads = 0;	/* as tiffstrips_threads() finds the cores */
	cfg.png_fast = true;	/* no setting: they give libvips' bytes */
	cfg.keep_metadata = setup.keep_metadata;
	cfg.placeholder = (enum thumb_placeholder)setup.placeholder;
	cfg.untrusted_loaders = setup.untrusted_loaders;
	cfg.follow_symlinks = setup.follow_symlinks;
	cfg.max_pixels = setup.max_pixels;
	cfg.max_file_bytes = setup.max_file_bytes;
	cfg.memory_bytes = (uint64_t)setup.memory_mb << 20;
	cfg.vips_threads = setup.vips_threads;
	cfg.stage = scratch;
	if (thumb_init(argv[0], &cfg, err, sizeof(err)) != 0)
		die("%s", err);
	sandbox(&setup);

	hello.pid = (uint32_t)getpid();
	if (proto_encode_hello(&out, &hello) != 0)
		die("cannot encode HELLO");
	send_frame(&out);

	while (read_frame(&h, &payload)) {
		if (h.type != PROTO_JOB)
			die("unexpected frame type 0x%04x from the pool", h.type);
		serve_job(&cfg, h.id, payload, h.len, &out);
	}
	proto_buf_free(&out);
	free(payload);
	thumb_shutdown();
	rmdir(scratch);
	return 0;
}
