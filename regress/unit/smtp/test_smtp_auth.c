/*
 * test_smtp_auth.c -- the SASL pieces of SMTP AUTH: the AUTH command's
 * argument split into mechanism and initial response, and the decoding
 * of one exchange line ("*" cancels, "=" is an empty initial response,
 * bad base64 and responses over the limit refused, the output buffer
 * untouched unless data came).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp.h"

static void
test_split(void **state)
{
	static const struct {
		const char	*arg, *mech, *init;
		int		 rc;
	} cases[] = {
		{ "PLAIN", "PLAIN", NULL, 0 },
		{ "PLAIN AGEAYg==", "PLAIN", "AGEAYg==", 0 },
		{ "  LOGIN \t =  ", "LOGIN", "=", 0 },
		{ "CRAM-MD5 ", "CRAM-MD5", NULL, 0 },
		{ "PLAIN abc def", "PLAIN", "abc", 0 },
		{ "", NULL, NULL, -1 },
		{ " \t ", NULL, NULL, -1 },
	};
	char buf[64], *mech, *init;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, cases[i].arg, strlen(cases[i].arg) + 1);
		assert_int_equal(smtp_auth_split(buf, &mech, &init),
		    cases[i].rc);
		if (cases[i].mech == NULL)
			assert_null(mech);
		else
			assert_string_equal(mech, cases[i].mech);
		if (cases[i].init == NULL)
			assert_null(init);
		else
			assert_string_equal(init, cases[i].init);
	}
}

static void
test_decode(void **state)
{
	static const struct {
		const char		*line;
		int			 initial;
		enum smtp_sasl_resp	 r;
		const char		*out;
		size_t			 outlen;
	} cases[] = {
		{ "*", 0, SMTP_SASL_CANCEL, "", 0 },
		{ "*", 1, SMTP_SASL_BAD, "", 0 },
		{ "=", 1, SMTP_SASL_DATA, "", 0 },
		{ "=", 0, SMTP_SASL_BAD, "", 0 },
		{ "", 0, SMTP_SASL_DATA, "", 0 },
		{ "AGEAYg==", 1, SMTP_SASL_DATA, "\0a\0b", 4 },
		{ "YWxpY2U=", 0, SMTP_SASL_DATA, "alice", 5 },
		{ "%%%", 0, SMTP_SASL_BAD, "", 0 },
		{ "YWxpY2U", 0, SMTP_SASL_BAD, "", 0 },
		{ "YW=pY2U=", 0, SMTP_SASL_BAD, "", 0 },
		/* 12 bytes allowed: 16 characters are, 20 are not */
		{ "YWFhYWFhYWFhYWFh", 0, SMTP_SASL_DATA, "aaaaaaaaaaaa", 12 },
		{ "YWFhYWFhYWFhYWFhYWFh", 0, SMTP_SASL_BAD, "", 0 },
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 0);
		(void)buf_adds(&b, "x");
		assert_int_equal(smtp_sasl_decode(cases[i].line,
		    strlen(cases[i].line), cases[i].initial, 12, &b),
		    cases[i].r);
		assert_int_equal(b.len, 1 + cases[i].outlen);
		assert_memory_equal(b.data + 1, cases[i].out,
		    cases[i].outlen);
		buf_free(&b);
	}
}

/* A NUL inside the line is never base64. */
static void
test_nul_refused(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(smtp_sasl_decode("YW\0j", 4, 0, 100, &b),
	    SMTP_SASL_BAD);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_nul_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
