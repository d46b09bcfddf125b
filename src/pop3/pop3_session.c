/*
 * pop3_session.c -- the POP3 state machine (RFC 1939, 2449 CAPA and
 * RESP-CODES, 2595 STLS, 5034 AUTH PLAIN/LOGIN) with dovecot 2.3's reply
 * texts.  A table maps each verb to the states it is allowed in and its
 * handler; handlers check, then act, and write replies to s->out.
 * Nothing is expunged before QUIT (the UPDATE state).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "pop3.h"
#include "lib/log.h"
#include "auth/auth.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define BAD_MAX_AUTH	3	/* invalid commands before login */
#define BAD_MAX_TRANS	20

#define ST_AUTH		(1u << POP3_AUTHORIZATION)
#define ST_TRANS	(1u << POP3_TRANSACTION)

enum sasl_step {
	SASL_NONE,
	SASL_PLAIN,
	SASL_LOGIN_USER,
	SASL_LOGIN_PASS
};

static void
reply(struct pop3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	(void)buf_add(&s->out, "\r\n", 2);
}

static void
set_state(struct pop3_session *s, enum pop3_state st)
{
	if (s->state != st)
		log_plain(LOG_DEBUG, "pop3: state %d -> %d", s->state, st);
	s->state = st;
}

void
pop3_session_init(struct pop3_session *s, const struct pop3_cfg *cfg,
    int tls, int secured)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->tls = tls;
	s->secured = secured || tls;
	s->state = POP3_AUTHORIZATION;
	buf_init(&s->out, 0);
}

void
pop3_session_free(struct pop3_session *s)
{
	if (s == NULL)
		return;
	buf_free(&s->out);
	free(s->user);
	free(s->sasl_user);
	free(s->deleted);
	free(s->seen);
	free(s->login_user);
	mailbox_free(s->mb);
	s->mb = NULL;
}

void
pop3_session_greet(struct pop3_session *s)
{
	reply(s, "+OK %s", s->cfg->greeting);
}

/* Plaintext passwords are allowed over TLS and on secured connections
 * (local address == remote address); ssl = required implies
 * disable_plaintext_auth but, as in dovecot 2.3.19, still trusts a
 * secured connection. */
static int
plaintext_ok(const struct pop3_session *s)
{
	if (s->tls || s->secured)
		return 1;
	return !s->cfg->disable_plaintext_auth &&
	    s->cfg->ssl != POP3_SSL_REQUIRED;
}

static void
plaintext_refused(struct pop3_session *s)
{
	reply(s, "-ERR [AUTH] Plaintext authentication disallowed on "
	    "non-secure (SSL/TLS) connections.");
}

static int
mech_enabled(const struct pop3_session *s, const char *mech)
{
	return auth_mech_listed(s->cfg->mechanisms, mech);
}

static void
do_login(struct pop3_session *s, const char *user, const char *pass,
    const char *method)
{
	struct mailbox *mb = NULL;
	enum pop3_login r;

	r = s->cfg->login(s->cfg->ctx, user, pass, method, &mb);
	switch (r) {
	case POP3_LOGIN_OK:
		s->mb = mb;
		s->deleted = xcalloc(mb->n ? mb->n : 1, 1);
		s->seen = xcalloc(mb->n ? mb->n : 1, 1);
		free(s->login_user);
		s->login_user = xstrdup(user);
		s->login_method = method;
		reply(s, "+OK Logged in.");
		set_state(s, POP3_TRANSACTION);
		break;
	case POP3_LOGIN_FAILED:
		reply(s, "-ERR [AUTH] Authentication failed.");
		break;
	case POP3_LOGIN_INUSE:
		reply(s, "-ERR [IN-USE] Mailbox is locked by another POP3 "
		    "session.");
		break;
	case POP3_LOGIN_TEMPFAIL:
		reply(s, "-ERR [SYS/TEMP] Temporary authentication failure.");
		break;
	case POP3_LOGIN_MAILBOX:
		reply(s, "-ERR [SYS/TEMP] Couldn't open INBOX: Internal error "
		    "occurred. Refer to server log for more information.");
		break;
	}
	free(s->user);
	s->user = NULL;
}

/* ---- AUTHORIZATION */

static void
cmd_capa(struct pop3_session *s, const struct pop3_cmd *c)
{
	reply(s, "+OK");
	reply(s, "CAPA");
	reply(s, "TOP");
	reply(s, "UIDL");
	reply(s, "RESP-CODES");
	reply(s, "PIPELINING");
	reply(s, "AUTH-RESP-CODE");
	if (s->state == POP3_AUTHORIZATION) {
		if (s->cfg->ssl != POP3_SSL_NO && !s->tls)
			reply(s, "STLS");
		if (plaintext_ok(s)) {
			reply(s, "USER");
			reply(s, "SASL %s", s->cfg->mechanisms);
		} else
			reply(s, "SASL");
	}
	reply(s, ".");
}

static void
cmd_user(struct pop3_session *s, const struct pop3_cmd *c)
{
	if (!plaintext_ok(s)) {
		plaintext_refused(s);
		return;
	}
	if (c->restlen == 0) {
		reply(s, "-ERR No username given.");
		return;
	}
	free(s->user);
	s->user = xstrndup(c->rest, c->restlen);
	reply(s, "+OK");
}

static void
cmd_pass(struct pop3_session *s, const struct pop3_cmd *c)
{
	char *pass;

	if (!plaintext_ok(s)) {
		plaintext_refused(s);
		return;
	}
	if (s->user == NULL) {
		reply(s, "-ERR No username given.");
		return;
	}
	pass = xstrndup(c->rest, c->restlen);
	do_login(s, s->user, pass, "PLAIN");
	explicit_bzero(pass, c->restlen);
	free(pass);
}

/* base64 into a NUL-terminated string; NULL when invalid. */
static char *
unbase64(const char *p, size_t n, size_t *len_out)
{
	struct buf b;

	if (n > POP3_LINE_MAX)
		return NULL;
	buf_init(&b, POP3_LINE_MAX);
	if (base64_decode(p, n, &b) == -1) {
		buf_free(&b);
		return NULL;
	}
	*len_out = b.len;
	return buf_steal(&b);
}

/* "authzid NUL authcid NUL passwd" */
static void
sasl_plain(struct pop3_session *s, const char *p, size_t n)
{
	size_t len;
	char *d = unbase64(p, n, &len);
	const char *authcid, *pw;
	size_t a, b;

	if (d == NULL) {
		reply(s, "-ERR Invalid base64 data in continued response");
		return;
	}
	a = strnlen(d, len);
	if (a >= len) {
		reply(s, "-ERR [AUTH] Authentication failed.");
		free(d);
		return;
	}
	authcid = d + a + 1;
	b = strnlen(authcid, len - a - 1);
	if (a + 1 + b >= len) {
		reply(s, "-ERR [AUTH] Authentication failed.");
		free(d);
		return;
	}
	pw = authcid + b + 1;
	if (memchr(pw, '\0', len - a - b - 2) != NULL ||
	    (a > 0 && (a != b || memcmp(d, authcid, a) != 0)))
		reply(s, "-ERR [AUTH] Authentication failed.");
	else
		do_login(s, authcid, pw, "PLAIN");
	explicit_bzero(d, len);
	free(d);
}

static void
cmd_auth(struct pop3_session *s, const struct pop3_cmd *c)
{
	if (c->arg1len == 0) {
		struct strarr w = { 0 };
		size_t i;

		reply(s, "+OK");
		str_split(s->cfg->mechanisms, " ,\t", &w);
		for (i = 0; i < w.n && plaintext_ok(s); i++)
			reply(s, "%s", w.v[i]);
		strarr_free(&w);
		reply(s, ".");
		return;
	}
	if ((c->arg1len == 5 && str_ncasecmp(c->arg1, "PLAIN", 5) == 0 &&
	    mech_enabled(s, "PLAIN")) ||
	    (c->arg1len == 5 && str_ncasecmp(c->arg1, "LOGIN", 5) == 0 &&
	    mech_enabled(s, "LOGIN"))) {
		int plain = str_ncasecmp(c->arg1, "PLAIN", 5) == 0;

		if (!plaintext_ok(s)) {
			/* dovecot words the SASL refusal differently */
			reply(s, "-ERR [AUTH] Plaintext authentication "
			    "disabled.");
			return;
		}
		if (plain && c->arg2len > 0) {
			if (c->arg2len == 1 && c->arg2[0] == '=')
				sasl_plain(s, "", 0);
			else
				sasl_plain(s, c->arg2, c->arg2len);
			return;
		}
		s->sasl = plain ? SASL_PLAIN : SASL_LOGIN_USER;
		/* "Username:" for LOGIN */
		reply(s, plain ? "+ " : "+ VXNlcm5hbWU6");
		return;
	}
	reply(s, "-ERR Unsupported authentication mechanism.");
}

static void
sasl_continue(struct pop3_session *s, const char *line, size_t len)
{
	enum sasl_step st = (enum sasl_step)s->sasl;
	size_t dlen;
	char *d;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	s->sasl = SASL_NONE;
	if (len == 1 && line[0] == '*') {
		reply(s, "-ERR Authentication aborted by client.");
		return;
	}
	if (st == SASL_PLAIN) {
		sasl_plain(s, line, len);
		return;
	}
	if ((d = unbase64(line, len, &dlen)) == NULL ||
	    strlen(d) != dlen) {
		free(d);
		reply(s, "-ERR Invalid base64 data in continued response");
		return;
	}
	if (st == SASL_LOGIN_USER) {
		free(s->sasl_user);
		s->sasl_user = d;
		s->sasl = SASL_LOGIN_PASS;
		reply(s, "+ UGFzc3dvcmQ6");	/* "Password:" */
		return;
	}
	do_login(s, s->sasl_user, d, "LOGIN");
	explicit_bzero(d, dlen);
	free(d);
	free(s->sasl_user);
	s->sasl_user = NULL;
}

static void
cmd_stls(struct pop3_session *s, const struct pop3_cmd *c)
{
	if (s->tls) {
		reply(s, "-ERR TLS is already active.");
		return;
	}
	if (s->cfg->ssl == POP3_SSL_NO) {
		reply(s, "-ERR TLS support isn't enabled.");
		return;
	}
	reply(s, "+OK Begin TLS negotiation now.");
	s->want_tls = 1;
}

static void
cmd_quit(struct pop3_session *s, const struct pop3_cmd *c)
{
	struct err err;
	size_t i;

	if (s->state == POP3_AUTHORIZATION) {
		reply(s, "+OK Logging out");
		set_state(s, POP3_CLOSED);
		return;
	}
	set_state(s, POP3_UPDATE);
	for (i = 0; i < s->mb->n; i++) {
		s->mb->msgs[i].expunge = s->deleted[i];
		if (s->seen[i] && !s->cfg->no_flag_updates)
			s->mb->msgs[i].set_flags |= MSG_SEEN;
	}
	err_clear(&err);
	if (mailbox_commit(s->mb, &err) == -1) {
		log_plain(LOG_ERR, "pop3(%s): %s", s->login_user, err.msg);
		reply(s, "-ERR [SYS/TEMP] Couldn't update mailbox: %s",
		    s->ndeleted ? "some deleted messages were not expunged" :
		    "flags were not saved");
	} else
		reply(s, "+OK Logging out.");
	set_state(s, POP3_CLOSED);
}

/* ---- TRANSACTION */

/* The message index for a number argument, or -1 after an -ERR. */
static long
msgnum(struct pop3_session *s, enum pop3_num kind, uint32_t n,
    const char *raw, size_t rawlen)
{
	if (kind != POP3_NUM_OK) {
		reply(s, "-ERR Invalid message number: %.*s", (int)rawlen,
		    raw);
		return -1;
	}
	if (n == 0 || n > s->mb->n) {
		reply(s, "-ERR There's no message %" PRIu32 ".", n);
		return -1;
	}
	if (s->deleted[n - 1]) {
		reply(s, "-ERR Message is deleted.");
		return -1;
	}
	return (long)n - 1;
}

static void
cmd_stat(struct pop3_session *s, const struct pop3_cmd *c)
{
	reply(s, "+OK %zu %" PRIu64, s->mb->n - s->ndeleted,
	    s->mb->total_vsize - s->deleted_size);
}

static void
cmd_list(struct pop3_session *s, const struct pop3_cmd *c)
{
	size_t i;
	long m;

	if (c->n1_kind != POP3_NUM_NONE) {
		if ((m = msgnum(s, c->n1_kind, c->n1, c->arg1,
		    c->arg1len)) == -1)
			return;
		reply(s, "+OK %ld %" PRIu64, m + 1, s->mb->msgs[m].vsize);
		return;
	}
	reply(s, "+OK %zu messages:", s->mb->n - s->ndeleted);
	for (i = 0; i < s->mb->n; i++)
		if (!s->deleted[i])
			reply(s, "%zu %" PRIu64, i + 1, s->mb->msgs[i].vsize);
	reply(s, ".");
}

static void
uidl_of(struct pop3_session *s, size_t i, struct buf *u)
{
	buf_reset(u);
	if (mailbox_uidl(s->mb, i, s->cfg->uidl_format, u) == -1) {
		buf_reset(u);
		(void)mailbox_uidl(s->mb, i, "%08Xu%08Xv", u);
	}
}

static void
cmd_uidl(struct pop3_session *s, const struct pop3_cmd *c)
{
	struct buf u;
	size_t i;
	long m;

	buf_init(&u, 1024);
	if (c->n1_kind != POP3_NUM_NONE) {
		if ((m = msgnum(s, c->n1_kind, c->n1, c->arg1,
		    c->arg1len)) != -1) {
			uidl_of(s, (size_t)m, &u);
			reply(s, "+OK %ld %s", m + 1, buf_cstr(&u));
		}
		buf_free(&u);
		return;
	}
	reply(s, "+OK");
	for (i = 0; i < s->mb->n; i++) {
		if (s->deleted[i])
			continue;
		uidl_of(s, i, &u);
		reply(s, "%zu %s", i + 1, buf_cstr(&u));
	}
	reply(s, ".");
	buf_free(&u);
}

/* Message text to out: CRLF line ends, dot-stuffed, headers plus at
 * most `lines` body lines (-1: all), then the terminating dot. */
/* The message as POP3 sends it, dot-stuffed; the bytes before "." */
static size_t
send_text(struct pop3_session *s, const char *p, size_t n, long lines)
{
	size_t off = 0, start = s->out.len, sent;
	int in_body = 0;

	while (off < n) {
		const char *nl = memchr(p + off, '\n', n - off);
		size_t end = nl ? (size_t)(nl - p) : n, le = end;

		if (in_body && lines >= 0 && lines-- == 0)
			break;
		if (le > off && p[le - 1] == '\r')
			le--;
		if (p[off] == '.')
			(void)buf_addc(&s->out, '.');
		(void)buf_add(&s->out, p + off, le - off);
		(void)buf_add(&s->out, "\r\n", 2);
		if (le == off && !in_body)
			in_body = 1;
		off = nl ? end + 1 : n;
	}
	sent = s->out.len - start;
	reply(s, ".");
	return sent;
}

static void
fetch(struct pop3_session *s, long m, long lines)
{
	struct buf text;
	struct err err;
	size_t sent;

	buf_init(&text, 0);
	err_clear(&err);
	if (mailbox_msg_read(s->mb, (size_t)m, &text, &err) == -1) {
		log_plain(LOG_ERR, "pop3(%s): %s", s->login_user, err.msg);
		reply(s, "-ERR [SYS/TEMP] Couldn't read message: mailbox "
		    "changed or unreadable.");
		buf_free(&text);
		return;
	}
	/* dovecot's byte counts take in the +OK line, not the dot */
	sent = s->out.len;
	if (lines < 0) {
		reply(s, "+OK %" PRIu64 " octets", s->mb->msgs[m].vsize);
		s->seen[m] = 1;
	} else
		reply(s, "+OK");
	sent = s->out.len - sent +
	    send_text(s, text.data ? text.data : "", text.len, lines);
	if (lines < 0) {
		s->nretr++;
		s->retr_bytes += sent;
	} else {
		s->ntop++;
		s->top_bytes += sent;
	}
	buf_free(&text);
}

static void
cmd_retr(struct pop3_session *s, const struct pop3_cmd *c)
{
	long m = msgnum(s, c->n1_kind, c->n1, c->arg1, c->arg1len);

	if (m != -1)
		fetch(s, m, -1);
}

static void
cmd_top(struct pop3_session *s, const struct pop3_cmd *c)
{
	long m = msgnum(s, c->n1_kind, c->n1, c->arg1, c->arg1len);

	if (m == -1)
		return;
	if (c->n2_kind != POP3_NUM_OK) {
		reply(s, "-ERR Invalid size: %.*s",
		    (int)c->arg2len, c->arg2);
		return;
	}
	fetch(s, m, (long)c->n2);
}

static void
cmd_dele(struct pop3_session *s, const struct pop3_cmd *c)
{
	long m = msgnum(s, c->n1_kind, c->n1, c->arg1, c->arg1len);

	if (m == -1)
		return;
	s->deleted[m] = 1;
	s->ndeleted++;
	s->deleted_size += s->mb->msgs[m].vsize;
	reply(s, "+OK Marked to be deleted.");
}

static void
cmd_rset(struct pop3_session *s, const struct pop3_cmd *c)
{
	memset(s->deleted, 0, s->mb->n ? s->mb->n : 1);
	s->ndeleted = 0;
	s->deleted_size = 0;
	reply(s, "+OK");
}

static void
cmd_noop(struct pop3_session *s, const struct pop3_cmd *c)
{
	reply(s, "+OK");
}

static const struct {
	enum pop3_verb	 verb;
	unsigned	 states;
	void		(*fn)(struct pop3_session *, const struct pop3_cmd *);
} table[] = {
	{ POP3_CAPA, ST_AUTH | ST_TRANS, cmd_capa },
	{ POP3_QUIT, ST_AUTH | ST_TRANS, cmd_quit },
	{ POP3_USER, ST_AUTH, cmd_user },
	{ POP3_PASS, ST_AUTH, cmd_pass },
	{ POP3_AUTH, ST_AUTH, cmd_auth },
	{ POP3_STLS, ST_AUTH, cmd_stls },
	{ POP3_NOOP, ST_TRANS, cmd_noop },
	{ POP3_STAT, ST_TRANS, cmd_stat },
	{ POP3_LIST, ST_TRANS, cmd_list },
	{ POP3_UIDL, ST_TRANS, cmd_uidl },
	{ POP3_RETR, ST_TRANS, cmd_retr },
	{ POP3_TOP, ST_TRANS, cmd_top },
	{ POP3_DELE, ST_TRANS, cmd_dele },
	{ POP3_RSET, ST_TRANS, cmd_rset },
};

static void
bad_command(struct pop3_session *s, const struct pop3_cmd *c)
{
	if (s->state == POP3_AUTHORIZATION)
		reply(s, "-ERR Unknown command.");
	else
		reply(s, "-ERR Unknown command: %.*s",
		    (int)(c && c->namelen < 64 ? c->namelen : 0),
		    c ? c->name : "");
	if (++s->bad >= (s->state == POP3_AUTHORIZATION ? BAD_MAX_AUTH :
	    BAD_MAX_TRANS)) {
		reply(s, "-ERR Too many invalid commands.");
		set_state(s, POP3_CLOSED);
	}
}

void
pop3_session_line(struct pop3_session *s, const char *line, size_t len)
{
	struct pop3_cmd c;
	size_t i;

	if (s->state == POP3_CLOSED || s->state == POP3_UPDATE)
		return;
	if (s->sasl != SASL_NONE) {
		sasl_continue(s, line, len);
		return;
	}
	switch (pop3_cmd_parse(line, len, &c)) {
	case POP3_PARSE_EMPTY:
		bad_command(s, NULL);
		return;
	case POP3_PARSE_BAD:
		bad_command(s, NULL);
		return;
	case POP3_PARSE_OK:
		break;
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].verb != c.verb)
			continue;
		if (!(table[i].states & (1u << s->state)))
			break;
		table[i].fn(s, &c);
		return;
	}
	bad_command(s, &c);
}

void
pop3_session_line_too_long(struct pop3_session *s)
{
	reply(s, "-ERR Input line too long.");
	set_state(s, POP3_CLOSED);
}

void
pop3_session_tls_started(struct pop3_session *s)
{
	s->want_tls = 0;
	s->tls = 1;
	s->secured = 1;
	/* anything pipelined after STLS was discarded by the caller */
	free(s->user);
	s->user = NULL;
}
