/*
 * test_pop3.c -- the POP3 command parser (typed numbers, verbs in any
 * case, NUL and length limits) and the session's replies and states,
 * with a login callback instead of a password database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pop3/pop3.h"
#include "lib/xalloc.h"

static void
test_parse_verbs_and_numbers(void **state)
{
	struct pop3_cmd c;

	(void)state;
	assert_int_equal(pop3_cmd_parse("retr 12", 7, &c), POP3_PARSE_OK);
	assert_int_equal(c.verb, POP3_RETR);
	assert_int_equal(c.n1_kind, POP3_NUM_OK);
	assert_int_equal(c.n1, 12);
	assert_int_equal(pop3_cmd_parse("TOP 1 4294967295\r", 17, &c),
	    POP3_PARSE_OK);
	assert_int_equal(c.n2, 4294967295u);
	assert_int_equal(pop3_cmd_parse("TOP 1 4294967296", 16, &c),
	    POP3_PARSE_OK);
	assert_int_equal(c.n2_kind, POP3_NUM_BAD);
	assert_int_equal(pop3_cmd_parse("DELE -1", 7, &c), POP3_PARSE_OK);
	assert_int_equal(c.n1_kind, POP3_NUM_BAD);
	assert_int_equal(pop3_cmd_parse("LIST", 4, &c), POP3_PARSE_OK);
	assert_int_equal(c.n1_kind, POP3_NUM_NONE);
	assert_int_equal(pop3_cmd_parse("PASS a b  c", 11, &c),
	    POP3_PARSE_OK);
	assert_int_equal(c.restlen, 6);
	assert_memory_equal(c.rest, "a b  c", 6);
	assert_int_equal(pop3_cmd_parse("XYZZY", 5, &c), POP3_PARSE_OK);
	assert_int_equal(c.verb, POP3_UNKNOWN);
	assert_int_equal(pop3_cmd_parse("", 0, &c), POP3_PARSE_EMPTY);
	assert_int_equal(pop3_cmd_parse("USER a\0b", 8, &c), POP3_PARSE_BAD);
}

static enum pop3_login
fake_login(void *ctx, const char *user, const char *pass,
    const char *method, struct mailbox **mb_out)
{
	struct err err;
	struct mailbox *mb;

	(void)ctx;
	(void)method;
	if (strcmp(user, "joe") != 0 || strcmp(pass, "x y") != 0)
		return POP3_LOGIN_FAILED;
	mb = mailbox_open(MAILBOX_MBOX, "/nonexistent/unit/joe", NULL, &err);
	assert_non_null(mb);
	mb->cap = mb->n = 2;
	mb->uidvalidity = 0x6b034c69;
	mb->msgs = xcalloc(2, sizeof(*mb->msgs));
	mb->msgs[0].uid = 3;
	mb->msgs[0].vsize = 10;
	mb->msgs[1].uid = 7;
	mb->msgs[1].vsize = 20;
	mb->total_vsize = 30;
	*mb_out = mb;
	return POP3_LOGIN_OK;
}

static const struct pop3_cfg cfg = {
	.greeting = "Dovecot ready.",
	.ssl = POP3_SSL_YES,
	.disable_plaintext_auth = 1,
	.mechanisms = "PLAIN LOGIN",
	.uidl_format = "%08Xu%08Xv",
	.login = fake_login,
};

/* Feeds one line, returns the replies and clears them. */
static const char *
say(struct pop3_session *s, const char *line)
{
	static char out[4096];

	pop3_session_line(s, line, strlen(line));
	assert_true(s->out.len < sizeof(out));
	memcpy(out, s->out.data ? s->out.data : "", s->out.len);
	out[s->out.len] = '\0';
	buf_reset(&s->out);
	return out;
}

static void
test_session_dialogue_words_replies_like_dovecot(void **state)
{
	struct pop3_session s;

	(void)state;
	pop3_session_init(&s, &cfg, 0, 1);
	pop3_session_greet(&s);
	assert_string_equal(s.out.data, "+OK Dovecot ready.\r\n");
	buf_reset(&s.out);
	assert_string_equal(say(&s, "STAT"), "-ERR Unknown command.\r\n");
	assert_string_equal(say(&s, "USER joe"), "+OK\r\n");
	assert_string_equal(say(&s, "PASS wrong"),
	    "-ERR [AUTH] Authentication failed.\r\n");
	assert_string_equal(say(&s, "USER joe"), "+OK\r\n");
	assert_string_equal(say(&s, "PASS x y"), "+OK Logged in.\r\n");
	assert_int_equal(s.state, POP3_TRANSACTION);
	assert_string_equal(say(&s, "STAT"), "+OK 2 30\r\n");
	assert_string_equal(say(&s, "LIST"),
	    "+OK 2 messages:\r\n1 10\r\n2 20\r\n.\r\n");
	assert_string_equal(say(&s, "UIDL 2"), "+OK 2 000000076b034c69\r\n");
	assert_string_equal(say(&s, "DELE 1"), "+OK Marked to be deleted.\r\n");
	assert_string_equal(say(&s, "DELE 1"), "-ERR Message is deleted.\r\n");
	assert_string_equal(say(&s, "STAT"), "+OK 1 20\r\n");
	assert_string_equal(say(&s, "UIDL"), "+OK\r\n2 000000076b034c69\r\n"
	    ".\r\n");
	assert_string_equal(say(&s, "RSET"), "+OK\r\n");
	assert_string_equal(say(&s, "LIST 3"),
	    "-ERR There's no message 3.\r\n");
	assert_string_equal(say(&s, "USER joe"),
	    "-ERR Unknown command: USER\r\n");
	pop3_session_free(&s);
}

static void
test_plaintext_refused_when_not_secured(void **state)
{
	struct pop3_session s;

	(void)state;
	pop3_session_init(&s, &cfg, 0, 0);
	assert_string_equal(say(&s, "USER joe"), "-ERR [AUTH] Plaintext "
	    "authentication disallowed on non-secure (SSL/TLS) "
	    "connections.\r\n");
	assert_string_equal(say(&s, "CAPA"), "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\n"
	    "RESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nSASL\r\n"
	    ".\r\n");
	assert_string_equal(say(&s, "STLS"),
	    "+OK Begin TLS negotiation now.\r\n");
	assert_true(s.want_tls);
	pop3_session_tls_started(&s);
	assert_string_equal(say(&s, "STLS"), "-ERR TLS is already active.\r\n");
	assert_string_equal(say(&s, "AUTH PLAIN AGpvZQB4IHk="),
	    "+OK Logged in.\r\n");
	pop3_session_free(&s);
}

static void
test_three_bad_commands_close_before_login(void **state)
{
	struct pop3_session s;

	(void)state;
	pop3_session_init(&s, &cfg, 0, 1);
	(void)say(&s, "a");
	(void)say(&s, "b");
	assert_string_equal(say(&s, "c"), "-ERR Unknown command.\r\n"
	    "-ERR Too many invalid commands.\r\n");
	assert_int_equal(s.state, POP3_CLOSED);
	pop3_session_free(&s);
}

static void
test_auth_login_and_abort(void **state)
{
	struct pop3_session s;

	(void)state;
	pop3_session_init(&s, &cfg, 0, 1);
	assert_string_equal(say(&s, "AUTH PLAIN"), "+ \r\n");
	assert_string_equal(say(&s, "*"),
	    "-ERR Authentication aborted by client.\r\n");
	assert_string_equal(say(&s, "AUTH LOGIN"), "+ VXNlcm5hbWU6\r\n");
	assert_string_equal(say(&s, "am9l"), "+ UGFzc3dvcmQ6\r\n");
	assert_string_equal(say(&s, "eCB5"), "+OK Logged in.\r\n");
	pop3_session_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_verbs_and_numbers),
		cmocka_unit_test(test_session_dialogue_words_replies_like_dovecot),
		cmocka_unit_test(test_plaintext_refused_when_not_secured),
		cmocka_unit_test(test_three_bad_commands_close_before_login),
		cmocka_unit_test(test_auth_login_and_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
