/*
 * qrun_int.h -- the inside of a queue run, shared by the files of
 * src/qrun: one message being delivered and its expanded recipients.
 */
#ifndef QRUN_QRUN_INT_H
#define QRUN_QRUN_INT_H

#include <stdio.h>
#include <string.h>

#include "qrun.h"
#include "deliver/deliver.h"

enum qt_state {
	QT_DELIVER,	/* to be handed to its mailer */
	QT_EXPANDED,	/* an alias: its members are the targets */
	QT_SENT,
	QT_DEFER,	/* temporary failure: stays queued */
	QT_FAILED	/* permanent failure: returned to the sender */
};

struct qrun_target {
	char		*paddr;		/* as written */
	char		*mailer, *host, *user;
	int		 parent;	/* the alias it came from, -1 none */
	size_t		 top;		/* the qf recipient it came from */
	enum qt_state	 state;
	int		 grouped;
	int		 status;	/* sysexits value */
	char		 dsn[16];
	char		*text;
	FILE		*verbose_out;	/* -v: outcomes said here */
};

struct qrun_msg {
	struct cf		*cf;
	const struct queue_dirs	*dirs;
	size_t			 path;
	const struct qrun_opts	*opts;
	char			 id[QUEUE_ID_MAX];
	int			 qffd, dffd;
	struct qf		 qf;
	char			*sender;	/* bare, "" for <> */
	struct qrun_target	*targets;
	size_t			 ntargets, cap;
	char			 lasterr[512];	/* the cf's last error */
};

/* Two strings equal, NULL taken as "". */
static inline int
qrun_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* qrun_expand.c: addr (from qf recipient top) into q's targets */
void	qrun_expand(struct qrun_msg *, const char *addr, int parent,
	    size_t top, int depth);
/* A target that did not go: deferred (75) or failed for good. */
void	qrun_fail(struct qrun_target *, int status, const char *dsn,
	    const char *text);

/* qrun_file.c */
/* 0 opened and locked, 1 locked by someone else, -1 unusable */
int	qrun_open(struct qrun_msg *);
/* The qf rewritten with what is left, or the message removed. */
void	qrun_finish(struct qrun_msg *);
void	qrun_close(struct qrun_msg *);

/* qrun_dsn.c: a delivery status notification for the failed targets,
 * or (warning) for the delayed ones */
void	qrun_bounce(struct qrun_msg *);
void	qrun_notify(struct qrun_msg *, int warning);

/* The message's size as sendmail counts it in a queue run: the df's
 * bytes and the header lines of the qf (qrun_size.c). */
unsigned long long qrun_msgsize(const struct qrun_msg *);

#endif
