/*
 * test_smtpc_auth.c -- the SMTP client's AUTH pieces without a peer:
 * AuthInfo values parsed (quoted items, U and I standing for each
 * other, P= in base64, unusable entries refused), mechanism lists as
 * bits, and the AUTH keyword of an EHLO reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "deliver/smtpc.h"

static void
test_authinfo_values(void **state)
{
	static const struct {
		const char	*v;
		int		 rc;
		const char	*user, *authid, *pass, *realm, *mechs;
	} cases[] = {
		{ "\"U:bob\" \"P:hunter2\"", 0, "bob", "bob", "hunter2", NULL,
		    NULL },
		{ "\"I:carol\" \"P:pw x\" \"M:LOGIN PLAIN\" \"R:ex.test\"", 0,
		    "carol", "carol", "pw x", "ex.test", "LOGIN PLAIN" },
		{ "\"U:a\" \"I:b\" \"P=aHVudGVyMg==\"", 0, "a", "b", "hunter2",
		    NULL, NULL },
		{ "U:bob P:hunter2", 0, "bob", "bob", "hunter2", NULL, NULL },
		{ "\"U:bob\"", -1, NULL, NULL, NULL, NULL, NULL },
		{ "\"P:x\"", -1, NULL, NULL, NULL, NULL, NULL },
		{ "\"U:bob\" \"P:x", -1, NULL, NULL, NULL, NULL, NULL },
		{ "\"X:bob\" \"P:x\"", -1, NULL, NULL, NULL, NULL, NULL },
		{ "\"U:bob\" \"P=!!\"", -1, NULL, NULL, NULL, NULL, NULL },
		{ "", -1, NULL, NULL, NULL, NULL, NULL },
	};
	struct smtpc_authinfo a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(smtpc_authinfo_parse(cases[i].v, &a),
		    cases[i].rc);
		if (cases[i].rc == -1) {
			assert_null(a.user);
			assert_null(a.pass);
			continue;
		}
		assert_string_equal(a.user, cases[i].user);
		assert_string_equal(a.authid, cases[i].authid);
		assert_string_equal(a.pass, cases[i].pass);
		if (cases[i].realm != NULL)
			assert_string_equal(a.realm, cases[i].realm);
		else
			assert_null(a.realm);
		if (cases[i].mechs != NULL)
			assert_string_equal(a.mechs, cases[i].mechs);
		else
			assert_null(a.mechs);
		smtpc_authinfo_free(&a);
	}
}

static void
test_mechanism_bits(void **state)
{
	const char *l = "plain, LOGIN  CRAM-MD5 XYZZY";

	(void)state;
	assert_int_equal(smtpc_mech_bits(l, strlen(l)),
	    smtpc_mech_bits("CRAM-MD5 LOGIN PLAIN", 20));
	assert_int_equal(smtpc_mech_bits("XYZZY", 5), 0);
	assert_int_equal(smtpc_mech_bits("", 0), 0);
	/* a name cut short is another name */
	assert_int_equal(smtpc_mech_bits("PLAI", 4), 0);
}

static void
test_ehlo_auth_keyword(void **state)
{
	struct smtpc_reply r;
	struct smtpc_ext ext;
	const char *lines[] = { "250-mx.example Hello", "250-AUTH=LOGIN",
	    "250-AUTH PLAIN CRAM-MD5", "250 HELP" };
	size_t i;

	(void)state;
	smtpc_reply_init(&r);
	for (i = 0; i < 4; i++)
		(void)smtpc_reply_feed(&r, lines[i], strlen(lines[i]));
	smtpc_ehlo_parse(&r, &ext);
	assert_true(ext.flags & SMTPC_EXT_AUTH);
	assert_int_equal(ext.auth_mechs,
	    smtpc_mech_bits("LOGIN PLAIN CRAM-MD5", 20));
	smtpc_reply_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authinfo_values),
		cmocka_unit_test(test_mechanism_bits),
		cmocka_unit_test(test_ehlo_auth_keyword),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
