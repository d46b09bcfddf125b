/*
 * test_base64.c -- strict base64 decoding: padding only at the end,
 * bad characters and lengths refused, the buffer's limit respected;
 * encoding gives back each table entry's text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/base64.h"

static const struct {
	const char	*in;
	int		 rc;
	const char	*out;
	size_t		 outlen;
} cases[] = {
	{ "", 0, "", 0 },
	{ "Zg==", 0, "f", 1 },
	{ "Zm8=", 0, "fo", 2 },
	{ "Zm9v", 0, "foo", 3 },
	{ "AGpvZQBzZWNyZXQ=", 0, "\0joe\0secret", 11 },
	{ "Zm9", -1, NULL, 0 },		/* not a multiple of 4 */
	{ "Z===", -1, NULL, 0 },	/* too much padding */
	{ "Zg=a", -1, NULL, 0 },	/* data after padding */
	{ "Zg==Zg==", -1, NULL, 0 },	/* padding before the end */
	{ "Zm9*", -1, NULL, 0 },	/* not in the alphabet */
};

static void
test_decoding_table(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 0);
		assert_int_equal(base64_decode(cases[i].in,
		    strlen(cases[i].in), &b), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(b.len, cases[i].outlen);
			assert_memory_equal(buf_cstr(&b), cases[i].out,
			    cases[i].outlen);
		}
		buf_free(&b);
	}
}

static void
test_output_past_the_limit_is_refused(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 2);
	assert_int_equal(base64_decode("Zm9v", 4, &b), -1);
	buf_free(&b);
}

static void
test_encoding_round_trips(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].rc != 0)
			continue;
		buf_init(&b, 0);
		assert_int_equal(base64_encode(cases[i].out, cases[i].outlen,
		    &b), 0);
		assert_string_equal(buf_cstr(&b), cases[i].in);
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoding_table),
		cmocka_unit_test(test_output_past_the_limit_is_refused),
		cmocka_unit_test(test_encoding_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
