/*
 * latprobe.c - times uploads into a running thumperd (live latency,
 * doc/design.md §9).
 *
 *   latprobe [-t SECONDS] [-g GAP_MS] [-p DAEMON_PID] STAGING SRC DEST NAME...
 *
 * For each NAME, one at a time: rename(STAGING/NAME, SRC/NAME) (the same
 * filesystem, so the upload appears whole, as IN_MOVED_TO), then wait on
 * an inotify watch of DEST until a file called NAME is renamed or written
 * there (a JPEG's thumbnail keeps its name).  The time from just before
 * rename() to the inotify event is the upload's latency; no sleep loop is
 * involved, the wait is a poll() on the inotify fd with a deadline.
 *
 * With -p, the CPU time of the daemon's children (the workers, every
 * thread) is read from /proc/PID/task/TID/schedstat just before the
 * rename, again as soon as the thumbnail is seen, and once more GAP_MS
 * later, when the worker has sent its reply and gone back to read().
 * The first difference is the worker's own time on this very job up to
 * the moment its thumbnail became visible, in nanoseconds (its few
 * microseconds of clean-up after the rename, until this process woke
 * and read /proc, included), so the overhead the daemon adds can be
 * computed per upload: latency - worker CPU.  Time the workers spent
 * runnable but waiting for a CPU (a busy machine) is reported apart.
 *
 * One line per upload on stdout, microseconds:
 *   NAME LAT WORKER_CPU WORKER_WAIT WORKER_CPU_JOB DAEMON_CPU DAEMON_WAIT
 * WORKER_CPU and WORKER_WAIT cover rename -> thumbnail seen;
 * WORKER_CPU_JOB the whole job (reply included); DAEMON_CPU is the
 * daemon's own CPU time from the rename until GAP_MS after the thumbnail
 * (event, dispatch, result), DAEMON_WAIT its runnable-but-waiting time up
 * to the thumbnail.  -1 without -p.  Exit 0, or 1 when an upload timed
 * out (the rest are skipped).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct sched {
	uint64_t cpu_ns;
	uint64_t wait_ns;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Adds every thread of PID to S. */
static void
sched_add_pid(long pid, struct sched *s)
{
	char path[PATH_MAX], buf[128];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		unsigned long long cpu, wait;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat", pid,
			 de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%llu %llu", &cpu, &wait) == 2) {
			s->cpu_ns += cpu;
			s->wait_ns += wait;
		}
		fclose(f);
	}
	closedir(d);
}

/* The children of every thread of PID (the workers), summed into KIDS. */
static void
sched_children(long pid, struct sched *kids)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	memset(kids, 0, sizeof(*kids));
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char cpath[PATH_MAX];
		long c;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(cpath, sizeof(cpath), "/proc/%ld/task/%s/children", pid,
			 de->d_name);
		if ((f = fopen(cpath, "r")) == NULL)
			continue;
		while (fscanf(f, "%ld", &c) == 1)
			sched_add_pid(c, kids);
		fclose(f);
	}
	closedir(d);
}

static void
sample(long dpid, struct sched *kids, struct sched *self)
{
	memset(self, 0, sizeof(*self));
	if (dpid <= 0) {
		memset(kids, 0, sizeof(*kids));
		return;
	}
	sched_children(dpid, kids);
	sched_add_pid(dpid, self);
}

/*
 * Waits until NAME is moved into or closed after writing in the watched
 * folder.  Returns 0, or -ETIMEDOUT past DEADLINE_NS.
 */
static int
wait_for_name(int fd, const char *name, uint64_t deadline_ns)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		uint64_t now = now_ns();
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (now >= deadline_ns)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline_ns - now) / 1000000 + 1)) < 0 &&
		    errno != EINTR)
			return -errno;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (char *q = buf; q < buf + n;) {
				struct inotify_event *ev = (struct inotify_event *)q;

				if (ev->len > 0 && strcmp(ev->name, name) == 0 &&
				    (ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)))
					return 0;
				q += sizeof(*ev) + ev->len;
			}
		}
	}
}

/* B - A in microseconds; -1 when a worker went away meanwhile. */
static double
delta_us(uint64_t b, uint64_t a)
{
	return b >= a ? (double)(b - a) / 1e3 : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: latprobe [-t SECONDS] [-g GAP_MS] [-p DAEMON_PID] "
		"STAGING SRC DEST NAME...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	long dpid = 0, timeout_s = 30, gap_ms = 20;
	const char *staging, *src, *dest;
	int c, fd;

	while ((c = getopt(argc, argv, "t:g:p:")) != -1) {
		switch (c) {
		case 't': timeout_s = strtol(optarg, NULL, 10); break;
		case 'g': gap_ms = strtol(optarg, NULL, 10); break;
		case 'p': dpid = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (argc - optind < 4)
		usage();
	staging = argv[optind];
	src = argv[optind + 1];
	dest = argv[optind + 2];
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, dest, IN_MOVED_TO | IN_CLOSE_WRITE |
					IN_ONLYDIR) < 0) {
		fprintf(stderr, "latprobe: inotify on %s: %s\n", dest,
			strerror(errno));
		return 2;
	}
	for (int i = optind + 3; i < argc; i++) {
		const char *name = argv[i];
		char from[PATH_MAX], to[PATH_MAX];
		struct sched k0, k1, k2, s0, s1, s2;
		struct timespec gap = { gap_ms / 1000, (gap_ms % 1000) * 1000000 };
		uint64_t t0, t1;
		int rc;

		snprintf(from, sizeof(from), "%s/%s", staging, name);
		snprintf(to, sizeof(to), "%s/%s", src, name);
		sample(dpid, &k0, &s0);
		t0 = now_ns();
		if (rename(from, to) != 0) {
			fprintf(stderr, "latprobe: rename %s: %s\n", from,
				strerror(errno));
			return 2;
		}
		rc = wait_for_name(fd, name, t0 + (uint64_t)timeout_s * 1000000000u);
		t1 = now_ns();
		if (rc != 0) {
			fprintf(stderr, "latprobe: no thumbnail %s/%s after %ld s\n",
				dest, name, timeout_s);
			return 1;
		}
		sample(dpid, &k1, &s1);
		/* let the worker finish its reply and go back to read() */
		nanosleep(&gap, NULL);
		sample(dpid, &k2, &s2);
		if (dpid > 0)
			printf("%s %.1f %.1f %.1f %.1f %.1f %.1f\n", name,
			       (t1 - t0) / 1e3,
			       delta_us(k1.cpu_ns, k0.cpu_ns),
			       delta_us(k1.wait_ns, k0.wait_ns),
			       delta_us(k2.cpu_ns, k0.cpu_ns),
			       delta_us(s2.cpu_ns, s0.cpu_ns),
			       delta_us(s1.wait_ns, s0.wait_ns));
		else
			printf("%s %.1f -1 -1 -1 -1 -1\n", name, (t1 - t0) / 1e3);
		fflush(stdout);
	}
	return 0;
}
