/*
 * log.c - journald or stderr records (see log.h).
 *
 * The journal gets one sd_journal_sendv() per record (a record it does not
 * take goes to stderr instead): MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER and whichever THUMPER_* fields are set.  Paths are
 * bytes and may hold a newline; sd_journal_sendv() stores such a field in
 * its binary form, so nothing is escaped for the journal.  On stderr,
 * control bytes are escaped so one record stays one line.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "lib/escape.h"
#include "daemon/log.h"

#define MAX_FIELDS 12

static int max_level = LOG_INFO;
static bool use_stderr = true;

static const char *const level_names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
};

/*
 * True when systemd connected our stderr to the journal: JOURNAL_STREAM
 * names the device and inode of that stream, and stderr must still be it
 * (sd-daemon(3)); a variable inherited from elsewhere does not count.
 */
static bool
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return v != NULL && sscanf(v, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void
log_setup(int level, bool to_stderr)
{
	max_level = level;
	use_stderr = to_stderr || !stderr_is_journal();
	/* One write(2) per record, so records never interleave mid-line
	 * with the workers', which share this stderr. */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
}

void
log_set_level(int level)
{
	max_level = level;
}

bool
log_enabled(int level)
{
	return level <= max_level;
}

/* Appends "NAME=value" (allocated) to the iovec list. */
static void
field(struct iovec *iov, int *n, const char *name, const char *value)
{
	char *s;

	if (value == NULL || *n >= MAX_FIELDS ||
	    asprintf(&s, "%s=%s", name, value) < 0)
		return;
	iov[*n].iov_base = s;
	iov[*n].iov_len = strlen(s);
	(*n)++;
}

/* Returns 0, or -errno when the journal did not take the record. */
static int
to_journal(int level, const struct log_fields *f, const char *msg)
{
	struct iovec iov[MAX_FIELDS];
	char num[32], prio[4];
	int n = 0, rc;

	snprintf(prio, sizeof(prio), "%d", level);
	field(iov, &n, "MESSAGE", msg);
	field(iov, &n, "PRIORITY", prio);
	field(iov, &n, "SYSLOG_IDENTIFIER", "thumperd");
	if (f != NULL) {
		field(iov, &n, "THUMPER_EVENT", f->event);
		field(iov, &n, "MESSAGE_ID", f->message_id);
		field(iov, &n, "THUMPER_SOURCE", f->source);
		field(iov, &n, "THUMPER_OUTPUT", f->output);
		field(iov, &n, "THUMPER_ERROR", f->error);
		if (f->duration_ms > 0) {
			snprintf(num, sizeof(num), "%ld", f->duration_ms);
			field(iov, &n, "THUMPER_DURATION_MS", num);
		}
		if (f->worker_pid > 0) {
			snprintf(num, sizeof(num), "%ld", (long)f->worker_pid);
			field(iov, &n, "THUMPER_WORKER_PID", num);
		}
	}
	rc = sd_journal_sendv(iov, n);
	for (int i = 0; i < n; i++)
		free(iov[i].iov_base);
	return rc;
}

void
log_write(int level, const struct log_fields *f, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!use_stderr && to_journal(level, f, msg) == 0)
		return;
	fprintf(stderr, "thumperd: %s: ", level_names[level & 7]);
	escape_text(stderr, msg);
	fputc('\n', stderr);
}
