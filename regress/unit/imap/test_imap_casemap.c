/*
 * test_imap_casemap.c -- I18NLEVEL=1: the i;unicode-casemap form of
 * text as dovecot 2.3 makes it (titlecase, then one level of
 * decomposition, Hangul, U+FFFD for bad UTF-8), charsets into UTF-8,
 * and the text SEARCH looks in (decoded headers and bodies, no
 * preamble, no part of an unknown transfer encoding).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/imap_int.h"

static void
check(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	imap_casemap(in, strlen(in), &b);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

static void
test_casemap_forms(void **state)
{
	(void)state;
	check("abc XYZ 09_", "ABC XYZ 09_");
	check("caf\xc3\xa9", "CAFE\xcc\x81");		/* é: É, E + U+0301 */
	check("\xc7\x86", "\xc7\x85");			/* dž: titlecase ǅ */
	check("\xe2\x84\xa6", "\xce\xa9");		/* ohm sign: Ω */
	check("\xef\xbc\xa1", "A");			/* fullwidth A */
	check("x\xc2\xb2", "X2");			/* superscript two */
	check("\xef\xac\x81", "\xef\xac\x81");		/* fi ligature stays */
	check("\xe2\x84\xab", "\xc3\x85");		/* angstrom: Å, once */
	check("\xc3\x9f", "\xc3\x9f");			/* ß stays */
	check("\xcf\x82\xcf\x83", "\xce\xa3\xce\xa3");	/* ς σ: Σ Σ */
	check("\xea\xb0\x80", "\xe1\x84\x80\xe1\x85\xa1");	/* Hangul */
	check("a\xff" "b\xc3", "A\xef\xbf\xbd" "B\xef\xbf\xbd");
	check("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");	/* 4 bytes kept */
	check("\xf0\x9d\x90\x80", "A");		/* bold A: A */
}

static void
test_charsets_to_utf8(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(imap_utf8_from("iso-8859-1", "d\xe9j\xe0", 4, &b),
	    0);
	assert_string_equal(buf_cstr(&b), "d\xc3\xa9j\xc3\xa0");
	buf_reset(&b);
	assert_int_equal(imap_utf8_from(NULL, "ok\xe9", 3, &b), 0);
	assert_string_equal(buf_cstr(&b), "ok\xef\xbf\xbd");
	buf_reset(&b);
	assert_int_equal(imap_utf8_from("x-no-such-charset", "a", 1, &b), -1);
	assert_int_equal(b.len, 0);
	assert_true(imap_charset_known("UTF-8"));
	assert_false(imap_charset_known("x-no-such-charset"));
	buf_free(&b);
}

static void
test_search_text(void **state)
{
	static const char mail[] =
	    "Subject: =?iso-8859-1?q?=C9t=E9?=\n"
	    "Content-Type: multipart/mixed; boundary=b\n"
	    "\n"
	    "preamble\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "d=E9j=E0 soft=\n"
	    "break\n"
	    "--b\n"
	    "Content-Transfer-Encoding: x-unknown\n"
	    "\n"
	    "hidden\n"
	    "--b--\n";
	struct imap_msgtext t;
	struct imap_msg m;

	(void)state;
	imap_msg_init(&m, mail, strlen(mail));
	imap_msgtext_make(&m, &t);
	assert_non_null(memmem(t.hdrs.data, t.hdrs.len,
	    "SUBJECT: E\xcc\x81TE\xcc\x81", 16));
	assert_non_null(memmem(t.hdrs.data, t.hdrs.len, "X-UNKNOWN", 9));
	assert_non_null(memmem(t.bodies.data, t.bodies.len,
	    "DE\xcc\x81JA\xcc\x80 SOFTBREAK", 17));
	assert_null(memmem(t.bodies.data, t.bodies.len, "PREAMBLE", 8));
	assert_null(memmem(t.bodies.data, t.bodies.len, "HIDDEN", 6));
	imap_msgtext_free(&t);
	imap_msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_casemap_forms),
		cmocka_unit_test(test_charsets_to_utf8),
		cmocka_unit_test(test_search_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
