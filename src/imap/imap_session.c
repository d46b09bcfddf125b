/*
 * imap_session.c -- the IMAP4rev1 state machine (RFC 3501) with the
 * replies dovecot 2.3 gives: bytes in, commands parsed by imap_parse.c,
 * a table of { verb, states, handler }, replies into s->out.  It owns
 * the login phase (LOGIN, AUTHENTICATE PLAIN/LOGIN with SASL-IR,
 * STARTTLS) and the commands of any state; the selected mailbox's view
 * is imap_view.c, SELECT and its kin imap_select.c, the rest
 * imap_fetch.c, imap_search.c, imap_sort.c, imap_thread.c and
 * imap_folder.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "auth/auth.h"

#define BAD_MAX_NOTAUTH	3
#define BAD_MAX_AUTH	20

#define ST_N	(1u << IMAP_NOTAUTH)
#define ST_A	(1u << IMAP_AUTH)
#define ST_S	(1u << IMAP_SELECTED)


/* ---- replies */

void
imap_log(struct imap_session *s, int prio, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 4096);
	va_start(ap, fmt);
	(void)buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (s->cfg->log != NULL)
		s->cfg->log(prio, "%s", buf_cstr(&b));
	else
		log_plain(prio, "%s", buf_cstr(&b));
	buf_free(&b);
}

void
imap_reply(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	(void)buf_adds(&s->out, "* ");
	va_start(ap, fmt);
	(void)buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	(void)buf_add(&s->out, "\r\n", 2);
}

void
imap_tagged(struct imap_session *s, const char *tag, const char *fmt, ...)
{
	va_list ap;

	(void)buf_printf(&s->out, "%s ", tag ? tag : "*");
	va_start(ap, fmt);
	(void)buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	(void)buf_add(&s->out, "\r\n", 2);
}

void
imap_set_state(struct imap_session *s, enum imap_state st)
{
	if (s->state != st)
		log_plain(LOG_DEBUG, "imap: state %d -> %d", s->state, st);
	s->state = st;
}

void
imap_capability(const struct imap_session *s, struct buf *out)
{
	(void)buf_adds(out, "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE");
	if (s->state != IMAP_NOTAUTH) {
		/* dovecot's order, without what we lack */
		(void)buf_adds(out, " SORT SORT=DISPLAY THREAD=REFERENCES "
		    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL "
		    "CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
		    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT "
		    "SEARCHRES "
		    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE "
		    "SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE "
		    "LITERAL+ NOTIFY SPECIAL-USE");
		return;
	}
	(void)buf_adds(out, " LITERAL+");
	if (s->cfg->ssl != 0 && !s->tls)
		(void)buf_adds(out, " STARTTLS");
	if (!s->tls && !s->secured && (s->cfg->disable_plaintext_auth ||
	    s->cfg->ssl == 2))
		(void)buf_adds(out, " LOGINDISABLED");
	else {
		struct strarr w = { 0 };
		size_t i;

		str_split(s->cfg->mechanisms, " ,\t", &w);
		for (i = 0; i < w.n; i++)
			buf_printf(out, " AUTH=%s", w.v[i]);
		strarr_free(&w);
	}
}

void
imap_session_init(struct imap_session *s, const struct imap_cfg *cfg,
    int tls, int secured)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->tls = tls;
	s->secured = secured || tls;
	s->state = IMAP_NOTAUTH;
	imap_limits_default(&s->lim, 0);
	buf_init(&s->in, 0);
	buf_init(&s->out, 0);
}

void
imap_unselect(struct imap_session *s)
{
	imap_modseq_unlock(s);
	imap_savedate_done(s);
	mailbox_free(s->mb);
	s->mb = NULL;
	free(s->mbname);
	s->mbname = NULL;
	free(s->known);
	s->known = NULL;
	s->nknown = s->capknown = 0;
	imap_saved_set(s, NULL, 0);
	imap_ctx_free(s);
	s->dirty = 0;
	imap_modseq_free(s);
	if (s->state == IMAP_SELECTED)
		imap_set_state(s, IMAP_AUTH);
}

void
imap_session_free(struct imap_session *s)
{
	if (s == NULL)
		return;
	imap_unselect(s);
	buf_free(&s->in);
	buf_free(&s->out);
	free(s->auth_tag);
	free(s->auth_mech);
	free(s->auth_user);
	free(s->idle_tag);
	imap_notify_free(s);
	free(s->user);
	free(s->method);
	if (s->have_loc)
		mail_location_free(&s->loc);
}

void
imap_session_greet(struct imap_session *s)
{
	struct buf c;

	buf_init(&c, 0);
	imap_capability(s, &c);
	imap_reply(s, "OK [CAPABILITY %s] %s", c.data, s->cfg->greeting);
	buf_free(&c);
}

/* ---- not authenticated */

static void
cmd_capability(struct imap_session *s, struct imap_cmd *c)
{
	struct buf b;

	buf_init(&b, 0);
	imap_capability(s, &b);
	imap_reply(s, "CAPABILITY %s", b.data);
	buf_free(&b);
	imap_tagged(s, c->tag, s->state == IMAP_NOTAUTH ?
	    "OK Pre-login capabilities listed, post-login capabilities "
	    "have more." : "OK Capability completed.");
}

static void
cmd_noop(struct imap_session *s, struct imap_cmd *c)
{
	if (s->dirty)
		(void)imap_commit(s, NULL);
	imap_refresh(s, 1);
	imap_tagged(s, c->tag, "OK NOOP completed.");
}

static void
cmd_check(struct imap_session *s, struct imap_cmd *c)
{
	if (imap_commit(s, c->tag) == -1)
		return;
	imap_refresh(s, 1);
	imap_tagged(s, c->tag, "OK Check completed.");
}

static void
cmd_logout(struct imap_session *s, struct imap_cmd *c)
{
	(void)imap_commit(s, NULL);
	imap_reply(s, "BYE Logging out");
	imap_tagged(s, c->tag, "OK Logout completed.");
	imap_unselect(s);
	imap_set_state(s, IMAP_LOGOUT);
}

static void
cmd_id(struct imap_session *s, struct imap_cmd *c)
{
	imap_reply(s, "ID (\"name\" \"mailboxd\")");
	imap_tagged(s, c->tag, "OK ID completed.");
}

static void
cmd_starttls(struct imap_session *s, struct imap_cmd *c)
{
	if (s->tls) {
		imap_tagged(s, c->tag, "BAD TLS is already active.");
		return;
	}
	if (s->cfg->ssl == 0) {
		imap_tagged(s, c->tag, "BAD TLS support isn't enabled.");
		return;
	}
	imap_tagged(s, c->tag, "OK Begin TLS negotiation now.");
	s->want_tls = 1;
}

void
imap_session_tls_started(struct imap_session *s)
{
	s->want_tls = 0;
	s->tls = 1;
	s->secured = 1;
	buf_reset(&s->in);	/* nothing pipelined before TLS counts */
}

static int
plaintext_ok(const struct imap_session *s)
{
	if (s->tls || s->secured)
		return 1;
	return !s->cfg->disable_plaintext_auth && s->cfg->ssl != 2;
}

static int
mech_enabled(const struct imap_session *s, const char *mech)
{
	return auth_mech_listed(s->cfg->mechanisms, mech);
}

static void
do_login(struct imap_session *s, const char *tag, const char *user,
    const char *pass, const char *method)
{
	struct mail_location loc;
	char *name = NULL;
	enum imap_login r;
	struct buf b;

	memset(&loc, 0, sizeof(loc));
	r = s->cfg->login(s->cfg->ctx, user, pass, method, &name, &loc);
	switch (r) {
	case IMAP_LOGIN_OK:
		s->user = name;
		s->method = xstrdup(method);
		s->loc = loc;
		s->have_loc = 1;
		s->sep = s->cfg->sep ? s->cfg->sep :
		    (loc.format == MAILBOX_MBOX ? '/' : '.');
		imap_set_state(s, IMAP_AUTH);
		imap_limits_default(&s->lim, 1);
		if (s->cfg->max_literal > 0)
			s->lim.max_literal = s->cfg->max_literal;
		s->bad = 0;
		imap_autocreate(s);
		buf_init(&b, 0);
		imap_capability(s, &b);
		imap_tagged(s, tag, "OK [CAPABILITY %s] Logged in", b.data);
		buf_free(&b);
		return;
	case IMAP_LOGIN_FAILED:
		imap_tagged(s, tag, "NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.");
		break;
	case IMAP_LOGIN_TEMPFAIL:
		imap_tagged(s, tag, "NO [UNAVAILABLE] Temporary authentication "
		    "failure.");
		break;
	case IMAP_LOGIN_MAILBOX:
		imap_tagged(s, tag, "NO [SERVERBUG] Internal error occurred. "
		    "Refer to server log for more information.");
		break;
	}
	free(name);
}

static void
privacy_refused(struct imap_session *s, const char *tag)
{
	imap_tagged(s, tag, "NO [PRIVACYREQUIRED] Plaintext authentication "
	    "disallowed on non-secure (SSL/TLS) connections.");
}

static void
cmd_login(struct imap_session *s, struct imap_cmd *c)
{
	const char *user, *pass;

	if (c->nargs != 2 || (user = imap_arg_string(&c->args[0])) == NULL ||
	    (pass = imap_arg_string(&c->args[1])) == NULL) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command LOGIN: "
		    "Invalid arguments.");
		return;
	}
	if (!plaintext_ok(s)) {
		imap_reply(s, "BAD [ALERT] Plaintext authentication not "
		    "allowed without SSL/TLS, but your client did it anyway. "
		    "If anyone was listening, the password was exposed.");
		privacy_refused(s, c->tag);
		return;
	}
	do_login(s, c->tag, user, pass, "PLAIN");
}

static void
auth_done(struct imap_session *s)
{
	free(s->auth_tag);
	free(s->auth_mech);
	free(s->auth_user);
	s->auth_tag = s->auth_mech = s->auth_user = NULL;
	s->auth_step = 0;
}

/* One SASL response (base64, or "*" to cancel). */
static void
auth_response(struct imap_session *s, const char *line, size_t len)
{
	struct buf dec;
	char *tag = s->auth_tag;

	if (len == 1 && line[0] == '*') {
		imap_tagged(s, tag, "BAD Authentication aborted by client.");
		auth_done(s);
		return;
	}
	buf_init(&dec, 8192);
	if ((len == 1 && line[0] == '=') ? 0 :
	    base64_decode(line, len, &dec) == -1) {
		imap_tagged(s, tag, "BAD Invalid base64 data in continued "
		    "response");
		buf_free(&dec);
		auth_done(s);
		return;
	}
	if (str_casecmp(s->auth_mech, "PLAIN") == 0) {
		/* authzid NUL authcid NUL passwd */
		const char *a = dec.data ? dec.data : "";
		const char *u = memchr(a, '\0', dec.len);
		const char *p = u ? memchr(u + 1, '\0',
		    dec.len - (size_t)(u + 1 - a)) : NULL;

		if (u == NULL || p == NULL || (u > a && (size_t)(u - a) !=
		    (size_t)(p - u - 1)) || (u > a && memcmp(a, u + 1,
		    (size_t)(u - a)) != 0)) {
			imap_tagged(s, tag, "NO [AUTHENTICATIONFAILED] "
			    "Authentication failed.");
		} else {
			char *pass = xstrndup(p + 1,
			    dec.len - (size_t)(p + 1 - a));
			char *user = xstrdup(u + 1);

			do_login(s, tag, user, pass, "PLAIN");
			free(user);
			free(pass);
		}
		auth_done(s);
	} else if (s->auth_step == 0) {
		/* LOGIN: the user name, then the password */
		s->auth_user = xstrndup(dec.data ? dec.data : "", dec.len);
		s->auth_step = 1;
		(void)buf_adds(&s->out, "+ UGFzc3dvcmQ6\r\n");
	} else {
		char *pass = xstrndup(dec.data ? dec.data : "", dec.len);

		do_login(s, tag, s->auth_user, pass, "LOGIN");
		free(pass);
		auth_done(s);
	}
	buf_free(&dec);
}

static void
cmd_authenticate(struct imap_session *s, struct imap_cmd *c)
{
	const char *mech;

	if (c->nargs < 1 || c->nargs > 2 ||
	    c->args[0].type != IMAP_ARG_ATOM) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command "
		    "AUTHENTICATE: Invalid arguments.");
		return;
	}
	mech = c->args[0].str;
	if ((str_casecmp(mech, "PLAIN") != 0 &&
	    str_casecmp(mech, "LOGIN") != 0) || !mech_enabled(s, mech)) {
		imap_tagged(s, c->tag, "NO Unsupported authentication "
		    "mechanism.");
		return;
	}
	if (!plaintext_ok(s)) {
		privacy_refused(s, c->tag);
		return;
	}
	s->auth_tag = xstrdup(c->tag);
	s->auth_mech = xstrdup(mech);
	s->auth_step = 0;
	if (c->nargs == 2) {
		const char *ir = imap_arg_string(&c->args[1]);

		if (ir == NULL) {
			imap_tagged(s, c->tag, "BAD Invalid initial response");
			auth_done(s);
			return;
		}
		auth_response(s, ir, strlen(ir));
		return;
	}
	(void)buf_adds(&s->out, str_casecmp(mech, "LOGIN") == 0 ?
	    "+ VXNlcm5hbWU6\r\n" : "+ \r\n");
}

/* ---- authenticated */

static void
cmd_enable(struct imap_session *s, struct imap_cmd *c)
{
	struct buf b;
	size_t i;

	/* CONDSTORE and QRESYNC; not UTF8=ACCEPT */
	buf_init(&b, 0);
	(void)buf_adds(&b, "ENABLED");
	for (i = 0; i < c->nargs; i++) {
		const char *e = imap_arg_string(&c->args[i]);

		if (e != NULL && str_casecmp(e, "CONDSTORE") == 0 &&
		    !s->condstore) {
			imap_condstore_on(s);
			(void)buf_adds(&b, " CONDSTORE");
		} else if (e != NULL && str_casecmp(e, "QRESYNC") == 0 &&
		    !s->qresync) {
			/* QRESYNC implies CONDSTORE */
			imap_condstore_on(s);
			s->qresync = 1;
			(void)buf_adds(&b, " QRESYNC");
		}
	}
	imap_reply(s, "%s", b.data);
	buf_free(&b);
	imap_tagged(s, c->tag, "OK Enabled.");
}

static void
cmd_namespace(struct imap_session *s, struct imap_cmd *c)
{
	imap_reply(s, "NAMESPACE ((\"\" \"%s%c\")) NIL NIL",
	    s->sep == '\\' || s->sep == '"' ? "\\" : "", s->sep);
	imap_tagged(s, c->tag, "OK Namespace completed.");
}


/* ---- the table */

static const struct {
	const char	*name;
	unsigned	 states;
	int		 expunge_ok;	/* may report expunges after it */
	void		(*fn)(struct imap_session *, struct imap_cmd *);
} cmds[] = {
	{ "CAPABILITY", ST_N | ST_A | ST_S, 1, cmd_capability },
	{ "NOOP", ST_N | ST_A | ST_S, 1, cmd_noop },
	{ "LOGOUT", ST_N | ST_A | ST_S, 1, cmd_logout },
	{ "ID", ST_N | ST_A | ST_S, 1, cmd_id },
	{ "STARTTLS", ST_N, 1, cmd_starttls },
	{ "LOGIN", ST_N, 1, cmd_login },
	{ "AUTHENTICATE", ST_N, 1, cmd_authenticate },
	{ "ENABLE", ST_A | ST_S, 1, cmd_enable },
	{ "NAMESPACE", ST_A | ST_S, 1, cmd_namespace },
	{ "SELECT", ST_A | ST_S, 1, imap_cmd_select },
	{ "EXAMINE", ST_A | ST_S, 1, imap_cmd_examine },
	{ "CREATE", ST_A | ST_S, 1, imap_cmd_create },
	{ "DELETE", ST_A | ST_S, 1, imap_cmd_delete },
	{ "RENAME", ST_A | ST_S, 1, imap_cmd_rename },
	{ "SUBSCRIBE", ST_A | ST_S, 1, imap_cmd_subscribe_on },
	{ "UNSUBSCRIBE", ST_A | ST_S, 1, imap_cmd_unsubscribe },
	{ "LIST", ST_A | ST_S, 1, imap_cmd_list_all },
	{ "LSUB", ST_A | ST_S, 1, imap_cmd_lsub },
	{ "STATUS", ST_A | ST_S, 1, imap_cmd_status },
	{ "APPEND", ST_A | ST_S, 1, imap_cmd_append },
	{ "IDLE", ST_A | ST_S, 1, imap_cmd_idle },
	{ "NOTIFY", ST_A | ST_S, 1, imap_cmd_notify },
	{ "CHECK", ST_S, 1, cmd_check },
	{ "CLOSE", ST_S, 1, imap_cmd_close },
	{ "UNSELECT", ST_S, 1, imap_cmd_unselect },
	{ "EXPUNGE", ST_S, 1, imap_cmd_expunge },
	{ "SEARCH", ST_S, 0, imap_cmd_search_seq },
	{ "SORT", ST_S, 0, imap_cmd_sort_seq },
	{ "THREAD", ST_S, 0, imap_cmd_thread_seq },
	{ "FETCH", ST_S, 0, imap_cmd_fetch_seq },
	{ "STORE", ST_S, 0, imap_cmd_store_seq },
	{ "COPY", ST_S, 0, imap_cmd_copy_seq },
	{ "MOVE", ST_S, 1, imap_cmd_move_seq },
	{ "UID", ST_S, 1, imap_cmd_uid },
	{ "CANCELUPDATE", ST_S, 1, imap_cmd_cancelupdate },
};

static void
bad_command(struct imap_session *s)
{
	if (++s->bad >= (s->state == IMAP_NOTAUTH ? BAD_MAX_NOTAUTH :
	    BAD_MAX_AUTH)) {
		imap_reply(s, "BYE Too many invalid IMAP commands.");
		imap_unselect(s);
		imap_set_state(s, IMAP_LOGOUT);
	}
}

static void
dispatch(struct imap_session *s, struct imap_cmd *c)
{
	size_t i, start;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (str_casecmp(cmds[i].name, c->name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		if (s->state == IMAP_NOTAUTH)
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "received by server.");
		else
			imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
			    "Unknown command.", c->name);
		bad_command(s);
		return;
	}
	if (!(cmds[i].states & (1u << s->state))) {
		if (s->state == IMAP_NOTAUTH)
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "received by server.");
		else if (s->state == IMAP_AUTH && (cmds[i].states & ST_S))
			imap_tagged(s, c->tag, "BAD No mailbox selected.");
		else
			imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
			    "Command not allowed in this state.", c->name);
		bad_command(s);
		return;
	}
	s->bad = 0;
	start = s->out.len;
	cmds[i].fn(s, c);
	imap_savedate_done(s);
	/* flag changes are written when the command ends, so other
	 * sessions see them at once (there is no shared index) */
	if (s->dirty && s->idle_tag == NULL)
		(void)imap_commit(s, NULL);
	/* new mail and flag changes after every command, before its tagged
	 * reply (the last line), expunges only where sequence numbers
	 * cannot get confused (RFC 3501 7.4.1) */
	if (s->state == IMAP_SELECTED && s->idle_tag == NULL &&
	    s->auth_tag == NULL && s->out.len > start + 2) {
		int uid = str_casecmp(c->name, "UID") == 0;
		size_t last = s->out.len - 2;
		char *tail;

		while (last > start && !(s->out.data[last - 1] == '\n' &&
		    s->out.data[last - 2] == '\r'))
			last--;
		tail = xstrndup(s->out.data + last, s->out.len - last);
		buf_truncate(&s->out, last);
		imap_refresh(s, cmds[i].expunge_ok || uid);
		imap_ctx_notify(s);
		(void)buf_adds(&s->out, tail);
		free(tail);
	}
}

/* One line of input (auth continuation or IDLE's DONE); 0 when none is
 * complete yet. */
static int
take_line(struct imap_session *s, char **line_out, size_t *len_out)
{
	char *nl = memchr(s->in.data, '\n', s->in.len);
	size_t n;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - s->in.data);
	*line_out = xstrndup(s->in.data, n > 0 && nl[-1] == '\r' ? n - 1 : n);
	*len_out = strlen(*line_out);
	memmove(s->in.data, nl + 1, s->in.len - n - 1);
	buf_truncate(&s->in, s->in.len - n - 1);
	return 1;
}

static void
consume(struct imap_session *s, size_t n)
{
	memmove(s->in.data, s->in.data + n, s->in.len - n);
	buf_truncate(&s->in, s->in.len - n);
}

void
imap_session_input(struct imap_session *s, const char *p, size_t n)
{
	if (buf_add(&s->in, p, n) == -1) {
		imap_reply(s, "BYE Input buffer full, aborting");
		imap_set_state(s, IMAP_LOGOUT);
		return;
	}
	while (s->state != IMAP_LOGOUT && s->in.len > 0 && !s->want_tls) {
		struct imap_cmd cmd;
		struct err err;
		size_t used, lit;
		enum imap_parse r;

		if (s->idle_tag != NULL || s->auth_tag != NULL) {
			char *line;
			size_t len;

			if (s->in.len > 65536 && memchr(s->in.data, '\n',
			    s->in.len) == NULL) {
				imap_reply(s, "BYE Line too long");
				imap_set_state(s, IMAP_LOGOUT);
				return;
			}
			if (!take_line(s, &line, &len))
				return;
			if (s->auth_tag != NULL)
				auth_response(s, line, len);
			else {
				char *tag = s->idle_tag;

				s->idle_tag = NULL;
				if (str_casecmp(line, "DONE") == 0) {
					imap_refresh(s, 1);
					imap_tagged(s, tag,
					    "OK Idle completed.");
				} else
					imap_tagged(s, tag,
					    "BAD Expected DONE.");
				free(tag);
			}
			free(line);
			continue;
		}
		err_clear(&err);
		r = imap_cmd_parse(s->in.data, s->in.len, &s->lim, &cmd,
		    &used, &lit, &err);
		switch (r) {
		case IMAP_PARSE_OK:
			consume(s, used);
			s->lit_acked = 0;
			dispatch(s, &cmd);
			imap_cmd_free(&cmd);
			continue;
		case IMAP_PARSE_NEED_MORE:
			imap_cmd_free(&cmd);
			return;
		case IMAP_PARSE_LITERAL:
			imap_cmd_free(&cmd);
			if (lit != s->lit_acked) {
				(void)buf_adds(&s->out, "+ OK\r\n");
				s->lit_acked = lit;
			}
			return;
		case IMAP_PARSE_BAD:
		case IMAP_PARSE_TOO_BIG:
			if (used == 0 && r == IMAP_PARSE_BAD) {
				imap_cmd_free(&cmd);
				if (s->in.len > s->lim.max_line) {
					imap_reply(s, "BYE Line too long");
					imap_set_state(s, IMAP_LOGOUT);
				}
				return;	/* the rest of the line first */
			}
			imap_tagged(s, cmd.tag, r == IMAP_PARSE_TOO_BIG &&
			    lit != 0 ? "NO [TOOBIG] %s" : "BAD %s", err.msg);
			imap_cmd_free(&cmd);
			if (used == 0) {
				imap_reply(s, "BYE Too long argument.");
				imap_set_state(s, IMAP_LOGOUT);
				return;
			}
			consume(s, used);
			s->lit_acked = 0;
			bad_command(s);
			continue;
		}
	}
}

void
imap_session_close(struct imap_session *s)
{
	(void)imap_commit(s, NULL);
	imap_unselect(s);
}

