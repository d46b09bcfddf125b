/*
 * smtpd_milter_eom.c -- the end of a message for the mail filters: each
 * filter in turn gets the message's own headers, the end of headers,
 * the body from the df (CRLF lines, chunks of 65535) and the end of
 * message; the changes it answers with (headers, recipients, sender,
 * body, quarantine) are applied to the envelope and the df before the
 * qf is written.  Log lines are sendmail 8.17's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "smtpd_milter_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/*
 * Sends pkt to m and, unless nrflag was negotiated, reads the reply:
 * 1 reply in r, 0 none expected, -1 the filter failed (handled).
 */
static int
exchange(struct session *s, struct milter *m, const struct buf *pkt,
    uint32_t nrflag, int eom, struct milter_reply *r)
{
	struct err err;
	int cmd = pkt->len > 4 ? pkt->data[4] : 0;

	err_clear(&err);
	if (milter_send(m, pkt, &err) == -1) {
		smtpd_mf_failed(s, m, cmd, &err);
		return -1;
	}
	if (m->pflags & nrflag)
		return 0;
	if (milter_recv(m, eom, r, &err) == -1) {
		smtpd_mf_failed(s, m, cmd, &err);
		return -1;
	}
	if (!eom)
		smtpd_mf_log_reply(s, m, cmd, r->cmd);
	return 1;
}

/* A verdict reply's meaning; MV_CONTINUE also for accept (m done). */
static enum mv
final_reply(struct smtpd_milters *ms, struct milter *m,
    const struct milter_reply *r)
{
	switch (r->cmd) {
	case SMFIR_ACCEPT:
		m->done_msg = 1;
		return MV_CONTINUE;
	case SMFIR_REJECT:
		return MV_REJECT;
	case SMFIR_TEMPFAIL:
	case SMFIR_SHUTDOWN:
		return MV_TEMPFAIL;
	case SMFIR_DISCARD:
		return MV_DISCARD;
	case SMFIR_REPLYCODE:
		free(ms->reply);
		ms->reply = xstrdup(r->text);
		return MV_REPLY;
	default:
		return MV_CONTINUE;
	}
}

/* The headers as sendmail shows them to a filter: the message's own. */
static int
send_headers(struct session *s, struct milter *m, enum mv *v)
{
	const struct msg_hdr *h;
	struct milter_reply r;
	struct buf b;
	size_t i;
	int rc = 0;
	const char *val;

	buf_init(&b, 0);
	if (s->milters->loglevel > 17)
		log_msg(LOG_INFO, s->id, "Milter (%s): headers, send",
		    m->conf.name);
	for (i = 0; i < s->msg.hdrs.n && rc >= 0; i++) {
		h = s->msg.hdrs.v[i];
		if (h->deflt || h->deleted)
			continue;
		val = h->value;
		if (!(m->pflags & SMFIP_HDR_LEADSPC) && *val == ' ')
			val++;
		buf_reset(&b);
		milter_pkt_begin(&b, SMFIC_HEADER);
		milter_pkt_str(&b, h->name);
		milter_pkt_str(&b, val);
		(void)milter_pkt_end(&b, 0);
		if ((rc = exchange(s, m, &b, SMFIP_NR_HDR, 0, &r)) == 1 &&
		    r.cmd != SMFIR_CONTINUE) {
			*v = final_reply(s->milters, m, &r);
			rc = -2;
		}
	}
	buf_free(&b);
	if (rc >= 0 && s->milters->loglevel > 17)
		log_msg(LOG_INFO, s->id, "Milter (%s): headers, sent",
		    m->conf.name);
	return rc < 0 ? -1 : 0;
}

/* The body in CRLF lines, chunks of MILTER_CHUNK; -1: stop (v set). */
static int
send_body(struct session *s, struct milter *m, struct queue_tx *tx,
    enum mv *v)
{
	struct milter_reply r;
	struct buf b;
	char in[8192];
	off_t off = 0;
	ssize_t n, i;
	int rc = 0, fd = queue_tx_df_fd(tx);

	buf_init(&b, 0);
	if (s->milters->loglevel > 17)
		log_msg(LOG_INFO, s->id, "Milter (%s): body, send",
		    m->conf.name);
	milter_pkt_begin(&b, SMFIC_BODY);
	for (;;) {
		n = pread(fd, in, sizeof(in), off);
		if (n <= 0)
			break;
		off += n;
		for (i = 0; i < n && rc == 0; i++) {
			if (in[i] == '\n')
				(void)buf_addc(&b, '\r');
			(void)buf_addc(&b, in[i]);
			if (b.len - 5 < MILTER_CHUNK - 1)
				continue;
			(void)milter_pkt_end(&b, 0);
			if ((rc = exchange(s, m, &b, SMFIP_NR_BODY, 0, &r)) ==
			    1) {
				rc = 0;
				if (r.cmd == SMFIR_SKIP)
					goto out;
				if (r.cmd != SMFIR_CONTINUE) {
					*v = final_reply(s->milters, m, &r);
					rc = -1;
				}
			}
			buf_reset(&b);
			milter_pkt_begin(&b, SMFIC_BODY);
		}
		if (rc != 0)
			goto out;
	}
	if (b.len > 5) {
		(void)milter_pkt_end(&b, 0);
		if ((rc = exchange(s, m, &b, SMFIP_NR_BODY, 0, &r)) == 1) {
			rc = 0;
			if (r.cmd != SMFIR_CONTINUE && r.cmd != SMFIR_SKIP) {
				*v = final_reply(s->milters, m, &r);
				rc = -1;
			}
		}
	}
out:
	buf_free(&b);
	if (rc >= 0 && s->milters->loglevel > 17)
		log_msg(LOG_INFO, s->id, "Milter (%s): body, sent",
		    m->conf.name);
	return rc < 0 ? -1 : 0;
}

/* A header value from a filter as the qf keeps it: " value", LF only. */
static char *
stored_value(const struct milter *m, const char *v)
{
	struct buf b;

	buf_init(&b, 0);
	if (!(m->pflags & SMFIP_HDR_LEADSPC))
		(void)buf_addc(&b, ' ');
	for (; *v != '\0'; v++)
		if (!(v[0] == '\r' && v[1] == '\n'))
			(void)buf_addc(&b, *v);
	return buf_steal(&b);
}

struct bodyrepl {
	int		 started;
	int		 cr;		/* a CR ended the last chunk */
	size_t		 oldsize;
};

/* SMFIR_REPLBODY: the df starts again with the filter's bytes, CRLF
 * made LF. */
static int
replace_body(struct session *s, const char *name, struct queue_tx *tx,
    struct bodyrepl *br, const char *p, size_t n, struct err *err)
{
	struct buf b;
	size_t i;
	int rc;

	if (!br->started) {
		br->oldsize = queue_tx_size(tx);
		if (queue_tx_truncate(tx, err) == -1)
			return -1;
		br->started = 1;
		log_msg(LOG_INFO, s->id, "Milter (%s) message: body "
		    "replaced", name);
	}
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (br->cr && p[i] != '\n')
			(void)buf_addc(&b, '\r');
		br->cr = p[i] == '\r';
		if (!br->cr)
			(void)buf_addc(&b, p[i]);
	}
	rc = queue_tx_write(tx, b.data, b.len, err);
	buf_free(&b);
	return rc;
}

/* NOTIFY= of an added recipient's ESMTP arguments as QF_R_ flags. */
static unsigned
rcpt_flags(const char *args)
{
	struct strarr w = { 0 };
	const char *notify = NULL;
	unsigned f;
	size_t i;

	if (args != NULL)
		str_split(args, " \t", &w);
	for (i = 0; i < w.n; i++)
		if (str_ncasecmp(w.v[i], "NOTIFY=", 7) == 0)
			notify = w.v[i] + 7;
	f = msg_notify_flags(notify);
	strarr_free(&w);
	return f;
}

static void
add_rcpt(struct session *s, const char *addr, const char *args)
{
	struct cf_resolved r;
	struct msg_rcpt *mr;
	size_t end = 0;
	char *final = NULL;
	const char *a = addr;
	size_t n;

	memset(&r, 0, sizeof(r));
	if (cf_addr_resolve(s->cf, addr, 1, '\0', &end, &r) == -1) {
		log_msg(LOG_NOTICE, s->id, "Milter: add: rcpt %s: address "
		    "does not resolve", addr);
		clear_cf_error(s);
		cf_resolved_free(&r);
		return;
	}
	n = strlen(a);
	if (asprintf(&final, "RFC822; %.*s%s%s", (int)(a[0] == '<' && n > 1 ?
	    n - 2 : n), a[0] == '<' && n > 1 ? a + 1 : a, strchr(a, '@') ?
	    "" : "@", strchr(a, '@') ? "" : jname(s)) == -1)
		final = NULL;
	mr = msg_add_rcpt(&s->msg, addr, final, r.mailer, r.host, r.user);
	if (mr != NULL)
		mr->flags = rcpt_flags(args);
	free(final);
	cf_resolved_free(&r);
}

/* One modification reply at eom; -1 when the df could not be written. */
static int
apply(struct session *s, struct milter *m, struct queue_tx *tx,
    struct bodyrepl *br, const struct milter_reply *r, struct err *err)
{
	static const struct { int cmd; uint32_t act; } need[] = {
		{ SMFIR_ADDHEADER, SMFIF_ADDHDRS },
		{ SMFIR_INSHEADER, SMFIF_ADDHDRS },
		{ SMFIR_CHGHEADER, SMFIF_CHGHDRS },
		{ SMFIR_ADDRCPT, SMFIF_ADDRCPT },
		{ SMFIR_ADDRCPT_PAR, SMFIF_ADDRCPT_PAR },
		{ SMFIR_DELRCPT, SMFIF_DELRCPT },
		{ SMFIR_CHGFROM, SMFIF_CHGFROM },
		{ SMFIR_REPLBODY, SMFIF_CHGBODY },
		{ SMFIR_QUARANTINE, SMFIF_QUARANTINE },
	};
	size_t i;
	char *v, *old;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i].cmd == r->cmd && !(m->actions & need[i].act)) {
			log_msg(LOG_ERR, s->id, "milter_data(%s): unexpected "
			    "response '%c' (not negotiated): ignored",
			    m->conf.name, r->cmd);
			return 0;
		}
	/* the log lines are sendmail 8.17's */
	switch (r->cmd) {
	case SMFIR_ADDHEADER:
		v = stored_value(m, r->hvalue);
		log_msg(LOG_INFO, s->id, "Milter (%s) add: header: %s: %s",
		    m->conf.name, r->hname, r->hvalue);
		msg_hdr_add(&s->msg, r->hname, strlen(r->hname), v, strlen(v));
		free(v);
		break;
	case SMFIR_INSHEADER:
		v = stored_value(m, r->hvalue);
		log_msg(LOG_INFO, s->id, "Milter (%s) insert (%lu): header: "
		    "%s: %s", m->conf.name, (unsigned long)r->index, r->hname,
		    r->hvalue);
		msg_hdr_insert(&s->msg, r->index, r->hname, v);
		free(v);
		break;
	case SMFIR_CHGHEADER:
		v = r->hvalue[0] != '\0' ? stored_value(m, r->hvalue) : NULL;
		old = NULL;
		if (msg_hdr_change(&s->msg, r->hname, r->index ? r->index : 1,
		    v, &old)) {
			if (v != NULL)
				log_msg(LOG_INFO, s->id, "Milter (%s) change: "
				    "header %s: from %s to %s", m->conf.name,
				    r->hname, old, r->hvalue);
			else
				log_msg(LOG_INFO, s->id, "Milter (%s) delete: "
				    "header %s:%s", m->conf.name, r->hname,
				    old);
		} else if (v != NULL) {
			log_msg(LOG_INFO, s->id, "Milter (%s) change (add): "
			    "header: %s: %s", m->conf.name, r->hname,
			    r->hvalue);
			msg_hdr_add(&s->msg, r->hname, strlen(r->hname), v,
			    strlen(v));
		}
		free(old);
		free(v);
		break;
	case SMFIR_ADDRCPT:
	case SMFIR_ADDRCPT_PAR:
		log_msg(LOG_INFO, s->id, "Milter (%s) add: rcpt: %s",
		    m->conf.name, r->text);
		add_rcpt(s, r->text, r->cmd == SMFIR_ADDRCPT_PAR ? r->args :
		    NULL);
		break;
	case SMFIR_DELRCPT:
		log_msg(LOG_INFO, s->id, "Milter (%s) delete: rcpt %s, "
		    "naddrs=%d", m->conf.name, r->text,
		    msg_del_rcpt(&s->msg, r->text));
		break;
	case SMFIR_CHGFROM:
		log_msg(LOG_INFO, s->id, "Milter (%s) chgfrom: %s",
		    m->conf.name, r->text);
		msg_set_sender(&s->msg, r->text);
		break;
	case SMFIR_QUARANTINE:
		free(s->msg.quarantine);
		s->msg.quarantine = xstrdup(r->text);
		log_msg(LOG_INFO, s->id, "milter=%s, quarantine=%s",
		    m->conf.name, r->text);
		break;
	case SMFIR_REPLBODY:
		return replace_body(s, m->conf.name, tx, br, r->body,
		    r->bodylen, err);
	default:
		break;
	}
	return 0;
}

/* One filter's part of the end of the message. */
static enum mv
eom_one(struct session *s, struct milter *m, struct queue_tx *tx,
    struct bodyrepl *br)
{
	struct milter_reply r;
	struct err err;
	struct buf b;
	enum mv v = MV_CONTINUE;
	int rc;

	if (!(m->pflags & SMFIP_NOHDRS) && send_headers(s, m, &v) == -1)
		return m->failed ? smtpd_mf_fail_verdict(m) : v;
	if (m->done_msg)
		return MV_CONTINUE;
	buf_init(&b, 0);
	err_clear(&err);
	if (!(m->pflags & SMFIP_NOEOH)) {
		if (smtpd_mf_send_macros(s, m, MILTER_M_EOH, SMFIC_EOH, &err) == -1) {
			smtpd_mf_failed(s, m, SMFIC_EOH, &err);
			goto out;
		}
		milter_pkt_begin(&b, SMFIC_EOH);
		(void)milter_pkt_end(&b, 0);
		rc = exchange(s, m, &b, SMFIP_NR_EOH, 0, &r);
		if (rc == -1)
			goto out;
		if (rc == 1 && r.cmd != SMFIR_CONTINUE &&
		    (v = final_reply(s->milters, m, &r)) != MV_CONTINUE)
			goto out;
		if (m->done_msg)
			goto out;
	}
	if (!(m->pflags & SMFIP_NOBODY) && (send_body(s, m, tx, &v) == -1 ||
	    m->done_msg))
		goto out;
	if (smtpd_mf_send_macros(s, m, MILTER_M_EOM, SMFIC_BODYEOB, &err) == -1) {
		smtpd_mf_failed(s, m, SMFIC_BODYEOB, &err);
		goto out;
	}
	buf_reset(&b);
	milter_pkt_begin(&b, SMFIC_BODYEOB);
	(void)milter_pkt_end(&b, 0);
	if ((rc = exchange(s, m, &b, 0, 1, &r)) != 1)
		goto out;
	for (;;) {
		switch (r.cmd) {
		case SMFIR_CONTINUE: case SMFIR_ACCEPT: case SMFIR_REJECT:
		case SMFIR_TEMPFAIL: case SMFIR_DISCARD: case SMFIR_REPLYCODE:
		case SMFIR_SHUTDOWN:
			v = final_reply(s->milters, m, &r);
			if (v != MV_CONTINUE && s->milters->loglevel > 12)
				log_msg(LOG_INFO, s->id, "milter=%s, %s",
				    m->conf.name, v == MV_DISCARD ? "discard" :
				    v == MV_TEMPFAIL ? "tempfail" : "reject");
			m->in_msg = 0;
			goto out;
		default:
			break;
		}
		if (apply(s, m, tx, br, &r, &err) == -1) {
			log_msg(LOG_ERR, s->id, "Milter (%s): %s",
			    m->conf.name, err.msg);
			v = MV_TEMPFAIL;
			goto out;
		}
		if (milter_recv(m, 1, &r, &err) == -1) {
			smtpd_mf_failed(s, m, SMFIC_BODYEOB, &err);
			goto out;
		}
	}
out:
	buf_free(&b);
	if (m->failed)
		return smtpd_mf_fail_verdict(m);
	return v;
}

int
smtpd_milter_eom(struct session *s, struct queue_tx *tx)
{
	struct smtpd_milters *ms = s->milters;
	struct bodyrepl br;
	struct milter *m;
	struct err err;
	enum mv v = MV_CONTINUE;
	const char *mid;
	size_t i;

	if (ms == NULL || ms->off)
		return 0;
	if ((mid = msg_hdr_value(&s->msg, "Message-Id")) != NULL) {
		char *t = xstrdup(str_skip_ws(mid));

		str_rtrim(t);
		cf_macro_define(s->cf, "{msg_id}", t);
		free(t);
	}
	/* Received's "for" is decided by the envelope as the client gave
	 * it, as sendmail expands the header before the filters run */
	free(ms->for_rcpt);
	ms->for_rcpt = s->msg.rcpts.n == 1 && s->nrcpts_tried == 1 ?
	    xstrdup(((struct msg_rcpt *)s->msg.rcpts.v[0])->addr) : NULL;
	ms->eom = 1;
	memset(&br, 0, sizeof(br));
	for (i = 0; i < ms->n && v == MV_CONTINUE; i++) {
		m = &ms->v[i];
		if (m->failed) {
			v = smtpd_mf_fail_verdict(m);
			continue;
		}
		if (m->done_conn || m->done_msg)
			continue;
		if (queue_tx_flush(tx, &err) == -1) {
			v = MV_TEMPFAIL;
			break;
		}
		v = eom_one(s, m, tx, &br);
		if (br.started) {
			if (br.cr)
				(void)queue_tx_write(tx, "\r", 1, &err);
			/* the size counts the body anew */
			s->msg.size = s->msg.size - br.oldsize +
			    queue_tx_size(tx);
			memset(&br, 0, sizeof(br));
		}
	}
	for (i = 0; i < ms->n; i++)
		ms->v[i].in_msg = 0;
	if (v == MV_DISCARD) {
		log_msg(LOG_INFO, s->id, "Milter: data, discard");
		s->discard = 1;
		return 0;
	}
	if (v == MV_CONTINUE && ms->loglevel > 9)
		log_msg(LOG_INFO, s->id, "Milter accept: message");
	return smtpd_mf_refuse(s, v, "data", NULL, REPLY_REJECT_EOM, NULL);
}
