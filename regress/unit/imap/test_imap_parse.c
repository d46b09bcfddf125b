/*
 * test_imap_parse.c -- the IMAP command parser: arguments of every kind,
 * literals (synchronising and LITERAL+), need-more when fed one byte at
 * a time, the hostile inputs of reliability.md 3.9 (huge literals, deep
 * nesting, NUL in quoted strings, long lines, bad tags) and sequence
 * sets that are never expanded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/imap.h"
#include "lib/xalloc.h"

static struct imap_limits lim;

static enum imap_parse
parse(const char *s, size_t n, struct imap_cmd *c, size_t *used,
    size_t *lit)
{
	struct err err;

	return imap_cmd_parse(s, n, &lim, c, used, lit, &err);
}

static void
test_arguments_of_every_kind(void **state)
{
	const char s[] = "a1 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From "
	    "To)]<0.100>) \"q\\\"x\" {3}\r\nabc NIL\r\n";
	struct imap_cmd c;
	size_t used, lit;

	(void)state;
	assert_int_equal(parse(s, sizeof(s) - 1, &c, &used, &lit),
	    IMAP_PARSE_OK);
	assert_int_equal(used, sizeof(s) - 1);
	assert_string_equal(c.tag, "a1");
	assert_string_equal(c.name, "FETCH");
	assert_int_equal(c.nargs, 5);
	assert_string_equal(c.args[0].str, "1:*");
	assert_int_equal(c.args[1].type, IMAP_ARG_LIST);
	assert_int_equal(c.args[1].nlist, 2);
	assert_string_equal(c.args[1].list[1].str,
	    "BODY.PEEK[HEADER.FIELDS (From To)]<0.100>");
	assert_int_equal(c.args[2].type, IMAP_ARG_QUOTED);
	assert_string_equal(c.args[2].str, "q\"x");
	assert_int_equal(c.args[3].type, IMAP_ARG_LITERAL);
	assert_string_equal(c.args[3].str, "abc");
	assert_string_equal(c.args[4].str, "NIL");
	imap_cmd_free(&c);
}

static void
test_one_byte_at_a_time_needs_more_until_complete(void **state)
{
	const char s[] = "t LOGIN {3+}\r\njoe \"pw\"\r\n";
	struct imap_cmd c;
	size_t i, used, lit;

	(void)state;
	for (i = 0; i < sizeof(s) - 1; i++) {
		assert_int_equal(parse(s, i, &c, &used, &lit),
		    IMAP_PARSE_NEED_MORE);
		imap_cmd_free(&c);
	}
	assert_int_equal(parse(s, i, &c, &used, &lit), IMAP_PARSE_OK);
	assert_string_equal(c.args[0].str, "joe");
	assert_string_equal(c.args[1].str, "pw");
	imap_cmd_free(&c);
}

static void
test_synchronising_literal_asks_for_continuation(void **state)
{
	const char s[] = "a APPEND INBOX {5}\r\n";
	struct imap_cmd c;
	size_t used, lit;

	(void)state;
	assert_int_equal(parse(s, sizeof(s) - 1, &c, &used, &lit),
	    IMAP_PARSE_LITERAL);
	assert_int_equal(lit, sizeof(s) - 1);
	imap_cmd_free(&c);
}

static void
test_huge_literals_are_refused_before_allocation(void **state)
{
	static const char *const bad[] = {
		"a LOGIN {4294967295}\r\n",
		"a LOGIN {18446744073709551616}\r\n",
		"a LOGIN {100000000+}\r\n",
	};
	struct imap_cmd c;
	size_t i, used, lit;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(parse(bad[i], strlen(bad[i]), &c, &used,
		    &lit), IMAP_PARSE_TOO_BIG);
		assert_string_equal(c.tag, "a");
		imap_cmd_free(&c);
	}
	assert_int_equal(parse("a LOGIN {-1}\r\n", 14, &c, &used, &lit),
	    IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	assert_int_equal(parse("a LOGIN {1a}\r\n", 14, &c, &used, &lit),
	    IMAP_PARSE_BAD);
	assert_int_equal(used, 14);
	imap_cmd_free(&c);
}

static void
test_deep_nesting_is_capped_before_login(void **state)
{
	char *s = xmalloc(8010);
	struct imap_cmd c;
	size_t used, lit;

	(void)state;
	memcpy(s, "a NOOP ", 7);
	memset(s + 7, '(', 4000);
	memset(s + 4007, ')', 4000);
	assert_int_equal(parse(s, 8007, &c, &used, &lit),
	    IMAP_PARSE_TOO_BIG);
	imap_cmd_free(&c);
	free(s);
}

static void
test_quoted_strings_refuse_nul_cr_and_bad_escapes(void **state)
{
	struct imap_cmd c;
	size_t used, lit;

	(void)state;
	assert_int_equal(parse("a LOGIN \"us\0er\" \"pw\"\r\n", 22, &c, &used,
	    &lit), IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	assert_int_equal(parse("a LOGIN \"u\\x\" p\r\n", 17, &c, &used,
	    &lit), IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	assert_int_equal(parse("a LOGIN \"u\\", 11, &c, &used, &lit),
	    IMAP_PARSE_NEED_MORE);
	imap_cmd_free(&c);
}

static void
test_tags_and_lines(void **state)
{
	char *s = xmalloc(70000);
	struct imap_cmd c;
	size_t used, lit;

	(void)state;
	assert_int_equal(parse("* NOOP\r\n", 8, &c, &used, &lit),
	    IMAP_PARSE_BAD);
	assert_int_equal(used, 8);
	imap_cmd_free(&c);
	assert_int_equal(parse("a+ NOOP\r\n", 9, &c, &used, &lit),
	    IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	assert_int_equal(parse("NOOP\r\n", 6, &c, &used, &lit),
	    IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	assert_int_equal(parse("a NOOP x  y\r\n", 13, &c, &used, &lit),
	    IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	memset(s, 'x', 70000);
	memcpy(s, "a NOOP ", 7);
	assert_int_equal(parse(s, 70000, &c, &used, &lit),
	    IMAP_PARSE_TOO_BIG);
	imap_cmd_free(&c);
	memset(s, 'x', 1000);
	memcpy(s + 1000, " NOOP\r\n", 7);
	assert_int_equal(parse(s, 1007, &c, &used, &lit), IMAP_PARSE_BAD);
	imap_cmd_free(&c);
	free(s);
	assert_int_equal(parse("a NOOP\r\n", 8, &c, &used, &lit),
	    IMAP_PARSE_OK);
	assert_int_equal(c.nargs, 0);
	imap_cmd_free(&c);
}

static void
test_sequence_sets_are_ranges(void **state)
{
	struct imap_seqset s;

	(void)state;
	assert_int_equal(imap_seqset_parse("1:*,*:1,7,4294967295", 20, &s), 0);
	assert_int_equal(s.n, 4);
	assert_true(imap_seqset_has(&s, 100, 100));
	assert_true(imap_seqset_has(&s, 4294967295u, 5));
	imap_seqset_free(&s);
	assert_int_equal(imap_seqset_parse("3:1", 3, &s), 0);
	assert_int_equal(s.v[0].lo, 1);
	assert_int_equal(s.v[0].hi, 3);
	assert_false(imap_seqset_has(&s, 4, 10));
	imap_seqset_free(&s);
	assert_int_equal(imap_seqset_parse("0", 1, &s), -1);
	assert_int_equal(imap_seqset_parse("1:4294967296", 12, &s), -1);
	assert_int_equal(imap_seqset_parse("1,,2", 4, &s), -1);
	assert_int_equal(imap_seqset_parse("", 0, &s), -1);
	assert_int_equal(imap_seqset_parse("1:", 2, &s), -1);
}

static void
test_mailbox_names_must_be_modified_utf7(void **state)
{
	(void)state;
	assert_true(imap_mutf7_valid("INBOX"));
	assert_true(imap_mutf7_valid("a&-b"));
	assert_true(imap_mutf7_valid("&AOQ-"));		/* a with umlaut */
	assert_true(imap_mutf7_valid("~peter/mail/&U,BTFw-/&ZeVnLIqe-"));
	assert_true(imap_mutf7_valid("&2D3eAA-"));	/* U+1F600, a pair */
	assert_false(imap_mutf7_valid("&AAA"));		/* no "-" */
	assert_false(imap_mutf7_valid("&AAA-"));	/* U+0000 */
	assert_false(imap_mutf7_valid("&AGE-"));	/* "a" encoded */
	assert_false(imap_mutf7_valid("&2D0-"));	/* half a pair */
	assert_false(imap_mutf7_valid("&3gA-"));	/* low half alone */
	assert_false(imap_mutf7_valid("&AOR-"));	/* bits left not 0 */
	assert_false(imap_mutf7_valid("&*-"));
	assert_false(imap_mutf7_valid("caf\xc3\xa9"));	/* 8-bit */
	assert_false(imap_mutf7_valid("a\tb"));
}

static int
setup(void **state)
{
	(void)state;
	imap_limits_default(&lim, 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arguments_of_every_kind),
		cmocka_unit_test(test_one_byte_at_a_time_needs_more_until_complete),
		cmocka_unit_test(test_synchronising_literal_asks_for_continuation),
		cmocka_unit_test(test_huge_literals_are_refused_before_allocation),
		cmocka_unit_test(test_deep_nesting_is_capped_before_login),
		cmocka_unit_test(test_quoted_strings_refuse_nul_cr_and_bad_escapes),
		cmocka_unit_test(test_tags_and_lines),
		cmocka_unit_test(test_sequence_sets_are_ranges),
		cmocka_unit_test(test_mailbox_names_must_be_modified_utf7),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
