/*
 * smtpd_session.c -- one SMTP session: the client's macros, check_relay,
 * greet_pause and the greeting, the command loop with sendmail 8.17's
 * replies for the simple commands (and for a client served no mail), and
 * the cf's errors turned into replies.  Input and output: smtpd_io.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <ctype.h>
#include <limits.h>

#include "smtpd_int.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

void
clear_cf_error(struct session *s)
{
	buf_reset(&s->err);
}

int
reply_cf_error(struct session *s)
{
	if (s->err.len == 0)
		return 0;
	if (s->has_mail && s->errtext != NULL) {
		/* the envelope's last error: the qf's M line */
		free(s->msg.message);
		s->msg.message = xstrdup(s->errtext);
	}
	reply(s, "%s", buf_cstr(&s->err));
	buf_reset(&s->err);
	return 1;
}

static int
is_enh(const char *p, size_t *len)
{
	size_t i = 0;

	if (!isdigit((unsigned char)p[0]) || p[1] != '.')
		return 0;
	i = 2;
	while (isdigit((unsigned char)p[i]))
		i++;
	if (i == 2 || p[i] != '.')
		return 0;
	i++;
	if (!isdigit((unsigned char)p[i]))
		return 0;
	while (isdigit((unsigned char)p[i]))
		i++;
	if (p[i] != ' ' && p[i] != '\0')
		return 0;
	*len = i;
	return 1;
}

/*
 * The cf reported an error: the first one of a command becomes its
 * reply, "CODE ENH to... text" (553 5.0.0 when the cf gave no codes).
 */
static void
on_cf_error(void *arg, int kind, const char *to, const char *text)
{
	struct session *s = arg;
	char code[4] = "553", enh[32], shortto[204];
	size_t elen;

	if (kind == CF_ERR_NOTE)
		return;
	if (kind == CF_ERR_SYS)
		memcpy(code, "554", 4);
	if (s->err.len != 0)
		return;
	if (isdigit((unsigned char)text[0]) && isdigit((unsigned char)text[1])
	    && isdigit((unsigned char)text[2]) && (text[3] == ' ' ||
	    text[3] == '\0')) {
		memcpy(code, text, 3);
		text += text[3] ? 4 : 3;
	}
	if (is_enh(text, &elen) && elen < sizeof(enh)) {
		memcpy(enh, text, elen);
		enh[elen] = '\0';
		text += elen;
		if (*text == ' ')
			text++;
	} else
		(void)snprintf(enh, sizeof(enh), "%c.0.0", code[0]);
	free(s->errtext);
	/* sendmail names the address only with these reply codes */
	if (to != NULL)
		to = str_shorten(to, 203, shortto, sizeof(shortto));
	if (to != NULL && (strcmp(code, "050") == 0 || strcmp(code, "250")
	    == 0 || strcmp(code, "252") == 0 || strcmp(code, "450") == 0 ||
	    strcmp(code, "550") == 0 || strcmp(code, "553") == 0)) {
		(void)buf_printf(&s->err, "%s %s %s... %s", code, enh, to,
		    text);
		s->errtext = NULL;
		if (asprintf(&s->errtext, "%s... %s", to, text) == -1)
			s->errtext = NULL;
	} else {
		(void)buf_printf(&s->err, "%s %s %s", code, enh, text);
		s->errtext = xstrdup(text);
	}
}

unsigned
smtpd_privacy(const char *v)
{
	static const struct {
		const char	*name;
		unsigned	 flag;
	} names[] = {
		{ "public", 0 }, { "needmailhelo", PRIV_NEEDMAILHELO },
		{ "needexpnhelo", PRIV_NEEDEXPNHELO },
		{ "needvrfyhelo", PRIV_NEEDVRFYHELO },
		{ "noexpn", PRIV_NOEXPN }, { "novrfy", PRIV_NOVRFY },
		{ "noetrn", PRIV_NOETRN }, { "noverb", PRIV_NOVERB },
		{ "authwarnings", PRIV_AUTHWARNINGS },
		{ "noreceipts", PRIV_NORECEIPTS },
		{ "nobodyreturn", PRIV_NOBODYRETURN },
		{ "restrictmailq", PRIV_RESTRICTMAILQ },
		{ "restrictqrun", PRIV_RESTRICTQRUN },
		{ "goaway", PRIV_GOAWAY }, { NULL, 0 }
	};
	struct strarr words = { 0 };
	unsigned f = 0;
	size_t i, k;

	if (v == NULL)
		return 0;
	str_split(v, ", \t\n", &words);	/* lines of the cf add up */
	for (i = 0; i < words.n; i++)
		for (k = 0; names[k].name != NULL; k++)
			if (str_casecmp(words.v[i], names[k].name) == 0)
				f |= names[k].flag;
	strarr_free(&words);
	return f;
}

const char *
session_id(struct session *s)
{
	if (!s->have_id) {
		while (queue_id_next(s->ctx->idgen, time(NULL), (long)getpid(),
		    s->id) != 0)
			(void)sleep(1);
		s->have_id = 1;
		cf_macro_define(s->cf, "i", s->id);
	}
	return s->id;
}

/*
 * A transaction given up (RSET, a new EHLO, QUIT, a refused DATA)
 * still gets its from= line, as sendmail writes it when it drops an
 * envelope.
 */
static void
log_dropped(struct session *s)
{
	if ((s->has_mail || s->sender_refused) && !s->sender_logged)
		session_log_sender(s, NULL);
}

/*
 * What is logged as a session ends (at QUIT, before the reply, so a
 * client that hangs up and a daemon stopped at once lose nothing; else
 * after the last input): a transaction left open, and a client that
 * never tried to send (not said of one served no mail).
 */
static void
log_session_end(struct session *s)
{
	const char *dn = s->peer->daemon_name;

	if (s->end_logged)
		return;
	s->end_logged = 1;
	log_dropped(s);
	if (!s->gotmail_ever && !s->nullserver && s->loglevel > 5)
		log_msg(LOG_INFO, s->have_id ? s->id : NULL, "%s did not issue "
		    "MAIL/EXPN/VRFY/ETRN during connection to %s", s->relay,
		    dn ? dn : "MTA");
}

/* QUIT with recipients taken and no DATA: each is logged (LogLevel 10). */
static void
log_aborted(struct session *s)
{
	size_t i;

	if (!s->has_mail || s->loglevel <= 9)
		return;
	for (i = 0; i < s->msg.rcpts.n; i++)
		log_msg(LOG_INFO, s->id, "to=%s, stat=aborted by sender",
		    ((const struct msg_rcpt *)s->msg.rcpts.v[i])->addr);
}

/* The end of a transaction. */
void
session_reset_tx(struct session *s)
{
	log_dropped(s);
	s->sender_logged = 0;
	smtpd_milter_abort(s);
	msg_reset(&s->msg);
	smtpd_expand_free(s);
	free(s->mail_from);
	s->mail_from = NULL;
	s->sender_refused = 0;
	s->nrcpts_tried = 0;
	s->discard = s->discard_all;
	/* the next transaction gets an id of its own; without one under
	 * way the session keeps its id (sendmail's log lines show it) */
	if (s->has_mail) {
		s->have_id = 0;
		s->id[0] = '\0';
		cf_macro_define(s->cf, "i", NULL);
	}
	s->has_mail = 0;
	cf_macro_define(s->cf, "{mail_addr}", NULL);
	cf_macro_define(s->cf, "{nrcpts}", "0");
}

static void
define_peer(struct session *s)
{
	const struct smtpd_peer *p = s->peer;
	struct cf *cf = s->cf;

	if (p->addr != NULL) {
		cf_macro_define(cf, "{client_addr}", p->cf_addr != NULL ?
		    p->cf_addr : p->addr);
		cf_macro_define(cf, "{client_name}", p->name);
		cf_macro_define(cf, "{client_port}", p->port ? p->port : "0");
		cf_macro_define(cf, "{client_resolve}", p->resolve ?
		    p->resolve : "OK");
		cf_macro_define(cf, "{daemon_family}", p->family);
		cf_macro_define(cf, "{if_addr}", p->if_addr);
		if (p->client_conns > 0) {
			char n[24];

			(void)snprintf(n, sizeof(n), "%u", p->client_conns);
			cf_macro_define(cf, "{client_connections}", n);
			(void)snprintf(n, sizeof(n), "%u", p->client_rate);
			cf_macro_define(cf, "{client_rate}", n);
			(void)snprintf(n, sizeof(n), "%u", p->total_rate);
			cf_macro_define(cf, "{total_rate}", n);
		}
	} else if (cf_macro_value(cf, "{client_addr}") == NULL) {
		/* -bs; -M{client_addr}... may pretend a remote client */
		cf_macro_define(cf, "{client_addr}", "");
		cf_macro_define(cf, "{client_name}", "localhost");
	}
	cf_macro_define(cf, "{daemon_name}", p->daemon_name);
	cf_macro_define(cf, "{daemon_flags}", p->daemon_flags ?
	    p->daemon_flags : "");
	cf_macro_define(cf, "_", s->relay);
	cf_macro_define(cf, "r", NULL);
	cf_macro_define(cf, "s", NULL);
}

void
smtpd_greeting(struct cf *cf, struct buf *out)
{
	const char *g = cf_option_value(cf, "SmtpGreetingMessage");
	struct buf ex, tmp;
	char *line, *next, *sp;
	time_t now = time(NULL);

	buf_init(&ex, 0);
	buf_init(&tmp, 0);
	msg_arpadate(now, &tmp);
	cf_macro_define(cf, "b", buf_cstr(&tmp));
	if (g == NULL)
		g = "$j Sendmail $v/$Z; $b";
	buf_set(&tmp, g);
	{
		/* the option is still in $ form: translate to metasymbols */
		struct buf t2;

		buf_init(&t2, 0);
		cf_macro_translate(cf, buf_cstr(&tmp), &t2);
		cf_macro_expand(cf, buf_cstr(&t2), &ex);
		buf_free(&t2);
	}
	/* "ESMTP" goes after the first word of the first line */
	line = ex.data != NULL ? ex.data : (char *)"";
	for (;;) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line == ex.data || (ex.data == NULL && *line == '\0')) {
			sp = strchr(line, ' ');
			if (sp != NULL) {
				*sp = '\0';
				reply_to(out, "220%c%s ESMTP %s",
				    next ? '-' : ' ', line, sp + 1);
			} else
				reply_to(out, "220%c%s ESMTP",
				    next ? '-' : ' ', line);
		} else
			reply_to(out, "220%c%s", next ? '-' : ' ', line);
		if (next == NULL)
			break;
		line = next;
	}
	buf_free(&ex);
	buf_free(&tmp);
}

static void
greeting(struct session *s)
{
	smtpd_greeting(s->cf, &s->out);
}

/*
 * Input within greet_pause's delay (none: not looked for): sendmail
 * stops serving the client.  A client that only hung up has sent
 * nothing.
 */
static int
early_talker(struct session *s, long delay_ms)
{
	if (delay_ms <= 0)
		return 0;
	if (s->ilen == s->ioff && (!tls_io_readable(&s->io, (int)delay_ms) ||
	    session_fill_within(s, 0) == -1))
		return 0;
	return 1;
}

/*
 * In the daemon's stress mode, a client that talked before the greeting
 * is taken for one of those holding the workers, as greet_pause would
 * (not looked for on SMTPS, where the client speaks first).
 */
static int
stressed_talker(struct session *s)
{
	if (!smtpd_stressed(s->ctx) || s->tls_active)
		return 0;
	return early_talker(s, 1);
}

/* The greet_pause ruleset's delay in milliseconds (0: none). */
static long
greet_pause(struct session *s)
{
	const struct smtpd_peer *p = s->peer;
	char *v = NULL;
	long ms = 0;

	(void)cf_rscheck_value(s->cf, "greet_pause", p->addr ? p->name :
	    "localhost", p->addr ? p->addr : "", NULL, &v);
	clear_cf_error(s);
	if (v != NULL)
		ms = strtol(v, NULL, 10);
	free(v);
	return ms > 0 ? ms : 0;
}

/* Counts a bad command; 1 (after the 421) when there were too many. */
static int
too_many_bad(struct session *s)
{
	if (++s->nbadcmds <= SMTPD_MAXBAD)
		return 0;
	reply(s, "421 4.7.0 %s Too many bad commands; closing connection",
	    jname(s));
	s->quit = 1;
	return 1;
}

/*
 * A client we serve no mail: after check_relay's reject it may greet
 * and leave, every other command gets the reject; after pre-greeting
 * traffic even the greeting is a protocol error.
 */
static void
nullserver_cmd(struct session *s, struct smtp_cmd *c, const char *line)
{
	switch (c->verb) {
	case SMTP_QUIT:
		reply(s, "221 2.0.0 %s closing connection", jname(s));
		s->quit = 1;
		break;
	case SMTP_RSET:
		reply(s, "250 2.0.0 Reset state");
		break;
	case SMTP_NOOP:
		reply(s, "250 2.0.0 OK");
		break;
	case SMTP_HELO:
	case SMTP_EHLO:
		if (too_many_bad(s))
			break;
		if (s->nullreply == NULL)
			reply(s, "554 5.5.0 SMTP protocol error");
		else if (c->verb == SMTP_HELO)
			reply(s, "250 %s Hello %s, pleased to meet you",
			    jname(s), s->relay);
		else {
			reply(s, "250-%s Hello %s, pleased to meet you",
			    jname(s), s->relay);
			reply(s, "250 ENHANCEDSTATUSCODES");
		}
		break;
	case SMTP_UNKNOWN:
		if (!too_many_bad(s))
			reply(s, "500 5.5.1 Command unrecognized: \"%s\"",
			    line);
		break;
	default:
		if (too_many_bad(s))
			break;
		if (s->nullreply != NULL)
			reply(s, "%s", s->nullreply);
		else
			reply(s, "550 5.0.0 Command rejected");
		break;
	}
}

static int
is_proxy_verb(const char *w)
{
	return w != NULL && (strcmp(w, "GET") == 0 || strcmp(w, "POST") == 0 ||
	    strcmp(w, "CONNECT") == 0 || strcmp(w, "USER") == 0);
}


static void
dispatch(struct session *s, char *line, size_t len)
{
	struct smtp_cmd c;
	char *copy = xstrndup(line, len);
	double la;

	/* DelayLA: a loaded machine answers each command a second later */
	if (s->delay_la > 0 && getloadavg(&la, 1) == 1 &&
	    la >= (double)s->delay_la) {
		(void)session_flush(s);
		(void)sleep(1);
	}

	smtp_cmd_parse(line, len, &c);
	clear_cf_error(s);
	if (c.verb == SMTP_UNKNOWN && is_proxy_verb(c.word)) {
		/* someone tries us as a web or proxy server */
		reply(s, "421 4.7.0 %s Rejecting open proxy %s", jname(s),
		    s->relay);
		log_msg(LOG_NOTICE, NULL, "%s: probable open proxy: command=%.40s",
		    s->relay, copy);
		s->quit = 1;
		free(copy);
		return;
	}
	if (!s->nullserver && (c.verb == SMTP_HELO || c.verb == SMTP_EHLO) &&
	    session_pipelined(s, smtp_verb_name(c.verb))) {
		free(copy);
		return;
	}
	if (s->nullserver) {
		nullserver_cmd(s, &c, copy);
		free(copy);
		return;
	}
	switch (c.verb) {
	case SMTP_HELO:
	case SMTP_EHLO:
		cmd_helo(s, c.arg, c.verb == SMTP_EHLO);
		break;
	case SMTP_MAIL:
		s->laststate = "MAIL";
		s->gotmail_ever = 1;
		cmd_mail(s, c.arg);
		break;
	case SMTP_RCPT:
		s->laststate = "RCPT";
		cmd_rcpt(s, c.arg);
		break;
	case SMTP_DATA:
		s->laststate = "DATA";
		cmd_data(s);
		break;
	case SMTP_RSET:
		session_reset_tx(s);
		reply(s, "250 2.0.0 Reset state");
		break;
	case SMTP_NOOP:
		reply(s, "250 2.0.0 OK");
		break;
	case SMTP_QUIT:
		log_session_end(s);
		log_aborted(s);
		reply(s, "221 2.0.0 %s closing connection", jname(s));
		s->quit = 1;
		break;
	case SMTP_VRFY:
	case SMTP_EXPN:
		s->gotmail_ever = 1;
		cmd_vrfy(s, c.arg, c.verb == SMTP_EXPN, copy);
		break;
	case SMTP_HELP:
		cmd_help(s, c.arg);
		break;
	case SMTP_VERB:
		if (s->privacy & (PRIV_NOVERB | PRIV_NOEXPN))
			reply(s, "502 5.7.0 Verbose unavailable");
		else
			reply(s, "250 2.0.0 Verbose mode");
		break;
	case SMTP_ETRN:
		s->gotmail_ever = 1;
		cmd_etrn(s, c.arg);
		break;
	case SMTP_STARTTLS:
		cmd_starttls(s, c.arg != NULL ? c.arg : "");
		break;
	case SMTP_AUTH:
		s->laststate = "AUTH";
		cmd_auth(s, c.arg != NULL ? c.arg : (char *)"");
		break;
	default:
		if (smtp_verb_not_implemented(c.word))
			reply(s, "502 5.5.1 Command not implemented: \"%s\"",
			    copy);
		else if (!smtpd_milter_unknown(s, copy) && !too_many_bad(s))
			reply(s, "500 5.5.1 Command unrecognized: \"%s\"",
			    copy);
		break;
	}
	free(copy);
}

int
smtpd_session(struct smtpd_ctx *ctx, const struct smtpd_peer *peer)
{
	struct session s;
	const char *v;
	char *line, relay[1100];
	size_t len;
	int rc;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.peer = peer;
	s.cf = ctx->cf;
	buf_init(&s.out, 0);
	buf_init(&s.err, 0);
	msg_init(&s.msg);
	s.laststate = "connect";
	s.cmd_timeout = cf_time_option(s.cf, "Timeout.command", 3600);
	s.data_timeout = cf_time_option(s.cf, "Timeout.datablock", 3600);
	s.tls_timeout = cf_time_option(s.cf, "Timeout.starttls", 3600);
	tls_io_init(&s.io, ctx->fd_in, ctx->fd_out);
	s.privacy = smtpd_privacy(cf_option_value(s.cf, "PrivacyOptions"));
	if ((v = cf_option_value(s.cf, "MaxMessageSize")) != NULL)
		s.maxsize = atol(v);
	if ((v = cf_option_value(s.cf, "MaxRecipientsPerMessage")) != NULL)
		s.maxrcpts = atol(v);
	if ((v = cf_option_value(s.cf, "BadRcptThrottle")) != NULL)
		s.badrcpt_throttle = atol(v);
	if ((v = cf_option_value(s.cf, "DelayLA")) != NULL)
		s.delay_la = atol(v);
	s.loglevel = cf_log_level(s.cf);
	if (peer->addr != NULL && peer->name[0] == '[')
		(void)snprintf(relay, sizeof(relay), "%s", peer->name);
	else if (peer->addr != NULL)
		(void)snprintf(relay, sizeof(relay), "%s [%s]%s", peer->name,
		    peer->addr, peer->resolve != NULL &&
		    strcmp(peer->resolve, "FORGED") == 0 ?
		    " (may be forged)" : "");
	else
		(void)snprintf(relay, sizeof(relay), "%s", peer->ident ?
		    peer->ident : "localhost");
	s.relay = relay;
	cf_set_errfn(s.cf, on_cf_error, &s);
	define_peer(&s);
	session_reset_tx(&s);
	smtpd_tls_session_start(&s);
	smtpd_auth_session_start(&s);
	/* SMTPS (M=s): TLS before anything else is said */
	if (port_flag(&s, 's') && smtpd_tls_smtps(&s) == -1)
		s.quit = s.ioerr = 1;

	if (peer->addr != NULL && s.loglevel > 9)
		log_msg(LOG_INFO, NULL, "connect from %s", relay);
	if (peer->addr != NULL) {
		enum cf_verdict v;

		stats_mark_connect(0);
		stats_flush(s.cf);
		v = cf_rscheck(s.cf, "check_relay", peer->name,
		    peer->addr, NULL);

		if (v == CF_DISCARD) {
			s.discard_all = s.discard = 1;
			log_plain(LOG_NOTICE, "ruleset=check_relay, arg1=%s, "
			    "arg2=%s, relay=%s, discard", peer->name,
			    peer->addr, relay);
		}
		else if (v != CF_ACCEPT) {
			smtpd_stats_reject(&s, -1);
			/* before the session has a queue id: no prefix */
			log_plain(LOG_NOTICE, "ruleset=check_relay, arg1=%s, "
			    "arg2=%s, relay=%s, reject=%s", peer->name,
			    peer->addr, relay, buf_cstr(&s.err));
			s.nullserver = 1;
			s.nullreply = xstrdup(s.err.len ? buf_cstr(&s.err) :
			    "550 5.7.1 Access denied");
			clear_cf_error(&s);
			if (strncmp(s.nullreply, "421", 3) == 0) {
				/* a 421 from check_relay ends it at once */
				reply(&s, "%s", s.nullreply);
				s.quit = 1;
			}
		}
	}
	/* the session's lines carry an id from here on, as sendmail's */
	(void)session_id(&s);
	if (!s.nullserver && !s.quit)
		smtpd_milter_connect(&s);
	if (ctx->npreread > 0) {
		s.ibuf = xmalloc(ctx->npreread + 1);
		memcpy(s.ibuf, ctx->preread, ctx->npreread);
		s.ilen = s.icap = ctx->npreread;
	}
	if (!s.nullserver && !s.quit && !ctx->greeted) {
		long pause = greet_pause(&s);
		time_t t0 = time(NULL);

		if (early_talker(&s, pause) || stressed_talker(&s)) {
			log_msg(LOG_NOTICE, s.id, "rejecting commands from "
			    "%s [%s] due to pre-greeting traffic after %ld "
			    "seconds", peer->addr ? peer->name : "localhost",
			    peer->addr ? peer->addr : "0",
			    (long)(time(NULL) - t0));
			s.nullserver = 1;
			reply(&s, "554 %s ESMTP not accepting messages",
			    jname(&s));
			/* under stress it gets no worker to talk to */
			s.quit = smtpd_stressed(s.ctx);
		}
	}
	if (s.out.len == 0 && !s.quit && !ctx->greeted)
		greeting(&s);
	while (!s.quit && (line = session_getline(&s, &len)) != NULL)
		dispatch(&s, line, len);
	(void)session_flush(&s);
	if (!s.quit) {
		/* without a MAIL under way only at sendmail's LogLevel 20 */
		if (s.loglevel > (s.has_mail ? 1 : 19))
			log_msg(LOG_INFO, s.have_id ? s.id : NULL, "lost input "
			    "channel from %s to %s after %s", relay,
			    peer->daemon_name ? peer->daemon_name : "MTA",
			    s.laststate);
		if (!s.ioerr) {
			reply(&s, "421 4.4.1 %s Lost input channel from %s",
			    jname(&s), relay);
			(void)session_flush(&s);
		}
	}
	log_session_end(&s);
	rc = s.ioerr;
	smtpd_milter_end(&s);
	cf_set_errfn(s.cf, NULL, NULL);
	smtpd_auth_session_end(&s);
	if (s.data != NULL)
		smtp_data_free(s.data);
	msg_free(&s.msg);
	smtpd_expand_free(&s);
	free(s.mail_from);
	free(s.errtext);
	free(s.nullreply);
	free(s.ibuf);
	tls_io_end(&s.io);
	buf_free(&s.out);
	buf_free(&s.err);
	return rc;
}
