/*
 * test_queue_id.c -- queue IDs in sendmail's format: base-60 UTC time
 * digits, a two-digit sequence from a random start, the pid; never the
 * same id twice in one process, a wait when a second is used up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "queue/queue.h"

static void
test_id_matches_one_sendmail_wrote(void **state)
{
	char id[QUEUE_ID_MAX];

	(void)state;
	/* 2026-11-22 19:01:34 UTC, sequence "hs", pid 15956 */
	assert_int_equal(queue_id_format(1795374094, 43 * 60 + 54, 15956, id),
	    14);
	assert_string_equal(id, "6AMJ1Yhs015956");
}

static void
test_id_digits_cover_each_field(void **state)
{
	char id[QUEUE_ID_MAX];

	(void)state;
	/* 2026-01-01 00:00:00: month 0, day 1 */
	(void)queue_id_format(1767225600, 0, 1, id);
	assert_string_equal(id, "601000" "00" "000001");
	/* 2016-12-31 23:59:59: year 116 mod 60 = 56 'u', Dec 'B',
	 * 31 'V', 23 'N', 59 'x'; the last sequence number "xx" */
	(void)queue_id_format(1483228799, 3599, 4194304, id);
	assert_string_equal(id, "uBVNxx" "xx" "4194304");
}

static void
test_generator_counts_from_its_offset_and_never_repeats(void **state)
{
	struct queue_idgen g;
	char id[QUEUE_ID_MAX], first[QUEUE_ID_MAX];
	unsigned i;

	(void)state;
	queue_id_init(&g, 3599);
	assert_int_equal(queue_id_next(&g, 1795374094, 77, first), 0);
	assert_string_equal(first, "6AMJ1Yxx000077");
	assert_int_equal(queue_id_next(&g, 1795374094, 77, id), 0);
	assert_string_equal(id, "6AMJ1Y00000077");	/* wrapped */
	for (i = 2; i < 3600; i++) {
		assert_int_equal(queue_id_next(&g, 1795374094, 77, id), 0);
		assert_string_not_equal(id, first);
	}
	/* the second is used up: wait, then a new second starts over */
	assert_int_equal(queue_id_next(&g, 1795374094, 77, id), 1);
	assert_int_equal(queue_id_next(&g, 1795374095, 77, id), 0);
	assert_string_equal(id, "6AMJ1Zxx000077");
}

static void
test_new_pid_after_fork_starts_a_new_run(void **state)
{
	struct queue_idgen g;
	char id[QUEUE_ID_MAX];

	(void)state;
	queue_id_init(&g, 0);
	assert_int_equal(queue_id_next(&g, 1795374094, 10, id), 0);
	assert_int_equal(queue_id_next(&g, 1795374094, 11, id), 0);
	assert_string_equal(id, "6AMJ1Y00000011");
}

static void
test_id_new_waits_out_a_used_second(void **state)
{
	struct queue_idgen g;
	char first[QUEUE_ID_MAX], id[QUEUE_ID_MAX];
	int i;

	(void)state;
	queue_id_init(&g, 5);
	queue_id_new(&g, 42, first);
	for (i = 1; i < 3600; i++) {
		queue_id_new(&g, 42, id);
		assert_string_not_equal(id, first);
	}
	/* the 3601st comes from a later second: same sequence start */
	queue_id_new(&g, 42, id);
	assert_memory_not_equal(id, first, 6);
	assert_memory_equal(id + 6, first + 6, strlen(first) - 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_matches_one_sendmail_wrote),
		cmocka_unit_test(test_id_digits_cover_each_field),
		cmocka_unit_test(
		    test_generator_counts_from_its_offset_and_never_repeats),
		cmocka_unit_test(test_new_pid_after_fork_starts_a_new_run),
		cmocka_unit_test(test_id_new_waits_out_a_used_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
