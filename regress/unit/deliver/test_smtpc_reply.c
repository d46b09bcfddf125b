/*
 * test_smtpc_reply.c -- the SMTP client's reply assembler (multi-line
 * replies, skipped garbage, limits, control bytes), EHLO keywords, the
 * default DSN codes, the parameter and address checks, and host
 * specifications.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "deliver/smtpc.h"

/* Feeds "\n"-separated lines; the result of the last feed. */
static enum smtpc_feed
feed_all(struct smtpc_reply *r, const char *s)
{
	enum smtpc_feed f = SMTPC_REPLY_MORE;
	const char *nl;

	smtpc_reply_reset(r);
	while (*s != '\0') {
		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s);
		f = smtpc_reply_feed(r, s, (size_t)(nl - s));
		if (f != SMTPC_REPLY_MORE || *nl == '\0')
			return f;
		s = nl + 1;
	}
	return f;
}

static void
test_reply_lines(void **state)
{
	static const struct {
		const char	*in;
		enum smtpc_feed	 want;
		int		 code;
		const char	*enh, *first, *text, *lines;
	} t[] = {
		{ "250 ok\r", SMTPC_REPLY_DONE, 250, "", "250 ok", "ok",
		    "ok\n" },
		{ "550 5.1.1 <a>... User unknown", SMTPC_REPLY_DONE, 550,
		    "5.1.1", "550 5.1.1 <a>... User unknown",
		    "<a>... User unknown", "<a>... User unknown\n" },
		{ "250-one\n250-two\n250 three", SMTPC_REPLY_DONE, 250, "",
		    "250-one", "one", "one\ntwo\nthree\n" },
		{ "250-", SMTPC_REPLY_MORE, 250, "", "250-", "", "\n" },
		{ "250", SMTPC_REPLY_DONE, 250, "", "250", "", "\n" },
		/* garbage is skipped as sendmail skips it */
		{ "hello\n\n2\n220 hi", SMTPC_REPLY_DONE, 220, "", "220 hi",
		    "hi", "hi\n" },
		{ "250x\n2500\n25\n250 y", SMTPC_REPLY_DONE, 250, "",
		    "250 y", "y", "y\n" },
		/* shaped like a reply, but not one: out of step */
		{ "199 x\n250 y", SMTPC_REPLY_ERROR, 0, "", NULL, NULL,
		    NULL },
		{ "650 x", SMTPC_REPLY_ERROR, 0, "", NULL, NULL, NULL },
		{ "250-a\n250-b\x01\n250-", SMTPC_REPLY_MORE, 250, "",
		    "250-a", "a", "a\nb \n\n" },
		/* a 4xx enhanced code on a 2xx reply is text */
		{ "250 4.0.0 odd", SMTPC_REPLY_DONE, 250, "", "250 4.0.0 odd",
		    "4.0.0 odd", "4.0.0 odd\n" },
		/* control bytes never reach a log line */
		{ "550 a\tb\x01" "c\x7f", SMTPC_REPLY_DONE, 550, "",
		    "550 a b c ", "a b c ", "a b c \n" },
		{ "250-a\n550 b", SMTPC_REPLY_ERROR, 250, "", NULL, NULL,
		    NULL },
	};
	struct smtpc_reply r;
	size_t i;

	(void)state;
	smtpc_reply_init(&r);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(feed_all(&r, t[i].in), t[i].want);
		assert_int_equal(r.code, t[i].code);
		assert_string_equal(r.enh, t[i].enh);
		if (t[i].first == NULL) {
			assert_non_null(r.why);
			continue;
		}
		assert_string_equal(r.first.data, t[i].first);
		assert_string_equal(smtpc_reply_text(&r), t[i].text);
		assert_string_equal(r.lines.data, t[i].lines);
	}
	smtpc_reply_free(&r);
}

static void
test_reply_limits(void **state)
{
	struct smtpc_reply r;
	char *line = malloc(SMTPC_LINE_MAX + 2);
	size_t i;

	(void)state;
	smtpc_reply_init(&r);
	/* SMTPC_LINE_MAX bytes (plus a CR) is fine, one more is not */
	memset(line, 'x', SMTPC_LINE_MAX + 1);
	memcpy(line, "250 ", 4);
	line[SMTPC_LINE_MAX] = '\r';
	assert_int_equal(smtpc_reply_feed(&r, line, SMTPC_LINE_MAX + 1),
	    SMTPC_REPLY_DONE);
	line[SMTPC_LINE_MAX] = 'x';
	smtpc_reply_reset(&r);
	assert_int_equal(smtpc_reply_feed(&r, line, SMTPC_LINE_MAX + 1),
	    SMTPC_REPLY_ERROR);
	/* 100 lines, then the 101st fails; garbage counts */
	smtpc_reply_reset(&r);
	for (i = 0; i < SMTPC_REPLY_LINES - 1; i++)
		assert_int_equal(smtpc_reply_feed(&r, i % 2 ? "junk" :
		    "250-x", i % 2 ? 4 : 5), SMTPC_REPLY_MORE);
	assert_int_equal(smtpc_reply_feed(&r, "250 x", 5), SMTPC_REPLY_DONE);
	smtpc_reply_reset(&r);
	for (i = 0; i < SMTPC_REPLY_LINES; i++)
		assert_int_equal(smtpc_reply_feed(&r, "250-x", 5),
		    SMTPC_REPLY_MORE);
	assert_int_equal(smtpc_reply_feed(&r, "250 x", 5),
	    SMTPC_REPLY_ERROR);
	/* a NUL inside a reply line is no end of it */
	smtpc_reply_reset(&r);
	assert_int_equal(smtpc_reply_feed(&r, "250 o\0k", 7),
	    SMTPC_REPLY_ERROR);
	smtpc_reply_reset(&r);
	assert_int_equal(smtpc_reply_feed(&r, "hi\0there", 8),
	    SMTPC_REPLY_MORE);
	/* after DONE the next feed starts a new reply */
	smtpc_reply_reset(&r);
	assert_int_equal(smtpc_reply_feed(&r, "250 a", 5), SMTPC_REPLY_DONE);
	assert_int_equal(smtpc_reply_feed(&r, "354 b", 5), SMTPC_REPLY_DONE);
	assert_int_equal(r.code, 354);
	smtpc_reply_free(&r);
	free(line);
}

static void
test_ehlo_keywords(void **state)
{
	struct smtpc_reply r;
	struct smtpc_ext e;

	(void)state;
	smtpc_reply_init(&r);
	assert_int_equal(feed_all(&r, "250-mx.example Hello SIZE PIPELINING\n"
	    "250-size 52428800\n250-8bitmime\n250-PIPELINING\n250-DSN\n"
	    "250-ENHANCEDSTATUSCODES\n250-AUTH=LOGIN\n250-STARTTLS\n"
	    "250-X-UNKNOWN\n250 CHUNKING"), SMTPC_REPLY_DONE);
	smtpc_ehlo_parse(&r, &e);
	assert_int_equal(e.flags, SMTPC_EXT_SIZE | SMTPC_EXT_8BITMIME |
	    SMTPC_EXT_PIPELINING | SMTPC_EXT_DSN | SMTPC_EXT_ENHSTATUS |
	    SMTPC_EXT_AUTH | SMTPC_EXT_STARTTLS | SMTPC_EXT_CHUNKING);
	assert_true(e.maxsize == 52428800ULL);
	/* the greeting line's words are no keywords; bad SIZE: no limit */
	assert_int_equal(feed_all(&r, "250-x PIPELINING\n250-SIZE abc\n"
	    "250 SIZEX"), SMTPC_REPLY_DONE);
	smtpc_ehlo_parse(&r, &e);
	assert_int_equal(e.flags, SMTPC_EXT_SIZE);
	assert_true(e.maxsize == 0);
	assert_int_equal(feed_all(&r, "250-x\n250 SIZE "
	    "99999999999999999999999"), SMTPC_REPLY_DONE);
	smtpc_ehlo_parse(&r, &e);
	assert_true(e.maxsize == 0);
	assert_int_equal(feed_all(&r, "250 only"), SMTPC_REPLY_DONE);
	smtpc_ehlo_parse(&r, &e);
	assert_int_equal(e.flags, 0);
	smtpc_reply_free(&r);
}

static void
test_code_dsn(void **state)
{
	(void)state;
	assert_string_equal(smtpc_code_dsn(250), "2.0.0");
	assert_string_equal(smtpc_code_dsn(421), "4.4.2");
	assert_string_equal(smtpc_code_dsn(450), "4.2.0");
	assert_string_equal(smtpc_code_dsn(451), "4.3.0");
	assert_string_equal(smtpc_code_dsn(452), "4.3.1");
	assert_string_equal(smtpc_code_dsn(499), "4.0.0");
	assert_string_equal(smtpc_code_dsn(501), "5.5.2");
	assert_string_equal(smtpc_code_dsn(550), "5.2.0");
	assert_string_equal(smtpc_code_dsn(552), "5.2.2");
	assert_string_equal(smtpc_code_dsn(553), "5.1.0");
	assert_string_equal(smtpc_code_dsn(554), "5.0.0");
	assert_string_equal(smtpc_code_dsn(599), "5.0.0");
}

static void
test_param_and_address_checks(void **state)
{
	(void)state;
	assert_true(smtpc_xtext_ok("rfc822;a+2Bb@c"));
	assert_true(smtpc_xtext_ok("8BITMIME"));
	assert_false(smtpc_xtext_ok(""));
	assert_false(smtpc_xtext_ok("a b"));
	assert_false(smtpc_xtext_ok("a=b"));
	assert_false(smtpc_xtext_ok("a\r\nRSET"));
	assert_false(smtpc_xtext_ok("caf\xc3\xa9"));
	assert_true(smtpc_addr_ok("a@b"));
	assert_true(smtpc_addr_ok(""));
	assert_true(smtpc_addr_ok("\"john doe\"@b"));
	assert_false(smtpc_addr_ok("a@b>\r\nRSET"));
	assert_false(smtpc_addr_ok("a@b\n"));
	assert_false(smtpc_addr_ok("a@b> NOTIFY=NEVER"));
	assert_false(smtpc_addr_ok("a\x7f@b"));
}

static void
test_host_specs(void **state)
{
	static const struct {
		const char	*spec;
		int		 rc, literal, port;
		const char	*name;
	} t[] = {
		{ "mx.example.", 0, 0, 25, "mx.example." },
		{ "mx.example:2525", 0, 0, 2525, "mx.example" },
		{ "[192.0.2.1]", 0, 1, 25, "192.0.2.1" },
		{ "[192.0.2.1]:26", 0, 1, 26, "192.0.2.1" },
		{ "[IPv6:2001:db8::1]", 0, 1, 25, "2001:db8::1" },
		{ "[ipv6:::1]:587", 0, 1, 587, "::1" },
		{ "[2001:db8::1]", 0, 1, 25, "2001:db8::1" },
		{ "[mail.example]", 0, 0, 25, "mail.example" },
		{ "[999.1.1.1]", 0, 0, 25, "999.1.1.1" },
		{ "2001:db8::1", -1, 0, 0, NULL },
		{ "", -1, 0, 0, NULL },
		{ "[]", -1, 0, 0, NULL },
		{ "[1.2.3.4", -1, 0, 0, NULL },
		{ "[1.2.3.4]x", -1, 0, 0, NULL },
		{ "host:0", -1, 0, 0, NULL },
		{ "host:65536", -1, 0, 0, NULL },
		{ "host:", -1, 0, 0, NULL },
		{ "host:25x", -1, 0, 0, NULL },
	};
	struct smtpc_hostspec hs;
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(smtpc_host_parse(t[i].spec, 0, &hs),
		    t[i].rc);
		if (t[i].rc != 0)
			continue;
		assert_string_equal(hs.name, t[i].name);
		assert_int_equal(hs.literal, t[i].literal);
		assert_int_equal(hs.port, t[i].port);
	}
	assert_int_equal(smtpc_host_parse("mx", 2525, &hs), 0);
	assert_int_equal(hs.port, 2525);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(smtpc_host_parse(longname, 0, &hs), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_lines),
		cmocka_unit_test(test_reply_limits),
		cmocka_unit_test(test_ehlo_keywords),
		cmocka_unit_test(test_code_dsn),
		cmocka_unit_test(test_param_and_address_checks),
		cmocka_unit_test(test_host_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
