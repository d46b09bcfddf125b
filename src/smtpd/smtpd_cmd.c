/*
 * smtpd_cmd.c -- the envelope commands of an SMTP session: HELO/EHLO
 * and the ESMTP keywords, MAIL and RCPT with their parameters, address
 * resolution, policy rulesets (check_mail, check_rcpt) and the local
 * recipient check, VRFY/EXPN, HELP from the helpfile, ETRN.  Replies
 * carry sendmail 8.17's wording.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "smtpd_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define MAXPARAMS	16
#define MAXSHORTSTR	203	/* sendmail shortens addresses so */

/* An address in a reply: long ones keep both ends, as sendmail's do. */
static const char *
short_addr(const char *a, char out[MAXSHORTSTR + 1])
{
	return str_shorten(a, MAXSHORTSTR, out, MAXSHORTSTR + 1);
}

/* A letter of the port's M= modifiers (${daemon_flags}). */
int
port_flag(struct session *s, int c)
{
	const char *f = s->peer->daemon_flags;

	return f != NULL && s->peer->addr != NULL && strchr(f, c) != NULL;
}

void
cmd_helo(struct session *s, char *arg, int esmtp)
{
	const char *verb = esmtp ? "EHLO" : "HELO";
	char *p;

	str_rtrim(arg);
	if (*arg == '\0') {
		reply(s, "501 5.0.0 %s requires domain address", verb);
		return;
	}
	for (p = arg; *p != '\0'; p++)
		if (!isascii((unsigned char)*p) || isspace((unsigned char)*p)
		    || iscntrl((unsigned char)*p)) {
			reply(s, "501 5.0.0 Invalid domain name");
			return;
		}
	cf_macro_define(s->cf, "s", arg);
	/* RFC 3848's names for a session under TLS, as sendmail says */
	cf_macro_define(s->cf, "r", smtpd_auth_protocol(s, esmtp));
	if (smtpd_milter_helo(s, arg, esmtp))
		return;
	s->helo = 1;
	s->esmtp = esmtp;
	if (s->has_mail)
		session_reset_tx(s);
	/* a refusal's text kept for the envelope (STARTTLS, AUTH) is
	 * forgotten, as sendmail 8.17 forgets it */
	free(s->msg.message);
	s->msg.message = NULL;
	if (!esmtp) {
		reply(s, "250 %s Hello %s, pleased to meet you", jname(s),
		    s->relay);
		return;
	}
	reply(s, "250-%s Hello %s, pleased to meet you", jname(s), s->relay);
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-PIPELINING");
	if (!(s->privacy & PRIV_NOEXPN)) {
		reply(s, "250-EXPN");
		if (!(s->privacy & PRIV_NOVERB))
			reply(s, "250-VERB");
	}
	reply(s, "250-8BITMIME");
	if (s->maxsize > 0)
		reply(s, "250-SIZE %ld", s->maxsize);
	else
		reply(s, "250-SIZE");
	reply(s, "250-DSN");
	if (!(s->privacy & PRIV_NOETRN) && !port_flag(s, 'E'))
		reply(s, "250-ETRN");
	if (smtpd_auth_offer(s) != NULL)
		reply(s, "250-AUTH %s", smtpd_auth_offer(s));
	if (smtpd_tls_offer(s))
		reply(s, "250-STARTTLS");
	reply(s, "250-DELIVERBY");
	reply(s, "250 HELP");
}

/* "<a@b>  " -> the address text without the trailing blanks */
static char *
addr_text(const char *p, size_t end)
{
	char *t = xstrndup(p, end);

	str_rtrim(t);
	return t;
}

/* The bare address of "<a@b>" (for $g, Received's "for", the r line). */
static char *
bare_addr(const char *t)
{
	const char *p = t, *q;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '<' && (q = strrchr(p, '>')) != NULL)
		return xstrndup(p + 1, (size_t)(q - p - 1));
	return xstrdup(p);
}

static int
mail_params(struct session *s, char *params, const char *from,
    long *size_out)
{
	struct smtp_param pv[MAXPARAMS];
	size_t n, i;

	*size_out = 0;
	if (smtp_params_split(params, pv, MAXPARAMS, &n) == -1) {
		reply(s, "501 5.5.4 Too many parameters");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *k = pv[i].key, *v = pv[i].value;

		if (str_casecmp(k, "SIZE") == 0) {
			char *end;
			unsigned long long sz;

			/* sendmail: junk counts as no size, a sign is bad */
			if (v == NULL || *v == '\0' || (*v != '-' &&
			    !isdigit((unsigned char)*v)))
				continue;
			if (*v == '-') {
				reply(s, "552 5.2.3 Message size invalid");
				return -1;
			}
			errno = 0;
			sz = strtoull(v, &end, 10);
			if (errno == ERANGE || sz > LONG_MAX) {
				reply(s, "552 5.2.3 Message size exceeds "
				    "maximum value");
				return -1;
			}
			if (s->maxsize > 0 && sz > (unsigned long long)s->maxsize) {
				reply(s, "552 5.2.3 Message size exceeds fixed "
				    "maximum message size (%ld)", s->maxsize);
				return -1;
			}
			*size_out = (long)sz;
		} else if (str_casecmp(k, "BODY") == 0) {
			if (v == NULL || (str_casecmp(v, "7BIT") != 0 &&
			    str_casecmp(v, "8BITMIME") != 0)) {
				reply(s, "501 5.5.4 Unknown BODY type %s",
				    v ? v : "");
				return -1;
			}
			free(s->msg.bodytype);
			s->msg.bodytype = xstrdup(v);
			str_lower(s->msg.bodytype);
			if (str_casecmp(v, "8BITMIME") == 0)
				memcpy(s->msg.bodytype, "8BITMIME", 9);
			else
				memcpy(s->msg.bodytype, "7BIT", 5);
		} else if (str_casecmp(k, "RET") == 0) {
			if (v == NULL || (str_casecmp(v, "FULL") != 0 &&
			    str_casecmp(v, "HDRS") != 0)) {
				reply(s, "501 5.5.2 Bad argument \"%s\" to RET",
				    v ? v : "");
				return -1;
			}
			s->msg.eflags |= QF_F_RETPARAM;
			if (str_casecmp(v, "HDRS") == 0)
				s->msg.eflags |= QF_F_NOBODY;
		} else if (str_casecmp(k, "ENVID") == 0) {
			char *chk = v ? xstrdup(v) : NULL;
			int bad = chk == NULL || smtp_xtext_decode(chk) == -1;

			free(chk);
			if (bad) {
				reply(s, "501 5.5.4 Syntax error in ENVID "
				    "parameter value");
				return -1;
			}
			/* kept as xtext, as the qf keeps it */
			free(s->msg.envid);
			s->msg.envid = xstrdup(v);
		} else if (str_casecmp(k, "AUTH") == 0) {
			if (smtpd_auth_mail_param(s, v, from) == -1)
				return -1;
		} else if (str_casecmp(k, "BY") == 0) {
			/* DELIVERBY: accepted, not yet kept */
		} else {
			reply(s, "555 5.5.4 %s parameter unrecognized", k);
			return -1;
		}
	}
	return 0;
}

/*
 * sendmail's enoughdiskspace(): with MinFreeBlocks (or a SIZE) set, the
 * queue's file system must have MinFreeBlocks blocks free plus the
 * blocks the declared size needs.  1 enough, 0 not (logged as sendmail
 * logs it).  A file system that cannot be asked counts as enough: the
 * queue write that follows still fails with a 4xx of its own.
 */
static int
enough_disk_space(struct session *s, long msize)
{
	const char *v = cf_option_value(s->cf, "MinFreeBlocks");
	long minfree = v != NULL ? atol(v) : 0;
	const struct queue_dirs *qd = s->ctx->qdirs;
	struct statvfs st;
	unsigned long long bsize, need;
	size_t i;

	if (minfree <= 0 && msize <= 0)
		return 1;
	if (minfree < 0)
		minfree = 0;
	for (i = 0; i < qd->npaths; i++) {
		if (queue_dirs_statvfs(qd, i, &st) == -1)
			continue;
		bsize = st.f_frsize > 0 ? st.f_frsize : 1024;
		need = (unsigned long long)minfree +
		    (unsigned long long)msize / bsize;
		if ((unsigned long long)st.f_bavail < need) {
			log_msg(LOG_ALERT, s->have_id ? s->id : NULL,
			    "low on space (%s needs %ld bytes + %ld blocks in "
			    "%s), max avail: %llu", s->relay ? s->relay :
			    "SMTP-DAEMON", msize, minfree, qd->qdir,
			    (unsigned long long)st.f_bavail);
			return 0;
		}
	}
	return 1;
}

static void
define_addr(struct session *s, const char *pfx, const struct cf_resolved *r)
{
	char name[32];

	(void)snprintf(name, sizeof(name), "{%s_mailer}", pfx);
	cf_macro_define(s->cf, name, r->mailer);
	(void)snprintf(name, sizeof(name), "{%s_host}", pfx);
	cf_macro_define(s->cf, name, r->host);
	(void)snprintf(name, sizeof(name), "{%s_addr}", pfx);
	cf_macro_define(s->cf, name, r->user);
}

/* A reject from a policy ruleset: the reply and sendmail's log line. */
static void
policy_reject(struct session *s, const char *ruleset, const char *arg1)
{
	log_msg(LOG_NOTICE, s->have_id ? s->id : NULL, "ruleset=%s, arg1=%s, "
	    "relay=%s, reject=%s", ruleset, arg1, s->relay,
	    buf_cstr(&s->err));
	reply_cf_error(s);
	smtpd_stats_reject(s, s->from_mno);
}

void
cmd_mail(struct session *s, char *arg)
{
	struct cf_resolved r;
	char *p, *text = NULL, *bare, shortbuf[MAXSHORTSTR + 1];
	char *params = NULL;
	size_t end = 0;
	enum cf_verdict v;
	long msize;

	if (!s->helo && (s->privacy & PRIV_NEEDMAILHELO)) {
		reply(s, "503 5.0.0 Polite people say HELO first");
		return;
	}
	if (s->has_mail) {
		reply(s, "503 5.5.0 Sender already specified");
		return;
	}
	if (s->sender_refused) {
		/* a new MAIL replaces a refused sender unlogged */
		free(s->mail_from);
		s->mail_from = NULL;
		s->sender_refused = 0;
	}
	if (port_flag(s, 'a') && !smtpd_auth_done(s)) {
		/* M=a: this port takes mail only after AUTH */
		reply(s, "530 5.7.0 Authentication required");
		return;
	}
	p = smtp_skip_keyword(arg, "FROM");
	if (p == NULL || *p == '\0') {
		reply(s, "501 5.5.2 Syntax error in parameters scanning "
		    "\"FROM\"");
		return;
	}
	(void)session_id(s);
	/* no HELO yet; after STARTTLS the first EHLO's word stays */
	if (!s->helo && cf_macro_value(s->cf, "r") == NULL)
		cf_macro_define(s->cf, "r", "SMTP");
	if (cf_addr_resolve(s->cf, p, 0, ' ', &end, &r) == -1) {
		cf_resolved_free(&r);
		if (!reply_cf_error(s))
			reply(s, "553 5.0.0 Invalid sender address");
		return;
	}
	text = addr_text(p, end);
	define_addr(s, "mail", &r);
	if (strcmp(r.mailer, "prog") == 0 || strcmp(r.mailer, "*file*") == 0 ||
	    strcmp(r.mailer, "*include*") == 0) {
		/* a sender can never be a program or a file */
		cf_resolved_free(&r);
		reply(s, "553 5.1.7 %s... Invalid sender address",
		    short_addr(text, shortbuf));
		free(text);
		return;
	}
	s->from_mno = stats_mailer(s->cf, r.mailer);
	cf_resolved_free(&r);
	s->msg.eflags = 0;
	params = xstrdup(p + end);	/* the filters see them as given */
	if (mail_params(s, p + end, text, &msize) == -1)
		goto fail;
	bare = bare_addr(text);
	cf_macro_define(s->cf, "f", bare);
	cf_macro_define(s->cf, "g", bare);
	free(bare);
	v = cf_rscheck(s->cf, "check_mail", text, NULL, text);
	if (v == CF_REJECT || v == CF_TEMPFAIL) {
		policy_reject(s, "check_mail", text);
		/* sendmail has set the envelope's sender by now: it gets its
		 * from= line when the transaction is dropped (RSET, EHLO,
		 * QUIT) unless another MAIL comes first */
		s->mail_from = text;
		s->sender_refused = 1;
		text = NULL;
		goto fail;
	}
	if (v == CF_DISCARD)
		s->discard = 1;
	if (!enough_disk_space(s, msize)) {
		reply(s, "452 4.4.5 Insufficient disk space; try again later");
		goto fail;
	}
	if (smtpd_milter_mail(s, text, params))
		goto fail;
	free(params);
	msg_set_sender(&s->msg, text);
	s->mail_from = text;
	s->has_mail = 1;
	reply(s, "250 2.1.0 %s... Sender ok", short_addr(text, shortbuf));
	return;
fail:
	free(params);
	free(text);
	free(s->msg.bodytype);
	s->msg.bodytype = NULL;
	free(s->msg.envid);
	s->msg.envid = NULL;
}

/* Where the first NOTIFY word sendmail objects to starts, and its length. */
static const char *
notify_bad_word_at(const char *v)
{
	const char *p = v;
	size_t n;
	int words = 0, never = 0;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (n == 5 && str_ncasecmp(p, "NEVER", 5) == 0)
			never = 1;
		else if (!((n == 7 && str_ncasecmp(p, "SUCCESS", 7) == 0) ||
		    (n == 7 && str_ncasecmp(p, "FAILURE", 7) == 0) ||
		    (n == 5 && str_ncasecmp(p, "DELAY", 5) == 0)))
			return p;
		words++;
		p += n;
		if (*p == ',')
			p++;
	}
	/* NEVER with others: NEVER is the bad one */
	if (never && words > 1) {
		for (p = v; str_ncasecmp(p, "NEVER", 5) != 0;
		    p += strcspn(p, ",") + 1)
			;
		return p;
	}
	return v;
}

static size_t
notify_bad_word(const char *v)
{
	return strcspn(notify_bad_word_at(v), ",");
}

static int
rcpt_params(struct session *s, char *params, unsigned *flags, char **orcpt)
{
	struct smtp_param pv[MAXPARAMS];
	unsigned bits;
	size_t n, i;

	if (smtp_params_split(params, pv, MAXPARAMS, &n) == -1) {
		reply(s, "501 5.5.4 Too many parameters");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *k = pv[i].key, *v = pv[i].value;

		if (str_casecmp(k, "NOTIFY") == 0) {
			if (v == NULL || smtp_notify_parse(v, &bits) == -1) {
				reply(s, "501 5.5.4 Bad argument \"%.*s\"  to "
				    "NOTIFY", v ? (int)notify_bad_word(v) : 0,
				    v ? notify_bad_word_at(v) : "");
				return -1;
			}
			*flags |= QF_R_NOTIFY;
			if (bits & SMTP_NOTIFY_SUCCESS)
				*flags |= QF_R_SUCCESS;
			if (bits & SMTP_NOTIFY_FAILURE)
				*flags |= QF_R_FAILURE;
			if (bits & SMTP_NOTIFY_DELAY)
				*flags |= QF_R_DELAY;
		} else if (str_casecmp(k, "ORCPT") == 0) {
			char *semi = v ? strchr(v, ';') : NULL;
			char *chk = semi ? xstrdup(semi + 1) : NULL;
			int bad = semi == NULL || semi == v ||
			    smtp_xtext_decode(chk) == -1;

			free(chk);
			if (bad) {
				reply(s, "501 5.5.4 Syntax error in ORCPT "
				    "parameter value");
				return -1;
			}
			free(*orcpt);
			*orcpt = xstrdup(v);
		} else {
			reply(s, "555 5.5.4 %s parameter unrecognized", k);
			return -1;
		}
	}
	return 0;
}

/* Too many bad recipients: slow the client down, as sendmail does. */
static void
bad_rcpt(struct session *s)
{
	s->nbadrcpts++;
	if (s->badrcpt_throttle > 0 && s->nbadrcpts >= s->badrcpt_throttle) {
		if (s->nbadrcpts == s->badrcpt_throttle)
			log_msg(LOG_NOTICE, s->have_id ? s->id : NULL, "%s: "
			    "Possible SMTP RCPT flood, throttling.", s->relay);
		(void)session_flush(s);
		(void)sleep(1);
	}
}

void
cmd_rcpt(struct session *s, char *arg)
{
	struct cf_resolved r;
	struct msg_rcpt *mr;
	char *p, *text = NULL, *orcpt = NULL, *bare, *final = NULL, nr[24];
	char *params = NULL, *refused = NULL, *shown = NULL;
	char shortbuf[MAXSHORTSTR + 1];
	const char *j = jname(s);
	unsigned flags = QF_R_PRIMARY;
	size_t end = 0;
	enum cf_verdict v;

	if (!s->has_mail) {
		reply(s, "503 5.0.0 Need MAIL before RCPT");
		return;
	}
	p = smtp_skip_keyword(arg, "TO");
	if (p == NULL || *p == '\0') {
		reply(s, "501 5.5.2 Syntax error in parameters scanning "
		    "\"TO\"");
		return;
	}
	if (s->maxrcpts > 0 && (long)s->msg.rcpts.n >= s->maxrcpts) {
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if (cf_addr_resolve(s->cf, p, 1, ' ', &end, &r) == -1) {
		cf_resolved_free(&r);
		if (!reply_cf_error(s))
			reply(s, "553 5.0.0 Invalid recipient address");
		bad_rcpt(s);
		return;
	}
	text = addr_text(p, end);
	define_addr(s, "rcpt", &r);
	params = xstrdup(p + end);	/* the filters see them as given */
	if (rcpt_params(s, p + end, &flags, &orcpt) == -1)
		goto out;
	v = cf_rscheck(s->cf, "check_rcpt", text, NULL, text);
	if (v == CF_REJECT || v == CF_TEMPFAIL) {
		policy_reject(s, "check_rcpt", text);
		bad_rcpt(s);
		goto out;
	}
	s->nrcpts_tried++;	/* sendmail's count for Received's "for" */
	if (v == CF_DISCARD)
		s->discard = 1;
	if (!cf_rcpt_known(s->cf, &r, text)) {
		log_msg(LOG_INFO, s->have_id ? s->id : NULL, "%s",
		    s->errtext ? s->errtext : "User unknown");
		reply_cf_error(s);
		bad_rcpt(s);
		goto out;
	}
	if (smtpd_milter_rcpt(s, text, params))
		goto out;
	if (!(flags & QF_R_NOTIFY))
		flags |= QF_R_FAILURE | QF_R_DELAY;
	bare = bare_addr(text);
	if (asprintf(&final, "RFC822; %s%s%s", bare, strchr(bare, '@') ?
	    "" : "@", strchr(bare, '@') ? "" : j) == -1)
		final = NULL;
	mr = msg_add_rcpt(&s->msg, text, final, r.mailer, r.host, r.user);
	if (mr != NULL) {
		mr->flags = flags;
		refused = smtpd_expand_rcpt(s, text, flags, final, orcpt,
		    &shown);
		mr->orcpt = orcpt;
		orcpt = NULL;
	}
	free(bare);
	free(final);
	if (refused != NULL) {
		/* -odi: a member refused answers for the RCPT; the others
		 * stay (sendmail 8.17) */
		reply(s, "550 5.1.1 %s", refused);
		free(refused);
		goto out;
	}
	(void)snprintf(nr, sizeof(nr), "%zu", s->msg.rcpts.n);
	cf_macro_define(s->cf, "{nrcpts}", nr);
	reply(s, "250 2.1.5 %s... Recipient ok%s", short_addr(shown != NULL ?
	    shown : text, shortbuf), r.tempfail ? " (will queue)" : "");
out:
	free(shown);
	free(params);
	cf_resolved_free(&r);
	free(orcpt);
	free(text);
}

/*
 * VRFY and EXPN; line is the command line as the client typed it, which
 * the log lines quote (fail2ban's sendmail-reject filter reads the
 * "[rejected]" ones).
 */
void
cmd_vrfy(struct session *s, char *arg, int expn, const char *line)
{
	struct cf_resolved r;
	size_t end = 0;
	char shortbuf[MAXSHORTSTR + 1];

	if ((expn && (s->privacy & PRIV_NOEXPN)) ||
	    (!expn && (s->privacy & PRIV_NOVRFY))) {
		if (expn)
			reply(s, "502 5.7.0 Sorry, we do not allow this "
			    "operation");
		else
			reply(s, "252 2.5.2 Cannot VRFY user; try RCPT to "
			    "attempt delivery (or try finger)");
		if (s->loglevel > 5)
			log_msg(LOG_INFO, session_id(s), "%s: %s [rejected]",
			    s->relay, short_addr(line, shortbuf));
		return;
	}
	str_rtrim(arg);
	if (*arg == '\0') {
		reply(s, "501 5.5.2 Argument required");
		return;
	}
	log_msg(LOG_INFO, s->have_id ? s->id : NULL, "%s: %s %s", s->relay,
	    expn ? "EXPN" : "VRFY", arg);
	if (cf_addr_resolve(s->cf, arg, 1, '\0', &end, &r) == -1) {
		cf_resolved_free(&r);
		if (!reply_cf_error(s))
			reply(s, "553 5.0.0 Invalid address");
		return;
	}
	if (!r.local) {
		reply(s, "252 2.5.2 Cannot VRFY user; try RCPT to attempt "
		    "delivery (or try finger)");
	} else if (cf_rcpt_known(s->cf, &r, arg))
		reply(s, "250 2.1.5 <%s@%s>", r.user, jname(s));
	else
		reply_cf_error(s);
	cf_resolved_free(&r);
}

/*
 * HELP from the HelpFile: lines "topic<TAB>text"; HELP alone is the
 * topic "smtp".  Topics are matched without case and shown truncated
 * to 10 characters when unknown, as sendmail does.
 */
void
cmd_help(struct session *s, char *arg)
{
	const char *path = cf_option_value(s->cf, "HelpFile");
	char line[1024], topic[64];
	struct buf ex, tr;
	size_t tl;
	FILE *f;
	int found = 0;

	str_rtrim(arg);
	(void)snprintf(topic, sizeof(topic), "%s", *arg ? arg : "smtp");
	str_lower(topic);
	tl = strlen(topic);
	f = path != NULL ? smtpd_help_open(path) : NULL;
	if (f == NULL) {
		reply(s, "502 5.3.0 Sendmail %s -- HELP not implemented",
		    cf_macro_value(s->cf, "v"));
		return;
	}
	buf_init(&ex, 0);
	buf_init(&tr, 0);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || str_ncasecmp(line, topic, tl) != 0 ||
		    line[tl] != '\t')
			continue;
		str_rtrim(line);
		cf_macro_translate(s->cf, line + tl + 1, &tr);
		cf_macro_expand(s->cf, buf_cstr(&tr), &ex);
		reply(s, "214-2.0.0 %s", buf_cstr(&ex));
		found = 1;
	}
	(void)fclose(f);
	buf_free(&ex);
	buf_free(&tr);
	if (found)
		reply(s, "214 2.0.0 End of HELP info");
	else
		reply(s, "504 5.3.0 HELP topic \"%.10s\" unknown", arg);
}

void
cmd_etrn(struct session *s, char *arg)
{
	if ((s->privacy & PRIV_NOETRN) || port_flag(s, 'E')) {
		reply(s, "502 5.7.0 Sorry, we do not allow this operation");
		return;
	}
	str_rtrim(arg);
	if (*arg == '\0') {
		reply(s, "500 5.5.2 Parameter required");
		return;
	}
	log_msg(LOG_INFO, NULL, "%s: ETRN %s", s->relay, arg);
	reply(s, "250 2.0.0 Queuing for node %s started", arg);
}
