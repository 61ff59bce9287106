/*
 * check_ctlreq.c - the control request grammar (daemon/ctlreq.h) over the
 * command table (lib/ctlproto.h): every command word, --force for rescan
 * only, PATH as the rest of the line (spaces and all) and absolute,
 * "\r\n" tolerated; NUL bytes, over-long lines, empty lines, unknown
 * words and arguments to commands that take none refused with a message.
 * The commands come from ctl_commands[]; one test pins the table to the
 * wire contract of design.md §7.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctlreq.h"
#include "lib/ctlproto.h"
#include "tests/unit/testutil.h"

/* The caller's buffer: LEN bytes of S and room for the NUL ctl_parse
 * writes.  Freed by the test. */
static char *
line_of(const char *s, size_t len)
{
	char *b = malloc(len + 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b, s, len);
	b[len] = 'X';		/* not a NUL: ctl_parse must not rely on one */
	return b;
}

/* Parses the C string S; returns ctl_parse's result. */
static int
parse(const char *s, char **buf, struct ctl_request *req, const char **err)
{
	*buf = line_of(s, strlen(s));
	*err = NULL;
	return ctl_parse(*buf, strlen(s), req, err);
}

static void
expect_refused(const char *s, size_t len, const char *why)
{
	char *b = line_of(s, len);
	struct ctl_request req;
	const char *err = NULL;

	ck_assert_msg(ctl_parse(b, len, &req, &err) == -1,
		      "\"%s\" (%zu bytes) was accepted; want refused: %s", s,
		      len, why);
	ck_assert_msg(err != NULL && err[0] != '\0',
		      "\"%s\" was refused without a message", s);
	free(b);
}

/*
 * design.md §7, written out here on purpose: the table is what the daemon
 * and thumperctl use, this is what it must keep saying on the wire.  The
 * refusal of an unknown word lists every command in the table's order;
 * state-changing commands need privilege; rescan alone takes --force,
 * retry and rescan a PATH; metrics answers text; status, metrics and
 * version are answered during a reload.
 */
START_TEST(the_table_keeps_the_wire_contract)
{
	static const char *privileged = " retry pause resume rescan reload ";
	char *b, word[32];
	struct ctl_request req;
	const char *err;

	ck_assert_int_eq(CTL_PROTOCOL_VERSION, 1);
	ck_assert_int_eq(CTL_LINE_MAX, 4096);
	ck_assert_int_eq(parse("bogus", &b, &req, &err), -1);
	ck_assert_str_eq(err, "unknown command (status, failures, retry, "
			 "pause, resume, rescan, reload, metrics, version, wait, "
			 "events)");
	free(b);
	for (size_t i = 0; i < CTL_NCOMMANDS; i++) {
		const struct ctl_command *c = &ctl_commands[i];

		snprintf(word, sizeof(word), " %s ", c->name);
		ck_assert_msg(c->privileged == (strstr(privileged, word) != NULL),
			      "%s: privileged is %d", c->name, c->privileged);
		ck_assert_msg(c->force == (i == CTL_RESCAN), "%s", c->name);
		ck_assert_msg(c->path == (i == CTL_RESCAN || i == CTL_RETRY ||
					  i == CTL_WAIT), "%s", c->name);
		ck_assert_msg(c->path_required == (i == CTL_WAIT), "%s",
			      c->name);
		ck_assert_msg(c->stream == (i == CTL_WAIT || i == CTL_EVENTS),
			      "%s", c->name);
		ck_assert_msg(c->text_reply == (i == CTL_METRICS), "%s", c->name);
		ck_assert_msg(c->while_reloading == (i == CTL_STATUS ||
						     i == CTL_METRICS ||
						     i == CTL_VERSION ||
						     i == CTL_EVENTS),
			      "%s", c->name);
		ck_assert_ptr_eq(ctl_command_find(c->name, strlen(c->name)), c);
		ck_assert_int_eq(ctl_command_id(c), i);
	}
	ck_assert_ptr_null(ctl_command_find("statu", 5));
	ck_assert_ptr_null(ctl_command_find("status", 7));
}
END_TEST

START_TEST(every_command_word_alone)
{
	char *b;
	struct ctl_request req;
	const char *err;

	for (size_t i = 0; i < CTL_NCOMMANDS; i++) {
		if (ctl_commands[i].path_required) {
			ck_assert_int_eq(parse(ctl_commands[i].name, &b, &req,
					       &err), -1);
			ck_assert_str_eq(err, "this command needs a path");
			free(b);
			continue;
		}
		ck_assert_msg(parse(ctl_commands[i].name, &b, &req, &err) == 0,
			      "%s: %s", ctl_commands[i].name, err);
		ck_assert_int_eq(req.cmd, i);
		ck_assert_msg(req.privileged == ctl_commands[i].privileged,
			      "%s: privileged is %d", ctl_commands[i].name,
			      req.privileged);
		ck_assert(!req.force);
		ck_assert_ptr_null(req.path);
		free(b);
	}
}
END_TEST

START_TEST(path_takers_take_the_rest_of_the_line)
{
	static const char *paths[] = {
		"/srv/incoming",
		"/srv/incoming/2026/with two  spaces",
		"/a path/ending in a space ",
		"/odd\tbytes \xff\xfe and --force inside",
		"/",
	};
	char line[256], *b;
	struct ctl_request req;
	const char *err;

	for (size_t i = 0; i < CTL_NCOMMANDS; i++) {
		if (!ctl_commands[i].path)
			continue;
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
			snprintf(line, sizeof(line), "%s %s", ctl_commands[i].name,
				 paths[p]);
			ck_assert_msg(parse(line, &b, &req, &err) == 0,
				      "\"%s\": %s", line, err);
			ck_assert_int_eq(req.cmd, i);
			ck_assert_ptr_nonnull(req.path);
			ck_assert_str_eq(req.path, paths[p]);
			/* The path points into the caller's line. */
			ck_assert(req.path > b && req.path < b + strlen(line));
			ck_assert(!req.force);
			free(b);
		}
	}
}
END_TEST

START_TEST(rescan_takes_force_with_or_without_a_path)
{
	char *b;
	struct ctl_request req;
	const char *err;

	ck_assert_int_eq(parse("rescan --force", &b, &req, &err), 0);
	ck_assert_int_eq(req.cmd, CTL_RESCAN);
	ck_assert(req.force);
	ck_assert_ptr_null(req.path);
	free(b);

	ck_assert_int_eq(parse("rescan --force /srv/in/a b", &b, &req, &err), 0);
	ck_assert(req.force);
	ck_assert_str_eq(req.path, "/srv/in/a b");
	free(b);

	/* A path that merely starts like the option is still a path. */
	ck_assert_int_eq(parse("rescan /--force", &b, &req, &err), 0);
	ck_assert(!req.force);
	ck_assert_str_eq(req.path, "/--force");
	free(b);
}
END_TEST

START_TEST(force_is_for_rescan_only)
{
	expect_refused("rescan --forced /x", 18, "not the option, not a path");
	expect_refused("rescan --force --force /x", 25, "once");
	expect_refused("rescan --force relative", 23, "relative path");
	for (size_t i = 0; i < CTL_NCOMMANDS; i++) {
		char line[64];

		if (ctl_commands[i].force)
			continue;
		snprintf(line, sizeof(line), "%s --force", ctl_commands[i].name);
		expect_refused(line, strlen(line), "--force is rescan's");
		snprintf(line, sizeof(line), "%s --force /x", ctl_commands[i].name);
		expect_refused(line, strlen(line), "--force is rescan's");
	}
}
END_TEST

START_TEST(relative_paths_are_refused)
{
	static const char *lines[] = {
		"rescan srv/in", "retry ./a.jpg", "retry ../a.jpg", "rescan ~/in",
		"rescan  /two/spaces", "retry a b", "rescan ", "retry ",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_refused(lines[i], strlen(lines[i]), "not absolute");
}
END_TEST

START_TEST(no_argument_commands_refuse_one)
{
	char line[64];

	for (size_t i = 0; i < CTL_NCOMMANDS; i++) {
		if (ctl_commands[i].path)
			continue;
		snprintf(line, sizeof(line), "%s /x", ctl_commands[i].name);
		expect_refused(line, strlen(line), "takes no argument");
		snprintf(line, sizeof(line), "%s now", ctl_commands[i].name);
		expect_refused(line, strlen(line), "takes no argument");
		snprintf(line, sizeof(line), "%s ", ctl_commands[i].name);
		expect_refused(line, strlen(line), "takes no argument");
	}
}
END_TEST

START_TEST(unknown_words_are_refused)
{
	static const char *lines[] = {
		"bogus", "STATUS", "Status", "stat", "statusx", "status\t",
		" status", "retry/x", "rescan\t/x", "--force", "/srv/in",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_refused(lines[i], strlen(lines[i]), "unknown command");
}
END_TEST

START_TEST(empty_lines_are_refused)
{
	expect_refused("", 0, "empty");
	expect_refused("\r", 1, "empty once \\r is dropped");
}
END_TEST

START_TEST(nul_bytes_are_refused)
{
	expect_refused("status\0", 7, "NUL after the word");
	expect_refused("\0status", 7, "NUL first");
	expect_refused("rescan /srv/in\0/etc", 19, "NUL inside the path");
	expect_refused("retry /a\0", 9, "NUL at the end of the path");
	expect_refused("status\0\r", 8, "NUL before the \\r");
}
END_TEST

START_TEST(carriage_return_is_tolerated)
{
	char *b;
	struct ctl_request req;
	const char *err;

	ck_assert_int_eq(parse("status\r", &b, &req, &err), 0);
	ck_assert_int_eq(req.cmd, CTL_STATUS);
	free(b);
	ck_assert_int_eq(parse("rescan --force\r", &b, &req, &err), 0);
	ck_assert(req.force);
	ck_assert_ptr_null(req.path);
	free(b);
	ck_assert_int_eq(parse("retry /srv/in/a b.jpg\r", &b, &req, &err), 0);
	ck_assert_str_eq(req.path, "/srv/in/a b.jpg");
	free(b);
}
END_TEST

START_TEST(length_limit_is_4096_bytes)
{
	char *s = malloc(CTL_LINE_MAX + 2);
	char *b;
	struct ctl_request req;
	const char *err = NULL;

	/* "rescan /aaa...": exactly CTL_LINE_MAX bytes is a request. */
	memset(s, 'a', CTL_LINE_MAX + 1);
	memcpy(s, "rescan /", 8);
	b = line_of(s, CTL_LINE_MAX);
	ck_assert_msg(ctl_parse(b, CTL_LINE_MAX, &req, &err) == 0, "%s", err);
	ck_assert_uint_eq(strlen(req.path), CTL_LINE_MAX - 7);
	free(b);
	/* One more byte is too long, however valid the rest. */
	expect_refused(s, CTL_LINE_MAX + 1, "over 4 KiB");
	/* Even when the extra byte is the \r that would be dropped. */
	s[CTL_LINE_MAX] = '\r';
	expect_refused(s, CTL_LINE_MAX + 1, "over 4 KiB with its \\r");
	free(s);
}
END_TEST

START_TEST(a_refused_request_is_cleared)
{
	char *b;
	struct ctl_request req;
	const char *err;

	memset(&req, 0xa5, sizeof(req));
	ck_assert_int_eq(parse("status now", &b, &req, &err), -1);
	ck_assert_ptr_null(req.path);
	ck_assert(!req.force);
	free(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctlreq");
	TCase *tc = tcase_create("grammar");
	int failed;

	tcase_add_test(tc, the_table_keeps_the_wire_contract);
	tcase_add_test(tc, every_command_word_alone);
	tcase_add_test(tc, path_takers_take_the_rest_of_the_line);
	tcase_add_test(tc, rescan_takes_force_with_or_without_a_path);
	tcase_add_test(tc, force_is_for_rescan_only);
	tcase_add_test(tc, relative_paths_are_refused);
	tcase_add_test(tc, no_argument_commands_refuse_one);
	tcase_add_test(tc, unknown_words_are_refused);
	tcase_add_test(tc, empty_lines_are_refused);
	tcase_add_test(tc, nul_bytes_are_refused);
	tcase_add_test(tc, carriage_return_is_tolerated);
	tcase_add_test(tc, length_limit_is_4096_bytes);
	tcase_add_test(tc, a_refused_request_is_cleared);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	return failed;
}
