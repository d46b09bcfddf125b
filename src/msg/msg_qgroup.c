/*
 * msg_qgroup.c -- a message's way into queue groups, as sendmail 8.17
 * goes: each recipient's group comes from the `queuegroup' ruleset
 * ("$# name" over the recipient's user part), else from its mailer's
 * Q= equate, else it joins the envelope's group, which is the first
 * recipient's (in the queue file's order), or "mqueue".  The envelope
 * is then split: its own group keeps the message's id, every other
 * group, and every further r= recipients of one group, gets an envelope
 * of its own with a new id, its df a link of the same body.  So do the
 * members of a list with an owner- alias, one envelope per owner sent
 * by it (sendmail's clone), after the others.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "lib/xalloc.h"

int
msg_qdirs_open(struct cf *cf, struct queue_dirs *out, struct err *err)
{
	const char *q = cf_option_value(cf, "QueueDirectory");
	const struct cf_qgroup *cg;
	struct queue_group *g;
	size_t n0, i;
	int rc;

	cg = cf_qgroups(cf, &n0);
	if (q == NULL && n0 == 0)
		return err_set(err, ERR_CONFIG, "QueueDirectory (Q) option "
		    "must be set");
	g = xcalloc(n0 + 1, sizeof(*g));
	for (i = 0; i < n0; i++) {
		g[i].name = cg[i].name;
		g[i].path = cg[i].path;
		g[i].fork = cg[i].fork;
		g[i].nice = cg[i].nice;
		g[i].interval = cg[i].interval;
		g[i].runners = cg[i].runners;
		g[i].maxrcpt = cg[i].maxrcpt;
		g[i].jobs = cg[i].jobs;
	}
	rc = queue_dirs_open_groups(q != NULL ? q : "", g, n0, out, err);
	free(g);
	return rc;
}

/* The group a recipient chooses, or QUEUE_GROUP_NONE. */
static size_t
rcpt_group(struct cf *cf, const struct queue_dirs *d, int has_rs,
    const struct msg_rcpt *r)
{
	struct cf_mailer_info mi;
	char *name = NULL;
	size_t g = QUEUE_GROUP_NONE;

	if (has_rs) {
		(void)cf_rscheck_value(cf, "queuegroup", r->user, NULL, NULL,
		    &name);
		if (name != NULL)
			g = queue_group_find(d, name);
		free(name);
	}
	if (g == QUEUE_GROUP_NONE && r->mailer != NULL &&
	    cf_mailer_info(cf, r->mailer, &mi) == 0 && mi.qgrp != NULL)
		g = queue_group_find(d, mi.qgrp);
	return g;
}

static const char *
owner_of(const struct msg *m, size_t i)
{
	return ((const struct msg_rcpt *)m->rcpts.v[i])->owner;
}

/* The owned recipients after the others (from order[at]), an envelope
 * per owner in the order the owners come, in the group of its first. */
static void
split_owners(const struct msg *m, const size_t *grp, struct msg_split *sp,
    size_t at)
{
	size_t i, k, e;

	for (i = 0; i < m->rcpts.n; i++) {
		const char *o = owner_of(m, i);

		if (o == NULL)
			continue;
		for (e = 1; e < sp->nenv; e++)
			if (sp->env[e].owner != NULL &&
			    strcmp(sp->env[e].owner, o) == 0)
				break;
		if (e < sp->nenv)
			continue;	/* taken with the first of its owner */
		sp->env[e].group = grp[i];
		sp->env[e].first = at;
		sp->env[e].owner = o;
		for (k = i; k < m->rcpts.n; k++)
			if (owner_of(m, k) != NULL &&
			    strcmp(owner_of(m, k), o) == 0)
				sp->order[at++] = k;
		sp->env[e].n = at - sp->env[e].first;
		sp->nenv++;
	}
}

void
msg_split(const struct msg *m, struct cf *cf, const struct queue_dirs *d,
    struct msg_split *sp)
{
	size_t n = m->rcpts.n, ng = d->ngroups, i, k, g, env, at, i0;
	size_t *grp, *count, *start, *order;
	int has_rs = cf_has_ruleset(cf, "queuegroup");

	memset(sp, 0, sizeof(*sp));
	sp->order = order = xcalloc(n + 1, sizeof(*order));
	grp = xcalloc(n + 1, sizeof(*grp));
	for (i = 0; i < n; i++)
		grp[i] = ng > 1 ? rcpt_group(cf, d, has_rs, m->rcpts.v[i]) :
		    QUEUE_GROUP_NONE;
	for (i0 = 0; i0 < n && owner_of(m, i0) != NULL; i0++)
		continue;
	env = i0 < n && grp[i0] != QUEUE_GROUP_NONE ? grp[i0] : 0;
	/* a counting sort by group: the envelope's group first */
	count = xcalloc(ng, sizeof(*count));
	start = xcalloc(ng, sizeof(*start));
	for (i = 0; i < n; i++) {
		if (grp[i] == QUEUE_GROUP_NONE)
			grp[i] = env;
		if (owner_of(m, i) == NULL)
			count[grp[i]]++;
	}
	at = count[env];
	for (g = 0; g < ng; g++) {
		if (g == env)
			continue;
		start[g] = at;
		at += count[g];
	}
	start[env] = 0;
	for (i = 0; i < n; i++)
		if (owner_of(m, i) == NULL)
			order[start[grp[i]]++] = i;
	/* envelopes: each group's recipients, r= at a time */
	sp->env = xcalloc(n + 1, sizeof(*sp->env));
	at = 0;
	for (k = 0; k < ng; k++) {
		long max;

		g = k == 0 ? env : k <= env ? k - 1 : k;
		max = d->groups[g].maxrcpt;
		for (i = 0; i < count[g]; ) {
			size_t take = count[g] - i;

			if (max > 0 && take > (size_t)max)
				take = (size_t)max;
			sp->env[sp->nenv].group = g;
			sp->env[sp->nenv].first = at + i;
			sp->env[sp->nenv].n = take;
			sp->nenv++;
			i += take;
		}
		at += count[g];
	}
	if (sp->nenv == 0) {		/* no recipient: one empty envelope */
		sp->env[0].group = env;
		sp->nenv = 1;
	}
	split_owners(m, grp, sp, at);
	free(grp);
	free(count);
	free(start);
}

void
msg_split_free(struct msg_split *sp)
{
	if (sp == NULL)
		return;
	free(sp->order);
	free(sp->env);
	memset(sp, 0, sizeof(*sp));
}

/*
 * qf's recipients for envelope e: the chosen ones of all (shallow).  A
 * C line is written where the controlling user changes, an empty one
 * where a recipient without one follows, as sendmail writes them.
 */
static void
env_rcpts(struct qf *qf, const struct qf_rcpt *all,
    const struct msg_split *sp, size_t e)
{
	const char *last = "", *ctl;
	size_t i;

	for (i = 0; i < sp->env[e].n; i++) {
		qf->rcpts[i] = all[sp->order[sp->env[e].first + i]];
		ctl = qf->rcpts[i].ctl != NULL ? qf->rcpts[i].ctl : "";
		qf->rcpts[i].ctl = strcmp(ctl, last) != 0 ? (char *)ctl : NULL;
		last = ctl;
	}
	qf->nrcpts = sp->env[e].n;
}

int
msg_commit(struct msg *m, struct cf *cf, struct queue_tx *tx,
    size_t txpath, const struct queue_dirs *d, struct queue_idgen *g,
    struct msg_queued **out, size_t *nout, struct err *err)
{
	struct msg_split sp;
	struct msg_queued *q;
	struct qf qf;
	struct qf_rcpt *all;
	char *sender;
	size_t e, nall;
	int rc = 0;

	msg_split(m, cf, d, &sp);
	q = xcalloc(sp.nenv, sizeof(*q));
	msg_to_qf(m, cf, &qf);
	all = qf.rcpts;
	nall = qf.nrcpts;
	qf.rcpts = xcalloc(nall + 1, sizeof(*qf.rcpts));
	sender = qf.sender;
	/* the other envelopes first: the message's own qf is the last
	 * word, and until it is there an error can still undo them all */
	for (e = 1; e < sp.nenv && rc == 0; e++) {
		q[e].path = queue_group_path(d, sp.env[e].group, g->count);
		q[e].owner = sp.env[e].owner;
		qf.sender = sp.env[e].owner != NULL ? (char *)sp.env[e].owner :
		    sender;
		env_rcpts(&qf, all, &sp, e);
		do {
			queue_id_new(g, (long)getpid(), q[e].id);
			rc = queue_tx_commit_as(tx, d, q[e].path, q[e].id,
			    &qf, err);
		} while (rc == 1);
	}
	qf.sender = sender;
	if (rc == 0) {
		/* the df stays where it is when that is the group's */
		q[0].path = txpath < d->npaths && d->paths[txpath].group ==
		    sp.env[0].group ? txpath : queue_group_path(d,
		    sp.env[0].group, g->count);
		memcpy(q[0].id, m->id, sizeof(q[0].id));
		env_rcpts(&qf, all, &sp, 0);
		rc = queue_tx_move(tx, d, q[0].path, err);
		if (rc == 0)
			rc = queue_tx_commit(tx, &qf, err);
	}
	if (rc != 0) {
		struct err e2;
		size_t k;

		for (k = 1; k < e; k++)
			(void)queue_remove(d, q[k].path, q[k].id, &e2);
		free(q);
		q = NULL;
	}
	free(qf.rcpts);
	qf.rcpts = all;
	qf.nrcpts = nall;
	queue_qf_free(&qf);
	*nout = rc == 0 ? sp.nenv : 0;
	if (rc == 0 && sp.env[0].n == 0 && sp.nenv > 1) {
		/* every recipient went to a list owner's envelope: the
		 * message's own is not kept (sendmail writes none) */
		struct err e2;

		(void)queue_remove(d, q[0].path, q[0].id, &e2);
		memmove(q, q + 1, (sp.nenv - 1) * sizeof(*q));
		(*nout)--;
	}
	*out = q;
	msg_split_free(&sp);
	return rc == 0 ? 0 : -1;
}
