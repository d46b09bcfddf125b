/*
 * smtpd_data.c -- DATA: the message is read through the DATA reader
 * (end of data only at <CRLF>.<CRLF>; bare CR or LF refused as the
 * Debian 12 sendmail does), its headers join the envelope's header
 * list, its body goes straight into the df, and only after the df and
 * the qf are on disk does the client hear "250 ... Message accepted".
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "smtpd_int.h"
#include "smtpd_daemon.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define MAXLINE		8192	/* body bytes handed over at a time */

/* Reads the message up to the final dot; -1 when the session must end. */
static int
read_message(struct session *s, struct msg_collect *c)
{
	enum smtp_data_status st;
	size_t used;

	if (s->data != NULL)
		smtp_data_free(s->data);
	s->data = smtp_data_new(MAXLINE, msg_collect_line, c);
	for (;;) {
		st = smtp_data_feed(s->data, s->ibuf + s->ioff,
		    s->ilen - s->ioff, &used);
		s->ioff += used;
		if (st == SMTP_DATA_END)
			return 0;
		if (st == SMTP_DATA_ERROR) {
			reply(s, "%s", smtp_data_error(s->data));
			log_msg(LOG_NOTICE, s->id, "%s", smtp_data_error(
			    s->data) + 4);
			s->quit = 1;
			return -1;
		}
		s->ioff = s->ilen = 0;
		if (session_flush(s) == -1 || session_fill_within(s,
		    s->data_timeout) == -1) {
			s->laststate = "DATA";
			return -1;
		}
	}
}

/* The cf's ruleset for checking header `name' (H...: $>rs), or NULL. */
static const char *
header_check(struct cf *cf, const char *name)
{
	struct cf_hline hl;
	size_t i;

	for (i = 0; cf_header_default(cf, i, &hl) == 0; i++)
		if (hl.check != NULL && str_casecmp(hl.name, name) == 0)
			return hl.check;
	return NULL;
}

/*
 * The header checks of the cf (HName: $>ruleset) over the message's
 * headers, then check_eoh with the number and size of the headers.
 * A reject is said here.
 */
static enum cf_verdict
check_headers(struct session *s)
{
	const struct msg_hdr *h;
	enum cf_verdict v, res = CF_ACCEPT;
	char num[24], len[24];
	const char *rs;
	size_t i, n = 0;

	for (i = 0; i < s->msg.hdrs.n; i++) {
		h = s->msg.hdrs.v[i];
		if (h->deflt || h->deleted)
			continue;
		n++;
		if ((rs = header_check(s->cf, h->name)) == NULL)
			continue;
		(void)snprintf(len, sizeof(len), "%zu", strlen(h->value));
		cf_macro_define(s->cf, "{hdr_name}", h->name);
		cf_macro_define(s->cf, "{currHeader}", h->value);
		cf_macro_define(s->cf, "{hdrlen}", len);
		v = cf_rscheck(s->cf, rs, str_skip_ws(h->value), NULL, NULL);
		if (v == CF_REJECT || v == CF_TEMPFAIL) {
			log_msg(LOG_NOTICE, s->id, "ruleset=%s, arg1=%s, "
			    "relay=%s, reject=%s", rs, str_skip_ws(h->value),
			    s->relay, buf_cstr(&s->err));
			reply_cf_error(s);
			return v;
		}
		if (v == CF_DISCARD)
			res = CF_DISCARD;
	}
	(void)snprintf(num, sizeof(num), "%zu", n);
	(void)snprintf(len, sizeof(len), "%zu", s->msg.hdrbytes);
	v = cf_rscheck(s->cf, "check_eoh", num, len, NULL);
	if (v == CF_REJECT || v == CF_TEMPFAIL) {
		reply_cf_error(s);
		return v;
	}
	return v == CF_DISCARD ? CF_DISCARD : res;
}

static void
keep_macro(void *arg, const char *name, const char *value)
{
	msg_macro(arg, name, value);
}

/* The macros of this moment that the headers and the qf use. */
static void
define_message_macros(struct session *s, time_t now)
{
	struct buf date;
	char t[32];
	const struct msg_rcpt *r;

	buf_init(&date, 0);
	msg_arpadate(now, &date);
	cf_macro_define(s->cf, "b", buf_cstr(&date));
	if (cf_macro_value(s->cf, "a") == NULL ||
	    msg_hdr_value(&s->msg, "Date") == NULL)
		cf_macro_define(s->cf, "a", buf_cstr(&date));
	msg_tdate(now, t);
	cf_macro_define(s->cf, "t", t);
	r = s->msg.rcpts.n == 1 && s->nrcpts_tried == 1 ? s->msg.rcpts.v[0] :
	    NULL;
	cf_macro_define(s->cf, "u", smtpd_milter_received_for(s, r != NULL ?
	    r->addr : NULL));
	buf_free(&date);
}

void
session_log_sender(struct session *s, const char *msgid)
{
	const char *bt = s->msg.bodytype;
	char *id = NULL;

	if (msgid != NULL) {
		id = xstrdup(str_skip_ws(msgid));
		str_rtrim(id);
	}
	const char *dn = s->peer->daemon_name;

	log_msg(LOG_INFO, s->id, "from=%s, size=%zu, class=%ld, nrcpts=%zu%s"
	    "%s%s%s, proto=%s%s%s, relay=%s", s->mail_from, s->msg.size,
	    s->msg.class, s->msg.rcpts.n, id ? ", msgid=" : "", id ? id : "",
	    bt && strcmp(bt, "8BITMIME") == 0 ? ", bodytype=" : "",
	    bt && strcmp(bt, "8BITMIME") == 0 ? bt : "",
	    cf_macro_value(s->cf, "r") ? cf_macro_value(s->cf, "r") : "SMTP",
	    dn ? ", daemon=" : "", dn ? dn : "", s->relay);
	free(id);
	s->sender_logged = 1;
}

/*
 * Queue-only mode (-odq): sendmail logs each recipient "stat=queued"
 * when no recipient has a local (aliasable, F=A) mailer; with one, the
 * whole envelope waits for the queue run's alias expansion unlogged.
 */
static void
log_queued(struct session *s)
{
	struct cf_mailer_info m;
	size_t i;

	for (i = 0; i < s->msg.rcpts.n; i++) {
		const struct msg_rcpt *r = s->msg.rcpts.v[i];

		if (cf_mailer_info(s->cf, r->mailer, &m) == -1 ||
		    m.flags['A'])
			return;
	}
	msg_log_queued(&s->msg, s->cf, 0);
}

/* The message into the queue, one qf per queue group it goes to
 * (where each went: *q_out, *nq_out). */
static int
commit(struct session *s, struct queue_tx *tx, size_t path,
    struct msg_queued **q_out, size_t *nq_out, struct err *err)
{
	time_t now = time(NULL);

	s->msg.ctime = now;
	memcpy(s->msg.id, s->id, sizeof(s->id));
	define_message_macros(s, now);
	msg_hdrs_finish(&s->msg, s->cf);
	if (queue_tx_8bit(tx))
		s->msg.eflags |= QF_F_8BIT;
	else if (s->msg.bodytype != NULL &&
	    strcmp(s->msg.bodytype, "8BITMIME") == 0) {
		/* no 8-bit byte came: sendmail records the body as 7BIT */
		free(s->msg.bodytype);
		s->msg.bodytype = xstrdup("7BIT");
	}
	if (s->msg.class < 0)
		s->msg.eflags |= QF_F_NOBODY;
	s->msg.eflags |= QF_F_SPLIT;
	smtpd_expand_take(s);
	cf_macros_persistent(s->cf, keep_macro, &s->msg);
	return msg_commit(&s->msg, s->cf, tx, path, s->ctx->qdirs,
	    s->ctx->idgen, q_out, nq_out, err);
}

/* RejectNUL, read as sendmail's atobool(): empty, t... or y... is true. */
static int
reject_nul(struct cf *cf)
{
	const char *v = cf_option_value(cf, "RejectNUL");

	return v != NULL && (*v == '\0' || *v == 't' || *v == 'T' ||
	    *v == 'y' || *v == 'Y');
}

/*
 * Whether a failed queue write ran out of space: errno when it is still
 * the write's, else the reason's text (a collect-time write error is
 * reported after the rest of the message was read).
 */
static int
out_of_space(int e, const char *reason)
{
	return e == ENOSPC || e == EDQUOT || (reason != NULL &&
	    (strstr(reason, strerror(ENOSPC)) != NULL ||
	    strstr(reason, strerror(EDQUOT)) != NULL));
}

/*
 * A df that could not be written or synced: sendmail's dferror() says
 * 421 with the call that failed (its names: the buffered body written
 * at the end is "bfcommit", one that had spilled to disk
 * "sm_io_flush||sm_io_error", a failed sync "fsync") and ends the
 * session.  1 when that was said; 0 for any other failure.
 */
static int
df_error(struct session *s, struct queue_tx *tx)
{
	const char *what, *call;
	int written, e;
	uid_t uid;
	gid_t gid;

	if (queue_tx_failure(tx, &what, &e, &written) != 'd')
		return 0;
	if (strcmp(what, "cannot fsync") == 0)
		call = "fsync";
	else if (strcmp(what, "cannot write") == 0)
		call = written ? "sm_io_flush||sm_io_error" : "bfcommit";
	else
		return 0;
	smtpd_privsep_file_ids(&uid, &gid);
	reply(s, "421 4.3.0 collect: Cannot write ./df%s (%s, uid=%ld, "
	    "gid=%ld): %s", s->id, call, (long)uid, (long)gid, strerror(e));
	s->quit = 1;
	return 1;
}

void
cmd_data(struct session *s)
{
	struct msg_collect *c;
	struct queue_tx *tx = NULL;
	struct err err;
	const char *why = NULL;
	char sizebuf[32];
	enum cf_verdict v;
	enum msg_collect_status st;
	struct msg_queued *queued = NULL;
	size_t path, nqueued = 0, i;
	int rc;

	if (!s->has_mail) {
		reply(s, "503 5.0.0 Need MAIL command");
		return;
	}
	if (s->msg.rcpts.n == 0) {
		reply(s, "503 5.0.0 Need RCPT (recipient)");
		return;
	}
	v = cf_rscheck(s->cf, "check_data", cf_macro_value(s->cf, "{nrcpts}"),
	    NULL, NULL);
	if (v == CF_REJECT || v == CF_TEMPFAIL) {
		reply_cf_error(s);
		return;
	}
	if (session_pipelined(s, "DATA")) {
		session_reset_tx(s);
		return;
	}
	if (smtpd_milter_data(s))
		return;
	err_clear(&err);
	/* several queue folders (QueueDirectory=.../q*): take turns; the
	 * df moves when the recipients choose another queue group */
	path = queue_group_path(s->ctx->qdirs, 0, s->ctx->idgen->count);
	rc = queue_tx_begin(&tx, s->ctx->qdirs, path, s->id, s->ctx->file_mode,
	    &err);
	while (rc == 1) {
		/* a df of this name exists: take the next id */
		while (queue_id_next(s->ctx->idgen, time(NULL), (long)getpid(),
		    s->id) != 0)
			(void)sleep(1);
		cf_macro_define(s->cf, "i", s->id);
		rc = queue_tx_begin(&tx, s->ctx->qdirs, path, s->id,
		    s->ctx->file_mode, &err);
	}
	if (rc == -1) {
		log_msg(LOG_ERR, s->id, "SYSERR(root): collect: Cannot write "
		    "df%s: %s", s->id, err.msg);
		reply(s, "451 4.3.0 Temporary system failure. Please try again "
		    "later.");
		return;
	}
	c = msg_collect_new(&s->msg, tx, s->ctx->max_hdr_len,
	    s->maxsize > 0 ? (size_t)s->maxsize : 0);
	msg_hdrs_defaults(&s->msg, s->cf);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (read_message(s, c) == -1)
		goto abort;
	st = msg_collect_end(c, &why);
	(void)snprintf(sizebuf, sizeof(sizebuf), "%zu", msg_collect_size(c));
	if (st != MSG_COLLECT_TOOBIG && st != MSG_COLLECT_HDRERR) {
		stats_mark_from(s->from_mno, msg_collect_size(c));
		stats_flush(s->cf);
	}
	cf_macro_define(s->cf, "{msg_size}", sizebuf);
	if (st == MSG_COLLECT_TOOBIG) {
		reply(s, "552 5.2.3 Message size exceeds fixed maximum message "
		    "size (%ld)", s->maxsize);
		goto abort;
	}
	if (st == MSG_COLLECT_HDRERR) {
		reply(s, "%s", why);
		goto abort;
	}
	if (smtp_data_nuls(s->data) > 0 && reject_nul(s->cf)) {
		log_msg(LOG_NOTICE, s->id, "%s: NUL byte not allowed",
		    s->relay ? s->relay : "");
		reply(s, "554 5.6.1 NUL byte not allowed");
		goto abort;
	}
	v = check_headers(s);
	if (v == CF_REJECT || v == CF_TEMPFAIL)
		goto abort;
	if (v == CF_DISCARD)
		s->discard = 1;
	v = cf_rscheck(s->cf, "check_eom", sizebuf, NULL, NULL);
	if (v == CF_REJECT || v == CF_TEMPFAIL) {
		reply_cf_error(s);
		goto abort;
	}
	if (!s->discard && smtpd_milter_eom(s, tx))
		goto abort;
	if (s->discard) {
		session_log_sender(s, msg_hdr_value(&s->msg, "Message-Id"));
		log_msg(LOG_INFO, s->id, "discarded");
		stats_mark_reject(s->from_mno, 1);
		stats_flush(s->cf);
		reply(s, "250 2.0.0 %s Message accepted for delivery", s->id);
		goto abort;
	}
	if (st == MSG_COLLECT_IOERR || commit(s, tx, path, &queued, &nqueued,
	    &err) == -1) {
		const char *reason = st == MSG_COLLECT_IOERR ? why : err.msg;
		int e = errno;

		log_msg(LOG_ERR, s->id, "SYSERR(root): queueup: cannot "
		    "write queue file: %s", reason);
		if (out_of_space(e, reason)) {
			/* sendmail's dferror(): 421, and the session ends */
			reply(s, "421 4.3.1 Out of disk space for temp file");
			s->quit = 1;
		} else if (!df_error(s, tx))
			reply(s, "451 4.3.0 Temporary system failure. Please "
			    "try again later.");
		goto abort;
	}
	session_log_sender(s, msg_hdr_value(&s->msg, "Message-Id"));
	if (s->ctx->delivery_mode == 'q' && s->loglevel > 8)
		log_queued(s);
	reply(s, "250 2.0.0 %s Message accepted for delivery", s->id);
	queue_tx_close(tx);
	msg_collect_free(c);
	if ((s->ctx->delivery_mode == 'b' || s->ctx->delivery_mode == 'i') &&
	    s->msg.quarantine == NULL) {
		(void)session_flush(s);
		for (i = 0; i < nqueued; i++)
			smtpd_deliver_now(s->ctx, queued[i].path,
			    queued[i].id);
	}
	free(queued);
	session_reset_tx(s);
	return;
abort:
	queue_tx_abort(tx);
	msg_collect_free(c);
	session_reset_tx(s);
}
