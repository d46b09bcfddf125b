/*
 * smtpc_xact.c -- one mail transaction over an open connection: the
 * 8BITMIME and SIZE checks before anything is sent (an 8-bit message
 * to a peer without 8BITMIME goes converted, if the caller can, or not), MAIL with the
 * parameters the peer offered, the RCPTs (in one write with MAIL under
 * PIPELINING, replies read in order), DATA only when a recipient was
 * accepted, the message, and the final reply, mapped to sysexits, DSN
 * codes and stat= texts as sendmail's client maps them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "deliver/smtpc.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"

#define CHUNK	65536

struct xact {
	struct smtpc_conn		*c;
	const struct smtpc_params	*p;
	struct smtpc_result		*res;
	struct smtpc_reply		 r;
	struct buf			 out;
	int				*rcode;	/* RCPT reply codes */
	char				*ok;	/* RCPT accepted */
	int				 seven;	/* send msg7_read's */
};

/* A read or write failed (or a reply was malformed): the connection is
 * out of step; temporary, or a protocol error before the final dot. */
static void
env_ioerr(struct xact *x, enum smtpc_ioerr e, const char *tag, int final)
{
	struct buf t;

	buf_init(&t, 0);
	smtpc_ioerr_text(x->c, e, &t);
	if (e == SMTPC_IO_PROTO) {
		log_msg(LOG_CRIT, x->p->qid, "%.100s: SMTP %s protocol error: "
		    "%s", x->c->host, tag, x->c->why);
		if (!final) {
			smtpc_res_set(x->res, ERR_PROTOCOL, "5.5.0", NULL,
			    "%s", smtpc_exit_text(ERR_PROTOCOL));
			buf_free(&t);
			return;
		}
	}
	smtpc_res_set(x->res, ERR_TEMPFAIL, "4.4.2", NULL, "Deferred: %s",
	    buf_cstr(&t));
	buf_free(&t);
}

/* A reply code where none fits: sendmail's "protocol error". */
static void
env_badcode(struct xact *x, const char *tag)
{
	log_msg(LOG_CRIT, x->p->qid, "%.100s: SMTP %s protocol error: %s",
	    x->c->host, tag, x->r.first.data);
	x->c->broken = 1;
	smtpc_res_set(x->res, ERR_PROTOCOL, smtpc_dsn_of(x->c, &x->r,
	    "5.5.1"), x->r.first.data, "%s", smtpc_exit_text(ERR_PROTOCOL));
}

static void
env_temp(struct xact *x)
{
	smtpc_res_set(x->res, ERR_TEMPFAIL, smtpc_dsn_of(x->c, &x->r, NULL),
	    x->r.first.data, "Deferred: %s", x->r.first.data);
}

static void
env_perm(struct xact *x, int status, const char *dsn)
{
	smtpc_res_set(x->res, status, smtpc_dsn_of(x->c, &x->r, dsn),
	    x->r.first.data, "%s", smtpc_exit_text(status));
}

static void
rset(struct xact *x)
{
	int secs = smtpc_tmo(&x->p->to, SMTPC_TO_RSET);

	if (x->c->broken)
		return;
	x->c->phase = "client RSET";
	if (smtpc_conn_cmd(x->c, "RSET", secs) != SMTPC_IO_OK ||
	    smtpc_conn_reply(x->c, &x->r, secs) != SMTPC_IO_OK ||
	    x->r.code / 100 != 2)
		x->c->broken = 1;
}

static void
mail_cmd(struct xact *x)
{
	const struct smtpc_params *p = x->p;
	const struct smtpc_ext *ext = &x->c->ext;
	struct buf b;

	buf_init(&b, 0);
	(void)buf_printf(&b, "MAIL From:<%s>", p->sender);
	if ((ext->flags & SMTPC_EXT_SIZE) && p->msg_size > 0)
		(void)buf_printf(&b, " SIZE=%llu", p->msg_size);
	if ((ext->flags & SMTPC_EXT_8BITMIME) && p->body_type != NULL)
		(void)buf_printf(&b, " BODY=%s", p->body_type);
	if (ext->flags & SMTPC_EXT_DSN) {
		if (p->envid != NULL)
			(void)buf_printf(&b, " ENVID=%s", p->envid);
		if (p->ret != SMTPC_RET_NONE)
			(void)buf_printf(&b, " RET=%s",
			    p->ret == SMTPC_RET_HDRS ? "HDRS" : "FULL");
	}
	if ((ext->flags & SMTPC_EXT_AUTH) && p->auth != NULL &&
	    p->auth->auth_param != NULL && smtpc_xtext_ok(p->auth->auth_param)
	    && (x->c->authed || !p->auth->only_authed))
		(void)buf_printf(&b, " AUTH=%s", p->auth->auth_param);
	smtpc_conn_queue(x->c, &x->out, buf_cstr(&b));
	buf_free(&b);
}

static void
rcpt_cmd(struct xact *x, const struct smtpc_rcpt *rc)
{
	static const struct {
		unsigned	 bit;
		const char	*word;
	} nw[] = {
		{ SMTP_NOTIFY_SUCCESS, "SUCCESS" },
		{ SMTP_NOTIFY_FAILURE, "FAILURE" },
		{ SMTP_NOTIFY_DELAY, "DELAY" },
	};
	struct buf b;
	size_t i;
	int first = 1;

	buf_init(&b, 0);
	(void)buf_printf(&b, "RCPT To:<%s>", rc->addr);
	if (x->c->ext.flags & SMTPC_EXT_DSN) {
		if (rc->notify & SMTP_NOTIFY_NEVER)
			(void)buf_adds(&b, " NOTIFY=NEVER");
		else if (rc->notify != 0) {
			(void)buf_adds(&b, " NOTIFY=");
			for (i = 0; i < sizeof(nw) / sizeof(nw[0]); i++) {
				if (!(rc->notify & nw[i].bit))
					continue;
				(void)buf_printf(&b, "%s%s", first ? "" : ",",
				    nw[i].word);
				first = 0;
			}
		}
		if (rc->orcpt != NULL)
			(void)buf_printf(&b, " ORCPT=%s", rc->orcpt);
	}
	smtpc_conn_queue(x->c, &x->out, buf_cstr(&b));
	buf_free(&b);
}

/* MAIL's reply; 1 if the sender was accepted. */
static int
mail_reply(struct xact *x)
{
	int code = x->r.code;

	if (code / 100 == 2)
		return 1;
	if (code / 100 == 4)
		env_temp(x);
	else if (code == 501)
		env_perm(x, ERR_DATAERR, "5.5.2");
	else if (code == 553)
		env_perm(x, ERR_DATAERR, "5.1.3");
	else if (code == 552)
		env_perm(x, ERR_UNAVAILABLE, "5.3.4");
	else if (code / 100 == 5)
		env_perm(x, ERR_UNAVAILABLE, "5.0.0");
	else
		env_badcode(x, "MAIL");
	return 0;
}

/* One RCPT's reply into its result; 1 if accepted. */
static void
rcpt_reply(struct xact *x, size_t i)
{
	struct smtpc_rcpt_result *rr = &x->res->rcpts[i];
	const char *line = x->r.first.data;
	int code = x->r.code, st;

	x->rcode[i] = code;
	if (code / 100 == 2) {
		x->ok[i] = 1;
		return;
	}
	if (code / 100 == 4) {
		smtpc_rcpt_set(rr, ERR_TEMPFAIL, code, smtpc_dsn_of(x->c,
		    &x->r, NULL), line, "Deferred: %s", line);
		return;
	}
	if (code / 100 != 5) {
		log_msg(LOG_CRIT, x->p->qid, "%.100s: SMTP RCPT protocol "
		    "error: %s", x->c->host, line);
		smtpc_rcpt_set(rr, ERR_PROTOCOL, code, smtpc_dsn_of(x->c,
		    &x->r, "5.5.1"), line, "%s", smtpc_exit_text(ERR_PROTOCOL));
		return;
	}
	st = code == 550 || code == 551 || code == 553 ? ERR_NOUSER :
	    ERR_UNAVAILABLE;
	smtpc_rcpt_set(rr, st, code, smtpc_dsn_of(x->c, &x->r,
	    code == 550 ? "5.1.1" : code == 551 ? "5.1.6" :
	    code == 553 ? "5.1.3" : NULL), line, "%s", smtpc_exit_text(st));
}

/*
 * The message after 354.  0 sent; -1 write failed (*e says how); -2 the
 * message could not be read (errno in *rerr).
 */
static int
send_body(struct xact *x, enum smtpc_ioerr *e, int *rerr)
{
	const struct smtpc_params *p = x->p;
	int secs = smtpc_tmo(&p->to, SMTPC_TO_DATABLOCK), rc = 0;
	struct smtpc_body b;
	char *chunk = xmalloc(CHUNK);
	ssize_t n;

	smtpc_body_init(&b, p->line_limit);
	buf_reset(&x->out);
	for (;;) {
		if (x->seven)
			n = p->msg7_read(p->msg7_arg, chunk, CHUNK);
		else if (p->msg_read != NULL)
			n = p->msg_read(p->msg_arg, chunk, CHUNK);
		else
			n = read(p->msg_fd, chunk, CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0) {
			*rerr = errno;
			rc = -2;
			goto out;
		}
		if (n == 0)
			break;
		if (smtpc_body_feed(&b, chunk, (size_t)n, &x->out) == -1)
			fatal("smtpc: body buffer full");
		if (x->out.len >= CHUNK &&
		    (*e = smtpc_conn_flush(x->c, &x->out, secs)) !=
		    SMTPC_IO_OK) {
			rc = -1;
			goto out;
		}
	}
	if (smtpc_body_finish(&b, &x->out) == -1)
		fatal("smtpc: body buffer full");
	if ((*e = smtpc_conn_flush(x->c, &x->out, secs)) != SMTPC_IO_OK)
		rc = -1;
out:
	smtpc_body_free(&b);
	free(chunk);
	return rc;
}

/* The final reply: every accepted recipient gets it. */
static void
final_reply(struct xact *x)
{
	const char *line = x->r.first.data, *text;
	int code = x->r.code;

	if (code / 100 == 2) {
		/* sendmail keeps the enhanced code in the text unless the
		 * peer announced ENHANCEDSTATUSCODES */
		text = (x->c->ext.flags & SMTPC_EXT_ENHSTATUS) ?
		    smtpc_reply_text(&x->r) :
		    x->r.first.len > 4 ? line + 4 : "";
		smtpc_res_set(x->res, 0, smtpc_dsn_of(x->c, &x->r, "2.0.0"),
		    line, "Sent (%s)", text);
	} else if (code / 100 == 4)
		env_temp(x);
	else if (code / 100 == 5)
		env_perm(x, ERR_UNAVAILABLE, NULL);
	else
		env_badcode(x, "DATA-2");
}

/* No DATA: the envelope takes a temporary failure if any recipient
 * had one, else the first recipient's outcome. */
static void
none_accepted(struct xact *x)
{
	struct smtpc_rcpt_result *rr, *pick = NULL;
	size_t i;

	for (i = 0; i < x->res->nrcpts; i++) {
		rr = &x->res->rcpts[i];
		if (rr->stat == NULL)
			continue;
		if (pick == NULL || (rr->status == ERR_TEMPFAIL &&
		    pick->status != ERR_TEMPFAIL))
			pick = rr;
	}
	if (pick != NULL)
		smtpc_res_set(x->res, pick->status, pick->dsn, pick->reply,
		    "%s", pick->stat);
}

/* Sends the DATA phase; the envelope result is set on return. */
static void
data_phase(struct xact *x)
{
	const struct smtpc_params *p = x->p;
	enum smtpc_ioerr e;
	int rerr = 0, r;

	x->c->phase = "client DATA 354";
	if ((e = smtpc_conn_cmd(x->c, "DATA", smtpc_tmo(&p->to,
	    SMTPC_TO_DATAINIT))) != SMTPC_IO_OK ||
	    (e = smtpc_conn_reply(x->c, &x->r, smtpc_tmo(&p->to,
	    SMTPC_TO_DATAINIT))) != SMTPC_IO_OK) {
		env_ioerr(x, e, "DATA-1", 0);
		return;
	}
	if (x->r.code / 100 == 4 || x->r.code / 100 == 5) {
		if (x->r.code / 100 == 4)
			env_temp(x);
		else
			env_perm(x, ERR_UNAVAILABLE, NULL);
		rset(x);
		return;
	}
	if (x->r.code != 354) {
		env_badcode(x, "DATA-1");
		return;
	}
	x->c->phase = "client DATA";
	r = send_body(x, &e, &rerr);
	if (r == -1) {
		env_ioerr(x, e, "DATA", 1);
		return;
	}
	if (r == -2) {
		/* never the final dot after a message cut short */
		x->c->broken = 1;
		smtpc_res_set(x->res, ERR_TEMPFAIL, "4.3.0", NULL,
		    "Deferred: error reading the message: %s",
		    strerror(rerr));
		return;
	}
	x->c->phase = "client DATA status";
	if ((e = smtpc_conn_reply(x->c, &x->r, smtpc_tmo(&p->to,
	    SMTPC_TO_DATAFINAL))) != SMTPC_IO_OK) {
		env_ioerr(x, e, "DATA-2", 1);
		return;
	}
	final_reply(x);
}

/* Refuses before MAIL what the peer cannot take; 1 if refused. */
static int
precheck(struct xact *x)
{
	const struct smtpc_params *p = x->p;
	const struct smtpc_ext *ext = &x->c->ext;
	struct buf m;

	x->res->maxsize = ext->maxsize;
	x->seven = 0;
	if (p->body_8bit && !(ext->flags & SMTPC_EXT_8BITMIME) &&
	    !(p->flags & SMTPC_F_8BIT_OK) && !x->c->ok8bit &&
	    p->msg7_read != NULL)
		x->seven = 1;
	else if (p->body_8bit && !(ext->flags & SMTPC_EXT_8BITMIME) &&
	    !(p->flags & SMTPC_F_8BIT_OK) && !x->c->ok8bit) {
		x->res->flags |= SMTPC_R_NEED_8TO7;
		smtpc_res_set(x->res, ERR_DATAERR, "5.6.3", NULL, "%s",
		    smtpc_exit_text(ERR_DATAERR));
		buf_init(&m, 0);
		(void)buf_printf(&m, "%s does not support 8BITMIME",
		    x->c->host);
		x->res->msg = buf_steal(&m);
		return 1;
	}
	if ((ext->flags & SMTPC_EXT_SIZE) && ext->maxsize > 0 &&
	    p->msg_size > ext->maxsize) {
		x->res->flags |= SMTPC_R_TOO_BIG;
		smtpc_res_set(x->res, ERR_UNAVAILABLE, "5.3.4", NULL,
		    "Message is too large; %llu bytes max", ext->maxsize);
		buf_init(&m, 0);
		(void)buf_printf(&m, "552 5.3.4 Message is too large; %llu "
		    "bytes max", ext->maxsize);
		x->res->msg = buf_steal(&m);
		return 1;
	}
	return 0;
}

static void
finish_rcpts(struct xact *x)
{
	struct smtpc_result *res = x->res;
	size_t i;

	for (i = 0; i < res->nrcpts; i++)
		if (x->ok[i])
			smtpc_rcpt_set(&res->rcpts[i], res->status,
			    x->rcode[i], res->dsn, res->reply, "%s",
			    res->stat);
}

void
smtpc_xact(struct smtpc_conn *c, const struct smtpc_params *p,
    struct smtpc_result *res)
{
	struct xact x;
	enum smtpc_ioerr e;
	size_t i, nok = 0, nvalid = 0;
	int pipe, mail_ok, tmo_rcpt = smtpc_tmo(&p->to, SMTPC_TO_RCPT);

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.p = p;
	x.res = res;
	smtpc_reply_init(&x.r);
	buf_init(&x.out, 0);
	x.rcode = xcalloc(res->nrcpts, sizeof(*x.rcode));
	x.ok = xcalloc(res->nrcpts, 1);
	if (precheck(&x))
		goto out;
	for (i = 0; i < res->nrcpts; i++)
		nvalid += res->rcpts[i].stat == NULL;
	if (nvalid == 0) {
		none_accepted(&x);
		goto out;
	}
	pipe = (c->ext.flags & SMTPC_EXT_PIPELINING) &&
	    !(p->flags & SMTPC_F_NO_PIPELINING);

	c->phase = "client MAIL";
	mail_cmd(&x);
	for (i = 0; pipe && i < res->nrcpts; i++)
		if (res->rcpts[i].stat == NULL)
			rcpt_cmd(&x, &p->rcpts[i]);
	if ((e = smtpc_conn_flush(c, &x.out, smtpc_tmo(&p->to,
	    SMTPC_TO_MAIL))) != SMTPC_IO_OK ||
	    (e = smtpc_conn_reply(c, &x.r, smtpc_tmo(&p->to,
	    SMTPC_TO_MAIL))) != SMTPC_IO_OK) {
		env_ioerr(&x, e, "MAIL", 0);
		goto out;
	}
	mail_ok = mail_reply(&x);
	c->phase = "client RCPT";
	e = SMTPC_IO_OK;
	for (i = 0; i < res->nrcpts && (mail_ok || pipe); i++) {
		if (res->rcpts[i].stat != NULL)
			continue;
		if (!pipe) {
			rcpt_cmd(&x, &p->rcpts[i]);
			if ((e = smtpc_conn_flush(c, &x.out, tmo_rcpt)) !=
			    SMTPC_IO_OK)
				break;
		}
		if ((e = smtpc_conn_reply(c, &x.r, tmo_rcpt)) != SMTPC_IO_OK)
			break;
		if (mail_ok) {
			rcpt_reply(&x, i);
			nok += x.ok[i];
		}
	}
	if (e != SMTPC_IO_OK && !mail_ok)
		goto out;	/* MAIL's refusal stands (a 421 closes) */
	if (e != SMTPC_IO_OK) {
		/* the accepted ones and the rest share it */
		memset(x.ok, 0, res->nrcpts);
		env_ioerr(&x, e, "RCPT", 0);
		goto out;
	}
	if (!mail_ok) {
		rset(&x);
		goto out;
	}
	if (nok == 0) {
		none_accepted(&x);
		rset(&x);
		goto out;
	}
	data_phase(&x);
	finish_rcpts(&x);
out:
	smtpc_reply_free(&x.r);
	buf_free(&x.out);
	free(x.rcode);
	free(x.ok);
}
