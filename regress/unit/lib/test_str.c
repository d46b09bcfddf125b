/*
 * test_str.c -- str_shorten keeps both ends of a long string around
 * "..." exactly as sendmail's messages do, and leaves short ones alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/str.h"

static void
test_shorten_short(void **state)
{
	char out[84];
	const char *s = "/etc/mail/sendmail.cf";

	(void)state;
	assert_ptr_equal(str_shorten(s, 83, out, sizeof(out)), s);
}

static void
test_shorten_file(void **state)
{
	/* sendmail: 40 bytes, "...", the last 40 bytes (here ".szy8...") */
	const char *s = "/check/work/main/regress/.cache/tmp/mode_abcdefgh"
	    ".szy8lwgp/broken-unknown-short-option.cf";
	char out[84];

	(void)state;
	assert_string_equal(str_shorten(s, 83, out, sizeof(out)),
	    "/check/work/main/regress/.cache/tmp/mode"
	    "....szy8lwgp/broken-unknown-short-option.cf");
	assert_int_equal(strlen(out), 83);
}

static void
test_shorten_boundary(void **state)
{
	char in[40], out[34];

	(void)state;
	memset(in, 'a', 32);
	in[32] = '\0';			/* 32 < 33: unchanged */
	assert_ptr_equal(str_shorten(in, 33, out, sizeof(out)), in);
	in[32] = 'b';
	in[33] = '\0';			/* 33: cut to 15 + 3 + 15 */
	assert_string_equal(str_shorten(in, 33, out, sizeof(out)),
	    "aaaaaaaaaaaaaaa...aaaaaaaaaaaaaab");
}

static void
test_shorten_small_out(void **state)
{
	char in[100], out[10];

	(void)state;
	memset(in, 'x', 99);
	in[99] = '\0';
	/* an output buffer too small is never overrun */
	assert_ptr_equal(str_shorten(in, 83, out, sizeof(out)), in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shorten_short),
		cmocka_unit_test(test_shorten_file),
		cmocka_unit_test(test_shorten_boundary),
		cmocka_unit_test(test_shorten_small_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
