/*
 * test_buf.c -- struct buf: growth, the hard maximum, printf, steal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"

static void
test_append_grows_and_stays_terminated(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_addc(&b, 'x'), 0);
	assert_int_equal(b.len, 1000);
	assert_int_equal(b.data[1000], '\0');
	assert_int_equal(strlen(buf_cstr(&b)), 1000);
	buf_free(&b);
}

static void
test_append_past_max_fails_and_leaves_buffer_unchanged(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), 0);
	assert_int_equal(buf_addc(&b, '9'), -1);
	assert_int_equal(buf_adds(&b, "abc"), -1);
	assert_string_equal(buf_cstr(&b), "12345678");
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_int_equal(b.len, 8);
	buf_free(&b);
}

static void
test_printf_appends_formatted_text(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "%s=%d", "a", 42), 0);
	assert_int_equal(buf_printf(&b, ";%05x", 255), 0);
	assert_string_equal(buf_cstr(&b), "a=42;000ff");
	buf_free(&b);
}

static void
test_empty_buffer_reads_as_empty_string(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	s = buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	buf_free(&b);
}

static void
test_truncate_and_reset(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	buf_set(&b, "hello world");
	buf_truncate(&b, 5);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_truncate(&b, 50);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows_and_stays_terminated),
		cmocka_unit_test(
		    test_append_past_max_fails_and_leaves_buffer_unchanged),
		cmocka_unit_test(test_printf_appends_formatted_text),
		cmocka_unit_test(test_empty_buffer_reads_as_empty_string),
		cmocka_unit_test(test_truncate_and_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
