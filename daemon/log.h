/*
 * log.h - thumperd's log: journald with structured fields, or stderr.
 *
 * When systemd connected stderr to the journal (JOURNAL_STREAM matches
 * stderr) records go to the journal through
 * sd_journal_sendv() with the THUMPER_* fields of design.md §8; otherwise, or
 * with -d, each record is one readable line on stderr.  Levels are
 * syslog's (LOG_ERR .. LOG_DEBUG); records above the set level are
 * dropped before any formatting.
 */
#ifndef THUMPER_LOG_H
#define THUMPER_LOG_H

#include <stdbool.h>
#include <sys/types.h>
#include <syslog.h>

/* MESSAGE_IDs (journalctl MESSAGE_ID=...). */
#define LOG_MID_START "d158460f2cee47278514c9f689ce9e72"
#define LOG_MID_FAILURE "8e344932f5f2495eafaf9cde6fed3456"
#define LOG_MID_WORKER_CRASH "0c8bc7e09d6a45bd9f490ca857ebf382"

struct log_fields {
	const char *event;	/* THUMPER_EVENT */
	const char *message_id;
	const char *source;	/* THUMPER_SOURCE */
	const char *output;	/* THUMPER_OUTPUT */
	const char *error;	/* THUMPER_ERROR */
	long duration_ms;	/* THUMPER_DURATION_MS, when > 0 */
	pid_t worker_pid;	/* THUMPER_WORKER_PID, when > 0 */
};

/* STDERR forces stderr lines even under systemd. */
void log_setup(int level, bool to_stderr);
void log_set_level(int level);
bool log_enabled(int level);

/* F may be NULL.  The message is printf-formatted. */
void log_write(int level, const struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...) log_write(LOG_ERR, NULL, __VA_ARGS__)
#define log_warning(...) log_write(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_write(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, NULL, __VA_ARGS__)

#endif
