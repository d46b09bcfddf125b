/*
 * qrun_file.c -- a queued message's files during a queue run: the qf
 * opened and locked the way sendmail's Linux builds lock it (flock and
 * fcntl: a locked qf belongs to another process), read and parsed, the
 * df opened; every CheckpointInterval recipients sent the qf rewritten
 * with what is left; at the end the qf rewritten with the recipients
 * still to do (N counted up, K the time of this try, M the last reason)
 * or the message removed once every recipient is done.
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

/* The qf with the recipients still to do (rcpts to free); *last the
 * reason of the last one deferred. */
static void
still_to_do(const struct qrun_msg *q, struct qf *nq, const char **last)
{
	const char *why = NULL, *ctl = "", *written = "";
	size_t i;

	*nq = q->qf;
	nq->rcpts = xcalloc(q->qf.nrcpts + 1, sizeof(*nq->rcpts));
	nq->nrcpts = 0;
	*last = NULL;
	for (i = 0; i < q->qf.nrcpts; i++) {
		if (q->qf.rcpts[i].ctl != NULL)
			ctl = q->qf.rcpts[i].ctl;
		if (top_state(q, i, &why) == QT_DEFER) {
			/* its C line again where the one it had is gone */
			nq->rcpts[nq->nrcpts] = q->qf.rcpts[i];
			nq->rcpts[nq->nrcpts++].ctl = strcmp(ctl, written) != 0 ?
			    (char *)ctl : NULL;
			written = ctl;
			if (why != NULL)
				*last = why;
		}
	}
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
	const char *last;
	int fd = -1;

	still_to_do(q, &nq, &last);
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
}

void
qrun_finish(struct qrun_msg *q)
{
	struct qf nq;
	struct err err;
	const char *last = NULL;
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
	still_to_do(q, &nq, &last);
	if (nq.nrcpts == 0) {
		if (queue_remove(q->dirs, q->path, q->id, &err) == -1)
			log_msg(LOG_ERR, q->id, "SYSERR(root): %s", err.msg);
		free(nq.rcpts);
		return;
	}
	nq.ntries++;
	nq.dtime = (long long)time(NULL);
	/* right after submission the refusal's words stay (sendmail's
	 * e_message is set once) */
	if (!q->opts->submitted || q->qf.message == NULL)
		nq.message = (char *)(last ? last : "Deferred");
	if (q->opts->submitted)		/* queued without when refusing */
		nq.flags |= QF_F_SPLIT;
	if (queue_qf_rewrite(q->dirs, q->path, q->id, &nq, &fd, &err) == -1)
		log_msg(LOG_ERR, q->id, "SYSERR(root): %s", err.msg);
	if (fd != -1)
		(void)close(fd);
	free(nq.rcpts);
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
