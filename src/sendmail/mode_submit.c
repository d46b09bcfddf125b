/*
 * mode_submit.c -- sendmail [-t] [-i] [-f from] [-F name] rcpt ...: a
 * message on a program's stdin goes into the queue as sendmail 8.17
 * queues it (PHP's mail(), cron, mailx, scripts with -t -oi).  The dot
 * rule of the command line, recipients from the arguments and with -t
 * from To/Cc/Bcc (Resent- ones for a resent message), duplicates
 * dropped, the sender from -f or the invoking user with the
 * X-Authentication-Warning an untrusted -f earns, and the cf's headers.
 * The recipients are expanded as sendmail 8.17 expands them while it
 * queues (aliases, .forward, :include:, through qrun_sub_*), and the qf
 * gets what is left to deliver with its controlling users.  In
 * queue-only and deferred mode (-odq, -odd) each is logged
 * "stat=queued" and delivery happens later from the queue; in
 * interactive mode (-odi) it is delivered before we return, in
 * background mode (-odb, the default) by a child, which also returns
 * the recipients refused here to the sender (the other modes keep the
 * message in ~/dead.letter).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "modes.h"
#include "stats/stats.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "deliver/deliver.h"
#include "msg/msg.h"
#include "qrun/qrun.h"
#include "smtp/smtp.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_NOUSER	67
#define EX_SOFTWARE	70
#define EX_TEMPFAIL	75
#define EX_CONFIG	78

struct submit {
	struct cf		*cf;
	const struct submit_opts *so;
	struct msg		 msg;
	int			 rc;		/* the exit status so far */
	unsigned		 rflags;	/* QF_R_* from -N */
	struct buf		 errbuf;	/* the cf's error for one address */
	size_t			 nbad;		/* recipients refused */
	struct qrun_sub		*sub;		/* -odq/-odd: the expansion */
	struct msg		 given;		/* its recipients as given */
	size_t			 nexpbad;	/* refused in the expansion */
	size_t			 nowned;	/* of those, returned to their
						 * list's owner */
};

/* The cf's errors about an address are said on stdout, as sendmail's. */
static void
on_cf_error(void *arg, int kind, const char *to, const char *text)
{
	struct submit *sb = arg;
	const char *p = text;

	if (kind == CF_ERR_NOTE)
		return;
	/* the codes are for SMTP; a program is told the words */
	if (p[0] >= '0' && p[0] <= '9' && p[3] == ' ')
		p += 4;
	if (p[0] >= '0' && p[0] <= '9' && p[1] == '.') {
		const char *sp = strchr(p, ' ');

		if (sp != NULL)
			p = sp + 1;
	}
	if (sb->errbuf.len == 0)
		(void)buf_set(&sb->errbuf, text);
	if (to != NULL)
		(void)printf("%s... %s\n", to, p);
	else
		(void)printf("%s\n", p);
}

static void
set_status(struct submit *sb, int rc)
{
	if (sb->rc == EX_OK)
		sb->rc = rc;
}

/* One recipient as written: resolved, checked, added unless a duplicate. */
static void
add_rcpt(struct submit *sb, const char *text)
{
	struct cf_resolved r;
	struct msg_rcpt *mr;
	const char *j = cf_macro_value(sb->cf, "j");
	char *final = NULL, *bare, *lt, *gt;

	buf_reset(&sb->errbuf);
	if (cf_addr_resolve(sb->cf, text, 1, '\0', NULL, &r) == -1) {
		sb->nbad++;
		set_status(sb, EX_USAGE);
		cf_resolved_free(&r);
		return;
	}
	if (!cf_rcpt_known(sb->cf, &r, text)) {
		int direct = strstr(buf_cstr(&sb->errbuf), "Cannot mail "
		    "directly") != NULL;

		sb->nbad++;
		/* a program or file given directly is a usage error */
		set_status(sb, direct ? EX_USAGE : EX_NOUSER);
		free(sb->msg.message);
		sb->msg.message = xstrdup("User unknown");
		if (sb->sub != NULL) {
			sb->msg.nrefused++;
			if (!direct)
				qrun_sub_refused(sb->sub, text, r.mailer,
				    "5.1.1", "User unknown");
		}
		cf_resolved_free(&r);
		return;
	}
	bare = xstrdup(text);
	if ((lt = strchr(bare, '<')) != NULL && (gt = strchr(lt, '>')) != NULL) {
		*gt = '\0';
		memmove(bare, lt + 1, strlen(lt + 1) + 1);
	}
	if (asprintf(&final, "RFC822; %s%s%s", bare, strchr(bare, '@') ? "" :
	    "@", strchr(bare, '@') ? "" : (j ? j : "localhost")) == -1)
		final = NULL;
	mr = msg_add_rcpt(sb->sub != NULL ? &sb->given : &sb->msg, text,
	    final, r.mailer, r.host, r.user);
	if (mr != NULL)
		mr->flags = sb->rflags;
	if (sb->sub != NULL) {
		size_t n = qrun_sub_add(sb->sub, text, sb->rflags, final, NULL);

		if (n > 0) {
			sb->nexpbad += n;
			sb->msg.nrefused += n;
			set_status(sb, EX_NOUSER);
			free(sb->msg.message);
			sb->msg.message = xstrdup("User unknown");
		}
	}
	free(final);
	free(bare);
	cf_resolved_free(&r);
}

static void
list_item(void *arg, const char *item)
{
	strarr_push(arg, item);
}

/*
 * A comma-separated list ("a, Joe <b@c>"): each item as written, the
 * last first as sendmail's sendtolist() takes them.
 */
static void
add_list(struct submit *sb, const char *list)
{
	struct strarr items = { 0 };
	size_t k;

	cf_addr_list(sb->cf, list, list_item, &items);
	for (k = items.n; k > 0; k--)
		add_rcpt(sb, items.v[k - 1]);
	strarr_free(&items);
}

/* One recipient the expansion left, into the envelope. */
static void
add_leaf(void *arg, const struct qrun_leaf *l)
{
	struct submit *sb = arg;
	struct msg_rcpt *mr;

	mr = msg_add_rcpt(&sb->msg, l->addr, l->final, l->mailer, l->host,
	    l->user);
	if (mr == NULL)
		return;
	mr->flags = l->flags;
	mr->ctl = l->ctl != NULL ? xstrdup(l->ctl) : NULL;
	mr->owner = l->owner != NULL ? xstrdup(l->owner) : NULL;
	mr->orcpt = l->orcpt != NULL ? xstrdup(l->orcpt) : NULL;
}

/* The expansion's recipients become the envelope's. */
static void
take_expansion(struct submit *sb)
{
	(void)qrun_sub_leaves(sb->sub, add_leaf, sb);
}

/*
 * The envelopes of list owners, "clone: owner=..." each, and the
 * recipients' stat=queued lines in queue-only and deferred mode: the
 * owners' envelopes first, as sendmail logs them.
 */
static void
log_queued(struct submit *sb, const struct msg_queued *queued,
    size_t nqueued, int mode)
{
	size_t k;
	int only = mode == 'q' || mode == 'd';

	for (k = 0; k < nqueued; k++) {
		if (queued[k].owner == NULL)
			continue;
		log_msg(LOG_INFO, sb->msg.id, "%s: clone: owner=%s",
		    queued[k].id, queued[k].owner);
		if (only)
			msg_log_queued_env(&sb->msg, sb->cf, mode == 'd',
			    queued[k].id, queued[k].owner);
	}
	if (only)
		msg_log_queued(&sb->msg, sb->cf, mode == 'd');
}

/*
 * stdin line by line into the collector.  Unless dots are ignored
 * (-i, -oi), a line "." ends the message and ".." loses a dot.
 */
static int
read_stdin(struct msg_collect *c, int ignoredots)
{
	struct buf in;
	char chunk[65536], *p, *nl;
	ssize_t n;
	size_t len;
	int done = 0;

	buf_init(&in, 0);
	while (!done) {
		n = read(0, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_free(&in);
			return -1;
		}
		if (n == 0) {
			if (in.len > 0)
				(void)msg_collect_line(c, in.data, in.len,
				    SMTP_LINE_NO_EOL);
			break;
		}
		(void)buf_add(&in, chunk, (size_t)n);
		p = in.data;
		while (!done && (nl = memchr(p, '\n', in.len - (size_t)(p -
		    in.data))) != NULL) {
			len = (size_t)(nl - p);
			if (len > 0 && p[len - 1] == '\r')
				len--;
			if (!ignoredots && len == 1 && p[0] == '.')
				done = 1;
			else if (!ignoredots && len >= 2 && p[0] == '.' &&
			    p[1] == '.')
				(void)msg_collect_line(c, p + 1, len - 1, 0);
			else
				(void)msg_collect_line(c, p, len, 0);
			p = nl + 1;
		}
		len = in.len - (size_t)(p - in.data);
		memmove(in.data, p, len);
		buf_truncate(&in, len);
	}
	buf_free(&in);
	return 0;
}


/* A full name with RFC 822 specials is quoted, as sendmail does. */
static void
define_fullname(struct cf *cf, const char *name)
{
	char *q;

	if (name == NULL || *name == '\0') {
		cf_macro_define(cf, "x", NULL);
		return;
	}
	if (name[0] == '"' || strpbrk(name, "()<>@,;:\\\".[]") == NULL) {
		cf_macro_define(cf, "x", name);
		return;
	}
	if (asprintf(&q, "\"%s\"", name) == -1)
		return;
	cf_macro_define(cf, "x", q);
	free(q);
}

/* The sender and its macros; an untrusted -f is noted in a header. */
static void
set_sender(struct submit *sb, const struct passwd *pw, const char *user)
{
	struct cf *cf = sb->cf;
	const char *from = sb->so->from ? sb->so->from : user;
	const char *j = cf_macro_value(cf, "j");
	struct cf_resolved r;
	struct passwd *fpw = NULL;
	char *gecos = NULL, *auth = NULL, *warn = NULL;
	int local = sb->so->from == NULL;
	/* -f '<>': no full name, no From: (its $g is empty), no AUTH=, as
	 * sendmail queues it (the queue corpus, doc/reliability.md 16) */
	int null = strcmp(from, "<>") == 0;

	msg_set_sender(&sb->msg, from);
	cf_macro_define(cf, "f", from);
	cf_macro_define(cf, "g", null ? "" : from);
	if (sb->so->from != NULL && !null) {
		if (cf_addr_resolve(cf, from, 0, '\0', NULL, &r) == 0 &&
		    r.local) {
			local = 1;
			fpw = getpwnam(r.user);
		}
		cf_resolved_free(&r);
	}
	if (!local)
		cf_macro_define(cf, "x", NULL);
	else if (sb->so->fullname != NULL)
		define_fullname(cf, sb->so->fullname);
	else if ((fpw != NULL ? fpw : pw) != NULL) {
		gecos = xstrdup((fpw != NULL ? fpw : pw)->pw_gecos);
		gecos[strcspn(gecos, ",")] = '\0';
		define_fullname(cf, gecos);
		free(gecos);
	}
	if (!null && asprintf(&auth, "%s%s%s", from, strchr(from, '@') ? "" : "@",
	    strchr(from, '@') ? "" : (j ? j : "localhost")) != -1) {
		free(sb->msg.auth);
		sb->msg.auth = auth;
	}
	if (sb->so->from != NULL && strcmp(sb->so->from, user) != 0 &&
	    !cf_class_member(cf, "t", user) &&
	    (smtpd_privacy(cf_option_value(cf, "PrivacyOptions")) &
	    PRIV_AUTHWARNINGS) &&
	    asprintf(&warn, " %s: %s set sender to %s using -f",
	    j ? j : "localhost", user, from) != -1) {
		msg_hdr_add(&sb->msg, "X-Authentication-Warning", 24, warn,
		    strlen(warn));
		log_msg(LOG_NOTICE, sb->msg.id, "Authentication-Warning:%s",
		    warn);
		free(warn);
	}
}

static void
keep_macro(void *arg, const char *name, const char *value)
{
	msg_macro(arg, name, value);
}

/* Header recipients for -t: To, Cc, Bcc (the Resent- ones if resent). */
static void
header_rcpts(struct submit *sb)
{
	static const char *plain[] = { "to", "cc", "bcc", NULL };
	static const char *resent[] = { "resent-to", "resent-cc",
	    "resent-bcc", NULL };
	const char **names = sb->msg.resent ? resent : plain;
	const struct msg_hdr *h;
	size_t i, k;

	for (i = 0; i < sb->msg.hdrs.n; i++) {
		h = sb->msg.hdrs.v[i];
		if (h->deflt || h->deleted)
			continue;
		for (k = 0; names[k] != NULL; k++)
			if (str_casecmp(h->name, names[k]) == 0)
				add_list(sb, h->value);
	}
}

/*
 * A recipient was refused: the message is kept in the local sender's
 * ~/dead.letter (sendmail's ErrorMode=print for a command line).
 * Returns the file's name once written (the caller's, to say it).
 */
static char *
save_dead_letter(struct submit *sb, const struct queue_dirs *qd,
    struct queue_tx *tx)
{
	struct buf df;
	struct cf_resolved r;
	struct dlv_msg dm;
	struct passwd *pw = NULL;
	struct qf qf;
	struct err err;
	char *path = NULL;

	if (cf_addr_resolve(sb->cf, sb->msg.sender, 0, '\0', NULL, &r) == 0 &&
	    r.local && r.user != NULL)
		pw = getpwnam(r.user[0] == '\\' ? r.user + 1 : r.user);
	cf_resolved_free(&r);
	if (pw == NULL || pw->pw_dir[0] == '\0' || asprintf(&path,
	    "%s/dead.letter", strcmp(pw->pw_dir, "/") ? pw->pw_dir : "") == -1)
		return NULL;
	err_clear(&err);
	buf_init(&df, 0);
	queue_dirs_path(qd, 0, 'd', &df);
	(void)buf_printf(&df, "/df%s", queue_tx_id(tx));
	msg_to_qf(&sb->msg, sb->cf, &qf);
	qf.ctime = (long long)time(NULL);	/* the From line's date */
	memset(&dm, 0, sizeof(dm));
	dm.cf = sb->cf;
	dm.qf = &qf;
	dm.id = sb->msg.id;
	dm.dffd = -1;
	if (queue_tx_flush(tx, &err) != 0 ||
	    (dm.dffd = open(buf_cstr(&df), O_RDONLY | O_CLOEXEC)) == -1 ||
	    dlv_dead_letter(&dm, sb->msg.sender, path, &err) != 0) {
		free(path);
		path = NULL;
	}
	if (dm.dffd != -1)
		(void)close(dm.dffd);
	queue_qf_free(&qf);
	buf_free(&df);
	return path;
}

/* "Saved message in"; under -v after the sender's alias, which
 * sendmail expands trying to mail the errors back first. */
static void
say_dead_letter(struct submit *sb, char **path)
{
	struct cf_resolved r;
	struct buf val;

	buf_init(&val, 0);
	if (sb->so->verbose && cf_addr_resolve(sb->cf, sb->msg.sender, 1,
	    '\0', NULL, &r) == 0) {
		if (r.local && r.user != NULL &&
		    cf_alias(sb->cf, r.user, &val) == 1)
			(void)printf("%s... aliased to %s\n", r.user,
			    str_skip_ws(buf_cstr(&val)));
		cf_resolved_free(&r);
	}
	buf_free(&val);
	(void)printf("%s... Saved message in %s\n", *path, *path);
	free(*path);
	*path = NULL;
}

static void
log_from(struct submit *sb, const char *relay)
{
	const char *id = msg_hdr_value(&sb->msg, "Message-Id");
	char *mid = id ? xstrdup(str_skip_ws(id)) : NULL;

	if (mid != NULL)
		str_rtrim(mid);
	/* -B8BITMIME is said whatever the body */
	int b8 = sb->so->bodytype != NULL &&
	    str_casecmp(sb->so->bodytype, "8BITMIME") == 0;

	log_msg(LOG_INFO, sb->msg.id, "from=%s, size=%zu, class=%ld, "
	    "nrcpts=%zu%s%s%s, relay=%s", sb->msg.sender, sb->msg.size,
	    sb->msg.class, msg_nrcpts(&sb->msg), mid ? ", msgid=" : "",
	    mid ? mid : "", b8 ? ", bodytype=8BITMIME" : "", relay);
	free(mid);
}

/*
 * One envelope delivered.  Its sender is the to= lines' ctladdr: the
 * message's with the invoker's ids, a list owner's with its own when
 * it is a local user (else none).
 */
static void
deliver_env(struct submit *sb, const struct queue_dirs *qd,
    const struct msg_queued *q, struct qrun_opts *qo)
{
	struct passwd *pw = q->owner != NULL ? getpwnam(q->owner) : NULL;
	char *ctl = NULL;

	if (q->owner == NULL ? asprintf(&ctl, "%s (%ld/%ld)",
	    sb->msg.sender, (long)getuid(), (long)getgid()) == -1 :
	    pw != NULL ? asprintf(&ctl, "%s (%ld/%ld)", q->owner,
	    (long)pw->pw_uid, (long)pw->pw_gid) == -1 : 0)
		ctl = NULL;
	qo->ctladdr = ctl;
	(void)qrun_message(sb->cf, qd, q->path, q->id, qo);
	free(ctl);
	qo->refused = NULL;	/* returned once */
	qo->nrefused = 0;
}

/*
 * The message delivered as sendmail's submitting process does it: at
 * once (-odi) or by a child (-odb) that also returns the recipients
 * refused while queueing.
 */
static void
deliver(struct submit *sb, const struct queue_dirs *qd,
    const struct msg_queued *queued, size_t nqueued, int background)
{
	struct qrun_opts qo;
	size_t k;

	memset(&qo, 0, sizeof(qo));
	cf_set_errfn(sb->cf, NULL, NULL);
	qo.no_fflag = sb->so->from == NULL;
	qo.submitted = 1;
	qo.verbose = sb->so->verbose;
	qo.out = stdout;
	qo.errors_printed = !background &&
	    sb->nbad + sb->nexpbad > sb->nowned;
	if (background) {
		(void)fflush(stdout);
		if (fork() != 0)	/* -1: the queue run will */
			return;
		qo.refused = qrun_sub_refusals(sb->sub, &qo.nrefused);
	}
	/* the list owners' envelopes first, each sent as its owner */
	for (k = 0; k < nqueued; k++)
		if (queued[k].owner != NULL)
			deliver_env(sb, qd, &queued[k], &qo);
	for (k = 0; k < nqueued; k++)
		if (queued[k].owner == NULL)
			deliver_env(sb, qd, &queued[k], &qo);
	if (background) {
		(void)fflush(stdout);	/* -v: what it said */
		_exit(0);
	}
}

int
mode_submit(struct cf *cf, const struct submit_opts *so, char **rcpts,
    int nrcpts)
{
	struct smtpd_ctx ctx;
	struct queue_dirs qd;
	struct queue_idgen g;
	struct submit sb;
	struct msg_collect *c;
	struct queue_tx *tx = NULL;
	struct passwd *pw = getpwuid(getuid());
	struct msg_queued *queued = NULL;
	size_t nqueued = 0;
	struct err err;
	struct buf tmp;
	const char *why = NULL, *ign = cf_option_value(cf, "IgnoreDots");
	char user[256], relay[300], t[32];
	time_t now = time(NULL);
	size_t k;
	char *dead = NULL;
	int i, rc, split;

	if (drop_to_runasuser(cf) == -1)
		return 71;	/* EX_OSERR */
	if (smtp_ctx_init(cf, &ctx, &qd, &g) == -1)
		return EX_CONFIG;
	memset(&sb, 0, sizeof(sb));
	sb.cf = cf;
	sb.so = so;
	msg_init(&sb.msg);
	msg_init(&sb.given);
	buf_init(&sb.errbuf, 0);
	(void)snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "nobody");
	(void)snprintf(relay, sizeof(relay), "%s@localhost", user);
	sb.rflags = msg_notify_flags(so->notify);
	cf_set_errfn(cf, on_cf_error, &sb);

	while (queue_id_next(&g, now, (long)getpid(), sb.msg.id) != 0)
		(void)sleep(1);
	cf_macro_define(cf, "i", sb.msg.id);
	cf_macro_define(cf, "_", relay);
	cf_macro_define(cf, "{daemon_flags}", "c u");
	if (so->proto != NULL) {
		char *pr = xstrdup(so->proto), *colon = strchr(pr, ':');

		if (colon != NULL) {
			*colon = '\0';
			cf_macro_define(cf, "s", colon + 1);
		}
		cf_macro_define(cf, "r", pr);
		free(pr);
	}
	set_sender(&sb, pw, user);
	sb.sub = qrun_sub_new(cf, sb.msg.id, sb.msg.sender, stdout);
	if (so->verbose) {
		qrun_sub_verbose(sb.sub, stdout);
		/* sendmail -v delivers what it would only queue */
		if (ctx.delivery_mode == 'q' || ctx.delivery_mode == 'd')
			ctx.delivery_mode = 'i';
	}
	for (i = 0; i < nrcpts; i++)
		add_list(&sb, rcpts[i]);

	err_clear(&err);
	while ((rc = queue_tx_begin(&tx, &qd, 0, sb.msg.id, ctx.file_mode,
	    &err)) == 1)
		while (queue_id_next(&g, time(NULL), (long)getpid(),
		    sb.msg.id) != 0)
			(void)sleep(1);
	if (rc == -1) {
		(void)printf("queueup: cannot create queue file df%s: %s\n",
		    sb.msg.id, err.msg);
		rc = EX_TEMPFAIL;
		goto out;
	}
	cf_macro_define(cf, "i", sb.msg.id);
	msg_hdrs_defaults(&sb.msg, cf);
	c = msg_collect_new(&sb.msg, tx, ctx.max_hdr_len, 0);
	if (read_stdin(c, ign != NULL && (ign[0] == 'T' || ign[0] == 't' ||
	    ign[0] == 'y' || ign[0] == 'Y' || ign[0] == '\0')) == -1) {
		msg_collect_free(c);
		queue_tx_abort(tx);
		rc = EX_TEMPFAIL;
		goto out;
	}
	(void)msg_collect_end(c, &why);
	msg_collect_free(c);

	buf_init(&tmp, 0);
	msg_arpadate(now, &tmp);
	cf_macro_define(cf, "b", buf_cstr(&tmp));
	cf_macro_define(cf, "a", buf_cstr(&tmp));
	buf_free(&tmp);
	msg_tdate(now, t);
	cf_macro_define(cf, "t", t);
	/* "for <rcpt>" only for one recipient, a refused one counting */
	{
		const struct msg *gm = sb.sub != NULL ? &sb.given : &sb.msg;

		cf_macro_define(cf, "u", gm->rcpts.n == 1 && sb.nbad == 0 ?
		    ((struct msg_rcpt *)gm->rcpts.v[0])->addr : NULL);
	}
	msg_hdrs_finish(&sb.msg, cf);
	if (so->tflag)
		header_rcpts(&sb);
	if (sb.sub != NULL) {
		take_expansion(&sb);
		sb.nowned = qrun_sub_owned(sb.sub);
		/* the owners have those errors: none in the qf's M line */
		if (sb.nowned > 0 && sb.nowned == sb.nbad + sb.nexpbad) {
			free(sb.msg.message);
			sb.msg.message = NULL;
		}
	}
	if (sb.nbad + sb.nexpbad > sb.nowned && ctx.delivery_mode != 'b')
		dead = save_dead_letter(&sb, &qd, tx);
	/* said after an interactive delivery (-v shows that order) */
	if (dead != NULL && ctx.delivery_mode != 'i')
		say_dead_letter(&sb, &dead);
	if (sb.msg.rcpts.n == 0) {
		if (so->tflag && sb.rc == EX_OK)
			(void)printf("No recipient addresses found in header\n");
		else if (!so->tflag && nrcpts == 0) {
			(void)printf("Recipient names must be specified\n");
			set_status(&sb, EX_USAGE);
		}
		log_from(&sb, relay);	/* sendmail logs it all the same */
		queue_tx_abort(tx);
		rc = sb.rc;
		goto out;
	}
	sb.msg.ctime = now;
	/* sendmail's qf says "split" when it is written for a queue run,
	 * or for a delivery with every recipient taken (the rewrite after
	 * that delivery has it) */
	split = ctx.delivery_mode == 'q' || ctx.delivery_mode == 'd' ||
	    sb.nbad + sb.nexpbad == 0;
	if (split && sb.nowned == 0)	/* else after the owners' notices */
		sb.msg.eflags |= QF_F_SPLIT;
	if (so->ret != NULL) {
		sb.msg.eflags |= QF_F_RETPARAM;
		if (str_casecmp(so->ret, "hdrs") == 0)
			sb.msg.eflags |= QF_F_NOBODY;
	}
	if (sb.msg.class < 0)
		sb.msg.eflags |= QF_F_NOBODY;
	if (queue_tx_8bit(tx))
		sb.msg.eflags |= QF_F_8BIT;
	if (so->bodytype != NULL)
		sb.msg.bodytype = xstrdup(queue_tx_8bit(tx) &&
		    str_casecmp(so->bodytype, "8BITMIME") == 0 ? "8BITMIME" :
		    "7BIT");
	if (so->envid != NULL)
		sb.msg.envid = xstrdup(so->envid);
	cf_macros_persistent(cf, keep_macro, &sb.msg);
	/* the queue run expands the lists: -om goes with the message */
	if (so->metoo_given)
		msg_macro(&sb.msg, "MeToo", qrun_opt_true(cf_option_value(cf,
		    "MeToo"), 1) ? "True" : "False");
	rc = msg_commit(&sb.msg, cf, tx, 0, &qd, &g, &queued, &nqueued,
	    &err);
	if (rc == -1) {
		(void)printf("queueup: cannot write queue file qf%s: %s\n",
		    sb.msg.id, err.msg);
		queue_tx_abort(tx);
		rc = EX_TEMPFAIL;
		goto out;
	}
	queue_tx_close(tx);
	log_from(&sb, relay);
	log_queued(&sb, queued, nqueued, ctx.delivery_mode);
	stats_mark_from(stats_sender_mailer(cf, sb.msg.sender), sb.msg.size);
	stats_flush(cf);
	rc = sb.rc;
	if (sb.nowned > 0 && nqueued > 0) {
		cf_set_errfn(cf, NULL, NULL);
		for (k = 0; k < nqueued; k++)
			qrun_sub_return_owned(sb.sub, &qd, queued[k].path,
			    queued[k].id, split, k == 0);
	}
	if (ctx.delivery_mode == 'i' || ctx.delivery_mode == 'b')
		deliver(&sb, &qd, queued, nqueued, ctx.delivery_mode == 'b');
out:
	if (dead != NULL)
		say_dead_letter(&sb, &dead);
	free(queued);
	cf_set_errfn(cf, NULL, NULL);
	(void)fflush(stdout);
	msg_free(&sb.msg);
	msg_free(&sb.given);
	qrun_sub_free(sb.sub);
	buf_free(&sb.errbuf);
	queue_dirs_free(&qd);
	return rc;
}
