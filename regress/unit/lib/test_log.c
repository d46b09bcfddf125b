/*
 * test_log.c -- sendmail's syslog line format: "QID: text", or
 * "NOQUEUE: text" before a queue id exists; truncation is reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/log.h"

static void
test_line_has_queue_id_prefix(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(log_format(out, sizeof(out), "6AMJ1YnM015953",
	    "from=<a@b>, size=30"), 0);
	assert_string_equal(out, "6AMJ1YnM015953: from=<a@b>, size=30");
}

static void
test_line_without_queue_id_says_noqueue(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(log_format(out, sizeof(out), NULL,
	    "connect from localhost"), 0);
	assert_string_equal(out, "NOQUEUE: connect from localhost");
}

static void
test_too_small_buffer_is_reported(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(log_format(out, sizeof(out), "QID", "long text"),
	    -1);
	assert_int_equal(out[7], '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_has_queue_id_prefix),
		cmocka_unit_test(test_line_without_queue_id_says_noqueue),
		cmocka_unit_test(test_too_small_buffer_is_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
