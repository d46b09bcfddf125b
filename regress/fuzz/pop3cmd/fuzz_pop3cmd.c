/*
 * fuzz_pop3cmd.c -- arbitrary bytes as a POP3 client's lines: each LF-
 * ended line goes through pop3_cmd_parse() and the session state
 * machine.  "USER joe" / "PASS x" (or AUTH with joe/x) logs in to an
 * in-memory mailbox of three messages whose file does not exist, so
 * RETR, TOP and QUIT take their error paths too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3/pop3.h"
#include "lib/xalloc.h"

static enum pop3_login
fake_login(void *ctx, const char *user, const char *pass,
    const char *method, struct mailbox **mb_out)
{
	struct mailbox *mb;
	struct err err;
	size_t i;

	(void)ctx;
	(void)method;
	if (strcmp(user, "joe") != 0 || strcmp(pass, "x") != 0)
		return POP3_LOGIN_FAILED;
	mb = mailbox_open(MAILBOX_MBOX, "/nonexistent/fuzz/joe", NULL, &err);
	if (mb == NULL)
		abort();
	mb->cap = mb->n = 3;
	mb->msgs = xcalloc(3, sizeof(*mb->msgs));
	for (i = 0; i < 3; i++) {
		mb->msgs[i].uid = (uint32_t)(i + 1);
		mb->msgs[i].vsize = 100 * (i + 1);
		mb->total_vsize += mb->msgs[i].vsize;
	}
	*mb_out = mb;
	return POP3_LOGIN_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_cfg cfg = {
		.greeting = "Dovecot ready.",
		.ssl = POP3_SSL_YES,
		.disable_plaintext_auth = 1,
		.mechanisms = "PLAIN LOGIN",
		.uidl_format = "%08Xu%08Xv",
		.login = fake_login,
	};
	struct pop3_session s;
	struct pop3_cmd cmd;
	const char *p = (const char *)data, *end = p + size;

	pop3_session_init(&s, &cfg, 0, 1);
	pop3_session_greet(&s);
	while (p < end && s.state != POP3_CLOSED) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		(void)pop3_cmd_parse(p, len, &cmd);
		if (len > POP3_LINE_MAX)
			pop3_session_line_too_long(&s);
		else
			pop3_session_line(&s, p, len);
		if (s.want_tls)
			pop3_session_tls_started(&s);
		buf_reset(&s.out);
		p = nl ? nl + 1 : end;
	}
	pop3_session_free(&s);
	return 0;
}
