/*
 * check_queue.c - thumperd's pending sources (daemon/queue.h): live before
 * backlog, FIFO within each, one entry per (root, path) with coalescing,
 * promotion of a backlog entry by a live event, redo of an entry in
 * flight, the limit (in-flight entries not counted), the settle time and
 * its restart, forgetting one entry or a whole folder, and the counters.
 * Time is the caller's: every call is given its "now", so nothing sleeps.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/queue.h"
#include "tests/unit/testutil.h"

static struct queue *q;

static void
setup(void)
{
	q = queue_new(100, 0);
	ck_assert_ptr_nonnull(q);
}

static void
teardown(void)
{
	queue_free(q);
	q = NULL;
}

/* Takes the next item at NOW, which must be (ROOT, REL), and ends it. */
static void
expect_next(uint64_t now, int root, const char *rel)
{
	const struct queue_item *it = queue_take(q, now);

	ck_assert_msg(it != NULL, "queue empty at %llu, want %d:%s",
		      (unsigned long long)now, root, rel);
	ck_assert_msg(it->root == root && strcmp(it->rel, rel) == 0,
		      "took %d:%s, want %d:%s", it->root, it->rel, root, rel);
	ck_assert(!queue_done(q, it, now));
}

START_TEST(live_goes_before_backlog)
{
	ck_assert_int_eq(queue_push(q, 0, "walk1.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "walk2.jpg", false, 2), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "up1.jpg", true, 3), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "walk3.jpg", false, 4), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "up2.jpg", true, 5), QUEUE_ADDED);
	ck_assert_uint_eq(queue_live(q), 2);
	ck_assert_uint_eq(queue_backlog(q), 3);
	ck_assert_uint_eq(queue_waiting(q), 5);
	expect_next(6, 0, "up1.jpg");
	/* A live event arriving between takes still overtakes the backlog. */
	ck_assert_int_eq(queue_push(q, 0, "up3.jpg", true, 7), QUEUE_ADDED);
	expect_next(8, 0, "up2.jpg");
	expect_next(8, 0, "up3.jpg");
	expect_next(8, 0, "walk1.jpg");
	expect_next(8, 0, "walk2.jpg");
	expect_next(8, 0, "walk3.jpg");
	ck_assert_ptr_null(queue_take(q, 9));
	ck_assert_uint_eq(queue_waiting(q), 0);
}
END_TEST

START_TEST(taken_item_describes_its_event)
{
	const struct queue_item *it;
	char rel[32] = "a/b c.jpg";

	ck_assert_int_eq(queue_push(q, 3, rel, true, 1234), QUEUE_ADDED);
	/* The queue keeps its own copy of the path. */
	memset(rel, 'x', sizeof(rel) - 1);
	ck_assert_int_eq(queue_push(q, 1, "walked.png", false, 99), QUEUE_ADDED);
	it = queue_take(q, 2000);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(it->root, 3);
	ck_assert_str_eq(it->rel, "a/b c.jpg");
	ck_assert(it->live);
	ck_assert_uint_eq(it->since_ms, 1234);
	/* In flight: no longer waiting, and not taken twice. */
	ck_assert_uint_eq(queue_waiting(q), 1);
	ck_assert(!queue_done(q, it, 2001));
	it = queue_take(q, 2002);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(it->root, 1);
	ck_assert_str_eq(it->rel, "walked.png");
	ck_assert(!it->live);
	ck_assert_uint_eq(it->since_ms, 99);
	ck_assert(!queue_done(q, it, 2003));
	ck_assert_ptr_null(queue_take(q, 2004));
}
END_TEST

START_TEST(a_repeated_push_coalesces)
{
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", true, 2), QUEUE_COALESCED);
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", false, 3), QUEUE_COALESCED);
	ck_assert_int_eq(queue_push(q, 0, "b.jpg", false, 4), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "b.jpg", false, 5), QUEUE_COALESCED);
	ck_assert_uint_eq(queue_waiting(q), 2);
	/* The same path under another root is another source. */
	ck_assert_int_eq(queue_push(q, 1, "a.jpg", true, 6), QUEUE_ADDED);
	ck_assert_uint_eq(queue_waiting(q), 3);
	expect_next(7, 0, "a.jpg");
	expect_next(7, 1, "a.jpg");
	expect_next(7, 0, "b.jpg");
	ck_assert_ptr_null(queue_take(q, 7));
}
END_TEST

START_TEST(a_live_event_promotes_a_backlog_item)
{
	const struct queue_item *it;

	ck_assert_int_eq(queue_push(q, 0, "w1.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "w2.jpg", false, 2), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "w3.jpg", false, 3), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "w2.jpg", true, 10), QUEUE_COALESCED);
	ck_assert_uint_eq(queue_live(q), 1);
	ck_assert_uint_eq(queue_backlog(q), 2);
	it = queue_take(q, 11);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "w2.jpg");
	ck_assert(it->live);
	ck_assert_uint_eq(it->since_ms, 10);
	ck_assert(!queue_done(q, it, 11));
	expect_next(12, 0, "w1.jpg");
	expect_next(12, 0, "w3.jpg");
}
END_TEST

START_TEST(a_walk_does_not_demote_a_live_item)
{
	const struct queue_item *it;

	ck_assert_int_eq(queue_push(q, 0, "w.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "up.jpg", true, 2), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "up.jpg", false, 3), QUEUE_COALESCED);
	ck_assert_uint_eq(queue_live(q), 1);
	ck_assert_uint_eq(queue_backlog(q), 1);
	it = queue_take(q, 4);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "up.jpg");
	ck_assert(it->live);
	ck_assert_uint_eq(it->since_ms, 2);
	ck_assert(!queue_done(q, it, 4));
}
END_TEST

START_TEST(an_event_in_flight_is_redone_live_once)
{
	const struct queue_item *it;

	ck_assert_int_eq(queue_push(q, 0, "a.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "other.jpg", true, 1), QUEUE_ADDED);
	it = queue_take(q, 2);
	ck_assert_str_eq(it->rel, "other.jpg");
	ck_assert(!queue_done(q, it, 2));
	it = queue_take(q, 3);
	ck_assert_str_eq(it->rel, "a.jpg");
	/* Events while in flight: one redo, however many events. */
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", false, 4), QUEUE_REDO);
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", true, 5), QUEUE_REDO);
	ck_assert_uint_eq(queue_waiting(q), 0);
	ck_assert_ptr_null(queue_take(q, 6));
	ck_assert_int_eq(queue_push(q, 0, "b.jpg", false, 6), QUEUE_ADDED);
	ck_assert(queue_done(q, it, 7));
	/* Back in the live FIFO, ahead of the backlog. */
	ck_assert_uint_eq(queue_live(q), 1);
	it = queue_take(q, 8);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "a.jpg");
	ck_assert(it->live);
	ck_assert_uint_eq(it->since_ms, 7);
	ck_assert(!queue_done(q, it, 9));
	expect_next(10, 0, "b.jpg");
	ck_assert_ptr_null(queue_take(q, 11));
}
END_TEST

START_TEST(the_limit_counts_waiting_items_only)
{
	struct queue *small = queue_new(3, 0);
	const struct queue_item *it;

	ck_assert_ptr_nonnull(small);
	ck_assert_int_eq(queue_push(small, 0, "1", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(small, 0, "2", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(small, 0, "3", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(small, 0, "4", true, 1), QUEUE_FULL);
	ck_assert_int_eq(queue_push(small, 0, "5", false, 1), QUEUE_FULL);
	ck_assert_uint_eq(queue_waiting(small), 3);
	/* At the limit, events for queued sources still coalesce. */
	ck_assert_int_eq(queue_push(small, 0, "1", true, 2), QUEUE_COALESCED);
	ck_assert_int_eq(queue_push(small, 0, "3", false, 2), QUEUE_COALESCED);
	/* A taken item frees its place; in flight it does not count. */
	it = queue_take(small, 3);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(queue_push(small, 0, "4", true, 3), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(small, 0, "5", true, 3), QUEUE_FULL);
	/* ... and an event for it is a redo, not a drop. */
	ck_assert_int_eq(queue_push(small, 0, it->rel, true, 4), QUEUE_REDO);
	ck_assert(queue_done(small, it, 5));
	ck_assert_uint_eq(queue_waiting(small), 4);
	queue_free(small);
}
END_TEST

START_TEST(settling_items_wait_for_quiet)
{
	struct queue *s = queue_new(100, 100);
	const struct queue_item *it;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(queue_next_ready_ms(s, 0), -1);
	ck_assert_int_eq(queue_push(s, 0, "up.jpg", true, 1000), QUEUE_ADDED);
	ck_assert_uint_eq(queue_live(s), 1);
	ck_assert_uint_eq(queue_waiting(s), 1);
	ck_assert_ptr_null(queue_take(s, 1000));
	ck_assert_ptr_null(queue_take(s, 1099));
	ck_assert_int_eq(queue_next_ready_ms(s, 1050), 50);
	/* Another event restarts the wait. */
	ck_assert_int_eq(queue_push(s, 0, "up.jpg", true, 1080), QUEUE_COALESCED);
	ck_assert_ptr_null(queue_take(s, 1100));
	ck_assert_int_eq(queue_next_ready_ms(s, 1100), 80);
	ck_assert_int_eq(queue_next_ready_ms(s, 1500), 0);
	it = queue_take(s, 1180);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "up.jpg");
	ck_assert(it->live);
	ck_assert_uint_eq(it->since_ms, 1080);
	ck_assert(!queue_done(s, it, 1181));
	ck_assert_int_eq(queue_next_ready_ms(s, 1181), -1);
	queue_free(s);
}
END_TEST

START_TEST(the_backlog_does_not_settle)
{
	struct queue *s = queue_new(100, 100);
	const struct queue_item *it;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(queue_push(s, 0, "up.jpg", true, 0), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(s, 0, "walk.jpg", false, 0), QUEUE_ADDED);
	ck_assert_int_eq(queue_next_ready_ms(s, 0), 100);
	/* The settling upload is not ready: the walk's item goes now. */
	it = queue_take(s, 1);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "walk.jpg");
	ck_assert(!queue_done(s, it, 1));
	ck_assert_ptr_null(queue_take(s, 2));
	/* A live event for a backlog item makes it settle too. */
	ck_assert_int_eq(queue_push(s, 0, "walk2.jpg", false, 3), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(s, 0, "walk2.jpg", true, 50), QUEUE_COALESCED);
	ck_assert_uint_eq(queue_backlog(s), 0);
	ck_assert_ptr_null(queue_take(s, 60));
	it = queue_take(s, 100);
	ck_assert_str_eq(it->rel, "up.jpg");
	ck_assert(!queue_done(s, it, 100));
	ck_assert_ptr_null(queue_take(s, 149));
	it = queue_take(s, 150);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "walk2.jpg");
	ck_assert(!queue_done(s, it, 150));
	queue_free(s);
}
END_TEST

START_TEST(settled_items_go_in_deadline_order_before_the_backlog)
{
	struct queue *s = queue_new(100, 10);
	const char *want[] = { "b", "a", "c", "walk" };

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(queue_push(s, 0, "walk", false, 0), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(s, 0, "a", true, 0), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(s, 0, "b", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(s, 0, "a", true, 2), QUEUE_COALESCED);
	ck_assert_int_eq(queue_push(s, 0, "c", true, 3), QUEUE_ADDED);
	for (size_t i = 0; i < 4; i++) {
		const struct queue_item *it = queue_take(s, 100);

		ck_assert_ptr_nonnull(it);
		ck_assert_str_eq(it->rel, want[i]);
		ck_assert(!queue_done(s, it, 100));
	}
	queue_free(s);
}
END_TEST

START_TEST(a_redo_settles_like_an_event)
{
	struct queue *s = queue_new(100, 100);
	const struct queue_item *it;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(queue_push(s, 0, "a.jpg", false, 0), QUEUE_ADDED);
	it = queue_take(s, 0);
	ck_assert_int_eq(queue_push(s, 0, "a.jpg", true, 10), QUEUE_REDO);
	ck_assert(queue_done(s, it, 500));
	ck_assert_ptr_null(queue_take(s, 599));
	ck_assert_int_eq(queue_next_ready_ms(s, 599), 1);
	it = queue_take(s, 600);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->rel, "a.jpg");
	ck_assert(!queue_done(s, it, 600));
	queue_free(s);
}
END_TEST

START_TEST(forget_drops_a_waiting_item)
{
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "b.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 1, "a.jpg", true, 1), QUEUE_ADDED);
	queue_forget(q, 0, "a.jpg");
	queue_forget(q, 0, "b.jpg");
	queue_forget(q, 0, "never.jpg");
	ck_assert_uint_eq(queue_waiting(q), 1);
	ck_assert_uint_eq(queue_backlog(q), 0);
	expect_next(2, 1, "a.jpg");
	ck_assert_ptr_null(queue_take(q, 2));
	/* Forgotten means gone: a new event adds it afresh. */
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", false, 3), QUEUE_ADDED);
}
END_TEST

START_TEST(forget_cancels_the_redo_of_an_item_in_flight)
{
	const struct queue_item *it;

	ck_assert_int_eq(queue_push(q, 0, "a.jpg", true, 1), QUEUE_ADDED);
	it = queue_take(q, 2);
	ck_assert_int_eq(queue_push(q, 0, "a.jpg", true, 3), QUEUE_REDO);
	queue_forget(q, 0, "a.jpg");
	/* Still in flight and valid until done; not redone. */
	ck_assert_str_eq(it->rel, "a.jpg");
	ck_assert(!queue_done(q, it, 4));
	ck_assert_ptr_null(queue_take(q, 5));
	ck_assert_uint_eq(queue_waiting(q), 0);
}
END_TEST

START_TEST(forget_under_drops_a_folder_and_only_it)
{
	const struct queue_item *it;
	static const char *const keep[] = { "ab/z.jpg", "a.jpg", "b/a/x.jpg" };

	ck_assert_int_eq(queue_push(q, 0, "a/x.jpg", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "a/b/y.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "a/inflight.jpg", false, 1), QUEUE_ADDED);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(queue_push(q, 0, keep[i], false, 2), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 1, "a/x.jpg", false, 2), QUEUE_ADDED);
	it = queue_take(q, 3);		/* a/x.jpg, the only live one */
	ck_assert_str_eq(it->rel, "a/x.jpg");
	ck_assert_int_eq(queue_push(q, 0, "a/x.jpg", true, 4), QUEUE_REDO);
	queue_forget_under(q, 0, "a");
	ck_assert(!queue_done(q, it, 5));
	ck_assert_uint_eq(queue_waiting(q), 4);
	for (size_t i = 0; i < 3; i++)
		expect_next(6, 0, keep[i]);
	expect_next(6, 1, "a/x.jpg");
	ck_assert_ptr_null(queue_take(q, 6));
}
END_TEST

START_TEST(forget_under_the_root_drops_the_root)
{
	const struct queue_item *it;

	ck_assert_int_eq(queue_push(q, 0, "x.jpg", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "d/y.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "z.jpg", false, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 2, "x.jpg", false, 1), QUEUE_ADDED);
	it = queue_take(q, 2);
	ck_assert_int_eq(queue_push(q, 0, "x.jpg", false, 3), QUEUE_REDO);
	queue_forget_under(q, 0, "");
	ck_assert(!queue_done(q, it, 4));
	ck_assert_uint_eq(queue_waiting(q), 1);
	expect_next(5, 2, "x.jpg");
}
END_TEST

START_TEST(many_items_stay_unique_and_in_order)
{
	enum { N = 20000 };
	struct queue *big = queue_new(N, 0);
	char rel[32];

	ck_assert_ptr_nonnull(big);
	for (int i = 0; i < N; i++) {
		snprintf(rel, sizeof(rel), "d%d/f%d.jpg", i % 97, i);
		ck_assert_int_eq(queue_push(big, i % 3, rel, false, (uint64_t)i),
				 QUEUE_ADDED);
	}
	ck_assert_int_eq(queue_push(big, 0, "one.too.many", false, N),
			 QUEUE_FULL);
	/* Every one is still found after the table has grown. */
	for (int i = 0; i < N; i += 7) {
		snprintf(rel, sizeof(rel), "d%d/f%d.jpg", i % 97, i);
		ck_assert_int_eq(queue_push(big, i % 3, rel, false, N),
				 QUEUE_COALESCED);
	}
	ck_assert_uint_eq(queue_backlog(big), N);
	for (int i = 0; i < N; i++) {
		const struct queue_item *it = queue_take(big, N);

		snprintf(rel, sizeof(rel), "d%d/f%d.jpg", i % 97, i);
		ck_assert_ptr_nonnull(it);
		ck_assert_str_eq(it->rel, rel);
		ck_assert_int_eq(it->root, i % 3);
		ck_assert(!queue_done(big, it, N));
	}
	ck_assert_ptr_null(queue_take(big, N));
	ck_assert_uint_eq(queue_waiting(big), 0);
	queue_free(big);
}
END_TEST

START_TEST(freeing_with_items_waiting_and_in_flight)
{
	/* Run under ASan/valgrind this proves queue_free releases them all. */
	ck_assert_int_eq(queue_push(q, 0, "a", true, 1), QUEUE_ADDED);
	ck_assert_int_eq(queue_push(q, 0, "b", false, 1), QUEUE_ADDED);
	ck_assert_ptr_nonnull(queue_take(q, 2));
	queue_free(q);
	q = NULL;
	queue_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue");
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, live_goes_before_backlog);
	tcase_add_test(tc, taken_item_describes_its_event);
	tcase_add_test(tc, a_repeated_push_coalesces);
	tcase_add_test(tc, a_live_event_promotes_a_backlog_item);
	tcase_add_test(tc, a_walk_does_not_demote_a_live_item);
	tcase_add_test(tc, an_event_in_flight_is_redone_live_once);
	tcase_add_test(tc, the_limit_counts_waiting_items_only);
	tcase_add_test(tc, settling_items_wait_for_quiet);
	tcase_add_test(tc, the_backlog_does_not_settle);
	tcase_add_test(tc, settled_items_go_in_deadline_order_before_the_backlog);
	tcase_add_test(tc, a_redo_settles_like_an_event);
	tcase_add_test(tc, forget_drops_a_waiting_item);
	tcase_add_test(tc, forget_cancels_the_redo_of_an_item_in_flight);
	tcase_add_test(tc, forget_under_drops_a_folder_and_only_it);
	tcase_add_test(tc, forget_under_the_root_drops_the_root);
	tcase_add_test(tc, many_items_stay_unique_and_in_order);
	tcase_add_test(tc, freeing_with_items_waiting_and_in_flight);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	return failed;
}
