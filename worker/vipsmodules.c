/*
 * vipsmodules.c - start libvips with only the modules a worker can use
 * (see vipsmodules.h).
 */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "lib/fsutil.h"
#include "worker/vipsmodules.h"

/* Modules holding only untrusted operations (as of libvips 8.14). */
static const char *const untrusted_only[] = {
	"vips-jxl", "vips-magick", "vips-openslide", "vips-poppler",
};

static bool
is_module(const char *name)
{
	size_t n = strlen(name), s = strlen("." G_MODULE_SUFFIX);

	return n > s && strcmp(name + n - s, "." G_MODULE_SUFFIX) == 0;
}

static bool
kept(const char *name)
{
	size_t n = strlen(name) - strlen("." G_MODULE_SUFFIX);

	for (size_t i = 0; i < G_N_ELEMENTS(untrusted_only); i++)
		if (strlen(untrusted_only[i]) == n &&
		    strncmp(name, untrusted_only[i], n) == 0)
			return false;
	return true;
}

/* Removes PATH's folders up to and including STAGE/vips. */
static void
remove_folders(const char *stage, const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(stage);
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	while (strlen(buf) > n && rmdir(buf) == 0 &&
	       (slash = strrchr(buf, '/')) != NULL)
		*slash = '\0';
}

/*
 * Links REAL's kept modules into MODS (made); the links are removed
 * again by unlink_all().  0, or -1 if nothing could be staged.
 */
static int
link_kept(const char *real, const char *mods)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(real);
	int rc = 0;

	if (d == NULL)
		return -1;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (!is_module(e->d_name) || !kept(e->d_name))
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", real, e->d_name) >=
			    (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", mods, e->d_name) >=
			    (int)sizeof(to) ||
		    symlink(from, to) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static void
unlink_all(const char *mods)
{
	int fd = open(mods, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (is_module(e->d_name))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
}

/*
 * Where libvips looks for modules under PREFIX: vips_guess_libdir()
 * keeps the last part of its configure-time libdir ("x86_64-linux-gnu"
 * on Debian, "lib" elsewhere).  Computed here because that function
 * remembers its first answer, which must not be HOME's unless the
 * folder was made.
 */
static int
modules_under(char *buf, size_t size, const char *prefix)
{
	const char *tail = strrchr(VIPS_LIBDIR, '/');

	return snprintf(buf, size, "%s%s/vips-modules-%d.%d", prefix,
			tail ? tail : "/lib", vips_version(0),
			vips_version(1)) < (int)size ? 0 : -1;
}

int
vipsmodules_init(const char *argv0, bool untrusted_loaders,
		 const char *stage)
{
	char real[PATH_MAX], home[PATH_MAX], mods[PATH_MAX];
	const char *libdir;
	size_t n;
	int rc;

	if (untrusted_loaders || stage == NULL || getenv("VIPSHOME") != NULL)
		return VIPS_INIT(argv0);
	snprintf(real, sizeof(real), "%s/vips-modules-%d.%d", VIPS_LIBDIR,
		 vips_version(0), vips_version(1));
	if (snprintf(home, sizeof(home), "%s/vips", stage) >=
		    (int)sizeof(home) ||
	    modules_under(mods, sizeof(mods), home) != 0 ||
	    access(real, R_OK | X_OK) != 0)
		return VIPS_INIT(argv0);
	if (fsutil_mkdir_p(mods) != 0 || link_kept(real, mods) != 0) {
		unlink_all(mods);
		remove_folders(stage, mods);
		return VIPS_INIT(argv0);
	}

	setenv("VIPSHOME", home, 1);
	libdir = vips_guess_libdir(argv0, "VIPSHOME");
	n = strlen(libdir);
	if (strncmp(mods, libdir, n) != 0 || mods[n] != '/') {
		vips_error("thumper", "libvips looks for its modules in %s, "
			   "not %s", libdir, mods);
		rc = -1;
	} else {
		rc = VIPS_INIT(argv0);
	}
	unlink_all(mods);
	remove_folders(stage, mods);
	unsetenv("VIPSHOME");
	return rc;
}
