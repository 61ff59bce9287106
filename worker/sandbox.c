/*
 * sandbox.c - Landlock confinement of thumper-worker (see sandbox.h).
 *
 * The ruleset handles every filesystem right the running kernel knows
 * (its Landlock ABI decides which), so whatever is not granted below is
 * denied.  Granted: read (and execute, for libraries loaded later) under
 * /usr; read under the sources; read, create, write, truncate and remove
 * under the dests.  REFER is not granted: a thumbnail is renamed within
 * its own folder, which needs no REFER.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "worker/sandbox.h"

/* Landlock ABI 3 (Linux 6.2); Debian 12's headers are 6.1.  The value is
 * kernel ABI and cannot change. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

static __u64
handled_for(long abi)
{
	__u64 all = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
		    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
		    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		    LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return all;
}

static int
allow(int ruleset, const char *path, __u64 rights, __u64 handled, char *err,
      size_t errsz)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = rights & handled };
	int rc;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0) {
		/* A root that is missing now cannot be reached later either. */
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "sandbox: %s: %s", path, strerror(errno));
		return -1;
	}
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
			  LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	if (rc != 0) {
		snprintf(err, errsz, "sandbox: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
sandbox_paths(const char *const *read, size_t nread, const char *const *write,
	      size_t nwrite, char *err, size_t errsz)
{
	struct landlock_ruleset_attr attr;
	__u64 handled, rw;
	long abi;
	int ruleset, rc = 1;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
		      LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;
	handled = handled_for(abi);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0) {
		snprintf(err, errsz, "sandbox: %s", strerror(errno));
		return -1;
	}
	rw = FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
	     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	     LANDLOCK_ACCESS_FS_TRUNCATE;
	if (allow(ruleset, "/usr", FS_READ | LANDLOCK_ACCESS_FS_EXECUTE, handled,
		  err, errsz) != 0)
		rc = -1;
	for (size_t i = 0; rc == 1 && i < nread; i++)
		if (allow(ruleset, read[i], FS_READ, handled, err, errsz) != 0)
			rc = -1;
	for (size_t i = 0; rc == 1 && i < nwrite; i++)
		if (allow(ruleset, write[i], rw, handled, err, errsz) != 0)
			rc = -1;
	if (rc == 1 && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
			syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)) {
		snprintf(err, errsz, "sandbox: %s", strerror(errno));
		rc = -1;
	}
	close(ruleset);
	return rc;
}
