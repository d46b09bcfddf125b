/*
 * qrun_file.c -- a queued message's files during a queue run: the qf
 * opened and locked the way sendmail's Linux builds lock it (flock and
 * fcntl: a locked qf belongs to another process), read and parsed, the
 * df opened; every CheckpointInterval recipients sent the qf rewritten
 * with what is left; at the end the qf rewritten with the recipients
 * still to do (N counted up, K the time of this try, M the last reason;
 * what an alias or a .forward became in its place, so that its members
 * already done are not sent again) or the message removed once every
 * recipient is done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static int
open_in(const struct queue_dirs *dirs, size_t path, int kind, const char *id,
    int flags)
{
	struct buf p;
	int fd;

	buf_init(&p, 0);
	queue_dirs_path(dirs, path, kind, &p);
	(void)buf_printf(&p, "/%cf%s", kind, id);
	fd = open(buf_cstr(&p), flags | O_CLOEXEC);
	buf_free(&p);
	return fd;
}

static char *
bare_sender(const char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

int
qrun_open(struct qrun_msg *q)
{
	struct qf_limits lim;
	struct flock fl;
	struct stat st;
	struct err err;
	enum qf_parse rc;
	char *text;
	ssize_t n;

	q->qffd = q->dffd = -1;
	q->qffd = open_in(q->dirs, q->path, 'q', q->id, O_RDWR);
	if (q->qffd == -1)
		return -1;
	if (flock(q->qffd, LOCK_EX | LOCK_NB) == -1) {
		(void)close(q->qffd);
		return 1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(q->qffd, F_SETLK, &fl) == -1) {
		(void)close(q->qffd);
		return 1;
	}
	if (fstat(q->qffd, &st) == -1 || st.st_size > 64 * 1024 * 1024) {
		(void)close(q->qffd);
		return -1;
	}
	text = xmalloc((size_t)st.st_size + 1);
	n = pread(q->qffd, text, (size_t)st.st_size, 0);
	queue_qf_limits_default(&lim);
	rc = n != st.st_size ? QF_NEED_MORE : queue_qf_parse(text, (size_t)n,
	    &lim, &q->qf, &err);
	if (rc != QF_OK) {
		log_msg(LOG_ERR, q->id, "SYSERR(root): qf%s: cannot be read: "
		    "%s", q->id, n == st.st_size ? err.msg : "short read");
		free(text);
		/* as sendmail's readqf(): a qf that does not end in its "."
		 * line is left for a later run; one with a bad record or
		 * data after the "." is set aside as Qf (loseqfile()) */
		if (rc == QF_BAD)
			qrun_lose(q, "bogus queue file");
		(void)close(q->qffd);
		return -1;
	}
	free(text);
	q->dffd = open_in(q->dirs, q->path, 'd', q->id, O_RDONLY);
	if (q->dffd == -1) {
		log_msg(LOG_ERR, q->id, "SYSERR(root): df%s: %s", q->id,
		    strerror(errno));
		queue_qf_free(&q->qf);
		(void)close(q->qffd);
		return -1;
	}
	q->sender = bare_sender(q->qf.sender ? q->qf.sender : "");
	return 0;
}

/* The state of qf recipient i: deferred if any target of it is. */
static enum qt_state
top_state(const struct qrun_msg *q, size_t i, const char **why)
{
	enum qt_state st = QT_SENT;
	size_t k;

	for (k = 0; k < q->ntargets; k++) {
		const struct qrun_target *t = &q->targets[k];

		if (t->top != i)
			continue;
		if (t->state == QT_DEFER || t->state == QT_DELIVER) {
			*why = t->text;
			return QT_DEFER;
		}
	}
	return st;
}

/* Whether qf recipient i was expanded (an alias, a .forward). */
static int
expanded(const struct qrun_msg *q, size_t i)
{
	size_t k;

	for (k = 0; k < q->ntargets; k++)
		if (q->targets[k].top == i && q->targets[k].parent >= 0)
			return 1;
	return 0;
}

/*
 * The targets of expanded qf recipient i still to do, as recipients of
 * their own (the A flag of an alias's member, the r and Q records of
 * i, the full C line in ctl until still_to_do says it where it
 * changes), as sendmail writes the qf of a message it has expanded;
 * allocated C lines go to *keep, their hosts to hosts.
 */
static void
leaves_to_do(struct qrun_msg *q, size_t i, struct qf *nq,
    const char **hosts, struct strarr *keep)
{
	struct qf_rcpt *r;
	char *ctl;
	size_t k;

	for (k = 0; k < q->ntargets; k++) {
		const struct qrun_target *t = &q->targets[k];

		if (t->top != i || t->parent < 0 || (t->state != QT_DEFER &&
		    t->state != QT_DELIVER))
			continue;
		hosts[nq->nrcpts] = t->host;
		r = &nq->rcpts[nq->nrcpts++];
		*r = q->qf.rcpts[i];
		r->addr = t->paddr;
		r->flags = qrun_leaf_flags(q, k);
		ctl = qrun_ctl_line(q, k);
		strarr_push(keep, ctl != NULL ? ctl : "");
		free(ctl);
		r->ctl = keep->v[keep->n - 1];
	}
}

/* The host qf recipient i was resolved to ("" for none). */
static const char *
top_host(const struct qrun_msg *q, size_t i)
{
	size_t k;

	for (k = 0; k < q->ntargets; k++)
		if (q->targets[k].top == i && q->targets[k].parent < 0)
			return q->targets[k].host;
	return NULL;
}

/*
 * The qf with the recipients still to do (rcpts to free, C lines in
 * *keep): sorted by host, keeping their order within one, as sendmail
 * keeps its list of recipients, and a C line where it changes.
 */
static void
still_to_do(struct qrun_msg *q, struct qf *nq, struct strarr *keep)
{
	const char *why = NULL, *ctl = "", *written = "", **hosts, *h;
	struct qf_rcpt tmp;
	size_t i, at, n;

	*nq = q->qf;
	/* each one a qf recipient or a target */
	n = q->qf.nrcpts + q->ntargets + 1;
	nq->rcpts = xcalloc(n, sizeof(*nq->rcpts));
	hosts = xcalloc(n, sizeof(*hosts));
	nq->nrcpts = 0;
	for (i = 0; i < q->qf.nrcpts; i++) {
		if (q->qf.rcpts[i].ctl != NULL)
			ctl = q->qf.rcpts[i].ctl;
		if (expanded(q, i))
			leaves_to_do(q, i, nq, hosts, keep);
		else if (top_state(q, i, &why) == QT_DEFER) {
			hosts[nq->nrcpts] = top_host(q, i);
			nq->rcpts[nq->nrcpts] = q->qf.rcpts[i];
			nq->rcpts[nq->nrcpts++].ctl = (char *)ctl;
		}
	}
	for (i = 1; i < nq->nrcpts; i++) {
		tmp = nq->rcpts[i];
		h = hosts[i];
		for (at = i; at > 0 && str_casecmp(hosts[at - 1] ?
		    hosts[at - 1] : "", h ? h : "") > 0; at--) {
			nq->rcpts[at] = nq->rcpts[at - 1];
			hosts[at] = hosts[at - 1];
		}
		nq->rcpts[at] = tmp;
		hosts[at] = h;
	}
	for (i = 0; i < nq->nrcpts; i++) {
		ctl = nq->rcpts[i].ctl;
		nq->rcpts[i].ctl = strcmp(ctl, written) != 0 ? (char *)ctl :
		    NULL;
		written = ctl;
	}
	free(hosts);
}

/* The words of the first recipient that failed or was deferred, as
 * sendmail keeps the first for the qf's M line. */
static const char *
first_failure(const struct qrun_msg *q)
{
	size_t k;

	for (k = 0; k < q->ntargets; k++)
		if ((q->targets[k].state == QT_FAILED ||
		    q->targets[k].state == QT_DEFER) &&
		    q->targets[k].text != NULL)
			return q->targets[k].text;
	return NULL;
}

/*
 * CheckpointInterval: the qf rewritten with what is still to do while
 * the delivery goes on, so that a crash repeats only what was sent
 * since; the lock moves to the new qf.
 */
void
qrun_checkpoint(struct qrun_msg *q)
{
	struct qf nq;
	struct err err;
	struct strarr keep = { 0 };
	int fd = -1;

	still_to_do(q, &nq, &keep);
	if (q->qf.message == NULL)
		nq.message = (char *)first_failure(q);
	nq.flags &= ~QF_F_SPLIT;	/* sendmail's says it at the end */
	if (nq.nrcpts > 0) {
		if (queue_qf_rewrite(q->dirs, q->path, q->id, &nq, &fd,
		    &err) == -1)
			log_msg(LOG_ERR, q->id, "SYSERR(root): %s", err.msg);
		else if (fd != -1) {
			(void)close(q->qffd);
			q->qffd = fd;
		}
	}
	free(nq.rcpts);
	strarr_free(&keep);
}

void
qrun_finish(struct qrun_msg *q)
{
	struct qf nq;
	struct err err;
	struct strarr keep = { 0 };
	const char *first = first_failure(q);
	size_t k, failed = 0;
	int fd = -1;

	for (k = 0; k < q->ntargets; k++)
		if (q->targets[k].state == QT_FAILED)
			failed++;
	if (failed > 0)
		qrun_bounce(q);
	if (q->lost)
		return;
	/* the recipients still to do, as a new qf */
	still_to_do(q, &nq, &keep);
	if (nq.nrcpts == 0) {
		if (queue_remove(q->dirs, q->path, q->id, &err) == -1)
			log_msg(LOG_ERR, q->id, "SYSERR(root): %s", err.msg);
		free(nq.rcpts);
		strarr_free(&keep);
		return;
	}
	nq.ntries++;
	nq.dtime = (long long)time(NULL);
	/* the words the qf has stay (sendmail's e_message is set once) */
	if (q->qf.message == NULL)
		nq.message = (char *)(first ? first : "Deferred");
	if (q->opts->submitted)		/* queued without when refusing */
		nq.flags |= QF_F_SPLIT;
	if (queue_qf_rewrite(q->dirs, q->path, q->id, &nq, &fd, &err) == -1)
		log_msg(LOG_ERR, q->id, "SYSERR(root): %s", err.msg);
	if (fd != -1)
		(void)close(fd);
	free(nq.rcpts);
	strarr_free(&keep);
}

void
qrun_lose(struct qrun_msg *q, const char *why)
{
	struct buf from, to;

	buf_init(&from, 0);
	buf_init(&to, 0);
	queue_dirs_path(q->dirs, q->path, 'q', &from);
	queue_dirs_path(q->dirs, q->path, 'q', &to);
	(void)buf_printf(&from, "/qf%s", q->id);
	(void)buf_printf(&to, "/Qf%s", q->id);
	log_msg(LOG_ALERT, q->id, "Losing ./qf%s: %s", q->id, why);
	if (rename(buf_cstr(&from), buf_cstr(&to)) == -1)
		log_msg(LOG_ERR, q->id, "SYSERR(root): rename(%s, %s): %s",
		    buf_cstr(&from), buf_cstr(&to), strerror(errno));
	else
		q->lost = 1;
	buf_free(&from);
	buf_free(&to);
}

void
qrun_close(struct qrun_msg *q)
{
	size_t k;

	for (k = 0; k < q->ntargets; k++) {
		free(q->targets[k].paddr);
		free(q->targets[k].mailer);
		free(q->targets[k].host);
		free(q->targets[k].user);
		free(q->targets[k].text);
		free(q->targets[k].rmta);
		free(q->targets[k].reply);
		free(q->targets[k].owner);
		free(q->targets[k].noshell);
	}
	free(q->targets);
	free(q->ctl_uid);
	free(q->ctl_gid);
	free(q->sender);
	queue_qf_free(&q->qf);
	if (q->dffd != -1)
		(void)close(q->dffd);
	if (q->qffd != -1)
		(void)close(q->qffd);
}
