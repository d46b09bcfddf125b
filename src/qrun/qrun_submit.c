/*
 * qrun_submit.c -- the expansion of a queue run done at submission, as
 * sendmail 8.17 does it for a message from the command line: the
 * recipients go through qrun_expand() (lists taken last item first, as
 * sendmail's sendtolist() takes them), refusals are said at once, and
 * what is left to deliver is handed back with its qf records: the
 * controlling user (the local user itself, else the .forward user, the
 * :include: file's owner or an alias's DefaultUser with group 0) and
 * the address it came from, the A flag for an alias's members, and the
 * original's DSN flags, ORCPT and final recipient.  Owns the qrun_msg
 * it expands into.
 */
#include <pwd.h>
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

#define EX_NOUSER	67

struct qrun_sub {
	struct qrun_msg		q;
	struct qrun_opts	opts;	/* none: nothing verbose */
	size_t			cap;	/* of q.qf.rcpts */
	struct qrun_refusal	*refused;
	long			*rtarget;	/* each one's target, -1 */
	size_t			nrefused;
	size_t			*owned;		/* failed targets whose
						 * list's owner gets them */
	size_t			nowned;
};

static void
note_refusal(struct qrun_sub *s, long k, const char *addr,
    const char *mailer, int status, const char *dsn, const char *text)
{
	struct qrun_refusal *r;

	s->refused = xreallocarray(s->refused, s->nrefused + 1,
	    sizeof(*s->refused));
	s->rtarget = xreallocarray(s->rtarget, s->nrefused + 1,
	    sizeof(*s->rtarget));
	s->rtarget[s->nrefused] = k;
	r = &s->refused[s->nrefused++];
	r->addr = xstrdup(addr);
	r->mailer = xstrdup(mailer != NULL ? mailer : "local");
	r->status = status;
	(void)snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	r->text = xstrdup(text);
}

struct qrun_sub *
qrun_sub_new(struct cf *cf, const char *id, const char *sender, FILE *said)
{
	struct qrun_sub *s = xcalloc(1, sizeof(*s));
	size_t n = strlen(sender);

	s->q.cf = cf;
	s->q.opts = &s->opts;
	s->q.said = said;
	s->q.qffd = s->q.dffd = -1;
	(void)snprintf(s->q.id, sizeof(s->q.id), "%s", id);
	s->q.qf.ctime = (long long)time(NULL);
	/* the bare sender, "" for <> (qrun_open's rule) */
	if (n >= 2 && sender[0] == '<' && sender[n - 1] == '>')
		s->q.sender = xstrndup(sender + 1, n - 2);
	else
		s->q.sender = xstrdup(sender);
	s->q.qf.sender = xstrdup(sender);
	return s;
}

void
qrun_say(struct qrun_msg *q, size_t i)
{
	struct qrun_target *t = &q->targets[i];

	if (q->said == NULL || t->said)
		return;
	t->said = 1;
	if (t->verbose_out == NULL)	/* else qrun_fail said it */
		(void)fprintf(q->said, "%s... %s\n", t->paddr, t->text ?
		    t->text : "Invalid address");
	log_msg(LOG_NOTICE, q->id, "%s... %s", t->paddr, t->text ? t->text :
	    "Invalid address");
}

size_t
qrun_sub_add(struct qrun_sub *s, const char *addr, unsigned flags,
    const char *final, const char *orcpt)
{
	struct qrun_msg *q = &s->q;
	struct qf_rcpt *r;
	size_t before = q->ntargets, k, n = 0;

	if (q->qf.nrcpts == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		q->qf.rcpts = xreallocarray(q->qf.rcpts, s->cap + 1,
		    sizeof(*q->qf.rcpts));
	}
	r = &q->qf.rcpts[q->qf.nrcpts];
	memset(r, 0, sizeof(*r));
	r->flags = flags;
	r->addr = xstrdup(addr);
	r->final = final ? xstrdup(final) : NULL;
	r->orcpt = orcpt ? xstrdup(orcpt) : NULL;
	q->lasterr[0] = '\0';
	q->refused_again = 0;
	qrun_expand(q, addr, -1, q->qf.nrcpts++, 0);
	n = q->refused_again;
	for (k = before; k < q->ntargets; k++)
		if (q->targets[k].state == QT_FAILED) {
			const struct qrun_target *t = &q->targets[k];

			qrun_say(q, k);
			note_refusal(s, (long)k, t->paddr, t->mailer,
			    t->status, t->dsn,
			    t->text != NULL ? t->text : "Invalid address");
			n++;
		}
	return n;
}

void
qrun_sub_refused(struct qrun_sub *s, const char *addr, const char *mailer,
    const char *dsn, const char *text)
{
	log_msg(LOG_NOTICE, s->q.id, "%s... %s", addr, text);
	qrun_log_refused(&s->q, addr, mailer, "", dsn, text);
	note_refusal(s, -1, addr, mailer, EX_NOUSER, dsn, text);
}

const char *
qrun_sub_known(struct qrun_sub *s, const char *addr)
{
	struct cf_resolved r;
	const char *paddr = NULL;
	size_t k;

	if (cf_addr_resolve(s->q.cf, addr, 1, '\0', NULL, &r) == 0)
		for (k = 0; k < s->q.ntargets && paddr == NULL; k++) {
			const struct qrun_target *t = &s->q.targets[k];

			if (qrun_same(t->mailer, r.mailer) && qrun_same(t->user,
			    r.user) && str_casecmp(t->host ? t->host : "",
			    r.host ? r.host : "") == 0)
				paddr = t->paddr;
		}
	cf_resolved_free(&r);
	return paddr;
}

void
qrun_sub_verbose(struct qrun_sub *s, FILE *out)
{
	s->opts.verbose = 1;
	s->opts.out = out;
}

void
qrun_sub_smtp(struct qrun_sub *s)
{
	s->q.quiet_refusals = 1;
}

const struct qrun_refusal *
qrun_sub_refusals(struct qrun_sub *s, size_t *n_out)
{
	*n_out = s->nrefused;
	return s->refused;
}

/*
 * The C line of target k: who the delivery is for (sendmail's
 * getctladdr: the first of it and the addresses above it with a known
 * uid) and the address it came from; NULL for one given as it is.
 */
char *
qrun_ctl_line(struct qrun_msg *q, size_t k)
{
	const struct qrun_target *t = &q->targets[k], *a;
	const char *from, *name = NULL;
	struct passwd *pw;
	long uid = 0, gid = 0;
	char *out = NULL;
	int i;

	if (t->parent < 0)
		return NULL;
	from = q->targets[t->parent].paddr;
	if (t->local && (pw = getpwnam(t->user + (t->user[0] == '\\'))) !=
	    NULL) {
		name = pw->pw_name;
		uid = (long)pw->pw_uid;
		gid = (long)pw->pw_gid;
	} else
		for (i = t->parent; i >= 0; i = q->targets[i].parent) {
			a = &q->targets[i];
			if (a->uid >= 0) {
				/* a .forward's user, an :include:'s owner */
				pw = a->local ? NULL : getpwuid((uid_t)a->uid);
				name = pw != NULL ? pw->pw_name : a->user +
				    (a->user[0] == '\\');
				uid = a->uid;
				gid = a->gid;
				break;
			}
			if (a->alias) {
				qrun_default_user(q->cf, &uid, &gid);
				name = a->user;
				gid = 0;
				break;
			}
		}
	if (uid == 0 || name == NULL || name[0] == '\0') {
		if (asprintf(&out, ":%s", from) == -1)
			out = NULL;
	} else if (asprintf(&out, "%s:%ld:%ld:%s", name, uid, gid, from) ==
	    -1)
		out = NULL;
	return out;
}

unsigned
qrun_leaf_flags(const struct qrun_msg *q, size_t k)
{
	const struct qrun_target *t = &q->targets[k];
	unsigned top = q->qf.rcpts[t->top].flags, f;

	f = (top | t->dupflags) & (QF_R_NOTIFY | QF_R_SUCCESS |
	    QF_R_FAILURE | QF_R_DELAY);
	if (t->primary)
		f |= top & QF_R_PRIMARY;
	if (t->parent >= 0 && q->targets[t->parent].alias)
		f |= QF_R_ALIAS;
	return f;
}

int
qrun_sub_leaves(struct qrun_sub *s, void (*fn)(void *,
    const struct qrun_leaf *), void *arg)
{
	struct qrun_msg *q = &s->q;
	struct qrun_leaf l;
	const struct qf_rcpt *top;
	size_t k;
	char *ctl;

	qrun_owners(q);
	for (k = 0; k < q->ntargets; k++) {
		const struct qrun_target *t = &q->targets[k];

		if (t->state != QT_DELIVER && t->state != QT_DEFER)
			continue;
		top = &q->qf.rcpts[t->top];
		memset(&l, 0, sizeof(l));
		l.addr = t->paddr;
		l.mailer = t->mailer;
		l.host = t->host;
		l.user = t->user;
		l.flags = qrun_leaf_flags(q, k);
		l.owner = t->eowner;
		l.ctl = ctl = qrun_ctl_line(q, k);
		l.final = top->final;
		l.orcpt = top->orcpt;
		fn(arg, &l);
		free(ctl);
	}
	return 0;
}

size_t
qrun_sub_owned(struct qrun_sub *s)
{
	size_t i, n = 0;
	long k;

	for (i = 0; i < s->nrefused; i++) {
		k = s->rtarget[i];
		if (k >= 0 && s->q.targets[k].eowner != NULL) {
			s->owned = xreallocarray(s->owned, s->nowned + 1,
			    sizeof(*s->owned));
			s->owned[s->nowned++] = (size_t)k;
			free(s->refused[i].addr);
			free(s->refused[i].mailer);
			free(s->refused[i].text);
			continue;
		}
		s->refused[n] = s->refused[i];
		s->rtarget[n++] = k;
	}
	s->nrefused = n;
	return s->nowned;
}

/*
 * The owned refusals as failed targets of message id (just queued):
 * returned to their owners by qrun_bounce (a notice each, or the
 * postmaster's when an owner is refused), the message itself left as
 * it is but for the split flag (split: set it, as sendmail's qf has it
 * after that).  The notices are delivered, whatever the delivery mode.
 * notify 0: the split flag alone (the message's other envelopes).
 */
void
qrun_sub_return_owned(struct qrun_sub *s, const struct queue_dirs *dirs,
    size_t path, const char *id, int split, int notify)
{
	struct err err;
	int fd = -1;
	struct qrun_opts nopts;
	struct qrun_msg q;
	struct qrun_target *t;
	const struct qrun_target *f;
	size_t i, k;

	if (s->nowned == 0 || (!notify && !split))
		return;
	memset(&q, 0, sizeof(q));
	memset(&nopts, 0, sizeof(nopts));
	q.cf = s->q.cf;
	q.dirs = dirs;
	q.path = path;
	q.opts = &nopts;
	q.qffd = q.dffd = -1;
	(void)snprintf(q.id, sizeof(q.id), "%s", id);
	if (qrun_open(&q) != 0) {
		qrun_close(&q);
		return;
	}
	q.targets = xcalloc(s->nowned, sizeof(*q.targets));
	for (i = 0; notify && i < s->nowned; i++) {
		f = &s->q.targets[s->owned[i]];
		t = &q.targets[q.ntargets++];
		t->paddr = xstrdup(f->paddr);
		t->mailer = xstrdup(f->mailer != NULL ? f->mailer : "local");
		t->user = xstrdup(f->user != NULL ? f->user : f->paddr);
		t->owner = xstrdup(f->eowner);
		t->eowner = t->owner;
		t->parent = -1;
		t->top = q.qf.nrcpts;		/* none: nothing to rewrite */
		t->uid = t->gid = -1;
		t->state = QT_FAILED;
		t->status = f->status;
		(void)snprintf(t->dsn, sizeof(t->dsn), "%s", f->dsn);
		t->text = xstrdup(f->text != NULL ? f->text :
		    "Invalid address");
	}
	q.cap = q.ntargets;
	/* the queued envelope holds no error of these: sendmail's words */
	q.notice_log = "Unable to deliver mail";
	qrun_bounce(&q);
	for (k = 0; k < q.notices.n; k++)
		(void)qrun_message(s->q.cf, dirs, path, q.notices.v[k],
		    &nopts);
	strarr_free(&q.notices);
	/* sendmail's qf says "split" once that is done */
	if (split) {
		q.qf.flags |= QF_F_SPLIT;
		err_clear(&err);
		if (queue_qf_rewrite(dirs, path, q.id, &q.qf, &fd, &err) ==
		    -1)
			log_msg(LOG_ERR, q.id, "SYSERR(root): %s", err.msg);
		else if (fd != -1)
			(void)close(fd);
	}
	qrun_close(&q);
}

void
qrun_sub_free(struct qrun_sub *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrefused; i++) {
		free(s->refused[i].addr);
		free(s->refused[i].mailer);
		free(s->refused[i].text);
	}
	free(s->refused);
	free(s->rtarget);
	free(s->owned);
	qrun_close(&s->q);
	free(s);
}
