/*
 * qrun_int.h -- the inside of a queue run, shared by the files of
 * src/qrun: one message being delivered and its expanded recipients.
 */
#ifndef QRUN_QRUN_INT_H
#define QRUN_QRUN_INT_H

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qrun.h"
#include "deliver/deliver.h"
#include "lib/arr.h"

enum qt_state {
	QT_DELIVER,	/* to be handed to its mailer */
	QT_EXPANDED,	/* an alias: its members are the targets */
	QT_SENT,
	QT_DEFER,	/* temporary failure: stays queued */
	QT_FAILED,	/* permanent failure: returned to the sender */
	QT_SKIPPED	/* the sender in a list it sent to (no MeToo) */
};

struct qrun_target {
	char		*paddr;		/* as written */
	char		*mailer, *host, *user;
	int		 parent;	/* the alias it came from, -1 none */
	size_t		 top;		/* the qf recipient it came from */
	enum qt_state	 state;
	int		 grouped;
	char		*owner;		/* owner-NAME of this alias, or NULL */
	const char	*eowner;	/* the owner its errors go to, or NULL */
	int		 unsafe;	/* a list no program or file may come from */
	int		 primary;	/* named in the qf itself */
	unsigned	 dupflags;	/* R flags of the recipients it
					 * stands for as their duplicate */
	int		 local;		/* its mailer is the local one */
	int		 alias;		/* expanded through the aliases */
	int		 said;		/* its failure told (submission) */
	int		 receipt;	/* delivered, a return receipt asked */
	char		*noshell;	/* its user, whose shell is not in
					 * /etc/shells: no programs or files */
	long		 uid, gid;	/* who it is for (-1: DefaultUser) */
	int		 status;	/* sysexits value */
	char		 dsn[16];
	char		*text;
	char		*rmta, *reply;	/* who refused it and how (DSN) */
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
	int			 parent_response; /* a notice about a notice */
	int			 lost;		/* qf renamed Qf */
	struct strarr		 notices;	/* ids queued by this delivery */
	long			*ctl_uid;	/* per qf recipient: its C
						 * line's uid and gid, -1 none */
	long			*ctl_gid;
	int			 quiet_refusals; /* no to= line for them */
	size_t			 refused_again;	/* duplicates of refused
						 * ones met (SMTP server) */
	const char		*notice_log;	/* the DSN log line's words, when
						 * not the first failure's */
	FILE			*said;		/* submission: failures told here
						 * (and logged), lists taken
						 * last item first as sendmail's
						 * sendtolist() takes them */
};

/* Two strings equal, NULL taken as "". */
static inline int
qrun_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* "HH:MM:SS" or "D+HH:MM:SS" as sendmail's delay= says it. */
void	qrun_fmt_delay(time_t secs, char *out, size_t size);
/* "4 hours", "1 day, 2 hours", "zero seconds": an interval in words, as
 * notices name the timeouts. */
void	qrun_fmt_interval(long secs, struct buf *out);
/* The uid and gid of the DefaultUser option ("8:12", "mailnull"). */
void	qrun_default_user(struct cf *, long *uid, long *gid);

/* A cf time option ("5d", "4h"; a bare number in unit 'd', 'h', 'm' or
 * 's'): seconds; def when unset. */
long	qrun_time_opt(struct cf *, const char *name, long def, int unit);

/* qrun_order.c: the ids of folder path a run takes, in QueueSortOrder. */
void	qrun_jobs(struct cf *, const struct queue_dirs *, size_t path,
	    struct strarr *ids_out);

/* qrun_expand.c: addr (from qf recipient top) into q's targets */
void	qrun_expand(struct qrun_msg *, const char *addr, int parent,
	    size_t top, int depth);
/* sendmail's to= line for an address refused before any delivery (no
 * xdelay; the reply it would have had); ctl "" or "ctladdr=... , ". */
void	qrun_log_refused(struct qrun_msg *, const char *paddr,
	    const char *mailer, const char *ctl, const char *dsn,
	    const char *text);
/* A target that did not go: deferred (75) or failed for good. */
void	qrun_fail(struct qrun_target *, int status, const char *dsn,
	    const char *text);

/* A comma list of addresses expanded under target parent. */
void	qrun_expand_list(struct qrun_msg *, const char *list, int parent,
	    size_t top, int depth);

/* qrun_submit.c: at submission, target i's failure said on q->said
 * and logged ("joe... User unknown"), once. */
void	qrun_say(struct qrun_msg *, size_t i);
/* The C line of expanded target k ("joe:1001:100:list", ":list"), or
 * NULL for one the qf names itself (caller frees). */
char	*qrun_ctl_line(struct qrun_msg *, size_t k);
/* Its R flags: the qf recipient's DSN flags, P if primary, A if an
 * alias's member. */
unsigned qrun_leaf_flags(const struct qrun_msg *, size_t k);

/* qrun_include.c */
/* 0 when uid/gid may search every folder above path, else an errno;
 * *unsafe_dir (if not NULL) set when one of them others may write. */
int	qrun_can_read(long uid, long gid, const char *path, int *unsafe_dir);
/* The lines of a list file (text is cut up) expanded under target i. */
int	qrun_list_lines(struct qrun_msg *, char *text, size_t i, size_t top,
	    int depth);
/* The user's name (owned) when shell is not a login shell, else NULL. */
char	*qrun_bad_shell(struct cf *, const struct passwd *);
/* An :include: target: the file expanded, or the target failed. */
void	qrun_include(struct qrun_msg *, size_t i, size_t top, int depth);

/* qrun_owner.c: each target's eowner (owner-list of the nearest list
 * above it, unless that is the sender); without MeToo the sender left
 * out of the lists it sent to. */
void	qrun_owners(struct qrun_msg *);
/* The owner of alias name (owner-name, or owner-owner for owner-x)
 * as sendmail takes it: its value when one plain address, else the
 * alias name itself; NULL when there is none (caller frees). */
char	*qrun_owner_of(struct cf *, const char *name);

/* qrun_dsn.c: after the deliveries, a return receipt to the sender for
 * the primary recipients delivered with NOTIFY=SUCCESS (each told),
 * and for such a recipient expanded to several (none told, as
 * sendmail 8.17 leaves them out); none for a notice. */
void	qrun_receipts(struct qrun_msg *);

/* qrun_pri.c: the priority of a queue run: the qf's P plus RetryFactor
 * once read (and the df's I record), computed anew once expanded in the
 * delivery right after SMTP (-odb); as received for one from memory. */
void	qrun_pri_read(struct qrun_msg *);
/* 1 when it computed the priority anew (the qf is then rewritten) */
int	qrun_pri_expanded(struct qrun_msg *);

/* qrun_file.c */
/* 0 opened and locked, 1 locked by someone else, -1 unusable */
int	qrun_open(struct qrun_msg *);
/* During delivery: the qf rewritten with what is left (no N, K change). */
void	qrun_checkpoint(struct qrun_msg *);
/* The qf rewritten with what is left, or the message removed. */
void	qrun_finish(struct qrun_msg *);
void	qrun_close(struct qrun_msg *);
/* The qf renamed Qf (a lost message for a human), as sendmail's
 * loseqfile; qrun_finish then leaves it alone. */
void	qrun_lose(struct qrun_msg *, const char *why);

/* qrun_dsn.c: a delivery status notification to `to` about the targets
 * of owner `owner` (NULL: of the sender) that failed, or were delayed
 * (QN_WARNING); queued, its id added to q->notices. */
enum qrun_notice {
	QN_BOUNCE,	/* "Returned mail" to the sender or list owner */
	QN_WARNING,	/* Timeout.queuewarn: still being tried */
	QN_POSTMASTER,	/* "Postmaster notify": a double bounce, a copy */
	QN_RECEIPT	/* "Return receipt" (NOTIFY=SUCCESS) to the sender */
};
void	qrun_notify(struct qrun_msg *, enum qrun_notice, const char *owner,
	    const char *to, int with_body);
/* qrun_return.c: the failures returned, to the sender or owner, else
 * to postmaster, else kept (DeadLetterDrop, or a lost Qf). */
void	qrun_bounce(struct qrun_msg *);

/* The message's size as sendmail counts it in a queue run: the df's
 * bytes and the header lines of the qf (qrun_size.c). */
unsigned long long qrun_msgsize(const struct qrun_msg *);

#endif
