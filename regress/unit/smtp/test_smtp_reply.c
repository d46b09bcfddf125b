/*
 * test_smtp_reply.c -- wording replies (one and many lines, with and
 * without an enhanced code), parsing a server's reply lines, and the
 * client's dot-stuffing, including bare CR and LF inside a line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp.h"

static void
test_reply_format_one_and_many_lines(void **state)
{
	static const struct {
		int		 code;
		const char	*enh, *text, *want;
	} t[] = {
		{ 250, "2.1.0", "<a@b>... Sender ok",
		    "250 2.1.0 <a@b>... Sender ok\r\n" },
		{ 220, NULL, "host ESMTP", "220 host ESMTP\r\n" },
		{ 250, NULL, "host Hello\nENHANCEDSTATUSCODES\nPIPELINING",
		    "250-host Hello\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250 PIPELINING\r\n" },
		{ 214, "2.0.0", "a\nb", "214-2.0.0 a\r\n214 2.0.0 b\r\n" },
		{ 250, NULL, "ok\n", "250 ok\r\n" },
		{ 250, NULL, "", "250 \r\n" },
		{ 250, "2.0.0", "", "250 2.0.0\r\n" },
		{ 250, NULL, "a\n\nb", "250-a\r\n250-\r\n250 b\r\n" },
		{ 550, "5.0.0", "x\ry\r", "550 5.0.0 xy\r\n" },
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		assert_int_equal(smtp_reply_format(&b, t[i].code, t[i].enh,
		    t[i].text), 0);
		assert_string_equal(buf_cstr(&b), t[i].want);
	}
	/* appends */
	assert_int_equal(smtp_reply_format(&b, 221, "2.0.0", "bye"), 0);
	assert_string_equal(b.data, "550 5.0.0 xy\r\n221 2.0.0 bye\r\n");
	assert_int_equal(smtp_reply_format(&b, 199, NULL, "x"), -1);
	assert_int_equal(smtp_reply_format(&b, 600, NULL, "x"), -1);
	buf_free(&b);
	/* a full buffer is left as it was */
	buf_init(&b, 20);
	assert_int_equal(buf_adds(&b, "x"), 0);
	assert_int_equal(smtp_reply_format(&b, 250, NULL, "one\ntwo\nthree"),
	    -1);
	assert_string_equal(b.data, "x");
	buf_free(&b);
}

static void
test_reply_line_parse(void **state)
{
	static const struct {
		const char	*line;
		int		 ok, code, more;
		const char	*enh, *text;
	} t[] = {
		{ "250 2.1.0 Sender ok", 1, 250, 0, "2.1.0", "Sender ok" },
		{ "250-PIPELINING", 1, 250, 1, "", "PIPELINING" },
		{ "250", 1, 250, 0, "", "" },
		{ "250-", 1, 250, 1, "", "" },
		{ "354 Enter mail, end with \".\"", 1, 354, 0, "",
		    "Enter mail, end with \".\"" },
		{ "550 5.1.1 <x>... User unknown\r", 1, 550, 0, "5.1.1",
		    "<x>... User unknown" },
		{ "421 4.7.0 host closing", 1, 421, 0, "4.7.0",
		    "host closing" },
		{ "250 2.0.0", 1, 250, 0, "2.0.0", "" },
		{ "250 5.0.0 class differs", 1, 250, 0, "",
		    "5.0.0 class differs" },
		{ "250 2.123.456 x", 1, 250, 0, "2.123.456", "x" },
		{ "250 2.1234.5 x", 1, 250, 0, "", "2.1234.5 x" },
		{ "250 2.1 x", 1, 250, 0, "", "2.1 x" },
		{ "250 2.1.0x y", 1, 250, 0, "", "2.1.0x y" },
		{ "25", 0, 0, 0, NULL, NULL },
		{ "", 0, 0, 0, NULL, NULL },
		{ "2500 x", 0, 0, 0, NULL, NULL },
		{ "150 x", 0, 0, 0, NULL, NULL },
		{ "650 x", 0, 0, 0, NULL, NULL },
		{ "2a0 x", 0, 0, 0, NULL, NULL },
		{ "250_x", 0, 0, 0, NULL, NULL },
	};
	struct smtp_reply_line r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!t[i].ok) {
			assert_int_equal(smtp_reply_line_parse(t[i].line,
			    strlen(t[i].line), &r), -1);
			continue;
		}
		assert_int_equal(smtp_reply_line_parse(t[i].line,
		    strlen(t[i].line), &r), 0);
		assert_int_equal(r.code, t[i].code);
		assert_int_equal(r.more, t[i].more);
		assert_string_equal(r.enh, t[i].enh);
		assert_int_equal(r.textlen, strlen(t[i].text));
		assert_memory_equal(r.text, t[i].text, r.textlen);
	}
	assert_int_equal(smtp_reply_line_parse("250 a\0b", 7, &r), -1);
	/* not NUL-terminated: only len bytes are looked at */
	assert_int_equal(smtp_reply_line_parse("250 2.0.0 okXYZ", 12, &r), 0);
	assert_int_equal(r.textlen, 2);
}

static void
test_reply_round_trip(void **state)
{
	struct buf b;
	struct smtp_reply_line r;
	const char *p, *nl;
	int lines = 0;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(smtp_reply_format(&b, 250, "2.0.0",
	    "one\ntwo\nthree"), 0);
	for (p = b.data; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2) {
		assert_int_equal(smtp_reply_line_parse(p, (size_t)(nl - p),
		    &r), 0);
		assert_int_equal(r.code, 250);
		assert_string_equal(r.enh, "2.0.0");
		assert_int_equal(r.more, lines < 2);
		lines++;
	}
	assert_int_equal(lines, 3);
	buf_free(&b);
}

#define S(lit)	lit, sizeof(lit) - 1

static void
test_dot_stuffing(void **state)
{
	static const struct {
		const char	*line;
		size_t		 len;
		const char	*want;
		size_t		 wlen;
	} t[] = {
		{ S("abc"), S("abc\r\n") },
		{ S("."), S("..\r\n") },
		{ S(".x"), S("..x\r\n") },
		{ S(".."), S("...\r\n") },
		{ S(""), S("\r\n") },
		{ S("a."), S("a.\r\n") },
		{ S(" ."), S(" .\r\n") },
		/* bare CR / LF inside: line breaks, text after stuffed */
		{ S("a\r.\rb"), S("a\r\n..\r\nb\r\n") },
		{ S("a\n.\r\nb"), S("a\r\n..\r\nb\r\n") },
		{ S("a\n\n."), S("a\r\n\r\n..\r\n") },
		{ S(".\r"), S("..\r\n") },
		{ S("x\r\n"), S("x\r\n") },
		{ S("\n."), S("\r\n..\r\n") },
		{ S("a\0.b"), S("a\0.b\r\n") },
		{ S("\0.\r."), S("\0.\r\n..\r\n") },
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		assert_int_equal(smtp_dot_stuff_line(&b, t[i].line, t[i].len),
		    0);
		assert_int_equal(b.len, t[i].wlen);
		assert_memory_equal(b.data, t[i].want, t[i].wlen);
	}
	buf_free(&b);
	buf_init(&b, 4);
	assert_int_equal(smtp_dot_stuff_line(&b, "abcd", 4), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_format_one_and_many_lines),
		cmocka_unit_test(test_reply_line_parse),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_dot_stuffing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
