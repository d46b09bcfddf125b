/*
 * qrun_dsn.c -- a delivery status notification (RFC 3464: multipart/report
 * with a note in our own words, a message/delivery-status part per
 * failed or delayed recipient, and the original message, or only its
 * headers when the sender asked RET=HDRS or for a postmaster's copy)
 * from MAILER-DAEMON with the null sender, to the sender, a list's
 * owner or postmaster (qrun_return.c decides), queued like any message;
 * and the return receipts of NOTIFY=SUCCESS (headers only, as
 * sendmail's);
 * qrun_message delivers it right after the message it is about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "msg/msg.h"

struct dsn_sink {
	struct queue_tx	*tx;
	struct err	*err;
	int		 failed;
};

static int
tx_sink(void *arg, const char *p, size_t n)
{
	struct dsn_sink *d = arg;

	if (queue_tx_write(d->tx, p, n, d->err) == -1) {
		d->failed = 1;
		return -1;
	}
	return 0;
}

static void
put(struct dsn_sink *d, const char *s)
{
	if (!d->failed)
		(void)tx_sink(d, s, strlen(s));
}

/* The original message, headers and body (or headers only). */
static void
put_original(struct qrun_msg *q, struct dsn_sink *d, int headers_only)
{
	static unsigned char all[256];
	struct cf_mailer_info m;
	struct dlv_msg dm;
	struct qf hq;
	int c;

	for (c = 'A'; c <= 'z'; c++)
		all[c] = 1;
	all['E'] = all['X'] = 0;
	all['n'] = 1;		/* no UNIX From line */
	memset(&m, 0, sizeof(m));
	m.flags = all;
	m.eol = "\n";
	memset(&dm, 0, sizeof(dm));
	dm.cf = q->cf;
	dm.qf = &q->qf;
	dm.id = q->id;
	dm.dffd = q->dffd;
	if (headers_only) {
		hq = q->qf;
		dm.qf = &hq;
		dm.dffd = -1;
	}
	(void)dlv_write_message_cb(&dm, &m, q->sender, tx_sink, d, d->err);
}

static int
receipt_of(const struct qrun_msg *q, const struct qrun_target *t)
{
	return t->receipt && t->state == QT_SENT && t->top < q->qf.nrcpts;
}

/*
 * Final-Recipient names the address the mailer was given (a receipt:
 * the recipient as the qf's r record has it): an SMTP
 * mailer's RCPT argument, otherwise the recipient itself, without
 * angle brackets either way.
 */
static void
put_final_rcpt(struct qrun_msg *q, const struct qrun_target *t, struct buf *b)
{
	struct cf_mailer_info m;
	const char *a = t->paddr;
	size_t n;

	if (receipt_of(q, t) && q->qf.rcpts[t->top].final != NULL) {
		/* the qf's r record, as sendmail names it */
		(void)buf_printf(b, "Final-Recipient: %s\n",
		    q->qf.rcpts[t->top].final);
		return;
	}
	if (cf_mailer_info(q->cf, t->mailer, &m) == 0 && m.path != NULL &&
	    strcmp(m.path, "[IPC]") == 0 && t->user != NULL &&
	    t->user[0] != '\0')
		a = t->user;
	n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>')
		(void)buf_printf(b, "Final-Recipient: RFC822; %.*s\n",
		    (int)(n - 2), a + 1);
	else
		(void)buf_printf(b, "Final-Recipient: RFC822; %s\n", a);
}

/* The targets a notice is about: in state which, errors going to owner;
 * for a receipt, those delivered that asked for one. */
static int
about(const struct qrun_target *t, enum qt_state which, const char *owner)
{
	if (which == QT_SENT)
		return t->state == QT_SENT && t->receipt;
	return t->state == which && qrun_same(t->eowner, owner);
}

/* What a notice says of a target, its Action, Status and the note. */
static void
put_status(const struct qrun_target *t, enum qrun_notice kind,
    struct buf *b)
{
	if (kind == QN_RECEIPT) {
		/* a local delivery: the mailbox is there (2.1.5) */
		(void)buf_printf(b, "Action: delivered\nStatus: %s\n",
		    t->local ? "2.1.5" : t->dsn);
		return;
	}
	(void)buf_printf(b, "Action: %s\nStatus: %s\n", kind == QN_WARNING ?
	    "delayed" : "failed", t->dsn);
	if (t->rmta != NULL)
		(void)buf_printf(b, "Remote-MTA: DNS; %s\n", t->rmta);
	if (t->reply != NULL)
		(void)buf_printf(b, "Diagnostic-Code: SMTP; %s\n", t->reply);
}

static int
over_smtp(const struct qrun_msg *q, const struct qrun_target *t)
{
	struct cf_mailer_info m;

	return cf_mailer_info(q->cf, t->mailer, &m) == 0 && m.path != NULL &&
	    strcmp(m.path, "[IPC]") == 0;
}

void
qrun_receipts(struct qrun_msg *q)
{
	size_t k, i;
	int any = 0, n;

	/* none for a notice; none when the submission's errors were
	 * printed and kept in dead.letter (sendmail then mails nothing) */
	if ((q->qf.flags & QF_F_RESPONSE) || q->sender[0] == '\0' ||
	    q->opts->errors_printed)
		return;
	for (k = 0; k < q->ntargets; k++) {
		struct qrun_target *t = &q->targets[k];
		unsigned f;

		if (t->state != QT_SENT || t->top >= q->qf.nrcpts)
			continue;
		f = qrun_leaf_flags(q, k);
		/* an SMTP peer was handed NOTIFY=SUCCESS itself */
		t->receipt = (f & QF_R_SUCCESS) && (f & QF_R_PRIMARY) &&
		    !over_smtp(q, t);
		any |= t->receipt;
	}
	/* a recipient asking for one that became a list */
	for (k = 0; k < q->ntargets && !any; k++) {
		const struct qrun_target *t = &q->targets[k];

		if (t->parent >= 0 || t->state != QT_EXPANDED ||
		    t->top >= q->qf.nrcpts ||
		    !(q->qf.rcpts[t->top].flags & QF_R_SUCCESS))
			continue;
		for (i = k + 1, n = 0; i < q->ntargets; i++)
			if (q->targets[i].parent == (int)k)
				n++;
		any = n > 1;
	}
	/* or, delivering from memory what was expanded when it came, a
	 * list member that still has the list's NOTIFY=SUCCESS */
	for (i = 0; i < q->qf.nrcpts && !any && (q->opts->submitted ||
	    q->opts->after_smtp == 'i'); i++)
		any = (q->qf.rcpts[i].flags & (QF_R_ALIAS | QF_R_SUCCESS |
		    QF_R_PRIMARY)) == (QF_R_ALIAS | QF_R_SUCCESS);
	if (any)
		qrun_notify(q, QN_RECEIPT, NULL, q->sender, 0);
}

void
qrun_notify(struct qrun_msg *q, enum qrun_notice kind, const char *owner,
    const char *to, int with_body)
{
	enum qt_state which = kind == QN_WARNING ? QT_DEFER :
	    kind == QN_RECEIPT ? QT_SENT : QT_FAILED;
	int warning = kind == QN_WARNING, receipt = kind == QN_RECEIPT;
	struct queue_idgen g;
	struct queue_tx *tx;
	struct dsn_sink d;
	struct msg bm;
	struct qf qf;
	struct err err;
	struct buf b, date, until;
	char id[QUEUE_ID_MAX], t[32];
	const char *j = cf_macro_value(q->cf, "j");
	time_t now = time(NULL);
	size_t k;
	int hdrs_only = !with_body || (q->qf.flags & QF_F_NOBODY) != 0;

	if (j == NULL)
		j = "localhost";
	queue_id_init(&g, (unsigned)(now ^ getpid()));
	err_clear(&err);
	if (queue_tx_begin_new(&tx, q->dirs, q->path, &g, (long)getpid(),
	    0600, id, &err) != 0) {
		log_msg(LOG_ERR, q->id, "SYSERR(root): cannot queue the "
		    "return of the message: %s", err.msg);
		return;
	}
	buf_init(&b, 0);
	buf_init(&date, 0);
	buf_init(&until, 0);
	msg_arpadate(now, &date);
	msg_tdate(now, t);
	d.tx = tx;
	d.err = &err;
	d.failed = 0;

	{
		struct buf arrived;

		buf_init(&arrived, 0);
		msg_arpadate((time_t)q->qf.ctime, &arrived);
		if (receipt)
			(void)buf_printf(&b, "This is a MIME-encapsulated "
			    "message\n\n--%s/%s\n\n"
			    "Your message of %s was delivered as you asked "
			    "to be told:\n\n", q->id, j, buf_cstr(&arrived));
		else
			(void)buf_printf(&b, "This is a MIME-encapsulated "
			    "message\n\n--%s/%s\n\n"
			    "Your message of %s could not be delivered to "
			    "every\nrecipient.  %s the reason follows each:"
			    "\n\n", q->id, j, buf_cstr(&arrived), warning ?
			    "These are still being tried and nothing needs "
			    "to be done yet;" : "These failed for good;");
		buf_free(&arrived);
	}
	put(&d, buf_cstr(&b));
	for (k = 0; k < q->ntargets; k++) {
		const struct qrun_target *t2 = &q->targets[k];

		if (!about(t2, which, owner))
			continue;
		buf_reset(&b);
		(void)buf_printf(&b, "    %s\n        %s\n", t2->paddr,
		    receipt ? "delivered" : t2->text ? t2->text : "failed");
		put(&d, buf_cstr(&b));
	}
	buf_reset(&b);
	(void)buf_printf(&b, "\n--%s/%s\nContent-Type: message/delivery-status"
	    "\n\nReporting-MTA: dns; %s\n\n", q->id, j, j);
	put(&d, buf_cstr(&b));
	for (k = 0; k < q->ntargets; k++) {
		const struct qrun_target *t2 = &q->targets[k];

		if (!about(t2, which, owner))
			continue;
		buf_reset(&b);
		put_final_rcpt(q, t2, &b);
		put_status(t2, kind, &b);
		(void)buf_printf(&b, "Last-Attempt-Date: %s\n",
		    buf_cstr(&date));
		if (warning) {
			buf_reset(&until);
			msg_arpadate((time_t)q->qf.ctime + qrun_time_opt(q->cf,
			    "Timeout.queuereturn", 5 * 86400, 'd'), &until);
			(void)buf_printf(&b, "Will-Retry-Until: %s\n",
			    buf_cstr(&until));
		}
		(void)buf_adds(&b, "\n");
		put(&d, buf_cstr(&b));
	}
	buf_reset(&b);
	(void)buf_printf(&b, "--%s/%s\nContent-Type: %s\n\n", q->id, j,
	    hdrs_only ? "text/rfc822-headers" : "message/rfc822");
	put(&d, buf_cstr(&b));
	put_original(q, &d, hdrs_only);
	buf_reset(&b);
	(void)buf_printf(&b, "\n--%s/%s--\n", q->id, j);
	put(&d, buf_cstr(&b));

	/* the envelope and headers of the notification */
	msg_init(&bm);
	memcpy(bm.id, id, sizeof(bm.id));
	bm.ctime = now;
	msg_set_sender(&bm, "<>");
	buf_reset(&b);
	(void)buf_printf(&b, "RFC822; %s", to);
	(void)msg_add_rcpt(&bm, to, buf_cstr(&b), "", "", to);
	((struct msg_rcpt *)bm.rcpts.v[0])->flags = QF_R_PRIMARY |
	    QF_R_FAILURE | QF_R_DELAY;
#define HDR(n, v) msg_hdr_add(&bm, n, strlen(n), v, strlen(v))
	buf_reset(&b);
	(void)buf_printf(&b, " from localhost (localhost)\n\tby %s (%s) id %s;"
	    "\n\t%s", j, cf_macro_value(q->cf, "v"), id, buf_cstr(&date));
	HDR("Received", buf_cstr(&b));
	buf_reset(&b);
	(void)buf_printf(&b, " %s", buf_cstr(&date));
	HDR("Date", buf_cstr(&b));
	buf_reset(&b);
	(void)buf_printf(&b, " Mail Delivery Subsystem <MAILER-DAEMON@%s>", j);
	HDR("From", buf_cstr(&b));
	buf_reset(&b);
	(void)buf_printf(&b, " <%s.%s@%s>", t, id, j);
	HDR("Message-Id", buf_cstr(&b));
	buf_reset(&b);
	/* to the sender as SMTP gave it: as it was written ("<a@b>") */
	(void)buf_printf(&b, " %s", q->qf.sender != NULL &&
	    q->qf.sender[0] == '<' && owner == NULL && qrun_same(to,
	    q->sender) ? q->qf.sender : to);
	HDR("To", buf_cstr(&b));
	HDR("MIME-Version", " 1.0");
	buf_reset(&b);
	(void)buf_printf(&b, " multipart/report; report-type=delivery-status;"
	    "\n\tboundary=\"%s/%s\"", q->id, j);
	HDR("Content-Type", buf_cstr(&b));
	if (warning) {
		buf_reset(&b);
		(void)buf_adds(&b, " Warning: could not send message for past ");
		qrun_fmt_interval(qrun_time_opt(q->cf, "Timeout.queuewarn",
		    4 * 3600, 'h'), &b);
		HDR("Subject", buf_cstr(&b));
		HDR("Auto-Submitted", " auto-generated (warning-timeout)");
	} else if (receipt) {
		HDR("Subject", " Return receipt");
		HDR("Auto-Submitted", " auto-generated (return-receipt)");
	} else if (kind == QN_POSTMASTER) {
		HDR("Subject", " Postmaster notify: see transcript for details");
		HDR("Auto-Submitted", " auto-generated (failure)");
	} else {
		HDR("Subject", " Returned mail: see transcript for details");
		HDR("Auto-Submitted", " auto-generated (failure)");
	}
#undef HDR
	bm.eflags = QF_F_RESPONSE | QF_F_SPLIT;
	bm.size = queue_tx_size(tx);
	msg_to_qf(&bm, q->cf, &qf);
	if (d.failed || queue_tx_commit(tx, &qf, &err) == -1) {
		log_msg(LOG_ERR, q->id, "SYSERR(root): cannot queue the "
		    "return of the message: %s", err.msg);
		queue_tx_abort(tx);
	} else {
		for (k = 0; k < q->ntargets; k++)
			if (about(&q->targets[k], which, owner))
				break;
		log_msg(LOG_INFO, q->id, "%s: %s: %s", id, kind ==
		    QN_POSTMASTER ? "postmaster notify" : "DSN",
		    receipt ? "Return receipt" :
		    q->notice_log != NULL ? q->notice_log :
		    k < q->ntargets && q->targets[k].text ?
		    q->targets[k].text : "failed");
		queue_tx_close(tx);
		strarr_push(&q->notices, id);
	}
	queue_qf_free(&qf);
	msg_free(&bm);
	buf_free(&b);
	buf_free(&date);
	buf_free(&until);
}
