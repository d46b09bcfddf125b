/*
 * qrun_expand.c -- the recipients of a queued message as they are to
 * be delivered: each resolved through rulesets 3 and 0, aliases expanded
 * (nested, to MAXALIASDEPTH) with the owner- of each list noted, a
 * local user's .forward followed when it is safe and readable by that
 * user, :include: files read (qrun_include.c), duplicates dropped,
 * programs and files from unsafe lists refused, and users the local
 * mailer does not know (F=w) failed.
 */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define MAXALIASDEPTH	10
#define EX_NOUSER	67
#define EX_TEMPFAIL	75

static size_t
add_target(struct qrun_msg *q, const char *paddr, const struct cf_resolved *r,
    int parent, size_t top)
{
	struct qrun_target *t;
	size_t i;

	for (i = 0; i < q->ntargets; i++) {
		t = &q->targets[i];
		if (qrun_same(t->mailer, r->mailer) && str_casecmp(t->host ? t->host :
		    "", r->host ? r->host : "") == 0 &&
		    qrun_same(t->user, r->user)) {
			if (parent < 0)
				t->primary = 1;
			/* it takes the DSN flags of the one it stands for */
			if (top < q->qf.nrcpts)
				t->dupflags |= q->qf.rcpts[top].flags;
			/* the SMTP server refuses it again */
			if (t->state == QT_FAILED && q->quiet_refusals &&
			    q->said != NULL) {
				(void)fprintf(q->said, "%s... %s\n", t->paddr,
				    t->text ? t->text : "Invalid address");
				q->refused_again++;
			}
			if (q->opts->verbose && q->opts->out != NULL)
				(void)fprintf(q->opts->out, "%s... duplicate "
				    "suppressed\n", paddr);
			return i;	/* a duplicate: delivered once */
		}
	}
	if (q->ntargets == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		q->targets = xreallocarray(q->targets, q->cap,
		    sizeof(*q->targets));
	}
	t = &q->targets[q->ntargets];
	memset(t, 0, sizeof(*t));
	t->paddr = xstrdup(paddr);
	t->mailer = xstrdup(r->mailer ? r->mailer : "error");
	t->host = r->host ? xstrdup(r->host) : NULL;
	t->user = xstrdup(r->user ? r->user : "");
	t->parent = parent;
	t->top = top;
	t->state = QT_DELIVER;
	t->uid = t->gid = -1;
	t->primary = parent < 0;
	t->local = r->local;
	t->verbose_out = q->opts->verbose ? q->opts->out : NULL;
	return q->ntargets++;
}

void
qrun_fail(struct qrun_target *t, int status, const char *dsn, const char *text)
{
	if (t->verbose_out != NULL)
		(void)fprintf(t->verbose_out, "%s... %s\n", t->paddr, text);
	t->state = status == EX_TEMPFAIL ? QT_DEFER : QT_FAILED;
	t->status = status;
	(void)snprintf(t->dsn, sizeof(t->dsn), "%s", dsn);
	free(t->text);
	t->text = xstrdup(text);
}


void
qrun_log_refused(struct qrun_msg *q, const char *paddr, const char *mailer,
    const char *ctl, const char *dsn, const char *text)
{
	char delay[32];

	qrun_fmt_delay(time(NULL) - (time_t)q->qf.ctime, delay, sizeof(delay));
	log_msg(LOG_INFO, q->id, "to=%s, %sdelay=%s, mailer=%s, pri=%ld, "
	    "dsn=%s, reply=550 %s %s, stat=%s", paddr, ctl, delay, mailer,
	    q->qf.priority, dsn, dsn, text, text);
}

/*
 * A local user found unknown while expanding, with the alias, .forward
 * user or :include: file it came from as ctladdr (an alias as
 * DefaultUser/0), as sendmail says it.
 */
static void
log_unknown(struct qrun_msg *q, size_t i)
{
	const struct qrun_target *t = &q->targets[i], *p;
	char ctl[600] = "";
	long uid, gid;
	int a;

	if (q->said != NULL)
		qrun_say(q, i);
	if (q->quiet_refusals)
		return;
	for (a = t->parent; a >= 0; a = q->targets[a].parent) {
		p = &q->targets[a];
		if (p->uid >= 0)
			(void)snprintf(ctl, sizeof(ctl), "ctladdr=%s (%ld/%ld), ",
			    p->paddr, p->uid, p->gid);
		else if (p->state == QT_EXPANDED) {
			qrun_default_user(q->cf, &uid, &gid);
			(void)snprintf(ctl, sizeof(ctl), "ctladdr=%s (%ld/0), ",
			    p->paddr, uid);
		} else
			continue;
		break;
	}
	qrun_log_refused(q, t->paddr, t->mailer, ctl, t->dsn, t->text);
}

/* An alias's value: a comma list, each item expanded in turn. */
struct list_ctx {
	struct qrun_msg	*q;
	int		 parent;
	size_t		 top;
	int		 depth;
	struct strarr	 items;		/* kept to go backwards */
};

static void
list_item(void *arg, const char *item)
{
	struct list_ctx *c = arg;

	strarr_push(&c->items, item);
}

/* Whether a target from before on failed (the SMTP server's RCPT is
 * then refused, and what is left of it is no longer primary). */
static int
failed_under(const struct qrun_msg *q, size_t before)
{
	size_t k;

	for (k = before; k < q->ntargets; k++)
		if (q->targets[k].state == QT_FAILED)
			return 1;
	return 0;
}

/* Whether target k came from a list with an owner- alias. */
static int
owned(const struct qrun_msg *q, size_t k)
{
	int a;

	for (a = q->targets[k].parent; a >= 0; a = q->targets[a].parent)
		if (q->targets[a].owner != NULL)
			return 1;
	return 0;
}

/* The target before `before` that addr duplicates, made primary
 * (unless a list with an owner named it: sendmail leaves that one). */
static void
mark_duplicate_primary(struct qrun_msg *q, const char *addr, size_t before)
{
	struct cf_resolved r;
	size_t k;

	if (cf_addr_resolve(q->cf, addr, 1, '\0', NULL, &r) == 0)
		for (k = 0; k < before; k++) {
			struct qrun_target *t = &q->targets[k];

			if (t->state != QT_EXPANDED && t->state != QT_FAILED &&
			    qrun_same(t->mailer, r.mailer) &&
			    str_casecmp(t->host ? t->host : "", r.host ?
			    r.host : "") == 0 && qrun_same(t->user, r.user)) {
				if (!owned(q, k))
					t->primary = 1;
				break;
			}
		}
	cf_resolved_free(&r);
}

void
qrun_expand_list(struct qrun_msg *q, const char *list, int parent, size_t top,
    int depth)
{
	struct list_ctx c = { q, parent, top, depth, { 0 } };
	size_t k, before = q->ntargets, n, only = 0, found = 0;

	cf_addr_list(q->cf, list, list_item, &c);
	/* the last item comes first, as sendmail's sendtolist() takes them
	 * (which of two duplicates stays, the order of the qf's recipients
	 * of one host) */
	for (k = c.items.n; k > 0; k--)
		qrun_expand(q, c.items.v[k - 1], parent, top, depth);
	n = c.items.n;
	/* and a list of a primary address that comes down to one address
	 * (duplicates counting) makes that one primary too (sendmail 8.17,
	 * at submission and in a queue run), an earlier duplicate of it as
	 * well; not a list with an owner- alias (its errors are the
	 * owner's) */
	if (parent < 0 || !q->targets[parent].primary ||
	    q->targets[parent].owner != NULL ||
	    (q->quiet_refusals && failed_under(q, before))) {
		strarr_free(&c.items);
		return;
	}
	for (k = before; k < q->ntargets; k++)
		if (q->targets[k].parent == parent) {
			if (q->targets[k].state == QT_FAILED)
				n--;
			else {
				only = k;
				found++;
			}
		}
	if (n == 1 && found == 1)
		q->targets[only].primary = 1;
	else if (n == 1 && found == 0 && c.items.n == 1)
		mark_duplicate_primary(q, c.items.v[0], before);
	strarr_free(&c.items);
}

/* Whether the user could reach and read path by its mode bits alone. */
static int
user_can_read(const struct passwd *pw, const char *path)
{
	struct stat st;

	if (qrun_can_read((long)pw->pw_uid, (long)pw->pw_gid, path, NULL) != 0 ||
	    stat(path, &st) == -1)
		return 0;
	return (st.st_mode & (st.st_uid == pw->pw_uid ? S_IRUSR :
	    st.st_gid == pw->pw_gid ? S_IRGRP : S_IROTH)) != 0;
}

/*
 * The user's .forward (ForwardPath, "$z/.forward" by default): the
 * first file that exists, if it is safe as sendmail wants it (a regular
 * file of the user or root, writable by no one else), sends the mail on
 * to the addresses it lists instead.
 */
static void
forward(struct qrun_msg *q, const struct passwd *pw, size_t i, size_t top,
    int depth)
{
	const char *fp = cf_option_value(q->cf, "ForwardPath");
	struct strarr paths = { 0 };
	struct buf ex, tr, text;
	struct stat st;
	char chunk[4096];
	size_t k;
	ssize_t n;
	int fd = -1;

	buf_init(&ex, 0);
	buf_init(&tr, 0);
	buf_init(&text, 65536);
	cf_macro_define(q->cf, "z", pw->pw_dir);
	cf_macro_define(q->cf, "u", pw->pw_name);
	cf_macro_translate(q->cf, fp != NULL ? fp : "$z/.forward", &tr);
	cf_macro_expand(q->cf, buf_cstr(&tr), &ex);
	str_split(buf_cstr(&ex), ":", &paths);
	for (k = 0; k < paths.n && fd == -1; k++) {
		/* sendmail reads it as the user: what the user cannot
		 * read does not count */
		if (!user_can_read(pw, paths.v[k]))
			continue;
		fd = open(paths.v[k], O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
		if (fd == -1)
			continue;
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (st.st_uid != pw->pw_uid && st.st_uid != 0) ||
		    (st.st_mode & (S_IWGRP | S_IWOTH))) {
			log_msg(LOG_NOTICE, q->id, "forward: %s: unsafe, "
			    "ignored", paths.v[k]);
			(void)close(fd);
			fd = -1;
		}
	}
	if (fd != -1) {
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			if (buf_add(&text, chunk, (size_t)n) == -1)
				break;
		(void)close(fd);
		/* what it names (programs, :include:s) is the user's */
		q->targets[i].uid = (long)pw->pw_uid;
		q->targets[i].gid = (long)pw->pw_gid;
		q->targets[i].noshell = qrun_bad_shell(q->cf, pw);
		(void)qrun_list_lines(q, text.data ? text.data : (char *)"", i,
		    top, depth);
	}
	strarr_free(&paths);
	buf_free(&ex);
	buf_free(&tr);
	buf_free(&text);
}

/* addr resolved to r (ok: without error) into q's targets. */
static void
expand_resolved(struct qrun_msg *q, const char *addr,
    const struct cf_resolved *r, int ok, int parent, size_t top, int depth)
{
	struct cf_resolved moved;
	struct buf val;
	size_t i, before;
	int found;

	before = q->ntargets;
	i = add_target(q, addr, r, parent, top);
	if (q->ntargets == before)
		return;		/* a duplicate */
	if (ok && parent >= 0 && (q->targets[parent].unsafe ||
	    q->targets[parent].noshell != NULL) && (strcmp(r->mailer,
	    "prog") == 0 || strcmp(r->mailer, "*file*") == 0)) {
		const char *j = cf_macro_value(q->cf, "j");
		char why[600];

		if (q->targets[parent].noshell != NULL)
			(void)snprintf(why, sizeof(why), "User %s@%s doesn't "
			    "have a valid shell for mailing to %s",
			    q->targets[parent].noshell, j ? j : "localhost",
			    strcmp(r->mailer, "prog") == 0 ? "programs" :
			    "files");
		else
			(void)snprintf(why, sizeof(why), "Address %s is unsafe "
			    "for mailing to %s", q->targets[parent].paddr,
			    strcmp(r->mailer, "prog") == 0 ? "programs" :
			    "files");
		qrun_fail(&q->targets[i], EX_NOUSER, "5.7.1", why);
		return;
	}
	if (ok && strcmp(r->mailer, "*include*") == 0) {
		if (depth < MAXALIASDEPTH)
			qrun_include(q, i, top, depth);
		else
			qrun_fail(&q->targets[i], EX_NOUSER, "5.4.6",
			    "aliasing/forwarding loop broken");
		return;
	}
	if (!ok || strcmp(r->mailer, "error") == 0) {
		qrun_fail(&q->targets[i], r->tempfail ? EX_TEMPFAIL : EX_NOUSER,
		    r->tempfail ? "4.0.0" : "5.1.1", q->lasterr[0] ?
		    q->lasterr : "Invalid address");
		return;
	}
	if (r->aliasable && r->user[0] != '"' && r->user[0] != '\\' &&
	    depth < MAXALIASDEPTH) {
		buf_init(&val, 0);
		found = cf_alias(q->cf, r->user, &val);
		if (found == 1) {
			if (q->opts->verbose && q->opts->out != NULL)
				(void)fprintf(q->opts->out, "%s... aliased to "
				    "%s\n", addr, str_skip_ws(buf_cstr(&val)));
			q->targets[i].state = QT_EXPANDED;
			q->targets[i].owner = qrun_owner_of(q->cf, r->user);
			q->targets[i].alias = 1;
			qrun_expand_list(q, buf_cstr(&val), (int)i, top, depth + 1);
		} else if (found == -1)
			qrun_fail(&q->targets[i], EX_TEMPFAIL, "4.3.0",
			    "Deferred: alias database unavailable");
		buf_free(&val);
		if (found != 0)
			return;
	}
	/* F=5: ruleset 5 may send it elsewhere (a user+detail, a relay
	 * for local names, FEATURE(msp)'s MTA host); at delivery only:
	 * the MSP queues "RPFD:joe@example.org" as given */
	if (depth < MAXALIASDEPTH && q->said == NULL &&
	    cf_localaddr(q->cf, r, &moved) == 1) {
		q->targets[i].state = QT_EXPANDED;
		expand_resolved(q, addr, &moved, 1, (int)i, top, depth + 1);
		cf_resolved_free(&moved);
		return;
	}
	if (r->local && q->targets[i].state == QT_DELIVER) {
		struct cf_mailer_info m;
		const char *u = r->user[0] == '\\' ? r->user + 1 : r->user;
		struct passwd *pw = getpwnam(u);

		if (cf_mailer_info(q->cf, r->mailer, &m) == 0 && m.flags['w'] &&
		    pw == NULL && str_casecmp(u, "postmaster") != 0) {
			qrun_fail(&q->targets[i], EX_NOUSER, "5.1.1", "User unknown");
			log_unknown(q, i);
		}
		else if (pw != NULL && r->user[0] != '\\' &&
		    strcmp(r->mailer, "local") == 0 && depth < MAXALIASDEPTH)
			forward(q, pw, i, top, depth);
	}
}

void
qrun_expand(struct qrun_msg *q, const char *addr, int parent, size_t top,
    int depth)
{
	struct cf_resolved r;
	int ok;

	ok = cf_addr_resolve(q->cf, addr, 1, '\0', NULL, &r) == 0;
	expand_resolved(q, addr, &r, ok, parent, top, depth);
	cf_resolved_free(&r);
}
