/*
 * watch.c - recursive inotify watches over the watch roots (see watch.h).
 *
 * Every watched directory is a node of a tree {wd, parent, name,
 * children}; a root's own directory is a top node pointing at its struct
 * root.  A node's path is the names on the way up to its top node, built
 * into a reusable buffer only when an event is reported, and its root is
 * the top node's: a directory renamed or moved (even to another root) is
 * one relink, and its whole subtree follows.  A hash map finds the node
 * of a wd.  A node lives until the IN_IGNORED of its wd (or until this
 * file removes the watch itself), so a wd the kernel hands out again
 * always maps to the directory it was issued for.  watch_add_dir() of a
 * directory watched already moves its node to where the kernel just found
 * it: that is how the rescan after an overflow puts lost renames right.
 *
 * A rename is IN_MOVED_FROM then IN_MOVED_TO with one cookie, next to
 * each other in the queue.  A MOVED_FROM waits in a small pending list;
 * the MOVED_TO with its cookie pairs with it; any other event first
 * resolves everything pending as moved out, so reports keep the kernel's
 * order; a MOVED_FROM left at the end of the queue waits PAIR_MS for its
 * partner.  A paired directory move keeps its node and watches; one the
 * tree cannot follow (never watched, or landing where it is not to be
 * watched) is reported as gone from the old place and new at the new.
 *
 * The callback may call any watch_*() function, watch_close() included:
 * no node pointer is used after a report without looking it up again.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch/watch.h"

#define DIR_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
		  IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | \
		  IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define PAIR_MS 20		/* how long a MOVED_FROM waits for its MOVED_TO */
#define MAX_PENDING 8		/* MOVED_FROMs waiting at once */
#define MAX_READS 16		/* reads per wakeup before yielding to the loop */
#define READ_SIZE 65536

struct root {
	int id;
	bool recursive;
	struct node *node;	/* its directory's node; NULL once dropped */
	struct root *next;
	char path[];		/* absolute, without a trailing slash */
};

struct node {
	int wd;
	struct node *parent;	/* NULL for a root's own directory */
	struct node *child;	/* first child */
	struct node *prev, *next;	/* siblings */
	struct node *hnext;	/* wd hash chain */
	struct root *root;	/* top nodes only */
	char *name;		/* "" for a top node */
	size_t namelen;
};

struct pending {
	uint32_t cookie;
	bool is_dir;
	bool seen;		/* the filter took it (a dir: it was to be watched) */
	int root;
	struct node *dir;	/* the directory moved, if watched */
	char path[PATH_MAX];
};

struct watch {
	uv_poll_t poll;
	uv_timer_t timer;	/* PAIR_MS deadline for the pending MOVED_FROMs */
	int fd;
	int open_handles;
	bool closing;
	bool overflowed;	/* WATCH_OVERFLOW reported in this wakeup */
	const struct filter *filter;
	watch_cb cb;
	void *data;
	void (*closed)(void *data);
	struct root *roots;
	struct node **table;	/* wd -> node, chained, power-of-two size */
	size_t nbuckets, count;
	struct pending pending[MAX_PENDING];
	size_t npending;
	char path[PATH_MAX];	/* the path being reported */
	char abs[PATH_MAX];	/* the path given to inotify_add_watch() */
	char buf[READ_SIZE]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
};

static size_t
bucket(int wd, size_t nbuckets)
{
	return ((unsigned)wd * 2654435761u) & (nbuckets - 1);
}

static struct node *
node_find(const struct watch *w, int wd)
{
	struct node *n = w->table[bucket(wd, w->nbuckets)];

	while (n != NULL && n->wd != wd)
		n = n->hnext;
	return n;
}

/* Doubles the table; if that cannot be allocated the chains grow instead. */
static void
table_grow(struct watch *w)
{
	size_t nb = w->nbuckets * 2;
	struct node **t = calloc(nb, sizeof(*t));
	struct node *n, *next;

	if (t == NULL)
		return;
	for (size_t i = 0; i < w->nbuckets; i++) {
		for (n = w->table[i]; n != NULL; n = next) {
			next = n->hnext;
			n->hnext = t[bucket(n->wd, nb)];
			t[bucket(n->wd, nb)] = n;
		}
	}
	free(w->table);
	w->table = t;
	w->nbuckets = nb;
}

static void
table_insert(struct watch *w, struct node *n)
{
	struct node **b;

	if (w->count >= w->nbuckets)
		table_grow(w);
	b = &w->table[bucket(n->wd, w->nbuckets)];
	n->hnext = *b;
	*b = n;
	w->count++;
}

static void
table_remove(struct watch *w, struct node *n)
{
	struct node **pp = &w->table[bucket(n->wd, w->nbuckets)];

	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	w->count--;
}

static struct node *
child_find(const struct node *parent, const char *name, size_t len)
{
	struct node *n;

	for (n = parent->child; n != NULL; n = n->next)
		if (n->namelen == len && memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

static void
child_link(struct node *parent, struct node *n)
{
	n->parent = parent;
	n->prev = NULL;
	n->next = parent->child;
	if (parent->child != NULL)
		parent->child->prev = n;
	parent->child = n;
}

static void
child_unlink(struct node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else if (n->parent != NULL)
		n->parent->child = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	n->parent = n->prev = n->next = NULL;
}

/*
 * Forgets N and everything under it, removing the children's watches and,
 * if RM, N's own (not when the kernel has already dropped it).
 */
static void
node_drop(struct watch *w, struct node *n, bool rm)
{
	while (n->child != NULL)
		node_drop(w, n->child, true);
	if (rm)
		inotify_rm_watch(w->fd, n->wd);
	child_unlink(n);
	table_remove(w, n);
	for (size_t i = 0; i < w->npending; i++)
		if (w->pending[i].dir == n)
			w->pending[i].dir = NULL;
	if (n->root != NULL)
		n->root->node = NULL;
	free(n->name);
	free(n);
}

/*
 * Makes N the child NAME of PARENT (NULL: a top node), first dropping a
 * stale child of that name (deleted, or replaced by a rename, with its
 * IN_IGNORED still to come).  Returns 0, or -ENOMEM with N as it was.
 */
static int
node_place(struct watch *w, struct node *n, struct node *parent,
	   const char *name)
{
	char *copy = strdup(name);
	struct node *stale;

	if (copy == NULL)
		return -ENOMEM;
	child_unlink(n);
	if (parent != NULL) {
		stale = child_find(parent, name, strlen(name));
		if (stale != NULL)
			node_drop(w, stale, true);
		child_link(parent, n);
	}
	free(n->name);
	n->name = copy;
	n->namelen = strlen(copy);
	return 0;
}

/* Adds the node of WD as node_place() says.  Returns it, or NULL. */
static struct node *
node_add(struct watch *w, struct node *parent, const char *name, int wd)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n == NULL || node_place(w, n, parent, name) != 0) {
		free(n);
		return NULL;
	}
	n->wd = wd;
	table_insert(w, n);
	return n;
}

/*
 * Writes into BUF (PATH_MAX bytes) the path, relative to its root, of
 * entry NAME of directory N, or of N itself if NAME is NULL.  Returns the
 * root, or NULL if the path does not fit.
 */
static struct root *
node_path(const struct node *n, const char *name, char *buf)
{
	size_t len = 0, parts = 0, pos, nl = name != NULL ? strlen(name) : 0;
	const struct node *p;

	for (p = n; p->parent != NULL; p = p->parent, parts++)
		len += p->namelen;
	if (name != NULL) {
		len += nl;
		parts++;
	}
	len += parts > 0 ? parts - 1 : 0;
	if (len >= PATH_MAX)
		return NULL;
	pos = len;
	buf[pos] = '\0';
	if (name != NULL) {
		pos -= nl;
		memcpy(buf + pos, name, nl);
		if (pos > 0)
			buf[--pos] = '/';
	}
	for (p = n; p->parent != NULL; p = p->parent) {
		pos -= p->namelen;
		memcpy(buf + pos, p->name, p->namelen);
		if (pos > 0)
			buf[--pos] = '/';
	}
	return p->root;
}

static struct root *
root_find(const struct watch *w, int id)
{
	struct root *r;

	for (r = w->roots; r != NULL && r->id != id; r = r->next)
		;
	return r;
}

/* Forgets R and its nodes; RM as for node_drop(). */
static void
root_free(struct watch *w, struct root *r, bool rm)
{
	struct root **pp;

	if (r->node != NULL)
		node_drop(w, r->node, rm);
	for (pp = &w->roots; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	free(r);
}

/* Calls back, unless closing; OLD is where a WATCH_*_MOVED came from. */
static void
report(struct watch *w, enum watch_event_type type, int root,
       const char *path, const struct pending *old)
{
	struct watch_event ev = {
		.type = type, .root = root, .path = path,
		.old_root = old != NULL ? old->root : -1,
		.old_path = old != NULL ? old->path : NULL,
	};

	if (!w->closing)
		w->cb(w, &ev, w->data);
}

static bool
is_under(const struct node *n, const struct node *top)
{
	for (; n != NULL; n = n->parent)
		if (n == top)
			return true;
	return false;
}

/*
 * Watches directory REL of root R as child NAME of PARENT.  Returns 0, 1
 * if it was watched already, or -errno.  A directory watched already but
 * found somewhere else (moved while events were lost to an overflow) is
 * moved to where the kernel has just found it.
 */
static int
watch_dir(struct watch *w, struct root *r, struct node *parent,
	  const char *name, const char *rel)
{
	int len = snprintf(w->abs, sizeof(w->abs), "%s/%s", r->path, rel);
	struct node *n;
	int wd;

	if (len < 0 || (size_t)len >= sizeof(w->abs))
		return -ENAMETOOLONG;
	if ((wd = inotify_add_watch(w->fd, w->abs, DIR_MASK)) < 0)
		return -errno;
	if ((n = node_find(w, wd)) != NULL) {
		if (n->parent != NULL && !is_under(parent, n) &&
		    (n->parent != parent || strcmp(n->name, name) != 0))
			node_place(w, n, parent, name);
		return 1;
	}
	if (node_add(w, parent, name, wd) == NULL) {
		inotify_rm_watch(w->fd, wd);
		return -ENOMEM;
	}
	return 0;
}

/* Directory NAME appeared in N: watch it, then report it to be walked. */
static void
dir_new(struct watch *w, struct node *n, const char *name)
{
	struct root *r = node_path(n, name, w->path);
	int rc;

	if (r == NULL || !r->recursive || !filter_enter_dir(w->filter, name))
		return;
	rc = watch_dir(w, r, n, name, w->path);
	if (rc == 0)
		report(w, WATCH_DIR_NEW, r->id, w->path, NULL);
	else if (rc == -ENOSPC)
		report(w, WATCH_NO_SPACE, r->id, w->path, NULL);
}

static void
root_gone(struct watch *w, struct root *r, bool rm)
{
	int id = r->id;

	root_free(w, r, rm);
	report(w, WATCH_ROOT_GONE, id, "", NULL);
}

/* The old half of a rename whose new half is not to be followed. */
static void
moved_out(struct watch *w, const struct pending *p)
{
	if (p->dir != NULL)
		node_drop(w, p->dir, true);
	if (p->seen)
		report(w, p->is_dir ? WATCH_DIR_GONE : WATCH_FILE_GONE,
		       p->root, p->path, NULL);
}

static void
pending_remove(struct watch *w, size_t i, struct pending *out)
{
	if (out != NULL)
		*out = w->pending[i];
	w->npending--;
	memmove(&w->pending[i], &w->pending[i + 1],
		(w->npending - i) * sizeof(w->pending[0]));
}

/* Resolves every pending MOVED_FROM as moved out, oldest first. */
static void
flush_pending(struct watch *w)
{
	struct pending p;

	uv_timer_stop(&w->timer);
	while (w->npending > 0 && !w->closing) {
		pending_remove(w, 0, &p);
		moved_out(w, &p);
	}
}

static void
pair_timer_cb(uv_timer_t *t)
{
	flush_pending(t->data);
}

static void
moved_from(struct watch *w, struct node *n, const struct inotify_event *ev)
{
	struct pending *p = &w->pending[w->npending];
	struct root *r = node_path(n, ev->name, p->path);

	if (r == NULL)
		return;
	p->cookie = ev->cookie;
	p->is_dir = ev->mask & IN_ISDIR;
	p->root = r->id;
	if (p->is_dir) {
		p->seen = r->recursive && filter_enter_dir(w->filter, ev->name);
		p->dir = child_find(n, ev->name, strlen(ev->name));
	} else {
		p->seen = filter_take_file(w->filter, ev->name);
		p->dir = NULL;
	}
	w->npending++;
}

/* The MOVED_TO half of P's rename; each side reported as the filter says. */
static void
moved(struct watch *w, const struct pending *p, const struct inotify_event *ev)
{
	struct node *n = node_find(w, ev->wd);
	struct root *r;
	bool seen;

	if (n == NULL || (r = node_path(n, ev->name, w->path)) == NULL) {
		moved_out(w, p);
		return;
	}
	if (!p->is_dir) {
		seen = filter_take_file(w->filter, ev->name);
		if (seen && p->seen)
			report(w, WATCH_FILE_MOVED, r->id, w->path, p);
		else if (seen)
			report(w, WATCH_FILE_DONE, r->id, w->path, NULL);
		else
			moved_out(w, p);
		return;
	}
	seen = r->recursive && filter_enter_dir(w->filter, ev->name);
	if (seen && p->seen && p->dir != NULL &&
	    node_place(w, p->dir, n, ev->name) == 0) {
		report(w, WATCH_DIR_MOVED, r->id, w->path, p);
		return;
	}
	moved_out(w, p);
	if ((n = node_find(w, ev->wd)) != NULL)
		dir_new(w, n, ev->name);
}

/* Entry NAME of N was written, deleted, created or moved in from outside. */
static void
entry_event(struct watch *w, struct node *n, const char *name, uint32_t mask)
{
	struct root *r;

	if ((mask & IN_ISDIR) && (mask & (IN_CREATE | IN_MOVED_TO))) {
		dir_new(w, n, name);
	} else if (mask & IN_ISDIR) {
		/* deleted: its node goes with its own IN_IGNORED */
		r = node_path(n, name, w->path);
		if (r != NULL && r->recursive &&
		    filter_enter_dir(w->filter, name))
			report(w, WATCH_DIR_GONE, r->id, w->path, NULL);
	} else if ((mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE)) &&
		   filter_take_file(w->filter, name) &&
		   (r = node_path(n, name, w->path)) != NULL) {
		report(w, mask & IN_DELETE ? WATCH_FILE_GONE : WATCH_FILE_DONE,
		       r->id, w->path, NULL);
	}
}

static void
handle_event(struct watch *w, const struct inotify_event *ev)
{
	struct pending p;
	struct node *n;

	if (ev->mask & IN_MOVED_TO) {
		for (size_t i = 0; i < w->npending; i++) {
			if (w->pending[i].cookie == ev->cookie) {
				pending_remove(w, i, &p);
				moved(w, &p, ev);
				return;
			}
		}
	}
	if (!(ev->mask & IN_MOVED_FROM) || w->npending == MAX_PENDING)
		flush_pending(w);
	if (ev->mask & IN_Q_OVERFLOW) {
		if (!w->overflowed)
			report(w, WATCH_OVERFLOW, -1, "", NULL);
		w->overflowed = true;
		return;
	}
	if (w->closing || (n = node_find(w, ev->wd)) == NULL)
		return;
	if (ev->mask & IN_IGNORED) {
		if (n->parent == NULL)
			root_gone(w, n->root, false);
		else
			node_drop(w, n, false);
	} else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
		/* below a root, the parent's events have told the story */
		if (n->parent == NULL)
			root_gone(w, n->root, true);
	} else if (ev->len > 0 && (ev->mask & IN_MOVED_FROM)) {
		moved_from(w, n, ev);
	} else if (ev->len > 0) {
		entry_event(w, n, ev->name, ev->mask);
	}
}

/*
 * Reads until EAGAIN, or MAX_READS buffers so a flood cannot starve the
 * loop (the poll is level-triggered: the rest comes next iteration).
 */
static void
poll_cb(uv_poll_t *h, int status, int events)
{
	struct watch *w = h->data;
	const struct inotify_event *ev;
	ssize_t len;

	w->overflowed = false;
	for (int i = 0; i < MAX_READS && !w->closing; i++) {
		len = read(w->fd, w->buf, sizeof(w->buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		for (char *p = w->buf; p < w->buf + len && !w->closing;
		     p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			handle_event(w, ev);
		}
	}
	if (w->npending > 0 && !w->closing)
		uv_timer_start(&w->timer, pair_timer_cb, PAIR_MS, 0);
}

int
watch_new(uv_loop_t *loop, const struct filter *f, watch_cb cb, void *data,
	  struct watch **out)
{
	struct watch *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL)
		return -ENOMEM;
	w->fd = -1;
	w->nbuckets = 64;
	if ((w->table = calloc(w->nbuckets, sizeof(*w->table))) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = uv_poll_init(loop, &w->poll, w->fd)) != 0)
		goto fail;
	uv_timer_init(loop, &w->timer);
	w->poll.data = w->timer.data = w;
	w->filter = f;
	w->cb = cb;
	w->data = data;
	if ((rc = uv_poll_start(&w->poll, UV_READABLE, poll_cb)) != 0) {
		watch_close(w, NULL);	/* frees it from the loop */
		return rc;
	}
	*out = w;
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	free(w->table);
	free(w);
	return rc;
}

int
watch_add_root(struct watch *w, int root, const char *path, bool recursive)
{
	size_t len = strlen(path);
	struct root *r;
	int wd, rc;

	if (root < 0 || len == 0)
		return -EINVAL;
	if (root_find(w, root) != NULL)
		return -EEXIST;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if ((r = calloc(1, sizeof(*r) + len + 1)) == NULL)
		return -ENOMEM;
	memcpy(r->path, path, len);
	r->id = root;
	r->recursive = recursive;
	/* a root may be a symbolic link: the operator named it */
	wd = inotify_add_watch(w->fd, r->path, DIR_MASK & ~IN_DONT_FOLLOW);
	if (wd < 0) {
		rc = -errno;
		goto fail;
	}
	if (node_find(w, wd) != NULL) {
		rc = -EEXIST;	/* already watched: roots overlap */
		goto fail;
	}
	if ((r->node = node_add(w, NULL, "", wd)) == NULL) {
		inotify_rm_watch(w->fd, wd);
		rc = -ENOMEM;
		goto fail;
	}
	r->node->root = r;
	r->next = w->roots;
	w->roots = r;
	return 0;
fail:
	free(r);
	return rc;
}

int
watch_add_dir(struct watch *w, int root, const char *rel)
{
	struct root *r = root_find(w, root);
	const char *name = rel, *slash;
	struct node *n;
	int rc;

	if (r == NULL || r->node == NULL)
		return -ENOENT;
	if (!r->recursive)
		return -EINVAL;
	if (*rel == '\0')
		return 0;
	n = r->node;
	for (; (slash = strchr(name, '/')) != NULL; name = slash + 1)
		if ((n = child_find(n, name, slash - name)) == NULL)
			return -ENOENT;
	if (*name == '\0')
		return -EINVAL;
	rc = watch_dir(w, r, n, name, rel);
	return rc < 0 ? rc : 0;
}

void
watch_remove_root(struct watch *w, int root)
{
	struct root *r = root_find(w, root);
	size_t i = 0;

	if (r == NULL)
		return;
	while (i < w->npending) {
		if (w->pending[i].root == root)
			pending_remove(w, i, NULL);
		else
			i++;
	}
	root_free(w, r, true);
}

size_t
watch_count(const struct watch *w)
{
	return w->count;
}

/* Frees W once both handles are closed; the fd's watches go with it. */
static void
close_cb(uv_handle_t *h)
{
	struct watch *w = h->data;
	void (*closed)(void *) = w->closed;
	void *data = w->data;
	struct node *n, *next;
	struct root *r;

	if (--w->open_handles > 0)
		return;
	close(w->fd);
	for (size_t i = 0; i < w->nbuckets; i++) {
		for (n = w->table[i]; n != NULL; n = next) {
			next = n->hnext;
			free(n->name);
			free(n);
		}
	}
	while ((r = w->roots) != NULL) {
		w->roots = r->next;
		free(r);
	}
	free(w->table);
	free(w);
	if (closed != NULL)
		closed(data);
}

void
watch_close(struct watch *w, void (*closed)(void *data))
{
	w->closing = true;
	w->closed = closed;
	w->open_handles = 2;
	uv_close((uv_handle_t *)&w->poll, close_cb);
	uv_close((uv_handle_t *)&w->timer, close_cb);
}
