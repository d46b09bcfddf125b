/*
 * test_imap_session.c -- the IMAP state machine without a network: a
 * login callback that accepts one password and points at a Maildir in a
 * temporary folder; commands fed whole and one byte at a time give the
 * same replies; literals get one continuation; state rules, bad-command
 * limits, LOGINDISABLED and IDLE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/imap.h"
#include "lib/xalloc.h"

static char dir[256];

static enum imap_login
login(void *ctx, const char *user, const char *pass, const char *method,
    char **name_out, struct mail_location *loc)
{
	struct err err;

	(void)ctx;
	(void)method;
	if (strcmp(user, "joe") != 0 || strcmp(pass, "secret") != 0)
		return IMAP_LOGIN_FAILED;
	if (mail_location_parse("maildir:~/Maildir", user, dir, loc,
	    &err) == -1)
		return IMAP_LOGIN_MAILBOX;
	*name_out = xstrdup(user);
	return IMAP_LOGIN_OK;
}

static struct imap_cfg cfg = {
	.greeting = "ready.",
	.ssl = 1,
	.disable_plaintext_auth = 1,
	.mechanisms = "PLAIN",
	.login = login,
};

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/test_imap_session.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Runs a script through a fresh secured session, whole or a byte at a
 * time; returns everything the server said (free it). */
static char *
run(const char *script, int bytewise, int secured)
{
	struct imap_session s;
	size_t i, n = strlen(script);
	char *out;

	imap_session_init(&s, &cfg, 0, secured);
	imap_session_greet(&s);
	if (bytewise)
		for (i = 0; i < n && s.state != IMAP_LOGOUT; i++)
			imap_session_input(&s, script + i, 1);
	else
		imap_session_input(&s, script, n);
	imap_session_close(&s);
	out = xstrndup(s.out.data ? s.out.data : "", s.out.len);
	imap_session_free(&s);
	return out;
}

/* Drops the continuation lines: with the whole script at once the
 * literal is already there and none is asked for. */
static void
drop_continuations(char *s)
{
	char *p;

	while ((p = strstr(s, "+ OK\r\n")) != NULL)
		memmove(p, p + 6, strlen(p + 6) + 1);
}

/* Replies that differ from run to run (UIDVALIDITY) are cut out. */
static void
mask(char *s, const char *key)
{
	char *p = s;

	while ((p = strstr(p, key)) != NULL)
		for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
			*p = '#';
}

static void
test_bytewise_input_gives_the_same_replies(void **state)
{
	static const char script[] =
	    "a LOGIN joe secret\r\n"
	    "b SELECT INBOX\r\n"
	    "c APPEND INBOX (\\Seen) {21}\r\nSubject: x\r\n\r\nbody\r\n\r\n"
	    "d APPEND INBOX {12+}\r\nSubject: y\r\n\r\n"
	    "e FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])\r\n"
	    "f UID SEARCH UNSEEN\r\n"
	    "g LOGOUT\r\n";
	char *whole, *bytes;

	(void)state;
	whole = run(script, 0, 1);
	(void)teardown(NULL);
	(void)setup(NULL);
	bytes = run(script, 1, 1);
	mask(whole, "UIDVALIDITY ");
	mask(whole, "APPENDUID ");
	mask(bytes, "UIDVALIDITY ");
	mask(bytes, "APPENDUID ");
	/* one continuation for the synchronising literal, none for {n+} */
	assert_non_null(strstr(bytes, "+ OK\r\n"));
	assert_null(strstr(strstr(bytes, "+ OK\r\n") + 1, "+ OK\r\n"));
	assert_null(strstr(whole, "+ OK\r\n"));
	drop_continuations(bytes);
	assert_string_equal(whole, bytes);
	assert_non_null(strstr(whole, "* 2 EXISTS\r\n"));
	assert_non_null(strstr(whole, "* 1 FETCH (UID 1 FLAGS (\\Seen "
	    "\\Recent) BODY[HEADER.FIELDS (Subject)] {14}\r\nSubject: x\r\n"
	    "\r\n)\r\n"));
	assert_non_null(strstr(whole, "* SEARCH 2\r\n"));
	assert_non_null(strstr(whole, "g OK Logout completed.\r\n"));
	free(whole);
	free(bytes);
}

static void
test_state_rules_and_bad_command_limit(void **state)
{
	char *out;

	(void)state;
	out = run("a FETCH 1 FLAGS\r\nb NOOP\r\nc LOGIN joe wrong\r\n"
	    "d x\r\ne y\r\nf z\r\ng NOOP\r\n", 0, 1);
	assert_non_null(strstr(out, "a BAD Error in IMAP command received "
	    "by server.\r\n"));
	assert_non_null(strstr(out, "b OK NOOP completed.\r\n"));
	assert_non_null(strstr(out, "c NO [AUTHENTICATIONFAILED] "
	    "Authentication failed.\r\n"));
	assert_non_null(strstr(out, "* BYE Too many invalid IMAP "
	    "commands.\r\n"));
	assert_null(strstr(out, "g OK"));
	free(out);
	out = run("a LOGIN joe secret\r\nb FETCH 1 FLAGS\r\nc LOGIN joe "
	    "secret\r\n", 0, 1);
	assert_non_null(strstr(out, "b BAD No mailbox selected.\r\n"));
	assert_non_null(strstr(out, "c BAD Error in IMAP command LOGIN: "
	    "Command not allowed in this state.\r\n"));
	free(out);
}

static void
test_insecure_connection_gets_logindisabled(void **state)
{
	char *out;

	(void)state;
	out = run("a CAPABILITY\r\nb LOGIN joe secret\r\n"
	    "c AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=\r\n", 0, 0);
	assert_non_null(strstr(out, "STARTTLS LOGINDISABLED"));
	assert_null(strstr(out, "AUTH=PLAIN"));
	assert_non_null(strstr(out, "b NO [PRIVACYREQUIRED]"));
	assert_non_null(strstr(out, "c NO [PRIVACYREQUIRED]"));
	free(out);
}

static void
test_authenticate_plain_and_idle(void **state)
{
	char *out;

	(void)state;
	out = run("a AUTHENTICATE PLAIN\r\nAGpvZQBzZWNyZXQ=\r\n"
	    "b SELECT INBOX\r\nc IDLE\r\nDONE\r\nd IDLE\r\nnope\r\n", 1, 1);
	assert_non_null(strstr(out, "+ \r\n"));
	assert_non_null(strstr(out, "a OK [CAPABILITY IMAP4rev1 "));
	assert_non_null(strstr(out, "+ idling\r\nc OK Idle completed.\r\n"));
	assert_non_null(strstr(out, "d BAD Expected DONE.\r\n"));
	free(out);
	out = run("a AUTHENTICATE PLAIN\r\n*\r\n", 0, 1);
	assert_non_null(strstr(out, "a BAD Authentication aborted by "
	    "client.\r\n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_bytewise_input_gives_the_same_replies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_state_rules_and_bad_command_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_insecure_connection_gets_logindisabled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_authenticate_plain_and_idle, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
