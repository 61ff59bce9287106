/*
 * path.c - path text rules (see path.h).
 *
 * Both functions walk a path as components: a run of slashes separates
 * them, so "//" and a trailing '/' never make a component of their own.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "lib/path.h"

bool
path_inside(const char *path, const char *root)
{
	if ((*path == '/') != (*root == '/'))
		return false;
	for (;;) {
		size_t n;

		root += strspn(root, "/");
		path += strspn(path, "/");
		n = strcspn(root, "/");
		if (n == 0)
			return true;
		if (strcspn(path, "/") != n || memcmp(path, root, n) != 0)
			return false;
		root += n;
		path += n;
	}
}

/* Appends the components of P to out[0..*len), resolving "." and ".."
 * lexically ("/.." stays "/"). */
static void
push_components(char *out, size_t *len, const char *p)
{
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (*len > 0 && out[*len - 1] != '/')
				(*len)--;
			if (*len > 0)
				(*len)--;
		} else if (!(n == 1 && p[0] == '.')) {
			out[(*len)++] = '/';
			memcpy(out + *len, p, n);
			*len += n;
		}
		out[*len] = '\0';
		p += n;
	}
}

char *
path_join(const char *base, const char *p)
{
	size_t len = 0;
	char *out = malloc(strlen(base) + strlen(p) + 3);

	if (!out)
		return NULL;
	out[0] = '\0';
	push_components(out, &len, base);
	push_components(out, &len, p);
	if (len == 0)
		strcpy(out, "/");
	return out;
}
