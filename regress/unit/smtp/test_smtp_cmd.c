/*
 * test_smtp_cmd.c -- SMTP command lines (verbs in any case, the
 * argument after white space, NUL bytes), the FROM:/TO: keyword, ESMTP
 * parameter splitting, xtext both ways and NOTIFY lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp.h"

/* parses a copy of s (len strlen unless given) */
static struct smtp_cmd
parse(char *copy, size_t cap, const char *s, size_t len)
{
	struct smtp_cmd c;

	assert_true(len < cap);
	memcpy(copy, s, len);
	copy[len] = '\0';
	smtp_cmd_parse(copy, len, &c);
	return c;
}

static void
test_verbs_match_in_any_case(void **state)
{
	static const struct {
		const char	*line;
		enum smtp_verb	 verb;
		const char	*word, *arg;
	} t[] = {
		{ "HELO host", SMTP_HELO, "HELO", "host" },
		{ "ehlo host.example", SMTP_EHLO, "ehlo", "host.example" },
		{ "MaIl FROM:<a@b>", SMTP_MAIL, "MaIl", "FROM:<a@b>" },
		{ "RCPT TO:<a@b> NOTIFY=NEVER", SMTP_RCPT, "RCPT",
		    "TO:<a@b> NOTIFY=NEVER" },
		{ "DATA", SMTP_DATA, "DATA", "" },
		{ "BDAT 5 LAST", SMTP_BDAT, "BDAT", "5 LAST" },
		{ "rset", SMTP_RSET, "rset", "" },
		{ "NOOP   x  ", SMTP_NOOP, "NOOP", "x  " },
		{ "QUIT", SMTP_QUIT, "QUIT", "" },
		{ "VRFY root", SMTP_VRFY, "VRFY", "root" },
		{ "EXPN list", SMTP_EXPN, "EXPN", "list" },
		{ "HELP", SMTP_HELP, "HELP", "" },
		{ "VERB", SMTP_VERB, "VERB", "" },
		{ "ETRN @x", SMTP_ETRN, "ETRN", "@x" },
		{ "starttls", SMTP_STARTTLS, "starttls", "" },
		{ "AUTH PLAIN AGEAYg==", SMTP_AUTH, "AUTH", "PLAIN AGEAYg==" },
		{ "ONEX", SMTP_ONEX, "ONEX", "" },
		{ "XUSR", SMTP_XUSR, "XUSR", "" },
		{ "  \tNOOP\tx", SMTP_NOOP, "NOOP", "x" },
		{ "MAILX FROM:<>", SMTP_UNKNOWN, "MAILX", "FROM:<>" },
		{ "MAI", SMTP_UNKNOWN, "MAI", "" },
		{ "", SMTP_UNKNOWN, "", "" },
		{ "   ", SMTP_UNKNOWN, "", "" },
		{ "GET / HTTP/1.0", SMTP_UNKNOWN, "GET", "/ HTTP/1.0" },
		{ "\xffHELO x", SMTP_UNKNOWN, "\xffHELO", "x" },
	};
	char buf[128];
	struct smtp_cmd c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = parse(buf, sizeof(buf), t[i].line, strlen(t[i].line));
		assert_int_equal(c.verb, t[i].verb);
		assert_string_equal(c.word, t[i].word);
		assert_string_equal(c.arg, t[i].arg);
	}
}

static void
test_nul_in_line_is_unknown_with_word(void **state)
{
	char buf[64];
	struct smtp_cmd c;

	(void)state;
	c = parse(buf, sizeof(buf), "MA\0IL FROM:<a@b>", 16);
	assert_int_equal(c.verb, SMTP_UNKNOWN);
	assert_string_equal(c.word, "MA");
	assert_string_equal(c.arg, "");
	c = parse(buf, sizeof(buf), "MAIL FROM:<a\0b@local>", 21);
	assert_int_equal(c.verb, SMTP_UNKNOWN);
	assert_string_equal(c.word, "MAIL");
	c = parse(buf, sizeof(buf), "\0", 1);
	assert_int_equal(c.verb, SMTP_UNKNOWN);
	assert_string_equal(c.word, "");
}

static void
test_verb_names_and_old_verbs(void **state)
{
	(void)state;
	assert_string_equal(smtp_verb_name(SMTP_STARTTLS), "STARTTLS");
	assert_string_equal(smtp_verb_name(SMTP_UNKNOWN), "");
	assert_true(smtp_verb_not_implemented("turn"));
	assert_true(smtp_verb_not_implemented("SOML"));
	assert_false(smtp_verb_not_implemented("DEBUG"));
}

static void
test_skip_keyword_like_skipword(void **state)
{
	static const struct {
		const char	*arg, *kw, *rest;	/* rest NULL: syntax */
	} t[] = {
		{ "FROM:<a@b>", "FROM", "<a@b>" },
		{ "from:<a@b> SIZE=1", "FROM", "<a@b> SIZE=1" },
		{ "FROM : <a@b>", "FROM", "<a@b>" },
		{ "FROM:   <>", "FROM", "<>" },
		{ " TO:<x>", "TO", "<x>" },
		{ "To:<x>", "TO:", "<x>" },
		{ "FROM:", "FROM", "" },
		{ "FROM:   ", "FROM", "" },
		{ "FROM<a@b>", "FROM", NULL },
		{ "FROM <a@b>", "FROM", NULL },
		{ "FRO:<a@b>", "FROM", NULL },
		{ "FROMM:<a@b>", "FROM", NULL },
		{ "TO:<a@b>", "FROM", NULL },
		{ ":<a@b>", "FROM", NULL },
		{ "", "FROM", NULL },
	};
	char buf[64];
	char *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].arg);
		r = smtp_skip_keyword(buf, t[i].kw);
		if (t[i].rest == NULL) {
			assert_null(r);
		} else {
			assert_non_null(r);
			assert_string_equal(r, t[i].rest);
		}
	}
}

static void
test_params_split_on_spaces(void **state)
{
	char s[] = "SIZE=100 BODY=8BITMIME  SMTPUTF8 AUTH=<> BY=120;R "
	    "ORCPT=rfc822;a+2Bb@c X=a=b";
	struct smtp_param p[8];
	size_t n;

	(void)state;
	assert_int_equal(smtp_params_split(s, p, 8, &n), 0);
	assert_int_equal(n, 7);
	assert_string_equal(p[0].key, "SIZE");
	assert_string_equal(p[0].value, "100");
	assert_string_equal(p[1].value, "8BITMIME");
	assert_string_equal(p[2].key, "SMTPUTF8");
	assert_null(p[2].value);
	assert_string_equal(p[3].value, "<>");
	assert_string_equal(p[4].value, "120;R");
	assert_string_equal(p[5].key, "ORCPT");
	assert_string_equal(p[5].value, "rfc822;a+2Bb@c");
	assert_string_equal(p[6].key, "X");
	assert_string_equal(p[6].value, "a=b");
}

static void
test_params_too_many_and_empty(void **state)
{
	char s1[] = "A B C";
	char s2[] = "   ";
	char s3[] = "A B";
	char s4[] = "=x K=";
	struct smtp_param p[2];
	size_t n;

	(void)state;
	assert_int_equal(smtp_params_split(s1, p, 2, &n), -1);
	assert_int_equal(n, 2);
	assert_int_equal(smtp_params_split(s2, p, 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(smtp_params_split(s3, p, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(smtp_params_split(s4, p, 2, &n), 0);
	assert_string_equal(p[0].key, "");
	assert_string_equal(p[0].value, "x");
	assert_string_equal(p[1].value, "");
	assert_int_equal(smtp_params_split(s1, p, 0, &n), -1);
}

static void
test_param_key_check(void **state)
{
	(void)state;
	assert_true(smtp_param_key_ok("SIZE"));
	assert_true(smtp_param_key_ok("X-Foo-1"));
	assert_false(smtp_param_key_ok(""));
	assert_false(smtp_param_key_ok("-X"));
	assert_false(smtp_param_key_ok("A_B"));
	assert_false(smtp_param_key_ok("A\xff"));
}

static void
test_xtext_decode(void **state)
{
	static const struct {
		const char	*in, *out;	/* out NULL: -1 */
	} t[] = {
		{ "a+2Bb@c", "a+b@c" },
		{ "rfc822;x+0D+0AHack", "rfc822;x\r\nHack" },
		{ "plain", "plain" },
		{ "", "" },
		{ "+7E", "~" },
		{ "+2b", NULL },	/* lower-case hex */
		{ "+2", NULL },
		{ "+", NULL },
		{ "a+G0", NULL },
		{ "a=b", NULL },
		{ "a b", NULL },
		{ "a\x7f", NULL },
		{ "a\xc3\xa9", NULL },
		{ "a+00b", NULL },	/* would cut the string */
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		if (t[i].out == NULL) {
			assert_int_equal(smtp_xtext_decode(buf), -1);
		} else {
			assert_int_equal(smtp_xtext_decode(buf), 0);
			assert_string_equal(buf, t[i].out);
		}
	}
}

static void
test_xtext_encode_round_trips(void **state)
{
	struct buf b;
	char copy[64];

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(smtp_xtext_encode("a+b=c d\r\n\xff~!", &b), 0);
	assert_string_equal(b.data, "a+2Bb+3Dc+20d+0D+0A+FF~!");
	snprintf(copy, sizeof(copy), "%s", b.data);
	assert_int_equal(smtp_xtext_decode(copy), 0);
	assert_string_equal(copy, "a+b=c d\r\n\xff~!");
	buf_reset(&b);
	assert_int_equal(smtp_xtext_encode("", &b), 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
	buf_init(&b, 4);
	assert_int_equal(smtp_xtext_encode("abc+", &b), -1);
	buf_free(&b);
}

static void
test_notify_lists(void **state)
{
	unsigned bits;

	(void)state;
	assert_int_equal(smtp_notify_parse("NEVER", &bits), 0);
	assert_int_equal(bits, SMTP_NOTIFY_NEVER);
	assert_int_equal(smtp_notify_parse("success,Delay", &bits), 0);
	assert_int_equal(bits, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_DELAY);
	assert_int_equal(smtp_notify_parse("FAILURE,FAILURE", &bits), 0);
	assert_int_equal(bits, SMTP_NOTIFY_FAILURE);
	assert_int_equal(smtp_notify_parse("SUCCESS,FAILURE,DELAY", &bits),
	    0);
	assert_int_equal(bits, 7);
	assert_int_equal(smtp_notify_parse("", &bits), -1);
	assert_int_equal(smtp_notify_parse("NEVER,DELAY", &bits), -1);
	assert_int_equal(smtp_notify_parse("SUCCESS,", &bits), -1);
	assert_int_equal(smtp_notify_parse(",SUCCESS", &bits), -1);
	assert_int_equal(smtp_notify_parse("SUCCESS ,DELAY", &bits), -1);
	assert_int_equal(smtp_notify_parse("SUCCES", &bits), -1);
	assert_int_equal(smtp_notify_parse("SUCCESSX", &bits), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs_match_in_any_case),
		cmocka_unit_test(test_nul_in_line_is_unknown_with_word),
		cmocka_unit_test(test_verb_names_and_old_verbs),
		cmocka_unit_test(test_skip_keyword_like_skipword),
		cmocka_unit_test(test_params_split_on_spaces),
		cmocka_unit_test(test_params_too_many_and_empty),
		cmocka_unit_test(test_param_key_check),
		cmocka_unit_test(test_xtext_decode),
		cmocka_unit_test(test_xtext_encode_round_trips),
		cmocka_unit_test(test_notify_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
