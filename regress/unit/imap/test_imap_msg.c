/*
 * test_imap_msg.c -- what FETCH makes of a message: CRLF text from LF
 * input, ENVELOPE address lists (display names, groups, routes,
 * missing domains), BODY/BODYSTRUCTURE of simple, multipart and nested
 * message/rfc822 mail, BODY[section] parts, MIME and HEADER.FIELDS,
 * IMAP string quoting, and flags written after a backslash atom.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/imap_int.h"

static const char nested[] =
    "From: a@b.c\n"
    "Subject: outer\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "\n"
    "first\n"
    "--b1\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: inner@x.y\n"
    "Subject: inner\n"
    "\n"
    "inner body\n"
    "--b1--\n";

static char *
envelope_of(const char *hdr)
{
	struct imap_msg m;
	struct buf b;
	char *s;

	imap_msg_init(&m, hdr, strlen(hdr));
	imap_msg_parse(&m);
	buf_init(&b, 0);
	imap_envelope(&b, m.text.data, m.root.hdr_len);
	imap_msg_free(&m);
	s = buf_steal(&b);
	return s;
}

static void
test_text_gets_crlf_line_ends(void **state)
{
	struct imap_msg m;

	(void)state;
	imap_msg_init(&m, "a\nb\r\nc", 6);
	assert_int_equal(m.text.len, 7);
	assert_memory_equal(m.text.data, "a\r\nb\r\nc", 7);
	imap_msg_free(&m);
}

static void
test_envelope_addresses(void **state)
{
	char *e;

	(void)state;
	e = envelope_of("From: \"Doe, John\" <john@example.com>\n"
	    "To: undisclosed-recipients:;\n"
	    "Cc: <@route.example:x@y.z>, bare\n"
	    "Subject: hi \"there\"\n\n");
	assert_string_equal(e, "(NIL \"hi \\\"there\\\"\" "
	    "((\"Doe, John\" NIL \"john\" \"example.com\")) "
	    "((\"Doe, John\" NIL \"john\" \"example.com\")) "
	    "((\"Doe, John\" NIL \"john\" \"example.com\")) "
	    "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
	    "((NIL \"@route.example\" \"x\" \"y.z\")"
	    "(NIL NIL \"bare\" \"MISSING_DOMAIN\")) NIL NIL NIL)");
	free(e);
}

static void
test_envelope_of_empty_header(void **state)
{
	char *e;

	(void)state;
	e = envelope_of("\nbody\n");
	assert_string_equal(e, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	free(e);
}

static void
test_bodystructure_nested_message(void **state)
{
	struct imap_msg m;
	struct buf b;

	(void)state;
	imap_msg_init(&m, nested, strlen(nested));
	buf_init(&b, 0);
	imap_bodystructure(&b, &m, 0);
	assert_string_equal(b.data,
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "5 1)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 "
	    "(NIL \"inner\" ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" "
	    "\"x.y\")) ((NIL NIL \"inner\" \"x.y\")) NIL NIL NIL NIL NIL) "
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 "
	    "1) 4) \"mixed\")");
	buf_free(&b);
	imap_msg_free(&m);
}

static void
test_sections(void **state)
{
	static const struct {
		const char	*spec;
		const char	*want;	/* NULL: no such part */
	} cases[] = {
		{ "1", "first" },
		{ "2.HEADER", "From: inner@x.y\r\nSubject: inner\r\n\r\n" },
		{ "2.TEXT", "inner body" },
		{ "2.1", "inner body" },
		{ "2.MIME", "Content-Type: message/rfc822\r\n\r\n" },
		{ "3", NULL },
		{ "1.HEADER", NULL },
		{ "0", NULL },
		{ "MIME", NULL },
	};
	struct imap_msg m;
	struct buf b;
	size_t i;

	(void)state;
	imap_msg_init(&m, nested, strlen(nested));
	buf_init(&b, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		buf_reset(&b);
		rc = imap_section(&m, cases[i].spec, &b);
		if (cases[i].want == NULL) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(b.len, strlen(cases[i].want));
		assert_memory_equal(b.data, cases[i].want, b.len);
	}
	buf_free(&b);
	imap_msg_free(&m);
}

static void
test_header_fields(void **state)
{
	struct strarr names = { 0 };
	struct imap_msg m;
	struct buf b;

	(void)state;
	imap_msg_init(&m, nested, strlen(nested));
	strarr_push(&names, "subject");
	buf_init(&b, 0);
	assert_int_equal(imap_section_fields(&m, "", &names, 0, &b), 0);
	assert_string_equal(b.data, "Subject: outer\r\n\r\n");
	buf_reset(&b);
	assert_int_equal(imap_section_fields(&m, "2", &names, 1, &b), 0);
	assert_string_equal(b.data, "From: inner@x.y\r\n\r\n");
	assert_int_equal(imap_section_fields(&m, "1", &names, 0, &b), -1);
	buf_free(&b);
	strarr_free(&names);
	imap_msg_free(&m);
}

static void
test_strings_are_quoted_or_literal(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	imap_str_out(&b, "a\"b\\c", 5);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\"");
	buf_reset(&b);
	imap_str_out(&b, "x\r\ny", 4);
	assert_string_equal(b.data, "{4}\r\nx\r\ny");
	buf_reset(&b);
	imap_str_out(&b, NULL, 0);
	assert_string_equal(b.data, "NIL");
	buf_free(&b);
}

static void
test_flag_atoms_parse(void **state)
{
	struct imap_limits lim;
	struct imap_cmd c;
	struct err err;
	size_t used, lit;
	const char *line = "a STORE 1 +FLAGS (\\Seen \\* $x)\r\n";

	(void)state;
	imap_limits_default(&lim, 1);
	assert_int_equal(imap_cmd_parse(line, strlen(line), &lim, &c, &used,
	    &lit, &err), IMAP_PARSE_OK);
	assert_int_equal(c.nargs, 3);
	assert_int_equal(c.args[2].nlist, 3);
	assert_string_equal(c.args[2].list[0].str, "\\Seen");
	assert_string_equal(c.args[2].list[1].str, "\\*");
	imap_cmd_free(&c);
	line = "a STORE 1 +FLAGS (\\ x)\r\n";
	assert_int_equal(imap_cmd_parse(line, strlen(line), &lim, &c, &used,
	    &lit, &err), IMAP_PARSE_BAD);
	imap_cmd_free(&c);
}

static void
test_deep_mime_nesting_is_bounded(void **state)
{
	struct buf in, out;
	struct imap_msg m;
	int i;

	(void)state;
	buf_init(&in, 0);
	for (i = 0; i < 500; i++)
		buf_printf(&in, "Content-Type: message/rfc822\n\n");
	(void)buf_adds(&in, "x\n");
	imap_msg_init(&m, in.data, in.len);
	buf_init(&out, 0);
	imap_bodystructure(&out, &m, 1);
	assert_true(out.len > 0);
	buf_free(&out);
	buf_free(&in);
	imap_msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_gets_crlf_line_ends),
		cmocka_unit_test(test_envelope_addresses),
		cmocka_unit_test(test_envelope_of_empty_header),
		cmocka_unit_test(test_bodystructure_nested_message),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_strings_are_quoted_or_literal),
		cmocka_unit_test(test_flag_atoms_parse),
		cmocka_unit_test(test_deep_mime_nesting_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
