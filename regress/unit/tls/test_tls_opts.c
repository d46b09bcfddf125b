/*
 * test_tls_opts.c -- the SSL option words of ServerSSLOptions and
 * ClientSSLOptions: names and numbers, '+' and '-', the last word for a
 * bit winning, unknown names and stray signs refused with the word.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "tls/tls.h"

static const struct {
	const char		*in;
	int			 rc;
	unsigned long long	 set, clear;
} cases[] = {
	{ "", 0, 0, 0 },
	{ "+SSL_OP_NO_TLSv1", 0, SSL_OP_NO_TLSv1, 0 },
	{ "SSL_OP_NO_SSLv3", 0, SSL_OP_NO_SSLv3, 0 },
	{ "-SSL_OP_NO_TLSv1, +SSL_OP_NO_TICKET", 0, SSL_OP_NO_TICKET,
	    SSL_OP_NO_TLSv1 },
	{ "+SSL_OP_NO_TICKET -SSL_OP_NO_TICKET", 0, 0, SSL_OP_NO_TICKET },
	{ " 0x4000\t", 0, 0x4000, 0 },
	{ "-16", 0, 0, 16 },
	{ "+SSL_OP_NO_SUCH_THING", -1, 0, 0 },
	{ "+SSL_OP_NO_TLSv1x", -1, 0, 0 },
	{ "+ SSL_OP_NO_TLSv1", -1, 0, 0 },
	{ "0x12zz", -1, 0, 0 },
};

static void
test_option_words(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long set = 99, clear = 99;
		struct err err;
		int rc = tls_opts_parse(cases[i].in, &set, &clear, &err);

		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_true(set == cases[i].set);
			assert_true(clear == cases[i].clear);
		} else
			assert_non_null(strstr(err.msg, "SSL option"));
	}
}

static void
test_null_is_no_options(void **state)
{
	unsigned long long set = 1, clear = 1;
	struct err err;

	(void)state;
	assert_int_equal(tls_opts_parse(NULL, &set, &clear, &err), 0);
	assert_true(set == 0 && clear == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_words),
		cmocka_unit_test(test_null_is_no_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
