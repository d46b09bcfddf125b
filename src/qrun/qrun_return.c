/*
 * qrun_return.c -- where a message's failures go, as sendmail's
 * savemail decides: a notification to the sender, or to the owner of
 * the list they came from; when that address is refused at once, or
 * the sender is <>, a "Postmaster notify" to DoubleBounceAddress
 * (postmaster); when that is refused too, the message into
 * DeadLetterDrop, and failing that it is kept as a lost queue file
 * (Qf) with sendmail's "savemail panic".  A notice about a notice that
 * fails is dropped.  PostmasterCopy gets the headers of what failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define EX_NOUSER	67

/* An option naming an address, macros expanded; NULL when unset or empty. */
static char *
addr_option(struct cf *cf, const char *name, const char *def)
{
	const char *v = cf_option_value(cf, name);
	struct buf tr, ex;
	char *r = NULL;

	if (v == NULL)
		v = def;
	if (v == NULL)
		return NULL;
	buf_init(&tr, 0);
	buf_init(&ex, 0);
	cf_macro_translate(cf, v, &tr);
	cf_macro_expand(cf, buf_cstr(&tr), &ex);
	if (ex.len > 0)
		r = xstrdup(buf_cstr(&ex));
	buf_free(&tr);
	buf_free(&ex);
	return r;
}

/* Whether a notification could not even be addressed to addr (an
 * unknown local user, an error mailer); said in a to= line. */
static int
refused(struct qrun_msg *q, const char *addr)
{
	struct cf_resolved r;
	int bad;

	q->lasterr[0] = '\0';
	bad = cf_addr_resolve(q->cf, addr, 1, '\0', NULL, &r) == -1 ||
	    r.mailer == NULL || strcmp(r.mailer, "error") == 0 ||
	    !cf_rcpt_known(q->cf, &r, addr);
	if (bad)
		qrun_log_refused(q, addr, r.mailer ? r.mailer : "error", "",
		    "5.1.1", q->lasterr[0] ? q->lasterr : "User unknown");
	cf_resolved_free(&r);
	return bad;
}

/* Nothing else took the message: DeadLetterDrop, else it is lost. */
static void
last_resort(struct qrun_msg *q)
{
	const char *drop = cf_option_value(q->cf, "DeadLetterDrop");
	const char *safe = cf_option_value(q->cf, "SafeFileEnvironment");
	struct dlv_msg dm;
	struct err err;

	memset(&dm, 0, sizeof(dm));
	dm.cf = q->cf;
	dm.qf = &q->qf;
	dm.id = q->id;
	dm.dffd = q->dffd;
	err_clear(&err);
	if (drop != NULL && drop[0] != '\0' && (safe == NULL ||
	    safe[0] == '\0') && dlv_dead_letter(&dm, q->sender[0] ?
	    q->sender : "MAILER-DAEMON", drop, &err) == 0) {
		log_msg(LOG_NOTICE, q->id, "Saved message in %s", drop);
		return;
	}
	qrun_lose(q, "savemail panic");
	log_msg(LOG_ERR, q->id, "SYSERR(root): savemail: cannot save "
	    "rejected email anywhere");
}

void
qrun_bounce(struct qrun_msg *q)
{
	char *dbl = NULL, *pmcopy = NULL;
	const char *owner, *to;
	size_t i, k;
	int response = (q->qf.flags & QF_F_RESPONSE) || q->sender[0] == '\0';

	pmcopy = response ? NULL : addr_option(q->cf, "PostmasterCopy", NULL);
	for (i = 0; i < q->ntargets; i++) {
		if (q->targets[i].state != QT_FAILED)
			continue;
		owner = q->targets[i].eowner;
		for (k = 0; k < i; k++)
			if (q->targets[k].state == QT_FAILED &&
			    qrun_same(q->targets[k].eowner, owner))
				break;
		if (k < i)
			continue;	/* that owner has had its notice */
		to = owner ? owner : q->sender;
		if (to[0] != '\0' && !refused(q, to))
			qrun_notify(q, QN_BOUNCE, owner, to, 1);
		else if (!q->parent_response) {
			if (dbl == NULL)
				dbl = addr_option(q->cf, "DoubleBounceAddress",
				    "postmaster");
			if (dbl != NULL && !refused(q, dbl))
				qrun_notify(q, QN_POSTMASTER, owner, dbl, 1);
			else if (dbl != NULL)
				last_resort(q);
		}
		if (pmcopy != NULL && !refused(q, pmcopy))
			qrun_notify(q, QN_POSTMASTER, owner, pmcopy, 0);
	}
	free(dbl);
	free(pmcopy);
}
