/*
 * qrun_msg.c -- one queued message delivered: its recipients expanded
 * (qrun_expand.c), grouped by mailer and host and handed over, sendmail's
 * to= log lines written, the queue timeouts applied (a delay warning,
 * the return after Timeout.queuereturn), then the qf rewritten with what
 * is still to do or removed (qrun_file.c) and failures returned to the
 * sender (qrun_dsn.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "stats/stats.h"

#define EX_OK		0
#define EX_NOUSER	67
#define EX_TEMPFAIL	75

static void
on_cf_error(void *arg, int kind, const char *to, const char *text)
{
	struct qrun_msg *q = arg;
	const char *p = text;

	(void)to;
	if (kind == CF_ERR_NOTE || q->lasterr[0] != '\0')
		return;
	if (p[0] >= '0' && p[0] <= '9' && p[3] == ' ')
		p += 4;
	if (p[0] >= '0' && p[0] <= '9' && p[1] == '.' && strchr(p, ' '))
		p = strchr(p, ' ') + 1;
	(void)snprintf(q->lasterr, sizeof(q->lasterr), "%s", p);
}

void
qrun_fmt_delay(time_t secs, char *out, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		(void)snprintf(out, size, "%ld+%02ld:%02ld:%02ld",
		    (long)(secs / 86400), (long)(secs % 86400 / 3600),
		    (long)(secs % 3600 / 60), (long)(secs % 60));
	else
		(void)snprintf(out, size, "%02ld:%02ld:%02ld",
		    (long)(secs / 3600), (long)(secs % 3600 / 60),
		    (long)(secs % 60));
}

void
qrun_fmt_interval(long secs, struct buf *out)
{
	static const struct {
		const char	*name;
		long		 secs;
	} unit[] = {
		{ "week", 7 * 86400 }, { "day", 86400 }, { "hour", 3600 },
		{ "minute", 60 }, { "second", 1 },
	};
	const char *sep = "";
	size_t i;
	long n;

	if (secs <= 0) {
		(void)buf_adds(out, "zero seconds");
		return;
	}
	for (i = 0; i < sizeof(unit) / sizeof(unit[0]); i++) {
		if ((n = secs / unit[i].secs) == 0)
			continue;
		secs -= n * unit[i].secs;
		(void)buf_printf(out, "%s%ld %s%s", sep, n, unit[i].name,
		    n == 1 ? "" : "s");
		sep = ", ";
	}
}

/*
 * The controlling user of target k: the user whose .forward, or the
 * owner of the :include: file, named it; -1 when none (an alias's).
 */
static long
ctl_of(const struct qrun_msg *q, size_t k, long *gid_out)
{
	int a = q->targets[k].parent;

	for (; a >= 0; a = q->targets[a].parent)
		if (q->targets[a].uid >= 0) {
			*gid_out = q->targets[a].gid;
			return q->targets[a].uid;
		}
	/* the C line it was queued with (group 0: an alias's, which is
	 * DefaultUser's) */
	a = (int)q->targets[k].top;
	if (q->ctl_uid != NULL && q->ctl_uid[a] > 0 && q->ctl_gid[a] != 0) {
		*gid_out = q->ctl_gid[a];
		return q->ctl_uid[a];
	}
	*gid_out = -1;
	return -1;
}

/*
 * The C lines of the qf: each recipient's controlling user, a C line
 * holding for the R lines after it ("user:uid:gid:address"; "C" alone
 * or ":address": none).
 */
static void
read_ctl(struct qrun_msg *q)
{
	const char *ctl = NULL, *p;
	char *end;
	size_t i;

	q->ctl_uid = xcalloc(q->qf.nrcpts + 1, sizeof(*q->ctl_uid));
	q->ctl_gid = xcalloc(q->qf.nrcpts + 1, sizeof(*q->ctl_gid));
	for (i = 0; i < q->qf.nrcpts; i++) {
		if (q->qf.rcpts[i].ctl != NULL)
			ctl = q->qf.rcpts[i].ctl;
		q->ctl_uid[i] = q->ctl_gid[i] = -1;
		if (ctl == NULL || (p = strchr(ctl, ':')) == NULL ||
		    p == ctl)
			continue;
		q->ctl_uid[i] = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ':') {
			q->ctl_uid[i] = -1;
			continue;
		}
		q->ctl_gid[i] = strtol(end + 1, NULL, 10);
	}
}

/*
 * $u for the mailer: with F=s without quotes and backslashes (a leading
 * "\\" at least: "\\joe" is joe's mailbox), and a program without its
 * "|", as sendmail hands them over.  The caller frees it.
 */
static char *
mailer_user(const char *u, int strip, int prog)
{
	char *r = xmalloc(strlen(u) + 1), *o = r;

	if (!strip) {
		(void)memcpy(r, u + (u[0] == '\\'), strlen(u + (u[0] == '\\')) +
		    1);
		return r;
	}
	for (; *u != '\0'; u++) {
		if (*u == '\\' && u[1] != '\0')
			*o++ = *++u;
		else if (*u != '"')
			*o++ = *u;
	}
	*o = '\0';
	if (prog && r[0] == '|')
		(void)memmove(r, r + 1, strlen(r));
	return r;
}

/* One group (same mailer, host, owner, user) through its mailer. */
static void
deliver_group(struct qrun_msg *q, size_t *idx, size_t n)
{
	struct qrun_target *t0 = &q->targets[idx[0]];
	struct cf_mailer_info m;
	struct dlv_rcpt *r = xcalloc(n, sizeof(*r));
	struct dlv_msg dm;
	char *sender, *relay = NULL, d1[32], d2[32];
	struct buf to;
	struct strarr users = { 0 };
	time_t start = time(NULL);
	size_t i;
	int tf, have_m;

	buf_init(&to, 0);
	have_m = cf_mailer_info(q->cf, t0->mailer, &m) == 0;
	for (i = 0; i < n; i++) {
		char *u = mailer_user(q->targets[idx[i]].user, have_m &&
		    m.flags['s'], strcmp(t0->mailer, "prog") == 0);

		strarr_push(&users, u);
		free(u);
		r[i].paddr = q->targets[idx[i]].paddr;
		r[i].user = users.v[i];
		r[i].host = q->targets[idx[i]].host;
		r[i].ctl_uid = ctl_of(q, idx[i], &r[i].ctl_gid);
		r[i].ctl = r[i].ctl_uid >= 0;
		(void)buf_printf(&to, "%s%s", i ? "," : "", r[i].paddr);
	}
	memset(&dm, 0, sizeof(dm));
	dm.cf = q->cf;
	dm.qf = &q->qf;
	dm.id = q->id;
	dm.dffd = q->dffd;
	dm.no_fflag = q->opts->no_fflag;
	/*
	 * A list with an owner- alias sends as its owner.  The null sender
	 * stays <> over SMTP; other mailers get it through the cf's
	 * rulesets ("<>" becomes MAILER-DAEMON there), as sendmail does.
	 */
	sender = cf_mailer_addr(q->cf, t0->mailer, t0->eowner ? t0->eowner :
	    q->sender[0] != '\0' || (have_m && m.path != NULL &&
	    strcmp(m.path, "[IPC]") == 0) ? q->sender : "<>", 1, 0, &tf);
	if (q->opts->verbose && q->opts->out != NULL && have_m &&
	    m.path != NULL && strcmp(t0->mailer, "*file*") != 0) {
		if (strcmp(m.path, "[IPC]") == 0)
			(void)fprintf(q->opts->out, "%s... Connecting to %s via "
			    "%s...\n", buf_cstr(&to), t0->host ? t0->host : "",
			    t0->mailer);
		else if (m.path[0] == '/')
			(void)fprintf(q->opts->out, "%s... Connecting to %s..."
			    "\n", buf_cstr(&to), t0->mailer);
		(void)fflush(q->opts->out);
	}
	if (!have_m) {
		for (i = 0; i < n; i++) {
			r[i].status = 78;
			(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "5.3.5");
			r[i].text = xstrdup("Local configuration error");
		}
	} else if (m.path != NULL && m.path[0] == '/') {
		dlv_exec(&dm, &m, sender, r, n);
	} else if (m.path != NULL && strcmp(m.path, "[IPC]") == 0) {
		unsigned *rf = xcalloc(n + 1, sizeof(*rf));

		for (i = 0; i < n; i++)
			rf[i] = q->qf.rcpts[q->targets[idx[i]].top].flags;
		dlv_smtp_sep(&dm, &m, sender, rf, r, n, &relay);
		free(rf);
	} else if (strcmp(t0->mailer, "*file*") == 0) {
		dlv_file(&dm, &m, sender, r, n);
	} else {
		/* [LPC] and other kinds: not done yet; such recipients
		 * wait queued */
		for (i = 0; i < n; i++) {
			r[i].status = EX_TEMPFAIL;
			(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "4.3.0");
			r[i].text = xstrdup("Deferred: mailer not available "
			    "in this release");
		}
	}
	qrun_fmt_delay(time(NULL) - (time_t)q->qf.ctime, d1, sizeof(d1));
	qrun_fmt_delay(time(NULL) - start, d2, sizeof(d2));
	log_msg(LOG_INFO, q->id, "to=%s, %s%s%sdelay=%s, xdelay=%s, "
	    "mailer=%s, pri=%ld%s%s, dsn=%s, stat=%s", buf_cstr(&to),
	    q->opts->ctladdr ? "ctladdr=" : "", q->opts->ctladdr ?
	    q->opts->ctladdr : "", q->opts->ctladdr ? ", " : "", d1, d2,
	    t0->mailer, q->qf.priority, relay ? ", relay=" : "", relay ? relay : "",
	    r[0].dsn, r[0].status == EX_OK && relay == NULL ? "Sent" :
	    r[0].text);
	free(relay);
	for (i = 0; i < n; i++) {
		struct qrun_target *t = &q->targets[idx[i]];

		if (r[i].status == EX_OK) {
			stats_mark_to(m.num, qrun_msgsize(q));
			t->state = QT_SENT;
			if (t->verbose_out != NULL)
				(void)fprintf(t->verbose_out, "%s... Sent\n",
				    t->paddr);
		} else {
			qrun_fail(t, r[i].status, r[i].dsn, r[i].text);
			free(t->rmta);
			free(t->reply);
			t->rmta = r[i].rmta;
			t->reply = r[i].reply;
			r[i].rmta = r[i].reply = NULL;
		}
		free(r[i].text);
		free(r[i].rmta);
		free(r[i].reply);
	}
	free(sender);
	free(r);
	strarr_free(&users);
	buf_free(&to);
}

/*
 * Every target to deliver, in groups: one mailer, host, owner and
 * controlling user; a mailer without F=m takes one recipient at a time
 * (a to= line each, as sendmail).  After every CheckpointInterval
 * recipients sent the qf is rewritten (qrun_checkpoint).
 */
static void
deliver_all(struct qrun_msg *q)
{
	const char *ci = cf_option_value(q->cf, "CheckpointInterval");
	long every = ci != NULL ? strtol(ci, NULL, 10) : 10, sent = 0;
	size_t *idx = xcalloc(q->ntargets + 1, sizeof(*idx));
	struct cf_mailer_info m;
	size_t i, k, n;
	long g;
	int many;

	for (i = 0; i < q->ntargets; i++) {
		struct qrun_target *t = &q->targets[i];

		if (t->state != QT_DELIVER || t->grouped)
			continue;
		many = cf_mailer_info(q->cf, t->mailer, &m) == 0 &&
		    m.flags['m'];
		n = 0;
		for (k = i; k < q->ntargets && (n == 0 || many); k++) {
			struct qrun_target *u = &q->targets[k];

			if (u->state == QT_DELIVER && !u->grouped &&
			    qrun_same(u->mailer, t->mailer) &&
			    qrun_same(u->eowner, t->eowner) &&
			    ctl_of(q, k, &g) == ctl_of(q, i, &g) &&
			    str_casecmp(u->host ? u->host : "", t->host ?
			    t->host : "") == 0) {
				u->grouped = 1;
				idx[n++] = k;
			}
		}
		deliver_group(q, idx, n);
		for (k = 0; k < n; k++)
			sent += q->targets[idx[k]].state == QT_SENT;
		if (every > 0 && sent >= every) {
			sent = 0;
			for (k = i + 1; k < q->ntargets; k++)
				if (q->targets[k].state == QT_DELIVER &&
				    !q->targets[k].grouped)
					break;
			if (k < q->ntargets)	/* more to come */
				qrun_checkpoint(q);
		}
	}
	free(idx);
}

/*
 * MaxHopCount (25 when unset), as sendmail's sendall(): the trace
 * headers (Received:, Via:, Mail-From:) counted; a message that has
 * been through more hosts is in a loop, and every recipient not yet
 * done fails with 5.4.6 and goes back to the sender.  1 when it did.
 */
static int
too_many_hops(struct qrun_msg *q)
{
	const char *v = cf_option_value(q->cf, "MaxHopCount");
	long max = v != NULL && *v ? strtol(v, NULL, 10) : 25, hops = 0;
	char why[96];
	size_t i;

	for (i = 0; i < q->qf.nheaders; i++) {
		const char *n = q->qf.headers[i].name;

		if (n != NULL && (str_casecmp(n, "Received") == 0 ||
		    str_casecmp(n, "Via") == 0 ||
		    str_casecmp(n, "Mail-From") == 0))
			hops++;
	}
	if (hops <= max)
		return 0;
	(void)snprintf(why, sizeof(why), "Too many hops %ld (%ld max)", hops,
	    max);
	log_msg(LOG_CRIT, q->id, "SYSERR(root): 554 5.4.6 %s: from %s", why,
	    q->sender[0] != '\0' ? q->sender : "<>");
	for (i = 0; i < q->ntargets; i++) {
		struct qrun_target *t = &q->targets[i];

		if (t->state != QT_DELIVER && t->state != QT_DEFER)
			continue;
		t->state = QT_FAILED;
		t->status = 69;		/* EX_UNAVAILABLE */
		(void)snprintf(t->dsn, sizeof(t->dsn), "5.4.6");
		free(t->text);
		t->text = xstrdup(why);
	}
	return 1;
}

long
qrun_time_opt(struct cf *cf, const char *name, long def, int unit)
{
	long t = cf_time_value(cf_option_value(cf, name), unit);

	return t > 0 ? t : def;
}

/*
 * Timeout.queuereturn (5 days): what is still deferred fails and goes
 * back to the sender; Timeout.queuewarn (4 hours): the sender hears once
 * that it is delayed (the qf's F line keeps "w").
 */
static void
expire(struct qrun_msg *q)
{
	long age = (long)(time(NULL) - (time_t)q->qf.ctime), ret, warn;
	size_t k;
	int deferred = 0;

	ret = qrun_time_opt(q->cf, "Timeout.queuereturn", 5 * 86400, 'd');
	warn = qrun_time_opt(q->cf, "Timeout.queuewarn", 4 * 3600, 'h');
	for (k = 0; k < q->ntargets; k++)
		if (q->targets[k].state == QT_DEFER) {
			deferred = 1;
			if (age >= ret) {
				struct buf why;

				buf_init(&why, 0);
				(void)buf_adds(&why, "Cannot send message for ");
				qrun_fmt_interval(ret, &why);
				q->targets[k].status = 69;
				q->targets[k].state = QT_FAILED;
				(void)snprintf(q->targets[k].dsn,
				    sizeof(q->targets[k].dsn), "4.4.7");
				free(q->targets[k].text);
				q->targets[k].text = buf_steal(&why);
			}
		}
	if (deferred && age >= warn && age < ret &&
	    !(q->qf.flags & QF_F_WARNING)) {
		/* one to the sender, one to each list owner concerned */
		for (k = 0; k < q->ntargets; k++) {
			const char *o = q->targets[k].eowner;
			size_t i;

			if (q->targets[k].state != QT_DEFER)
				continue;
			for (i = 0; i < k; i++)
				if (q->targets[i].state == QT_DEFER &&
				    qrun_same(q->targets[i].eowner, o))
					break;
			if (i == k && (o != NULL || q->sender[0] != '\0'))
				qrun_notify(q, QN_WARNING, o, o ? o : q->sender,
				    1);
		}
		q->qf.flags |= QF_F_WARNING;
	}
}

/*
 * The recipients refused while the message was submitted, as failed
 * targets of no qf recipient: returned with the delivery's failures.
 */
static void
add_refused(struct qrun_msg *q)
{
	const struct qrun_refusal *f;
	struct qrun_target *t;
	size_t i;

	for (i = 0; i < q->opts->nrefused; i++) {
		f = &q->opts->refused[i];
		if (q->ntargets == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 8;
			q->targets = xreallocarray(q->targets, q->cap,
			    sizeof(*q->targets));
		}
		t = &q->targets[q->ntargets++];
		memset(t, 0, sizeof(*t));
		t->paddr = xstrdup(f->addr);
		t->mailer = xstrdup(f->mailer);
		t->user = xstrdup(f->addr);
		t->parent = -1;
		t->top = q->qf.nrcpts;		/* none: nothing to rewrite */
		t->uid = t->gid = -1;
		t->state = QT_FAILED;
		t->status = f->status;
		(void)snprintf(t->dsn, sizeof(t->dsn), "%s", f->dsn);
		t->text = xstrdup(f->text);
	}
}

/*
 * One message; the notifications it queued (returned mail) are
 * delivered at once after it, as sendmail sends them.  parent_response:
 * this message is a notice about a notice (its failures are dropped).
 */
static int
run_one(struct cf *cf, const struct queue_dirs *dirs, size_t path,
    const char *id, const struct qrun_opts *opts, int parent_response)
{
	struct qrun_msg q;
	struct qrun_opts nopts;
	size_t k;
	int rc, response, rewrite;

	memset(&q, 0, sizeof(q));
	q.cf = cf;
	q.dirs = dirs;
	q.path = path;
	q.opts = opts;
	q.parent_response = parent_response;
	(void)snprintf(q.id, sizeof(q.id), "%s", id);
	rc = qrun_open(&q);
	if (rc != 0)
		return rc;
	if (opts->filter != NULL && !queue_filter_wants(opts->filter, q.id,
	    &q.qf)) {
		qrun_close(&q);		/* -qI/-qS/-qR: not this one */
		return 0;
	}
	/* a queue run's (which always has a filter), not a notice's */
	if (opts->verbose && opts->filter != NULL) {
		struct buf p;

		buf_init(&p, 0);
		queue_dirs_path(dirs, path, 'q', &p);
		(void)fprintf(opts->out, "\nRunning %s/%s (sequence 1 of 1)\n",
		    buf_cstr(&p), q.id);
		buf_free(&p);
	}
	cf_set_errfn(cf, on_cf_error, &q);
	cf_macro_define(cf, "i", q.id);
	qrun_pri_read(&q);
	read_ctl(&q);
	for (size_t i = 0; i < q.qf.nrcpts; i++) {
		q.lasterr[0] = '\0';
		qrun_expand(&q, q.qf.rcpts[i].addr, -1, i, 0);
	}
	add_refused(&q);
	qrun_owners(&q);
	/* what the recipients became is in the qf before any is sent, as
	 * sendmail writes it (a crash then sends nothing twice).  A
	 * priority computed anew alone is no reason: it goes to disk with
	 * the qf written after the delivery if one is (a sync per message
	 * cost relay b 0.45 ms of CPU and a fifth of its msg/s). */
	(void)qrun_pri_expanded(&q);
	rewrite = 0;
	for (k = 0; k < q.ntargets; k++)
		if (q.targets[k].parent >= 0)
			rewrite = 1;
	if (rewrite)
		qrun_checkpoint(&q);
	if (!too_many_hops(&q)) {
		deliver_all(&q);
		qrun_receipts(&q);
	}
	expire(&q);
	stats_flush(cf);
	cf_set_errfn(cf, NULL, NULL);
	qrun_finish(&q);
	response = (q.qf.flags & QF_F_RESPONSE) || q.sender[0] == '\0';
	qrun_close(&q);
	nopts = *opts;
	nopts.filter = NULL;
	nopts.ctladdr = NULL;		/* a notice is an envelope of its own */
	nopts.submitted = 0;
	nopts.refused = NULL;
	nopts.nrefused = 0;
	for (k = 0; k < q.notices.n; k++)
		(void)run_one(cf, dirs, path, q.notices.v[k], &nopts,
		    response);
	strarr_free(&q.notices);
	return 0;
}

int
qrun_message(struct cf *cf, const struct queue_dirs *dirs, size_t path,
    const char *id, const struct qrun_opts *opts)
{
	return run_one(cf, dirs, path, id, opts, 0);
}
