/*
 * thumperctl.c - the control client of thumperd (design.md §2, §7): the
 * command line, the request line it becomes, and the exit status.
 *
 * The commands, their arguments and their order come from lib/ctlproto.h;
 * this file adds what thumperctl does with each one (views[]: its help
 * and its renderer).  One request line goes to the socket and one reply
 * comes back (exchange.c), then it is judged and printed (render.c,
 * status.c): as it came with --json and for metrics, which is Prometheus
 * text, otherwise as short aligned lines.
 *
 * Exit status: 0 ok, 1 the daemon refused or failed the command, 2 usage
 * (including a PATH no request line can carry), 3 the daemon cannot be
 * reached or its reply cannot be read.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/ctlproto.h"
#include "ctl/exchange.h"
#include "ctl/render.h"
#include "ctl/stream.h"

#define TIMEOUT_MS 10000
#define USAGE_INDENT 22		/* column of a command's help in the usage */

#define DEFAULT_CONFIG SYSCONFDIR "/thumper/thumper.conf"
#define DEFAULT_SOCKET "/run/thumper/control.sock"

/* What thumperctl does with each command of ctl_commands[]. */
static const struct view {
	render_fn *render;	/* NULL: printed as it came */
	const char *synopsis;	/* in the usage; NULL: name and arguments */
	const char *help;	/* NULL: listed with the one before */
} views[CTL_NCOMMANDS] = {
	[CTL_STATUS] = { render_status, NULL,
			 "state, roots, queue, workers, totals, latency" },
	[CTL_FAILURES] = { render_failures, NULL,
			   "sources that could not be thumbnailed, and why" },
	[CTL_RETRY] = { render_message, NULL,
			"try failed sources again (all, or PATH and below)" },
	[CTL_PAUSE] = { render_message, "pause, resume",
			"stop and restart handing out work" },
	[CTL_RESUME] = { render_message, NULL, NULL },
	[CTL_RESCAN] = { render_message, NULL,
			 "reconcile every root, or PATH; --force allows\n"
			 "deletes that the safety rules held back" },
	[CTL_RELOAD] = { render_message, NULL, "re-read the configuration" },
	[CTL_METRICS] = { NULL, NULL, "Prometheus text exposition" },
	[CTL_VERSION] = { render_version, NULL,
			  "versions of thumperctl, thumperd and the protocol" },
	[CTL_WAIT] = { NULL, "wait [--timeout S] PATH...",
		       "wait until the sources have fresh thumbnails\n"
		       "(0), or one failed (1); 4 at the timeout" },
	[CTL_EVENTS] = { NULL, NULL,
			 "follow what happens: one line per event" },
};

/* The command line, parsed. */
struct invocation {
	const char *opt_socket, *opt_config;
	const struct ctl_command *cmd;
	const char *arg;	/* PATH as given, or NULL */
	bool json, force;
	char **paths;		/* wait: its PATHs, made absolute */
	size_t npaths;
	long timeout_ms;	/* wait --timeout, -1: none */
};

/* "  retry [PATH]        try failed ..." (a long synopsis on a line of
 * its own), continuation lines of the help indented alike. */
static void usage_command(FILE *f, const struct ctl_command *cmd,
			  const struct view *v)
{
	char syn[64];

	if (!v->help)
		return;
	if (v->synopsis)
		snprintf(syn, sizeof(syn), "%s", v->synopsis);
	else
		snprintf(syn, sizeof(syn), "%s%s%s", cmd->name,
			 cmd->force ? " [" CTL_FORCE "]" : "",
			 cmd->path ? " [PATH]" : "");
	if (strlen(syn) + 3 <= USAGE_INDENT)
		fprintf(f, "  %-*s", USAGE_INDENT - 2, syn);
	else
		fprintf(f, "  %s\n%*s", syn, USAGE_INDENT, "");
	for (const char *h = v->help; *h; h++) {
		fputc(*h, f);
		if (*h == '\n')
			fprintf(f, "%*s", USAGE_INDENT, "");
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	fputs("usage: thumperctl [-s SOCKET] [-c FILE] [--json] COMMAND [ARGS]\n"
	      "Asks the thumbnail daemon thumperd how it is doing, or tells it what to do.\n"
	      "\n", f);
	for (size_t i = 0; i < CTL_NCOMMANDS; i++)
		usage_command(f, &ctl_commands[i], &views[i]);
	fputs("\n"
	      "  -s, --socket SOCKET control socket (default: control_socket of the config)\n"
	      "  -c, --config FILE   take the socket from FILE (default " DEFAULT_CONFIG ")\n"
	      "      --json          print the daemon's JSON reply as it is\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       print thumperctl's version only\n"
	      "\n"
	      "Exit status: 0 ok, 1 the daemon refused or failed the command, 2 usage,\n"
	      "3 the daemon cannot be reached, 4 wait timed out.\n", f);
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

/*
 * The options before COMMAND into INV.  Returns -1 to go on, or the exit
 * status to end with (--help, --version, a usage error).
 */
static int parse_options(int argc, char **argv, struct invocation *inv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			inv->opt_socket = optarg;
			break;
		case 'c':
			inv->opt_config = optarg;
			break;
		case 'j':
			inv->json = true;
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
	return -1;
}

/* wait --timeout's SECONDS (0 to 86400, decimals allowed) into INV. */
static int parse_timeout(const char *s, struct invocation *inv)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 86400))
		return usage_error("wait: --timeout '%s' is not a number of "
				   "seconds from 0 to 86400", s);
	inv->timeout_ms = (long)(v * 1000 + 0.5);
	return 0;
}

/* PATH, checked and made absolute, onto INV's paths.  0 or EXIT_USAGE. */
static int add_path(const char *path, struct invocation *inv)
{
	char *abs;

	if (*path == '\0')
		return usage_error("wait: PATH is empty");
	if (strchr(path, '\n'))
		return usage_error("wait: a PATH holding a newline cannot be "
				   "sent to the daemon");
	if (!(abs = absolute_path(path))) {
		fprintf(stderr, "thumperctl: %s: cannot make it absolute: %s\n",
			path, strerror(errno));
		return EXIT_USAGE;
	}
	if (strlen(abs) + 5 > CTL_LINE_MAX) {
		free(abs);
		return usage_error("wait: PATH is too long for a request line "
				   "(%d bytes at most)", CTL_LINE_MAX);
	}
	inv->paths[inv->npaths++] = abs;
	return 0;
}

/* wait's arguments, from argv[optind + 1] on.  0 or EXIT_USAGE. */
static int parse_wait(int argc, char **argv, struct invocation *inv)
{
	bool dashdash = false;
	int rc;

	inv->timeout_ms = -1;
	if (!(inv->paths = calloc((size_t)argc, sizeof(*inv->paths)))) {
		fputs("thumperctl: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	for (int i = optind + 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || a[1] == '\0')
			rc = add_path(a, inv);
		else if (strcmp(a, "--") == 0)
			rc = 0, dashdash = true;
		else if (strcmp(a, "--json") == 0)
			rc = 0, inv->json = true;
		else if (strncmp(a, "--timeout=", 10) == 0)
			rc = parse_timeout(a + 10, inv);
		else if (strcmp(a, "--timeout") == 0)
			rc = i + 1 < argc ? parse_timeout(argv[++i], inv)
			     : usage_error("wait: --timeout needs a value");
		else
			rc = usage_error("wait: unknown option '%s'", a);
		if (rc != 0)
			return rc;
	}
	if (inv->npaths == 0)
		return usage_error("wait needs at least one PATH");
	return 0;
}

/*
 * COMMAND and its arguments, from argv[optind] on, into INV.  Returns 0,
 * or EXIT_USAGE (message printed).
 */
static int parse_command(int argc, char **argv, struct invocation *inv)
{
	const struct ctl_command *cmd;
	bool dashdash = false;

	if (optind >= argc)
		return usage_error("no command given");
	cmd = ctl_command_find(argv[optind], strlen(argv[optind]));
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);
	inv->cmd = cmd;
	if (ctl_command_id(cmd) == CTL_WAIT)
		return parse_wait(argc, argv, inv);
	for (int i = optind + 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
		} else if (!dashdash && strcmp(a, "--json") == 0) {
			inv->json = true;
		} else if (!dashdash && cmd->force && strcmp(a, CTL_FORCE) == 0) {
			inv->force = true;
		} else if (!dashdash && a[0] == '-' && a[1] != '\0') {
			return usage_error("%s: unknown option '%s'", cmd->name, a);
		} else if (!cmd->path) {
			return usage_error("%s takes no argument", cmd->name);
		} else if (inv->arg) {
			return usage_error("%s takes one PATH at most (a path "
					   "with spaces needs quotes)", cmd->name);
		} else {
			inv->arg = a;
		}
	}
	if (inv->arg && *inv->arg == '\0')
		return usage_error("%s: PATH is empty", cmd->name);
	if (inv->arg && strchr(inv->arg, '\n'))
		return usage_error("%s: a PATH holding a newline cannot be "
				   "sent to the daemon", cmd->name);
	return 0;
}

/*
 * The request line of INV, "COMMAND[ --force][ PATH]\n", into *REQ (to
 * free) and its length, "\n" included, into *LEN.  Returns 0, or
 * EXIT_USAGE (message printed).
 */
static int make_request(const struct invocation *inv, char **req, size_t *len)
{
	const char *name = inv->cmd->name;
	char *path = NULL;
	size_t n;
	int rc = EXIT_USAGE;

	*req = NULL;
	if (inv->arg && !(path = absolute_path(inv->arg))) {
		fprintf(stderr, "thumperctl: %s: cannot make it absolute: %s\n",
			inv->arg, strerror(errno));
		return EXIT_USAGE;
	}
	n = strlen(name) + (inv->force ? 1 + strlen(CTL_FORCE) : 0) +
	    (path ? 1 + strlen(path) : 0);
	if (n > CTL_LINE_MAX) {
		usage_error("%s: PATH is too long for a request line (%d bytes "
			    "at most)", name, CTL_LINE_MAX);
		goto out;
	}
	if (!(*req = malloc(n + 2))) {
		fputs("thumperctl: out of memory\n", stderr);
		goto out;
	}
	snprintf(*req, n + 2, "%s%s%s%s\n", name,
		 inv->force ? " " CTL_FORCE : "", path ? " " : "",
		 path ? path : "");
	*len = n + 1;
	rc = 0;
out:
	free(path);
	return rc;
}

/* Sends REQ to SOCK and prints the reply for INV.  Returns the exit status. */
static int run(const struct invocation *inv, const char *sock,
	       const char *req, size_t reqlen, int timeout_ms)
{
	enum ctl_cmd id = ctl_command_id(inv->cmd);
	struct reply_buf rep = { 0 };
	int rc;

	if (id == CTL_WAIT)
		return ctl_wait(sock, inv->paths, inv->npaths, inv->timeout_ms,
				inv->json);
	if (id == CTL_EVENTS)
		return ctl_events(sock, inv->json);
	if (exchange_request(sock, req, reqlen, timeout_ms, &rep) != 0) {
		if (id == CTL_VERSION && !inv->json)
			printf("thumperctl %s\n", PACKAGE_VERSION);
		free(rep.data);
		return EXIT_UNREACHABLE;
	}
	rc = render_reply(inv->cmd, views[id].render, sock, &rep, inv->json);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "thumperctl: cannot write the output: %s\n",
			strerror(errno));
		rc = rc ? rc : EXIT_REFUSED;
	}
	free(rep.data);
	return rc;
}

int main(int argc, char **argv)
{
	struct invocation inv = { 0 };
	char *sock = NULL, *req = NULL;
	size_t reqlen = 0;
	int rc, timeout_ms;

	if ((rc = parse_options(argc, argv, &inv)) >= 0)
		return rc;
	rc = parse_command(argc, argv, &inv);
	if (rc == 0)
		rc = timeout_from_env(&timeout_ms);
	if (rc == 0 && !inv.cmd->stream)
		rc = make_request(&inv, &req, &reqlen);
	if (rc == 0)
		rc = find_socket(inv.opt_socket, inv.opt_config, &sock);
	if (rc == 0)
		rc = run(&inv, sock, req, reqlen, timeout_ms);
	for (size_t i = 0; i < inv.npaths; i++)
		free(inv.paths[i]);
	free(inv.paths);
	free(req);
	free(sock);
	return rc;
}
