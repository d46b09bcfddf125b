/*
 * test_mime8to7.c -- the 8-to-7-bit conversion without a peer: when
 * sendmail converts, sends as is or refuses (EightBitMode, F=8,
 * MIME-Version, BODY=), quoted-printable and base64 line shapes, the
 * headers a converted message gets, multipart boundaries, and every
 * prefix of a message converted without harm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "deliver/mime8to7.h"

static const struct mime87_opts opts = { .host = "h.example", .qid = "Q1" };

static void
test_decide_follows_mode_mime_and_f8(void **state)
{
	struct mime87_decision d = { 0 };
	unsigned pass = (unsigned)mime87_mode("pass8");

	(void)state;
	assert_int_equal(mime87_mode(NULL), pass);
	assert_int_equal(mime87_mode("x"), -1);
	d.mode = pass;
	d.has8bit = 1;
	assert_int_equal(mime87_decide(&d), MIME87_SEND);	/* not MIME */
	d.kind = mime87_kind(1, NULL, NULL);
	assert_int_equal(mime87_decide(&d), MIME87_CONVERT);
	d.mailer_8bit = 1;
	assert_int_equal(mime87_decide(&d), MIME87_SEND);
	d.mailer_8bit = 0;
	d.mode = (unsigned)mime87_mode("mime8");
	d.kind = mime87_kind(0, " text", NULL);		/* RFC 1049 */
	assert_int_equal(d.kind, MIME87_DONT_MIME);
	assert_int_equal(mime87_decide(&d), MIME87_REFUSE);
	assert_null(mime87_body_param(&d));
	d.kind = 0;
	assert_string_equal(mime87_body_param(&d), "8BITMIME");
	assert_int_equal(mime87_kind(0, NULL, "8bitmime"), MIME87_IS_MIME);
	d.mode = pass;
	assert_null(mime87_body_param(&d));
}

static const struct {
	const char	*in;
	int		 multi;
	const char	*want;
} qp[] = {
	{ "a b\n", 0, "a b\n" },
	{ "trail \n", 0, "trail=20\n" },
	{ "tab\t", 0, "tab=09\n" },
	{ ".\n", 0, "=2E\n" },
	{ "=\xe9\n", 0, "=3D=E9\n" },
	{ "x", 1, "x\n" },
	{ "", 1, "\n" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxx\n", 0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxx=\nxxxxxx\n" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaa...b\n", 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaa.=\n..b\n" },
};

static void
test_qp_line_shapes(void **state)
{
	struct buf out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(qp) / sizeof(qp[0]); i++) {
		buf_init(&out, 0);
		assert_int_equal(mime87_qp(qp[i].in, strlen(qp[i].in),
		    qp[i].multi, 0, &out), 0);
		assert_string_equal(buf_cstr(&out), qp[i].want);
		buf_free(&out);
	}
}

static void
test_base64_maps_lf_to_crlf(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(mime87_base64("\xe4\n", 2, &out), 0);
	assert_string_equal(buf_cstr(&out), "5A0K\n");
	buf_free(&out);
}

static void
test_convert_plain_gets_mime_headers(void **state)
{
	const char *in = "Subject: s\nContent-Transfer-Encoding: 8bit\n\n"
	    "\xe4\xe4\xe4\n";
	struct buf out;
	unsigned diag;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(mime87_convert(in, strlen(in), &opts, &out, &diag),
	    0);
	assert_string_equal(buf_cstr(&out), "Subject: s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=unknown-8bit\n"
	    "Content-Transfer-Encoding: base64\n"
	    "X-MIME-Autoconverted: from 8bit to base64 by h.example id Q1\n"
	    "\n5OTkDQo=\n");
	assert_int_equal(diag, 0);
	buf_free(&out);
}

static void
test_multipart_boundaries_rewritten(void **state)
{
	const char *in = "MIME-Version: 1.0\nContent-Type: multipart/mixed;"
	    " boundary=\"b\"\n\npre \xe9\n--b  \n\nok\n--b--\nepi\n";
	struct buf out;
	unsigned diag;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(mime87_convert(in, strlen(in), &opts, &out, &diag),
	    0);
	assert_string_equal(buf_cstr(&out), "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\npre i\n--b\n\n"
	    "ok\n--b--\nepi\n");
	buf_reset(&out);
	in = "MIME-Version: 1.0\nContent-Type: multipart/mixed\n\nx\n";
	assert_int_equal(mime87_convert(in, strlen(in), &opts, &out, &diag),
	    0);
	assert_int_equal(diag, MIME87_D_NOBOUNDARY);
	buf_free(&out);
}

static void
test_every_prefix_converts(void **state)
{
	const char *in = "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
	    "boundary=o\n\n--o\nContent-Type: message/rfc822\n\nSubject: i\n"
	    "\n\xe4x\n--o\nContent-Type: multipart/alternative; boundary=i\n"
	    "\n--i\n\n\xff\xff\n--i--\n--o--\n";
	struct buf out;
	unsigned diag;
	size_t n;

	(void)state;
	for (n = 0; n <= strlen(in); n++) {
		buf_init(&out, 0);
		assert_int_equal(mime87_convert(in, n, &opts, &out, &diag), 0);
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_follows_mode_mime_and_f8),
		cmocka_unit_test(test_qp_line_shapes),
		cmocka_unit_test(test_base64_maps_lf_to_crlf),
		cmocka_unit_test(test_convert_plain_gets_mime_headers),
		cmocka_unit_test(test_multipart_boundaries_rewritten),
		cmocka_unit_test(test_every_prefix_converts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
