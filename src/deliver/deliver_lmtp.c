/*
 * deliver_lmtp.c -- a program mailer with F=z speaks LMTP (RFC 2033) on
 * its standard input and output, as mail.local -l does for
 * FEATURE(local_lmtp): LHLO, MAIL, one RCPT per recipient, DATA with the
 * message dot-stuffed in CRLF lines, then one reply per accepted
 * recipient, each deciding that recipient's outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"

#define LMTP_LINE_MAX	4096
#define LMTP_LINES_MAX	100

struct lmtp {
	int		 in, out;	/* from and to the mailer */
	struct fdin	 rd;
	struct buf	 line;
	struct smtp_reply_line r;
	char		 text[512];
};

/* One whole reply; its code (0: the mailer is gone or speaks nonsense). */
static int
reply(struct lmtp *l)
{
	int n;

	for (n = 0; n < LMTP_LINES_MAX; n++) {
		if (fdio_getline(&l->rd, &l->line, LMTP_LINE_MAX) != LINE_OK)
			return 0;
		if (l->line.len > 0 && l->line.data[l->line.len - 1] == '\r')
			buf_truncate(&l->line, l->line.len - 1);
		if (smtp_reply_line_parse(l->line.data, l->line.len, &l->r) ==
		    -1)
			return 0;
		(void)snprintf(l->text, sizeof(l->text), "%d %s%s%.*s",
		    l->r.code, l->r.enh, l->r.enh[0] ? " " : "",
		    (int)l->r.textlen, l->r.text);
		if (!l->r.more)
			return l->r.code;
	}
	return 0;
}

/* Sends "a b c" + CRLF, returns the reply's code. */
static int
cmd(struct lmtp *l, const char *a, const char *b, const char *c)
{
	struct buf out;
	int rc = 0;

	buf_init(&out, 4096);
	if (buf_adds(&out, a) == 0 && buf_adds(&out, b) == 0 &&
	    buf_adds(&out, c) == 0 && buf_add(&out, "\r\n", 2) == 0 &&
	    fdio_write_all(l->out, out.data, out.len) == 0)
		rc = reply(l);
	buf_free(&out);
	return rc;
}

static int
stuff(void *arg, const char *p, size_t n)
{
	struct buf *b = arg;
	const char *nl;

	/* whole lines are stuffed; dlv_write_message gives whole lines */
	while (n > 0) {
		nl = memchr(p, '\n', n);
		if (nl == NULL) {
			(void)smtp_dot_stuff_line(b, p, n);
			break;
		}
		(void)smtp_dot_stuff_line(b, p, (size_t)(nl - p));
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	return 0;
}

static void
outcome(struct dlv_rcpt *r, int code, const char *text)
{
	r->status = code >= 200 && code < 300 ? 0 : code >= 400 && code < 500
	    ? 75 : code == 550 || code == 551 || code == 553 ? 67 :
	    code == 0 ? 75 : 69;
	(void)snprintf(r->dsn, sizeof(r->dsn), "%s", dlv_exit_dsn(r->status));
	free(r->text);
	r->text = xstrdup(code >= 200 && code < 300 ? "Sent" : text);
}

void
dlv_lmtp(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, int to_mailer, int from_mailer, struct dlv_rcpt *r,
    size_t n)
{
	struct lmtp l;
	struct buf msg;
	struct err err;
	const char *j = cf_macro_value(dm->cf, "j");
	struct cf_mailer_info mm = *m;
	unsigned char flags[256];
	int *ok = xcalloc(n + 1, sizeof(*ok));
	char *bare;
	size_t i, nok = 0, len;
	int code;

	memset(&l, 0, sizeof(l));
	l.in = from_mailer;
	l.out = to_mailer;
	fdin_init(&l.rd, from_mailer);
	buf_init(&l.line, LMTP_LINE_MAX + 2);
	buf_init(&msg, 0);
	for (i = 0; i < n; i++)
		outcome(&r[i], 0, "Deferred: local mailer did not answer");
	if (reply(&l) != 220 || cmd(&l, "LHLO ", j ? j : "localhost", "")
	    != 250)
		goto out;
	bare = xstrdup(sender);	/* MAIL FROM:<...> wants it bare */
	if ((len = strlen(bare)) >= 2 && bare[0] == '<' && bare[len - 1] ==
	    '>') {
		memmove(bare, bare + 1, len - 2);
		bare[len - 2] = '\0';
	}
	code = cmd(&l, "MAIL FROM:<", bare, ">");
	free(bare);
	if (code != 250) {
		for (i = 0; i < n; i++)
			outcome(&r[i], l.r.code, l.text);
		goto out;
	}
	for (i = 0; i < n; i++) {
		code = cmd(&l, "RCPT TO:<", r[i].user, ">");
		ok[i] = code == 250;
		nok += ok[i];
		if (!ok[i])
			outcome(&r[i], code, l.text);
	}
	if (nok == 0 || cmd(&l, "DATA", "", "") != 354)
		goto quit;
	/* the message as the mailer wants it, then dot-stuffed */
	memcpy(flags, m->flags, sizeof(flags));
	flags['X'] = 0;
	mm.flags = flags;
	mm.eol = "\n";
	err_clear(&err);
	(void)dlv_write_message_cb(dm, &mm, sender, stuff, &msg, &err);
	(void)buf_adds(&msg, ".\r\n");
	if (fdio_write_all(l.out, msg.data, msg.len) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (ok[i])
			outcome(&r[i], reply(&l), l.text);
quit:
	(void)cmd(&l, "QUIT", "", "");
out:
	fdin_free(&l.rd);
	buf_free(&l.line);
	buf_free(&msg);
	free(ok);
}
