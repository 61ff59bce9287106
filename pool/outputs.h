/*
 * outputs.h - a source's job: its thumbnails' paths, formats and boxes,
 * and the worker settings they are made with.
 *
 * Shared by the batch front end and thumperd so both name, size and
 * encode thumbnails the same way (design.md §4).
 */
#ifndef THUMPER_OUTPUTS_H
#define THUMPER_OUTPUTS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "lib/settings.h"
#include "pool/pool.h"
#include "pool/proto.h"

struct outputs {
	char src[PATH_MAX];
	char paths[SETTINGS_MAX_SIZES][PATH_MAX];
	struct proto_job job;	/* points into src and paths */
};

/*
 * Fills O for source REL under SRC_ROOT, thumbnailed into DEST_ROOT at
 * the paths tpath_thumb() gives.  Returns 0, -ENAMETOOLONG, or -EINVAL
 * for a REL that cannot be mapped.
 */
int outputs_build(struct outputs *o, const struct settings *s,
		  const char *src_root, const char *dest_root, const char *rel);

/* True when every thumbnail in O exists with exactly the mtime in ST. */
bool outputs_fresh(const struct outputs *o, const struct stat *st);

/*
 * Fills the pool's limits and the workers' SETUP from S (not the worker
 * path, the worker count or the roots), and the SETUP's fast-JPEG rule
 * from THUMPER_JPEG_FAST: the worker takes no setting from its
 * environment.  Returns 0, or -EINVAL with a message in ERR for a
 * THUMPER_JPEG_FAST that names no rule.
 */
int outputs_pool_options(struct pool_options *po, const struct settings *s,
			 char *err, size_t errsz);

#endif
