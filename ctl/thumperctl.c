/*
 * thumperctl.c - the control client of thumperd (design.md §2, §7).
 *
 * One request line to the control socket, one reply read to EOF, then
 * the reply rendered: as it came with --json (and for metrics, which is
 * Prometheus text), otherwise as short aligned lines.  The whole
 * exchange runs on a non-blocking socket against one deadline (10 s, or
 * THUMPERCTL_TIMEOUT_MS), so a stuck daemon cannot hang a script.
 *
 * The renderers read the reply through json.h's defaulting accessors:
 * a missing or mistyped field prints as nothing or zero, and fields
 * they do not know are ignored, so the daemon may add fields freely.
 * Every string from the daemon goes out through escape_text().
 *
 * Exit status: 0 ok, 1 the daemon refused or failed the command, 2 usage
 * (including a PATH no request line can carry), 3 the daemon cannot be
 * reached or its reply cannot be read.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/escape.h"
#include "ctl/json.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

#define REQUEST_MAX 4096	/* bytes of a request line before its "\n" */
#define TIMEOUT_MS 10000
#define LABEL_WIDTH 10		/* labels are padded to this, plus a space */
#define LINE_WIDTH 80

#define DEFAULT_CONFIG SYSCONFDIR "/thumper/thumper.conf"
#define DEFAULT_SOCKET "/run/thumper/control.sock"

enum args { ARGS_NONE, ARGS_PATH, ARGS_RESCAN };

static void render_status(const struct json *r);
static void render_failures(const struct json *r);
static void render_message(const struct json *r);
static void render_version(const struct json *r);

static const struct command {
	const char *name;
	enum args args;
	void (*render)(const struct json *r);	/* NULL: text, as it is */
} commands[] = {
	{ "status", ARGS_NONE, render_status },
	{ "failures", ARGS_NONE, render_failures },
	{ "retry", ARGS_PATH, render_message },
	{ "pause", ARGS_NONE, render_message },
	{ "resume", ARGS_NONE, render_message },
	{ "rescan", ARGS_RESCAN, render_message },
	{ "reload", ARGS_NONE, render_message },
	{ "metrics", ARGS_NONE, NULL },
	{ "version", ARGS_NONE, render_version },
};

static void usage(FILE *f)
{
	fputs("usage: thumperctl [-s SOCKET] [-c FILE] [--json] COMMAND [ARGS]\n"
	      "Asks the thumbnail daemon thumperd how it is doing, or tells it what to do.\n"
	      "\n"
	      "  status              state, roots, queue, workers, totals, latency\n"
	      "  failures            sources that could not be thumbnailed, and why\n"
	      "  retry [PATH]        try failed sources again (all, or PATH and below)\n"
	      "  pause, resume       stop and restart handing out work\n"
	      "  rescan [--force] [PATH]\n"
	      "                      reconcile every root, or PATH; --force allows\n"
	      "                      deletes that the safety rules held back\n"
	      "  reload              re-read the configuration\n"
	      "  metrics             Prometheus text exposition\n"
	      "  version             versions of thumperctl, thumperd and the protocol\n"
	      "\n"
	      "  -s, --socket SOCKET control socket (default: control_socket of the config)\n"
	      "  -c, --config FILE   take the socket from FILE (default " DEFAULT_CONFIG ")\n"
	      "      --json          print the daemon's JSON reply as it is\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       print thumperctl's version only\n"
	      "\n"
	      "Exit status: 0 ok, 1 the daemon refused or failed the command, 2 usage,\n"
	      "3 the daemon cannot be reached.\n", f);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("thumperctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(thumperctl --help lists the commands)\n", stderr);
	return EXIT_USAGE;
}

/* "thumperctl: BEFORE<PATH escaped><rest>\n" on stderr. */
__attribute__((format(printf, 3, 4)))
static void say_path(const char *before, const char *path, const char *fmt,
		     ...)
{
	va_list ap;

	fprintf(stderr, "thumperctl: %s", before);
	escape_text(stderr, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ request */

/*
 * PATH made absolute against the current folder and normalised
 * lexically ("." and ".." resolved, no repeated or trailing '/'), the
 * form the daemon compares with its roots.  NULL with errno set.
 */
static char *absolute_path(const char *path)
{
	char *cwd = NULL, *out;
	const char *parts[2];
	size_t len = 0;

	if (path[0] != '/' && !(cwd = getcwd(NULL, 0)))
		return NULL;
	parts[0] = cwd ? cwd : "";
	parts[1] = path;
	out = malloc(strlen(parts[0]) + strlen(path) + 3);
	if (!out)
		goto out;
	for (int i = 0; i < 2; i++) {
		const char *p = parts[i];

		while (*p) {
			size_t n;

			p += strspn(p, "/");
			n = strcspn(p, "/");
			if (n == 2 && p[0] == '.' && p[1] == '.') {
				while (len > 0 && out[len - 1] != '/')
					len--;
				if (len > 0)
					len--;
			} else if (n > 0 && !(n == 1 && p[0] == '.')) {
				out[len++] = '/';
				memcpy(out + len, p, n);
				len += n;
			}
			p += n;
		}
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
out:
	free(cwd);
	return out;
}

/*
 * The socket to talk to: -s, else control_socket of -c FILE, else that
 * of the default config when it can be read, else the built-in default.
 * Returns 0 and a string to free, or EXIT_USAGE (message printed).
 */
static int find_socket(const char *opt_socket, const char *opt_config,
		       char **out)
{
	const char *path = opt_config ? opt_config : DEFAULT_CONFIG;
	struct config cfg;
	char err[1024];

	if (opt_socket) {
		*out = strdup(opt_socket);
		goto done;
	}
	if (!opt_config && access(path, R_OK) != 0) {
		*out = strdup(DEFAULT_SOCKET);
		goto done;
	}
	if (config_defaults(&cfg) != 0) {
		*out = NULL;
		goto done;
	}
	if (config_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "thumperctl: %s\n", err);
		if (opt_config) {
			config_free(&cfg);
			return EXIT_USAGE;
		}
		fprintf(stderr, "thumperctl: using %s\n", cfg.control_socket);
	}
	*out = cfg.control_socket;
	cfg.control_socket = NULL;
	config_free(&cfg);
done:
	if (!*out) {
		fputs("thumperctl: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* --------------------------------------------------------- exchange */

struct buf {
	char *data;
	size_t len, cap;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for EVENTS on FD until DEADLINE: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int n;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
	} while (n < 0 && errno == EINTR);
	return n;
}

static int connect_to(int fd, const struct sockaddr_un *sa, long long deadline,
		      const char *sock, int timeout_ms)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && now_ms() < deadline) {
			/* backlog full: the daemon is busy or stuck */
			poll(NULL, 0, 20);
			continue;
		}
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0) {
			if (err == 0)
				return 0;
			errno = err;
		}
		break;
	}
	if (errno == EAGAIN || errno == EINPROGRESS)
		say_path("cannot connect to ", sock, ": no answer within %d ms "
			 "(is thumperd stuck?)", timeout_ms);
	else
		say_path("cannot connect to ", sock, ": %s%s", strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED ?
			 " (is thumperd running?)" : errno == EACCES ?
			 " (try as root or as a member of the socket's group)" :
			 "");
	return -1;
}

/*
 * Sends REQ to SOCK and reads the reply to EOF into OUT, all before
 * TIMEOUT_MS.  Returns 0, or -1 with the reason printed.
 */
static int exchange(const char *sock, const char *req, size_t reqlen,
		    int timeout_ms, struct buf *out)
{
	long long deadline = now_ms() + timeout_ms;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t sent = 0;
	int fd, rc = -1;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		say_path("cannot connect to ", sock, ": longer than %zu bytes, "
			 "the limit of a socket path", sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "thumperctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect_to(fd, &sa, deadline, sock, timeout_ms) < 0)
		goto out;
	while (sent < reqlen) {
		ssize_t n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);

		if (n >= 0) {
			sent += (size_t)n;
		} else if (errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				goto timeout;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			break;	/* it may have said why: read on */
		} else if (errno != EINTR) {
			say_path("cannot send to ", sock, ": %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		ssize_t n;

		if (out->cap - out->len < 4096) {
			size_t cap = out->cap ? out->cap * 2 : 16384;
			char *p;

			if (out->cap > JSON_MAX_LEN) {
				say_path("the reply from ", sock, " is larger "
					 "than %u bytes", JSON_MAX_LEN);
				goto out;
			}
			if (!(p = realloc(out->data, cap))) {
				fputs("thumperctl: out of memory\n", stderr);
				goto out;
			}
			out->data = p;
			out->cap = cap;
		}
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n > 0) {
			out->len += (size_t)n;
		} else if (n == 0) {
			break;
		} else if (errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline) <= 0)
				goto timeout;
		} else if (errno != EINTR) {
			say_path("cannot read the reply from ", sock, ": %s",
				 strerror(errno));
			goto out;
		}
	}
	out->data[out->len] = '\0';
	if (out->len == 0) {
		say_path("", sock, ": the daemon closed the connection without "
			 "replying");
		goto out;
	}
	rc = 0;
	goto out;
timeout:
	say_path("no reply from ", sock, " within %d ms (is thumperd stuck?)",
		 timeout_ms);
out:
	close(fd);
	return rc;
}

/* -------------------------------------------------------- rendering */

static void label(const char *name)
{
	printf("%-*s ", LABEL_WIDTH, name);
}

/* V rounded, with thousands separators ("1,204"); "?" when absurd. */
static const char *count(double v, char buf[32])
{
	char digits[32];
	size_t n, o = 0;

	if (!(fabs(v) < 1e18)) {
		snprintf(buf, 32, "%g", v);
		return buf;
	}
	n = (size_t)snprintf(digits, sizeof(digits), "%lld", llround(v));
	for (size_t i = 0; i < n; i++) {
		buf[o++] = digits[i];
		if (digits[i] != '-' && i + 1 < n && (n - 1 - i) % 3 == 0)
			buf[o++] = ',';
	}
	buf[o] = '\0';
	return buf;
}

/* Milliseconds: "0.3 s", "12 s", "4m 05s", "2h 10m". */
static const char *duration_ms(double ms, char buf[32])
{
	double s = ms / 1000;

	if (!(s >= 0 && s < 1e12))
		s = 0;
	if (s < 10)
		snprintf(buf, 32, "%.1f s", s);
	else if (s < 60)
		snprintf(buf, 32, "%.0f s", floor(s));
	else if (s < 3600)
		snprintf(buf, 32, "%.0fm %02.0fs", floor(s / 60),
			 floor(fmod(s, 60)));
	else
		snprintf(buf, 32, "%.0fh %02.0fm", floor(s / 3600),
			 floor(fmod(s, 3600) / 60));
	return buf;
}

/* Seconds of uptime: "42s", "5m 3s", "3h 12m", "2d 5h". */
static const char *uptime(double s, char buf[32])
{
	if (!(s >= 0 && s < 1e12))
		s = 0;
	s = floor(s);
	if (s < 60)
		snprintf(buf, 32, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, 32, "%.0fm %.0fs", floor(s / 60), fmod(s, 60));
	else if (s < 86400)
		snprintf(buf, 32, "%.0fh %.0fm", floor(s / 3600),
			 floor(fmod(s, 3600) / 60));
	else
		snprintf(buf, 32, "%.0fd %.0fh", floor(s / 86400),
			 floor(fmod(s, 86400) / 3600));
	return buf;
}

/* Milliseconds of latency: "14 ms", "1.5 ms", "1,200 ms". */
static const char *millis(double v, char buf[32])
{
	if (v >= 0 && v < 10 && v != floor(v)) {
		snprintf(buf, 32, "%.1f ms", v);
		return buf;
	}
	count(v, buf);
	strcat(buf, " ms");
	return buf;
}

static const char *str(const struct json *obj, const char *key)
{
	return json_string(json_get(obj, key), NULL, NULL);
}

static double num(const struct json *obj, const char *key)
{
	return json_number(json_get(obj, key), 0);
}

static void render_roots(const struct json *r)
{
	const struct json *roots = json_get(r, "roots");
	const struct json *dirs = json_get(r, "dirs_watched");
	size_t n = json_len(roots);
	char b[32];

	for (size_t i = 0; i < n; i++) {
		const struct json *root = json_at(roots, i);
		const char *state = str(root, "state");

		label(i == 0 ? "roots" : "");
		escape_text(stdout, json_string(json_get(root, "source"), "?", NULL));
		fputs(" -> ", stdout);
		escape_text(stdout, json_string(json_get(root, "dest"), "?", NULL));
		if (state || (n == 1 && dirs)) {
			fputs(" (", stdout);
			if (state)
				escape_text(stdout, state);
			if (n == 1 && dirs)
				printf("%s%s folders", state ? ", " : "",
				       count(json_number(dirs, 0), b));
			fputc(')', stdout);
		}
		fputc('\n', stdout);
	}
	if (n == 0 && json_get(r, "roots")) {
		label("roots");
		puts("none");
	}
	if (n != 1 && dirs) {
		label("folders");
		printf("%s watched\n", count(json_number(dirs, 0), b));
	}
}

static void render_queue(const struct json *r)
{
	const struct json *q = json_get(r, "queue"), *scan = json_get(r, "scan");
	char b1[32], b2[32];

	if (!q && !scan)
		return;
	label("queue");
	printf("%s live, %s backlog", count(num(q, "live"), b1),
	       count(num(q, "backlog"), b2));
	if (json_bool(json_get(scan, "active"), false)) {
		const char *root = str(scan, "root");
		double pending = num(scan, "pending");

		fputs(" (scan", stdout);
		if (root) {
			fputs(" of ", stdout);
			escape_text(stdout, root);
		}
		printf(": %s files seen", count(num(scan, "files_seen"), b1));
		if (pending >= 1)
			printf(", %s more pending", count(pending, b2));
		fputc(')', stdout);
	}
	fputc('\n', stdout);
}

/* Workers on one line when they fit ("2: 4242 busy 0.3 s on F; 4243
 * idle"), else one per line under a "N (M busy)" head. */
static void render_workers(const struct json *r)
{
	const struct json *ws = json_get(r, "workers");
	size_t n = json_len(ws), busy = 0, len = 0;
	char **lines, b[32];
	bool one_line;

	if (!ws)
		return;
	lines = calloc(n + 1, sizeof(*lines));
	for (size_t i = 0; lines && i < n; i++) {
		const struct json *w = json_at(ws, i);
		const char *file = str(w, "file");
		size_t sz = 0;
		FILE *f = open_memstream(&lines[i], &sz);

		if (!f)
			break;
		fprintf(f, "%.0f", fmax(0, fmin(num(w, "pid"), 1e9)));
		if (file) {
			fprintf(f, " busy %s on ", duration_ms(num(w, "busy_ms"), b));
			escape_text(f, file);
			busy++;
		} else {
			fputs(" idle", f);
		}
		fclose(f);
		len += sz + 2;
	}
	label("workers");
	if (!lines) {
		puts("?");
		return;
	}
	one_line = LABEL_WIDTH + 1 + 8 + len <= LINE_WIDTH;
	if (n == 0)
		puts("none");
	else if (one_line)
		printf("%zu: ", n);
	else
		printf("%zu (%zu busy)\n", n, busy);
	for (size_t i = 0; i < n && lines[i]; i++) {
		if (one_line) {
			printf("%s%s", i ? "; " : "", lines[i]);
		} else {
			label("");
			puts(lines[i]);
		}
		free(lines[i]);
	}
	if (one_line && n > 0)
		fputc('\n', stdout);
	free(lines);
}

static void render_status(const struct json *r)
{
	const struct json *totals = json_get(r, "totals");
	const struct json *lat = json_get(r, "latency_ms");
	const struct json *rate = json_get(r, "rate_1m");
	const struct json *reasons = json_get(r, "reasons");
	char b1[32], b2[32], b3[32];

	label("state");
	escape_text(stdout, json_string(json_get(r, "state"), "unknown", NULL));
	if (json_get(r, "uptime_s"))
		printf(" (up %s)", uptime(num(r, "uptime_s"), b1));
	fputc('\n', stdout);
	render_roots(r);
	render_queue(r);
	render_workers(r);
	if (totals) {
		label("totals");
		printf("%s done, %s failed, %s skipped",
		       count(num(totals, "done"), b1),
		       count(num(totals, "failed"), b2),
		       count(num(totals, "skipped"), b3));
		if (rate && fabs(json_number(rate, 0)) < 1e6)
			printf("; %.1f/s over the last minute",
			       json_number(rate, 0));
		else if (rate)
			printf("; %s/s over the last minute",
			       count(json_number(rate, 0), b1));
		fputc('\n', stdout);
	}
	if (lat) {
		label("latency");
		if (json_get(lat, "samples") && num(lat, "samples") < 1)
			puts("no samples yet");
		else
			printf("p50 %s, p99 %s\n", millis(num(lat, "p50"), b1),
			       millis(num(lat, "p99"), b2));
	}
	for (size_t i = 0; i < json_len(reasons); i++) {
		label(i == 0 ? "degraded:" : "");
		escape_text(stdout, json_string(json_at(reasons, i), "?", NULL));
		fputc('\n', stdout);
	}
}

static int by_time(const void *a, const void *b)
{
	double ta = num(*(const struct json *const *)a, "time");
	double tb = num(*(const struct json *const *)b, "time");

	return (ta > tb) - (ta < tb);
}

static const char *when(double t, char buf[32])
{
	time_t tt;
	struct tm tm;

	if (!(t > 0 && t < 1e11))
		return "-";
	tt = (time_t)t;
	if (!localtime_r(&tt, &tm) ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return "-";
	return buf;
}

/* Oldest first, so the newest are nearest the prompt. */
static void render_failures(const struct json *r)
{
	const struct json *list = json_get(r, "failures");
	const struct json **sorted;
	size_t n = json_len(list);
	double total = json_number(json_get(r, "count"), (double)n);
	char b1[32], b2[32];

	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted) {
		fputs("thumperctl: out of memory\n", stderr);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_at(list, i);
	qsort(sorted, n, sizeof(*sorted), by_time);
	for (size_t i = 0; i < n; i++) {
		printf("%s  ", when(num(sorted[i], "time"), b1));
		escape_text(stdout, json_string(json_get(sorted[i], "source"),
						"?", NULL));
		fputs(": ", stdout);
		escape_text(stdout, json_string(json_get(sorted[i], "reason"),
						"?", NULL));
		fputc('\n', stdout);
	}
	free(sorted);
	if (total < 1) {
		puts("no failures");
		return;
	}
	if (total > (double)n)
		printf("%s failures, the latest %s shown", count(total, b1),
		       count((double)n, b2));
	else
		printf("%s failure%s", count(total, b1), total < 2 ? "" : "s");
	puts(" (thumperctl retry [PATH] tries again)");
}

static void render_message(const struct json *r)
{
	const char *msg = str(r, "message");

	if (msg) {
		escape_text(stdout, msg);
		fputc('\n', stdout);
	}
}

static void render_version(const struct json *r)
{
	char b[32];

	printf("thumperctl %s\nthumperd ", PACKAGE_VERSION);
	escape_text(stdout, json_string(json_get(r, "version"), "?", NULL));
	if (json_get(r, "protocol"))
		printf(" (protocol %s)", count(num(r, "protocol"), b));
	fputc('\n', stdout);
}

/*
 * Judges and prints the reply REP to CMD.  Returns the exit status.
 */
static int render(const struct command *cmd, const char *sock,
		  const struct buf *rep, bool json)
{
	const char *p = rep->data + strspn(rep->data, " \t\r\n");
	const struct json *e;
	struct json *r;
	char err[256];
	int rc = 0;

	if (!cmd->render && *p != '{') {	/* metrics text */
		fwrite(rep->data, 1, rep->len, stdout);
		return 0;
	}
	r = json_parse(rep->data, rep->len, err, sizeof(err));
	if (!r || json_type(r) != JSON_OBJECT) {
		say_path("", sock, ": the reply is not a JSON object (%s)",
			 r ? "another JSON value" : err);
		json_free(r);
		return EXIT_UNREACHABLE;
	}
	if ((e = json_get(r, "error")) ||
	    !json_bool(json_get(r, "ok"), true)) {
		rc = EXIT_REFUSED;
		if (!json) {
			fputs("thumperctl: ", stderr);
			escape_text(stderr, json_string(e, NULL, NULL) ?
				    json_string(e, NULL, NULL) :
				    json_string(json_get(r, "message"),
						"the daemon refused the command",
						NULL));
			fputc('\n', stderr);
		}
	}
	if (json || (rc == 0 && !cmd->render))
		fwrite(rep->data, 1, rep->len, stdout);
	else if (rc == 0)
		cmd->render(r);
	json_free(r);
	return rc;
}

/* ------------------------------------------------------------- main */

static int timeout_from_env(int *out)
{
	const char *s = getenv("THUMPERCTL_TIMEOUT_MS");
	char *end;
	long v;

	*out = TIMEOUT_MS;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 3600000)
		return usage_error("THUMPERCTL_TIMEOUT_MS: '%s' is not a number "
				   "of milliseconds from 1 to 3600000", s);
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt_socket = NULL, *opt_config = NULL, *arg = NULL;
	const struct command *cmd = NULL;
	char *sock = NULL, *path = NULL, *req = NULL;
	struct buf rep = { 0 };
	bool json = false, force = false, dashdash = false;
	int c, rc, timeout_ms;
	size_t reqlen;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt_socket = optarg;
			break;
		case 'c':
			opt_config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("thumperctl %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);
	for (int i = optind + 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
		} else if (!dashdash && strcmp(a, "--json") == 0) {
			json = true;
		} else if (!dashdash && strcmp(a, "--force") == 0 &&
			   cmd->args == ARGS_RESCAN) {
			force = true;
		} else if (!dashdash && a[0] == '-' && a[1] != '\0') {
			return usage_error("%s: unknown option '%s'", cmd->name, a);
		} else if (cmd->args == ARGS_NONE) {
			return usage_error("%s takes no argument", cmd->name);
		} else if (arg) {
			return usage_error("%s takes one PATH at most (a path "
					   "with spaces needs quotes)", cmd->name);
		} else {
			arg = a;
		}
	}
	if (arg && *arg == '\0')
		return usage_error("%s: PATH is empty", cmd->name);
	if (arg && strchr(arg, '\n'))
		return usage_error("%s: a PATH holding a newline cannot be "
				   "sent to the daemon", cmd->name);
	if ((rc = timeout_from_env(&timeout_ms)) != 0)
		return rc;
	if (arg && !(path = absolute_path(arg))) {
		fprintf(stderr, "thumperctl: %s: cannot make it absolute: %s\n",
			arg, strerror(errno));
		return EXIT_USAGE;
	}
	reqlen = strlen(cmd->name) + (force ? 8 : 0) +
		 (path ? 1 + strlen(path) : 0);
	if (reqlen > REQUEST_MAX) {
		free(path);
		return usage_error("%s: PATH is too long for a request line "
				   "(%d bytes at most)", cmd->name, REQUEST_MAX);
	}
	if ((rc = find_socket(opt_socket, opt_config, &sock)) != 0)
		goto out;
	if (!(req = malloc(reqlen + 2))) {
		fputs("thumperctl: out of memory\n", stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	snprintf(req, reqlen + 2, "%s%s%s%s\n", cmd->name,
		 force ? " --force" : "", path ? " " : "", path ? path : "");
	if (exchange(sock, req, reqlen + 1, timeout_ms, &rep) != 0) {
		if (cmd->render == render_version && !json)
			printf("thumperctl %s\n", PACKAGE_VERSION);
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	rc = render(cmd, sock, &rep, json);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "thumperctl: cannot write the output: %s\n",
			strerror(errno));
		rc = rc ? rc : EXIT_REFUSED;
	}
out:
	free(rep.data);
	free(req);
	free(path);
	free(sock);
	return rc;
}
