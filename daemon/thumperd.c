/*
 * thumperd.c - main of the thumbnail daemon: options, config, the loop.
 *
 * Runs in the foreground (systemd style).  Setup errors before the loop
 * starts exit 2 with a message naming the file, line and key; once the
 * loop runs, nothing but SIGTERM/SIGINT or a worker that cannot start at
 * all ends it.
 *
 * main wires the two services together: the control socket (control.c)
 * hands each request to commands.c, which acts on the daemon
 * (daemon.h); when the daemon has stopped, main closes the socket.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <systemd/sd-daemon.h>

#include "lib/config.h"
#include "daemon/commands.h"
#include "daemon/control.h"
#include "daemon/follow.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"

static void
usage(FILE *f)
{
	fputs("usage: thumperd [-c FILE] [-t] [-d] [-V]\n"
	      "Watches drop folders and thumbnails every image closed in them.\n"
	      "\n"
	      "  -c, --config FILE   configuration (default " SYSCONFDIR
	      "/thumper/thumper.conf)\n"
	      "  -t, --test          check the configuration, print the effective\n"
	      "                      settings and exit (0 valid, 2 not)\n"
	      "  -d, --debug         log to stderr at debug level\n"
	      "  -V, --version       print the version\n"
	      "  -h, --help          show this help\n", f);
}

static void
request_cb(void *data, const struct ctl_request *req, FILE *reply)
{
	commands_run(data, req, reply);
}

static void
stream_cb(void *data, struct control_client *cl, const struct ctl_request *req)
{
	follow_request(data, cl, req);
}

static void
drained_cb(void *data, struct control_client *cl)
{
	feed_drained(((struct daemon *)data)->feed, cl);
}

static void
gone_cb(void *data, struct control_client *cl)
{
	feed_gone(((struct daemon *)data)->feed, cl);
}

static const struct control_ops control_ops = {
	.request = request_cb,
	.stream = stream_cb,
	.drained = drained_cb,
	.gone = gone_cb,
};

static void
stopped_cb(struct daemon *d, void *data)
{
	struct control **ctl = data;

	(void)d;
	if (*ctl)
		control_close(*ctl);
	*ctl = NULL;
}

/*
 * Serves the control socket and runs the daemon until it stops.  Returns
 * the exit status.  Takes CFG over.
 */
static int
run(struct config *cfg, bool debug)
{
	struct daemon d = { 0 };
	struct control *ctl = NULL;
	uv_loop_t loop;
	char err[512];
	bool started = true;
	int rc;

	uv_loop_init(&loop);
	if (control_start(&loop, cfg->control_socket, &control_ops, &d, &ctl,
			  err, sizeof(err)) != 0) {
		log_err("%s", err);
		sd_notify(0, "STOPPING=1");
		config_free(cfg);
		free(cfg);
		started = false;
	} else if (daemon_start(&d, &loop, cfg, debug, stopped_cb, &ctl) != 0) {
		daemon_stop(&d);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		log_err("internal error: handles left open at exit");
	rc = started ? daemon_exit_code(&d) : 1;
	daemon_free(&d);
	log_info("stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = SYSCONFDIR "/thumper/thumper.conf";
	bool test = false, debug = false;
	struct config *cfg = calloc(1, sizeof(*cfg));
	char err[1024];
	int c;

	while ((c = getopt_long(argc, argv, "c:tdVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'V':
			printf("thumperd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "thumperd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cfg == NULL || config_defaults(cfg) != 0) {
		fprintf(stderr, "thumperd: out of memory\n");
		return 2;
	}
	if (config_load(cfg, path, err, sizeof(err)) != 0 ||
	    (cfg->nroots == 0 &&
	     snprintf(err, sizeof(err), "%s: watch: no folder to watch", path) > 0)) {
		fprintf(stderr, "thumperd: %s\n", err);
		config_free(cfg);
		free(cfg);
		return 2;
	}
	if (test) {
		config_print(cfg, stdout);
		config_free(cfg);
		free(cfg);
		return 0;
	}
	log_setup(debug ? LOG_DEBUG : cfg->log_level, debug);
	log_write(LOG_INFO, &(struct log_fields){ .event = "start",
		  .message_id = LOG_MID_START },
		  "thumperd %s starting with %s", PACKAGE_VERSION, path);

	return run(cfg, debug);
}
