/*
 * test_auth.c -- passwd-file lookups, dovecot scheme prefixes and their
 * encodings, first/last_valid_uid, and the rule that an unknown user and
 * a wrong password look the same.  The system functions (crypt, digests,
 * PAM) are fakes given through auth_set_sys(), so this tests the
 * library's own decisions; the real ones are exercised by the pytest
 * suites through mailboxd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static int crypt_calls;

/* "hash" of plain under setting: the setting when plain is "secret" */
static int
fake_crypt(const char *plain, const char *setting, char *out, size_t cap)
{
	crypt_calls++;
	return str_copy(out, strcmp(plain, "secret") == 0 ? setting : "*0",
	    cap);
}

/* "digest": bytes of a then b, xor'ed into n bytes (n by name) */
static int
fake_digest(const char *name, const void *a, size_t an, const void *b,
    size_t bn, unsigned char *out, size_t cap)
{
	size_t n = strcmp(name, "MD5") == 0 ? 16 : strcmp(name, "SHA1") == 0 ?
	    20 : strcmp(name, "SHA256") == 0 ? 32 : 64, i;

	assert_true(n <= cap);
	memset(out, 0, n);
	for (i = 0; i < an; i++)
		out[i % n] ^= ((const unsigned char *)a)[i];
	for (i = 0; i < bn; i++)
		out[(an + i) % n] ^= ((const unsigned char *)b)[i];
	return (int)n;
}

static enum auth_result
fake_pam(const char *svc, const char *user, const char *pass,
    struct err *err)
{
	if (strcmp(svc, "dovecot") != 0)
		return AUTH_TEMPFAIL;
	return strcmp(user, "joe") == 0 && strcmp(pass, "secret") == 0 ?
	    AUTH_OK : AUTH_FAILED;
}

static const struct auth_sys sys = { fake_crypt, fake_digest, fake_pam };

static void
test_schemes_and_encodings(void **state)
{
	/* fake SHA256 of "secret" is "secret" then zeros: base64 below */
	static const struct {
		const char	*stored;
		int		 want;
	} t[] = {
		{ "{PLAIN}secret", 1 },
		{ "{PLAIN}secreT", 0 },
		{ "{CLEARTEXT}secret", 1 },
		{ "{SHA512-CRYPT}$6$salt$hash", 1 },
		{ "{CRYPT}$1$xy$z", 1 },
		{ "{SHA256}c2VjcmV0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1 },
		{ "{SHA256.HEX}73656372657400000000000000000000"
		  "00000000000000000000000000000000", 1 },
		{ "{SHA256.HEX}7365637265740000000000000000000000", 0 },
		/* salted: digest of "secret"+"ab" then the salt "ab" */
		{ "{SSHA256}c2VjcmV0YWIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABhYg==", 1 },
		{ "{SSHA256}!!!!", 0 },
		{ "{PLAIN-MD5}73656372657400000000000000000000", 1 },
		{ "{NOSUCH}secret", -1 },
		{ "{TOOLONGSCHEMENAMETOOLONGSCHEMENAMETOOLONGSCHEMENAMETOOLONG"
		  "SCHEMENAME}x", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = auth_password_match(t[i].stored, "secret", NULL);

		if (got != t[i].want)
			fail_msg("%s: got %d want %d", t[i].stored, got,
			    t[i].want);
	}
	/* no {SCHEME}: the passdb's default */
	assert_int_equal(auth_password_match("secret", "secret", "PLAIN"), 1);
	assert_int_equal(auth_password_match("$6$s$h", "secret", NULL), 1);
}

static char pwfile[] = "/tmp/test_auth.XXXXXX";

static void
make_cfg(struct auth_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->passdb[0].driver = AUTH_DRIVER_PASSWD_FILE;
	cfg->passdb[0].args = xstrdup(pwfile);
	cfg->npassdb = 1;
	cfg->userdb[0].driver = AUTH_DRIVER_PASSWD_FILE;
	cfg->userdb[0].args = xstrdup(pwfile);
	cfg->nuserdb = 1;
	cfg->lowercase = 1;
	cfg->first_valid_uid = 500;
}

static void
test_passwd_file_gives_uid_gid_home(void **state)
{
	struct auth_cfg cfg;
	struct auth_user u;
	struct err err;

	(void)state;
	make_cfg(&cfg);
	assert_int_equal(auth_verify(&cfg, "JOE", "secret", &u, &err),
	    AUTH_OK);
	assert_string_equal(u.name, "joe");
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.home, "/home/joe");
	auth_user_free(&u);
	auth_cfg_free(&cfg);
}

static void
test_unknown_user_and_wrong_password_look_alike(void **state)
{
	struct auth_cfg cfg;
	struct auth_user u;
	struct err err;
	int before;

	(void)state;
	make_cfg(&cfg);
	before = crypt_calls;
	assert_int_equal(auth_verify(&cfg, "joe", "wrong", &u, &err),
	    AUTH_FAILED);
	assert_int_equal(crypt_calls, before);	/* {PLAIN}: no hash */
	assert_int_equal(auth_verify(&cfg, "nosuch", "secret", &u, &err),
	    AUTH_FAILED);
	assert_int_equal(crypt_calls, before + 1);	/* the dummy hash */
	assert_int_equal(auth_verify(&cfg, "jo\001e", "secret", &u, &err),
	    AUTH_FAILED);
	assert_int_equal(auth_verify(&cfg, "jo:e", "secret", &u, &err),
	    AUTH_FAILED);
	assert_int_equal(auth_verify(&cfg, "", "secret", &u, &err),
	    AUTH_FAILED);
	auth_cfg_free(&cfg);
}

static void
test_uid_range_is_applied(void **state)
{
	struct auth_cfg cfg;
	struct auth_user u;
	struct err err;

	(void)state;
	make_cfg(&cfg);
	assert_int_equal(auth_verify(&cfg, "low", "secret", &u, &err),
	    AUTH_FAILED);
	assert_int_equal(auth_verify(&cfg, "nouid", "secret", &u, &err),
	    AUTH_FAILED);
	cfg.first_valid_uid = 0;
	assert_int_equal(auth_verify(&cfg, "low", "secret", &u, &err),
	    AUTH_OK);
	auth_user_free(&u);
	cfg.last_valid_uid = 999;
	assert_int_equal(auth_verify(&cfg, "joe", "secret", &u, &err),
	    AUTH_FAILED);
	auth_cfg_free(&cfg);
}

static void
test_missing_passwd_file_is_a_tempfail(void **state)
{
	struct auth_cfg cfg;
	struct auth_user u;
	struct err err;

	(void)state;
	make_cfg(&cfg);
	free(cfg.passdb[0].args);
	cfg.passdb[0].args = xstrdup("scheme=PLAIN /nonexistent/passwd");
	assert_int_equal(auth_verify(&cfg, "joe", "secret", &u, &err),
	    AUTH_TEMPFAIL);
	auth_cfg_free(&cfg);
}

static void
test_pam_passdb_with_static_userdb(void **state)
{
	struct auth_cfg cfg;
	struct auth_user u;
	struct err err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.passdb[0].driver = AUTH_DRIVER_PAM;
	cfg.npassdb = 1;
	cfg.userdb[0].driver = AUTH_DRIVER_STATIC;
	cfg.userdb[0].args = xstrdup("uid=2000 gid=2000 home=/srv/%u");
	cfg.nuserdb = 1;
	assert_int_equal(auth_verify(&cfg, "joe", "secret", &u, &err),
	    AUTH_OK);
	assert_int_equal(u.uid, 2000);
	assert_string_equal(u.home, "/srv/joe");
	auth_user_free(&u);
	assert_int_equal(auth_verify(&cfg, "joe", "nope", &u, &err),
	    AUTH_FAILED);
	cfg.passdb[0].args = xstrdup("other");
	assert_int_equal(auth_verify(&cfg, "joe", "secret", &u, &err),
	    AUTH_TEMPFAIL);
	auth_cfg_free(&cfg);
}

static int
setup(void **state)
{
	const char text[] =
	    "# users\n"
	    "joe:{PLAIN}secret:1000:1001::/home/joe::\n"
	    "low:{PLAIN}secret:10:10::/home/low::\n"
	    "nouid:{PLAIN}secret::::/x::\n";
	int fd = mkstemp(pwfile);

	(void)state;
	auth_set_sys(&sys);
	if (fd == -1 || write(fd, text, sizeof(text) - 1) !=
	    (ssize_t)sizeof(text) - 1)
		return -1;
	return close(fd);
}

static int
teardown(void **state)
{
	(void)state;
	return unlink(pwfile);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemes_and_encodings),
		cmocka_unit_test(test_passwd_file_gives_uid_gid_home),
		cmocka_unit_test(test_unknown_user_and_wrong_password_look_alike),
		cmocka_unit_test(test_uid_range_is_applied),
		cmocka_unit_test(test_missing_passwd_file_is_a_tempfail),
		cmocka_unit_test(test_pam_passdb_with_static_userdb),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
