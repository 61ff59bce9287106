/*
 * spawn.c - where the worker program is and what environment it gets
 * (see spawn.h and pool_worker_path() in pool.h).
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool/pool.h"
#include "pool/spawn.h"

extern char **environ;

char **
spawn_env(char *ppid, size_t ppidsz)
{
	char **env;
	size_t n = 0;

	while (environ[n])
		n++;
	if ((env = calloc(n + 2, sizeof(*env))) == NULL)
		return NULL;
	snprintf(ppid, ppidsz, "THUMPER_PARENT_PID=%ld", (long)getpid());
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "THUMPER_", 8) != 0)
			env[n++] = *e;
	env[n] = ppid;
	return env;
}

int
pool_worker_path(char *out, size_t outsz)
{
	const char *env = getenv("THUMPER_WORKER");
	char self[PATH_MAX];
	ssize_t n;
	int len;

	if (env != NULL && *env != '\0') {
		len = snprintf(out, outsz, "%s", env);
		return len > 0 && (size_t)len < outsz ? 0 : -ENAMETOOLONG;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		len = snprintf(out, outsz, "%s/thumper-worker", self);
		if (len > 0 && (size_t)len < outsz && access(out, X_OK) == 0)
			return 0;
	}
	len = snprintf(out, outsz, "%s/thumper-worker", LIBEXECDIR);
	return len > 0 && (size_t)len < outsz ? 0 : -ENAMETOOLONG;
}
