/*
 * smtpd_milter.c -- the session's filters (the port's InputMailFilters,
 * else the cf's, over its X lines): each SMTP step is told to every filter still taking
 * part, with the macros of its stage, and the first reject, tempfail,
 * discard or reply code decides for the client (the end of the
 * message is smtpd_milter_eom.c's).  A filter that
 * cannot be reached or breaks the protocol is dropped (default), or
 * makes every later step fail: F=R rejects, F=T tempfails.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "smtpd_milter_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static const char *const stage_option[MILTER_M_COUNT] = {
	"Milter.macros.connect", "Milter.macros.helo",
	"Milter.macros.envfrom", "Milter.macros.envrcpt",
	"Milter.macros.data", "Milter.macros.eom", "Milter.macros.eoh"
};

/* The X line of filter `name', or NULL. */
static const char *
xline(struct cf *cf, const char *name)
{
	const char *l;
	size_t i, n = strlen(name);

	for (i = 0; (l = cf_milter_line(cf, i)) != NULL; i++) {
		while (isspace((unsigned char)*l))
			l++;
		if (str_ncasecmp(l, name, n) == 0 && (l[n] == ',' ||
		    l[n] == '\0' || isspace((unsigned char)l[n])))
			return l;
	}
	return NULL;
}

/* The step a command is, for "where=" in the log. */
static const char *
cmd_where(int cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT: return "connect";
	case SMFIC_HELO: return "helo";
	case SMFIC_MAIL: return "mail";
	case SMFIC_RCPT: return "rcpt";
	case SMFIC_DATA: return "data";
	case SMFIC_HEADER: return "header";
	case SMFIC_EOH: return "eoh";
	case SMFIC_BODY: return "body";
	case SMFIC_BODYEOB: return "eom";
	case SMFIC_UNKNOWN: return "unknown";
	case SMFIC_ABORT: return "abort";
	default: return "negotiate";
	}
}

void
smtpd_mf_log_reply(struct session *s, const struct milter *m, int cmd,
    int reply)
{
	const char *word;

	switch (reply) {
	case SMFIR_CONTINUE: word = "continue"; break;
	case SMFIR_ACCEPT: word = "accepted"; break;
	case SMFIR_REJECT: word = "reject"; break;
	case SMFIR_TEMPFAIL: word = "tempfail"; break;
	case SMFIR_DISCARD: word = "discard"; break;
	case SMFIR_SKIP: word = "skip"; break;
	case SMFIR_REPLYCODE: word = "replycode"; break;
	default: return;
	}
	if (s->milters->loglevel > (reply == SMFIR_CONTINUE ? 12 : 10))
		log_msg(LOG_INFO, s->have_id ? s->id : NULL,
		    "milter=%s, action=%s, %s", m->conf.name, cmd_where(cmd),
		    word);
}

/* The filter broke (err): logged as sendmail logs it, and closed. */
void
smtpd_mf_failed(struct session *s, struct milter *m, int cmd,
    const struct err *err)
{
	const char *id = s->have_id ? s->id : NULL;

	if (strncmp(err->msg, "cmd read", 8) == 0)
		log_msg(LOG_ERR, id, "milter_sys_read(%s): %s", m->conf.name,
		    err->msg);
	else if (strncmp(err->msg, "timeout", 7) == 0)
		log_msg(LOG_ERR, id, "Milter (%s): %s, where=%s", m->conf.name,
		    err->msg, cmd_where(cmd));
	else
		log_msg(LOG_ERR, id, "Milter (%s): %s", m->conf.name,
		    err->msg);
	log_msg(LOG_INFO, id, "Milter (%s): to error state", m->conf.name);
	milter_close(m);
	m->failed = 1;
}

/*
 * Opens the filters named by the port's InputMailFilters= (as sendmail,
 * only in the daemon), else by the option; those that cannot be reached
 * are handled by their F= at the first step.
 */
static struct smtpd_milters *
milters_open(struct session *s)
{
	const char *names = s->peer->input_filters != NULL ?
	    s->peer->input_filters : cf_option_value(s->cf,
	    "InputMailFilters"), *l;
	struct smtpd_milters *ms;
	struct strarr w = { 0 };
	struct milter *m;
	struct err err;
	size_t i;

	if (names == NULL)
		return NULL;
	str_split(names, ",; \t", &w);
	if (w.n == 0) {
		strarr_free(&w);
		return NULL;
	}
	ms = xcalloc(1, sizeof(*ms));
	ms->v = xcalloc(w.n, sizeof(*ms->v));
	ms->loglevel = cf_option_value(s->cf, "Milter.LogLevel") != NULL ?
	    strtol(cf_option_value(s->cf, "Milter.LogLevel"), NULL, 10) :
	    s->loglevel;
	s->milters = ms;	/* for the log lines of milter_open's failure */
	for (i = 0; i < w.n; i++) {
		if ((l = xline(s->cf, w.v[i])) == NULL) {
			log_msg(LOG_ERR, NULL, "InputFilter %s not defined",
			    w.v[i]);
			continue;
		}
		m = &ms->v[ms->n];
		m->fd = -1;
		err_clear(&err);
		if (milter_conf_parse(l, &m->conf, &err) == -1) {
			log_msg(LOG_ERR, NULL, "%s", err.msg);
			continue;
		}
		ms->n++;
		if (milter_open(m, &err) == -1)
			smtpd_mf_failed(s, m, SMFIC_OPTNEG, &err);
		else if (ms->loglevel > 9)
			log_msg(LOG_INFO, s->have_id ? s->id : NULL, "Milter "
			    "(%s): init success to negotiate", m->conf.name);
	}
	if (ms->loglevel > 9)
		log_msg(LOG_INFO, s->have_id ? s->id : NULL,
		    "Milter: connect to filters");
	strarr_free(&w);
	return ms;
}

/* The verdict a broken filter leaves behind (its F=). */
enum mv
smtpd_mf_fail_verdict(const struct milter *m)
{
	switch (m->conf.fail) {
	case MILTER_FAIL_REJECT:
		return MV_REJECT;
	case MILTER_FAIL_TEMPFAIL:
		return MV_TEMPFAIL;
	default:
		return MV_CONTINUE;
	}
}

/* SMFIC_MACRO for the stage's macros that have values; 0 or -1. */
int
smtpd_mf_send_macros(struct session *s, struct milter *m,
    enum milter_stage st, int cmd, struct err *err)
{
	const char *list = m->macros[st] != NULL ? m->macros[st] :
	    cf_option_value(s->cf, stage_option[st]), *v;
	struct strarr w = { 0 };
	struct buf b;
	size_t i;
	int any = 0, rc = 0;
	char name[256];

	if (list == NULL)
		return 0;
	str_split(list, ", \t", &w);
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_MACRO);
	(void)buf_addc(&b, cmd);
	for (i = 0; i < w.n; i++) {
		/* "{name}" and "name" are the same long macro */
		if (strlen(w.v[i]) > 1 && w.v[i][0] != '{') {
			if ((size_t)snprintf(name, sizeof(name), "{%s}",
			    w.v[i]) >= sizeof(name))
				continue;
		} else if (str_copy(name, w.v[i], sizeof(name)) == -1)
			continue;
		if ((v = cf_macro_value(s->cf, name)) == NULL)
			continue;
		milter_pkt_str(&b, w.v[i]);
		milter_pkt_str(&b, v);
		any = 1;
	}
	if (any && milter_pkt_end(&b, 0) == 0)
		rc = milter_send(m, &b, err);
	buf_free(&b);
	strarr_free(&w);
	return rc;
}

/* Words a reply code of a filter into replies (lines split at CRLF). */
static void
say_reply(struct session *s, const char *text)
{
	const char *p = text, *nl;
	size_t n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0)
			reply(s, "%.*s", (int)n, p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/*
 * One step for every filter: the stage's macros, then the command
 * (unless the filter asked not to have it: `skipflag'), then its reply
 * (unless it asked not to answer: `nrflag').  The first verdict other
 * than continue ends the round.  A REPLYCODE's text is kept in
 * ms->reply.  msgstep: an accept ends the filter's part in this
 * message (else in the connection).
 */
static enum mv
step(struct session *s, int cmd, int st, const struct buf *pkt,
    uint32_t skipflag, uint32_t nrflag, int msgstep)
{
	struct smtpd_milters *ms = s->milters;
	struct milter_reply r;
	struct milter *m;
	struct err err;
	size_t i;

	if (ms == NULL || ms->off)
		return MV_CONTINUE;
	free(ms->reply);
	ms->reply = NULL;
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		if (m->failed) {
			if (smtpd_mf_fail_verdict(m) != MV_CONTINUE)
				return smtpd_mf_fail_verdict(m);
			continue;
		}
		if (m->done_conn || m->done_msg || (m->pflags & skipflag))
			continue;
		err_clear(&err);
		if ((st >= 0 && smtpd_mf_send_macros(s, m,
		    (enum milter_stage)st, cmd, &err) == -1) ||
		    milter_send(m, pkt, &err) == -1) {
			smtpd_mf_failed(s, m, cmd, &err);
			if (smtpd_mf_fail_verdict(m) != MV_CONTINUE)
				return smtpd_mf_fail_verdict(m);
			continue;
		}
		if (cmd == SMFIC_MAIL)
			m->in_msg = 1;
		if (m->pflags & nrflag)
			continue;
		if (milter_recv(m, 0, &r, &err) == -1) {
			smtpd_mf_failed(s, m, cmd, &err);
			if (smtpd_mf_fail_verdict(m) != MV_CONTINUE)
				return smtpd_mf_fail_verdict(m);
			continue;
		}
		smtpd_mf_log_reply(s, m, cmd, r.cmd);
		switch (r.cmd) {
		case SMFIR_CONTINUE:
			break;
		case SMFIR_ACCEPT:
			if (msgstep)
				m->done_msg = 1;
			else
				m->done_conn = 1;
			break;
		case SMFIR_SKIP:
			break;
		case SMFIR_REJECT:
			return MV_REJECT;
		case SMFIR_TEMPFAIL:
			return MV_TEMPFAIL;
		case SMFIR_DISCARD:
			return MV_DISCARD;
		case SMFIR_REPLYCODE:
			ms->reply = xstrdup(r.text);
			return MV_REPLY;
		case SMFIR_SHUTDOWN:
			milter_close(m);
			m->failed = 1;
			return MV_TEMPFAIL;
		default:
			err_set(&err, ERR_PROTOCOL, "reply '%c' not allowed "
			    "here", r.cmd);
			smtpd_mf_failed(s, m, cmd, &err);
			if (smtpd_mf_fail_verdict(m) != MV_CONTINUE)
				return smtpd_mf_fail_verdict(m);
			break;
		}
	}
	return MV_CONTINUE;
}

void
smtpd_milter_connect(struct session *s)
{
	const struct smtpd_peer *p = s->peer;
	struct buf b;
	enum mv v, init = MV_CONTINUE;
	size_t i;
	int fam;

	if ((s->milters = milters_open(s)) == NULL || s->discard_all)
		return;
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_CONNECT);
	milter_pkt_str(&b, p->addr != NULL ? p->name : "localhost");
	fam = p->addr == NULL || p->family == NULL ? 'U' :
	    strcmp(p->family, "inet6") == 0 ? '6' :
	    strcmp(p->family, "inet") == 0 ? '4' : 'L';
	(void)buf_addc(&b, fam);
	if (fam != 'U') {
		milter_pkt_u16(&b, p->port != NULL ? (unsigned)atoi(p->port) :
		    0);
		milter_pkt_str(&b, p->addr);
	}
	(void)milter_pkt_end(&b, 0);
	/* a filter that could not be opened with F=R or F=T decides */
	for (i = 0; i < s->milters->n && init == MV_CONTINUE; i++)
		if (s->milters->v[i].failed)
			init = smtpd_mf_fail_verdict(&s->milters->v[i]);
	v = init != MV_CONTINUE ? init : step(s, SMFIC_CONNECT,
	    MILTER_M_CONNECT, &b, SMFIP_NOCONNECT, SMFIP_NR_CONN, 0);
	buf_free(&b);
	if (v == MV_CONTINUE)
		return;
	if (v == MV_DISCARD) {
		s->discard_all = s->discard = 1;
		return;
	}
	s->milters->off = 1;
	if (init != MV_CONTINUE)
		log_msg(LOG_INFO, NULL, "Milter: initialization failed, %s",
		    v == MV_TEMPFAIL ? "temp failing commands" :
		    "rejecting commands");
	else
		log_msg(LOG_INFO, NULL, "Milter: connect: host=%s, addr=%s, "
		    "%s", p->addr != NULL ? p->name : "localhost",
		    p->addr != NULL ? p->addr : "0", v == MV_TEMPFAIL ?
		    "temp failing commands" : "rejecting commands");
	if (v == MV_TEMPFAIL) {
		s->milters->tempfail = 1;
		return;
	}
	/* a reply code here counts as a reject, as in sendmail */
	reply(s, "554 %s ESMTP not accepting messages", jname(s));
	s->nullserver = 1;
	free(s->nullreply);
	s->nullreply = xstrdup(REPLY_NULL);
}

/*
 * The reply for a verdict: reject is `rej' + "Command rejected",
 * tempfail REPLY_TEMPFAIL, a filter's reply code as given; at MAIL and
 * RCPT the address goes after the codes ("<a@b>... "), except with
 * tempfail, as sendmail words them.  Caller frees.
 */
static char *
reply_text(struct smtpd_milters *ms, enum mv v, const char *rej,
    const char *addr)
{
	struct buf b;
	const char *t = ms->reply, *sp;
	size_t n;

	buf_init(&b, 0);
	if (v == MV_TEMPFAIL)
		(void)buf_adds(&b, REPLY_TEMPFAIL);
	else if (v == MV_REJECT)
		(void)buf_printf(&b, "%s %s%s%s", rej, addr ? addr : "",
		    addr ? "... " : "", REPLY_REJECTED);
	else if (addr == NULL || strchr(t, '\n') != NULL || strlen(t) < 4)
		(void)buf_adds(&b, t);
	else {
		/* "553 5.7.0 text": the address after the codes */
		n = 4;
		sp = strchr(t + 4, ' ');
		if (t[4] >= '2' && t[4] <= '5' && t[5] == '.' && sp != NULL)
			n = (size_t)(sp - t) + 1;
		(void)buf_printf(&b, "%.*s%s... %s", (int)n, t, addr, t + n);
	}
	return buf_steal(&b);
}

/* A reply for the log: CR and LF written as \r and \n. */
static const char *
logged_text(const char *t, struct buf *b)
{
	buf_init(b, 0);
	for (; *t != '\0'; t++)
		if (*t == '\r')
			(void)buf_adds(b, "\\r");
		else if (*t == '\n')
			(void)buf_adds(b, "\\n");
		else
			(void)buf_addc(b, *t);
	return buf_cstr(b);
}

/*
 * A step's verdict made a reply (logged "Milter: what=arg, reject=...");
 * returns 1 when the command is refused, 0 to go on (discard is then
 * set on the session).  A 421 from a filter ends the session.
 */
int
smtpd_mf_refuse(struct session *s, enum mv v, const char *what, const char *arg,
    const char *rej, const char *addr)
{
	struct buf lt;
	char *t;

	if (v == MV_CONTINUE)
		return 0;
	if (v == MV_DISCARD) {
		log_msg(LOG_INFO, s->have_id ? s->id : NULL, "Milter: "
		    "%s%s%s, discard", what, arg ? "=" : "", arg ? arg : "");
		s->discard = 1;
		return 0;
	}
	/* the log has the reply without the address, CRLF as \r\n; at
	 * Milter.LogLevel 3 and below sendmail logs the reply's text after
	 * the address instead (measured for reject at MAIL and RCPT) */
	t = reply_text(s->milters, v, rej, NULL);
	if (s->milters->loglevel > 3 || addr == NULL)
		log_msg(LOG_INFO, s->have_id ? s->id : NULL, "Milter: %s%s%s, "
		    "reject=%s", what, arg ? "=" : "", arg ? arg : "",
		    logged_text(t, &lt));
	else
		log_msg(LOG_INFO, s->have_id ? s->id : NULL, "%s... %s",
		    addr, logged_text(t + (strlen(t) > 10 ? 10 : strlen(t)),
		    &lt));
	buf_free(&lt);
	free(t);
	t = reply_text(s->milters, v, rej, addr);
	say_reply(s, t);
	if (strncmp(t, "421", 3) == 0)
		s->quit = 1;
	free(t);
	return 1;
}

int
smtpd_milter_helo(struct session *s, const char *helo, int esmtp)
{
	struct buf b;
	enum mv v;

	if (s->milters == NULL)
		return 0;
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_HELO);
	milter_pkt_str(&b, helo);
	(void)milter_pkt_end(&b, 0);
	v = step(s, SMFIC_HELO, MILTER_M_HELO, &b, SMFIP_NOHELO,
	    SMFIP_NR_HELO, 0);
	buf_free(&b);
	if (v == MV_TEMPFAIL) {
		log_msg(LOG_INFO, s->have_id ? s->id : NULL, "Milter: helo=%s, "
		    "reject=%s", helo, REPLY_TEMPFAIL);
		s->milters->tempfail = s->milters->off = 1;
	}
	if (v != MV_REJECT && v != MV_REPLY)
		return 0;
	s->milters->off = 1;
	/* sendmail serves no mail from here on, and says so to each
	 * command; the greeting itself is answered in short */
	log_msg(LOG_INFO, s->have_id ? s->id : NULL, "Milter: helo=%s, "
	    "reject=%s", helo, v == MV_REPLY ? s->milters->reply :
	    REPLY_REJECTED);
	s->nullserver = 1;
	free(s->nullreply);
	s->nullreply = xstrdup(v == MV_REPLY ? s->milters->reply :
	    REPLY_NULL);
	reply(s, "250%c%s Hello %s, pleased to meet you", esmtp ? '-' : ' ',
	    jname(s), s->relay);
	if (esmtp)
		reply(s, "250 ENHANCEDSTATUSCODES");
	return 1;
}

/* MAIL and RCPT: the address, then each ESMTP parameter a string. */
static void
envelope_pkt(struct buf *b, int cmd, const char *addr, const char *params)
{
	struct strarr w = { 0 };
	size_t i;

	milter_pkt_begin(b, cmd);
	milter_pkt_str(b, addr);
	if (params != NULL)
		str_split(params, " \t", &w);
	for (i = 0; i < w.n; i++)
		milter_pkt_str(b, w.v[i]);
	strarr_free(&w);
	(void)milter_pkt_end(b, 0);
}

int
smtpd_milter_mail(struct session *s, const char *addr, const char *params)
{
	struct buf b;
	size_t i;
	enum mv v;

	if (s->milters == NULL)
		return 0;
	if (s->milters->tempfail) {
		/* logged when it was decided, not again */
		reply(s, "%s", REPLY_TEMPFAIL);
		return 1;
	}
	for (i = 0; i < s->milters->n; i++)
		s->milters->v[i].done_msg = 0;
	buf_init(&b, 0);
	envelope_pkt(&b, SMFIC_MAIL, addr, params);
	if (s->milters->loglevel > 14)
		log_msg(LOG_INFO, s->have_id ? s->id : NULL,
		    "Milter: sender: %s", addr);
	v = step(s, SMFIC_MAIL, MILTER_M_ENVFROM, &b, SMFIP_NOMAIL,
	    SMFIP_NR_MAIL, 1);
	buf_free(&b);
	if (v == MV_REJECT && s->milters->loglevel > 10)
		log_msg(LOG_INFO, s->have_id ? s->id : NULL,
		    "Milter: reject, sender");
	return smtpd_mf_refuse(s, v, "from", addr, REPLY_REJECT, addr);
}

int
smtpd_milter_rcpt(struct session *s, const char *addr, const char *params)
{
	struct buf b;
	enum mv v;

	if (s->milters == NULL)
		return 0;
	buf_init(&b, 0);
	envelope_pkt(&b, SMFIC_RCPT, addr, params);
	if (s->milters->loglevel > 14)
		log_msg(LOG_INFO, s->have_id ? s->id : NULL,
		    "Milter: rcpts: %s", addr);
	v = step(s, SMFIC_RCPT, MILTER_M_ENVRCPT, &b, SMFIP_NORCPT,
	    SMFIP_NR_RCPT, 1);
	buf_free(&b);
	return smtpd_mf_refuse(s, v, "to", addr, REPLY_REJECT, addr);
}

int
smtpd_milter_data(struct session *s)
{
	struct buf b;
	enum mv v;

	if (s->milters == NULL)
		return 0;
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_DATA);
	(void)milter_pkt_end(&b, 0);
	v = step(s, SMFIC_DATA, MILTER_M_DATA, &b, SMFIP_NODATA,
	    SMFIP_NR_DATA, 1);
	buf_free(&b);
	return smtpd_mf_refuse(s, v, "cmd", "data", REPLY_REJECT, NULL);
}

int
smtpd_milter_unknown(struct session *s, const char *line)
{
	struct buf b;
	enum mv v;

	if (s->milters == NULL)
		return 0;
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_UNKNOWN);
	milter_pkt_str(&b, line);
	(void)milter_pkt_end(&b, 0);
	v = step(s, SMFIC_UNKNOWN, -1, &b, SMFIP_NOUNKNOWN, SMFIP_NR_UNKN,
	    0);
	buf_free(&b);
	if (v == MV_DISCARD)
		return 0;
	/* sendmail 8.17 logs the command as "(null)" */
	return smtpd_mf_refuse(s, v, "unknown", "(null)", REPLY_REJECT, NULL);
}

const char *
smtpd_milter_received_for(struct session *s, const char *u)
{
	return s->milters != NULL && s->milters->eom ? s->milters->for_rcpt :
	    u;
}

void
smtpd_milter_abort(struct session *s)
{
	struct err err;
	struct buf b;
	size_t i;

	if (s->milters == NULL)
		return;
	s->milters->eom = 0;
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_ABORT);
	(void)milter_pkt_end(&b, 0);
	for (i = 0; i < s->milters->n; i++) {
		struct milter *m = &s->milters->v[i];

		if (m->fd == -1 || !m->in_msg)
			continue;
		m->in_msg = 0;
		m->done_msg = 0;
		if (milter_send(m, &b, &err) == -1)
			smtpd_mf_failed(s, m, SMFIC_ABORT, &err);
	}
	buf_free(&b);
}

void
smtpd_milter_end(struct session *s)
{
	struct err err;
	struct buf b;
	size_t i;

	if (s->milters == NULL)
		return;
	smtpd_milter_abort(s);
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_QUIT);
	(void)milter_pkt_end(&b, 0);
	for (i = 0; i < s->milters->n; i++) {
		if (s->milters->v[i].fd != -1 && s->milters->loglevel > 18)
			log_msg(LOG_INFO, s->have_id ? s->id : NULL,
			    "Milter (%s): quit filter", s->milters->v[i].conf.name);
		if (s->milters->v[i].fd != -1)
			(void)milter_send(&s->milters->v[i], &b, &err);
		milter_free(&s->milters->v[i]);
	}
	buf_free(&b);
	free(s->milters->v);
	free(s->milters->reply);
	free(s->milters->for_rcpt);
	free(s->milters);
	s->milters = NULL;
}

