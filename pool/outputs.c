/*
 * outputs.c - building a source's job description (see outputs.h).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pool/outputs.h"
#include "lib/tpath.h"

int
outputs_build(struct outputs *o, const struct settings *s,
	      const char *src_root, const char *dest_root, const char *rel)
{
	int n = snprintf(o->src, sizeof(o->src), "%s/%s", src_root, rel);

	if (n < 0 || (size_t)n >= sizeof(o->src))
		return -ENAMETOOLONG;
	o->job.src.data = (const uint8_t *)o->src;
	o->job.src.len = (uint32_t)n;
	o->job.noutputs = (uint32_t)s->nsizes;
	for (size_t i = 0; i < s->nsizes; i++) {
		struct proto_output *out = &o->job.outputs[i];
		int len = tpath_thumb(o->paths[i], sizeof(o->paths[i]), s, i,
				      dest_root, rel);

		if (len < 0)
			return len;
		out->width = (uint32_t)s->sizes[i].width;
		out->height = (uint32_t)s->sizes[i].height;
		out->format = (uint8_t)tpath_format(settings_size_format(s, i),
						    rel);
		out->quality = (uint8_t)settings_size_quality(s, i);
		out->path.data = (const uint8_t *)o->paths[i];
		out->path.len = (uint32_t)len;
	}
	return 0;
}

bool
outputs_fresh(const struct outputs *o, const struct stat *st)
{
	for (uint32_t i = 0; i < o->job.noutputs; i++) {
		struct stat ts;

		if (stat(o->paths[i], &ts) != 0 ||
		    ts.st_mtim.tv_sec != st->st_mtim.tv_sec ||
		    ts.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
			return false;
	}
	return true;
}

int
outputs_pool_options(struct pool_options *po, const struct settings *s,
		     char *err, size_t errsz)
{
	const char *fast = getenv("THUMPER_JPEG_FAST");
	enum thumb_jpeg_fast rule;

	if (settings_parse_jpeg_fast(fast, &rule) != 0) {
		snprintf(err, errsz, "THUMPER_JPEG_FAST=%s: expected exact, "
			 "draft or 0", fast);
		return -EINVAL;
	}
	po->job_timeout_s = s->limits.job_timeout;
	po->max_attempts = s->limits.max_attempts;
	po->worker_max_jobs = s->limits.worker_max_jobs;
	po->setup.crop = (uint8_t)s->crop;
	po->setup.keep_metadata = s->keep_metadata;
	po->setup.untrusted_loaders = s->limits.untrusted_loaders;
	po->setup.follow_symlinks = s->filter.follow_symlinks;
	po->setup.vips_threads = s->limits.vips_threads;
	po->setup.memory_mb = s->limits.worker_memory_mb;
	po->setup.max_pixels = s->limits.max_pixels;
	po->setup.max_file_bytes = (uint64_t)s->limits.max_file_mb << 20;
	po->setup.jpeg_fast = (uint8_t)rule;
	po->setup.placeholder = (uint8_t)s->placeholder;
	return 0;
}
