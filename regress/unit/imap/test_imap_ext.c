/*
 * test_imap_ext.c -- the parsers of issue 9's extensions: CATENATE's
 * IMAP URLs (the forms taken, the reasons for the others), BINARY's
 * decoding of base64 and quoted-printable parts (bad data told from
 * an unknown encoding), APPEND's literal8 conversion, literal8 taken
 * by APPEND alone (fed one byte at a time), and PARTIAL ranges.
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
test_urls_taken(void **state)
{
	static const struct {
		const char	*url;
		const char	*mailbox;	/* NULL: relative */
		uint32_t	 uidvalidity, uid;
		const char	*section;
		int		 partial;
		uint32_t	 off, len;
	} t[] = {
		{ "/INBOX;UIDVALIDITY=7/;UID=3", "INBOX", 7, 3, NULL, 0, 0, 0 },
		{ "/INBOX/;UID=3", "INBOX", 0, 3, NULL, 0, 0, 0 },
		{ "/a%2Fb/c;UIDVALIDITY=1/;UID=9/;SECTION=1.2.MIME",
		    "a/b/c", 1, 9, "1.2.MIME", 0, 0, 0 },
		{ ";UID=2/;SECTION=TEXT/;PARTIAL=5.10", NULL, 0, 2, "TEXT",
		    1, 5, 10 },
		{ "/x/;UID=2/;PARTIAL=0", "x", 0, 2, NULL, 1, 0, 0 },
		{ "/x/;uid=2/;section=HEADER.FIELDS%20(A%20B)", "x", 0, 2,
		    "HEADER.FIELDS (A B)", 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct imap_url u;
		const char *why;

		assert_int_equal(imap_url_parse(t[i].url, strlen(t[i].url),
		    &u, &why), 0);
		if (t[i].mailbox == NULL)
			assert_null(u.mailbox);
		else
			assert_string_equal(u.mailbox, t[i].mailbox);
		assert_int_equal(u.uidvalidity, t[i].uidvalidity);
		assert_int_equal(u.uid, t[i].uid);
		if (t[i].section == NULL)
			assert_null(u.section);
		else
			assert_string_equal(u.section, t[i].section);
		assert_int_equal(u.partial, t[i].partial);
		assert_int_equal(u.off, t[i].off);
		assert_int_equal(u.len, t[i].len);
		imap_url_free(&u);
	}
}

static void
test_urls_refused_with_dovecots_reason(void **state)
{
	static const struct {
		const char	*url;
		const char	*why;
	} t[] = {
		{ "imap://joe@h/INBOX/;UID=1", "Relative URL required" },
		{ "//h/INBOX/;UID=1", "Relative URL required" },
		{ "imap:/INBOX/;UID=1",
		    "Absolute IMAP URL requires `//' after `imap:'" },
		{ "http://x/", "Not an IMAP URL" },
		{ "/INBOX", "Invalid messagepart IMAP URL" },
		{ "/INBOX/;UID=0", "UID cannot be zero" },
		{ "/INBOX;UIDVALIDITY=0/;UID=1",
		    "UIDVALIDITY cannot be zero" },
		{ "/INBOX/;UID=4294967296", "IMAP number is too high" },
		{ "/INBOX/;UID=1/;PARTIAL=1.0",
		    "PARTIAL size cannot be zero" },
		{ "/INBOX/;UID=1/;FOO=1",
		    "Unexpected IMAP URL path segment: `;FOO=1'" },
		{ "/INBOX/;UID=1?ALL", "Search query part only valid for "
		    "messagelist-type IMAP URL" },
		{ "/IN%ZZ/;UID=1", "Invalid %-encoding in mailbox name" },
		{ "/IN%00/;UID=1", "Invalid %-encoding in mailbox name" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct imap_url u;
		const char *why;

		assert_int_equal(imap_url_parse(t[i].url, strlen(t[i].url),
		    &u, &why), -1);
		assert_string_equal(why, t[i].why);
		imap_url_free(&u);
	}
}

/* BINARY[spec] of msg: the bytes, and whether it is literal8 */
static enum imap_bin
binary(const char *msg, const char *spec, struct buf *out, int *bin)
{
	struct imap_msg m;
	enum imap_bin r;

	imap_msg_init(&m, msg, strlen(msg));
	buf_init(out, 0);
	r = imap_binary_section(&m, spec, out, bin);
	imap_msg_free(&m);
	return r;
}

static void
test_binary_decodes_base64_and_qp(void **state)
{
	struct buf b;
	int bin;

	(void)state;
	assert_int_equal(binary("Content-Transfer-Encoding: base64\n\n"
	    "AAEC\n A/8=\n", "1", &b, &bin), IMAP_BIN_OK);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "\0\1\2\3\377", 5);
	assert_true(bin);
	buf_free(&b);
	assert_int_equal(binary("Content-Transfer-Encoding: Quoted-Printable"
	    "\n\na=3Db  \nsoft=\nend", "1", &b, &bin), IMAP_BIN_OK);
	assert_string_equal(b.data, "a=b\r\nsoftend");
	buf_free(&b);
	/* the whole message: the header says binary now */
	assert_int_equal(binary("Subject: s\nContent-Transfer-Encoding: "
	    "base64\n\nQQ==\n", "", &b, &bin), IMAP_BIN_OK);
	assert_string_equal(b.data, "Subject: s\r\nContent-Transfer-"
	    "Encoding: binary\r\n\r\nA");
	buf_free(&b);
	/* nothing decoded, no NULs: a plain literal */
	assert_int_equal(binary("Subject: s\n\nplain\n", "TEXT", &b, &bin),
	    IMAP_BIN_OK);
	assert_false(bin);
	assert_string_equal(b.data, "plain\r\n");
	buf_free(&b);
}

static void
test_binary_bad_data_is_not_unknown_cte(void **state)
{
	static const struct {
		const char	*cte, *body;
		enum imap_bin	 r;
	} t[] = {
		{ "x-uuencode", "x", IMAP_BIN_UNKNOWN_CTE },
		{ "base64 binary", "QUJD", IMAP_BIN_UNKNOWN_CTE },
		{ "base64", "QU@D", IMAP_BIN_INVALID },
		{ "base64", "QQ==QQ", IMAP_BIN_INVALID },
		{ "base64", "Q===", IMAP_BIN_INVALID },
		{ "base64", "QUJDQ", IMAP_BIN_BROKEN },
		{ "quoted-printable", "a=ZZ", IMAP_BIN_INVALID },
		{ "quoted-printable", "a=4", IMAP_BIN_BROKEN },
		{ "quoted-printable", "a\rb", IMAP_BIN_INVALID },
		{ "7bit", "a\0b", IMAP_BIN_OK },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf msg, b;
		int bin;

		buf_init(&msg, 0);
		buf_printf(&msg, "Content-Transfer-Encoding: %s\n\n%s",
		    t[i].cte, t[i].body);
		assert_int_equal(binary(msg.data, "1", &b, &bin), t[i].r);
		buf_free(&b);
		buf_free(&msg);
	}
}

static void
test_literal8_binary_parts_become_base64(void **state)
{
	static const char in[] = "Subject: s\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Transfer-Encoding: binary\n\n\0\1\n\377\n"
	    "--b\n\ntext\n--b--\n";
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	imap_binary_convert(in, sizeof(in) - 1, &b);
	/* the raw bytes 00 01 0a ff, not the CRLF form */
	assert_string_equal(b.data, "Subject: s\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEK/w==\r\n"
	    "--b\r\n\r\ntext\r\n--b--\r\n");
	buf_free(&b);
}

/* Parses s one byte more at a time, as it arrives; the last result. */
static enum imap_parse
parse_bytewise(const char *s, size_t len, struct imap_cmd *cmd)
{
	struct imap_limits lim;
	enum imap_parse r = IMAP_PARSE_NEED_MORE;
	size_t n, used, lit;

	imap_limits_default(&lim, 1);
	for (n = 1; n <= len; n++) {
		struct err err;

		imap_cmd_free(cmd);
		r = imap_cmd_parse(s, n, &lim, cmd, &used, &lit, &err);
		if (r != IMAP_PARSE_NEED_MORE && r != IMAP_PARSE_LITERAL)
			break;
	}
	return r;
}

static void
test_literal8_only_in_append(void **state)
{
	static const char ok[] = "a APPEND INBOX ~{3+}\r\na\0b\r\n";
	static const char no[] = "a LOGIN ~{3+}\r\nabc\r\n";
	struct imap_cmd c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_bytewise(ok, sizeof(ok) - 1, &c),
	    IMAP_PARSE_OK);
	assert_int_equal(c.nargs, 2);
	assert_int_equal(c.args[1].type, IMAP_ARG_LITERAL);
	assert_true(c.args[1].literal8);
	assert_int_equal(c.args[1].len, 3);
	imap_cmd_free(&c);
	assert_int_equal(parse_bytewise(no, sizeof(no) - 1, &c),
	    IMAP_PARSE_BAD);
	imap_cmd_free(&c);
}

static void
test_partial_ranges(void **state)
{
	uint32_t r[2];
	struct buf b;
	static const uint32_t v[] = { 2, 3, 4, 9 };

	(void)state;
	assert_int_equal(imap_partial_parse("4:2", r), 0);
	assert_int_equal(r[0], 2);
	assert_int_equal(r[1], 4);
	assert_int_equal(imap_partial_parse("0:2", r), -1);
	assert_int_equal(imap_partial_parse("1:", r), -1);
	assert_int_equal(imap_partial_parse("1:99999999999", r), -1);
	buf_init(&b, 0);
	imap_partial_out(&b, (uint32_t[]){ 2, 9 }, v, 4);
	assert_string_equal(b.data, " PARTIAL (2:9 3:4,9)");
	buf_reset(&b);
	imap_partial_out(&b, (uint32_t[]){ 5, 9 }, v, 4);
	assert_string_equal(b.data, " PARTIAL (5:9 NIL)");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls_taken),
		cmocka_unit_test(test_urls_refused_with_dovecots_reason),
		cmocka_unit_test(test_binary_decodes_base64_and_qp),
		cmocka_unit_test(test_binary_bad_data_is_not_unknown_cte),
		cmocka_unit_test(test_literal8_binary_parts_become_base64),
		cmocka_unit_test(test_literal8_only_in_append),
		cmocka_unit_test(test_partial_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
