/*
 * modes.h -- the operation modes of the sendmail binary that live
 * outside main.c: receiving (-bs, -bd) and submission from the
 * command line.
 */
#ifndef SENDMAIL_MODES_H
#define SENDMAIL_MODES_H

#include "cf/cf.h"
#include "queue/queue.h"
#include "smtpd/smtpd.h"

/* What the command line says about a message it submits. */
struct submit_opts {
	int		 tflag;		/* -t: recipients from the headers */
	int		 iflag;		/* -i: a lone "." is no end */
	int		 use_cf;	/* -Ac 'c', -Am 'm', else 0 */
	const char	*from;		/* -f / -r */
	const char	*fullname;	/* -F */
	const char	*notify;	/* -N */
	const char	*ret;		/* -R */
	const char	*envid;		/* -V */
	const char	*bodytype;	/* -B */
	const char	*proto;		/* -p proto[:host] */
	int		 metoo_given;	/* -om, -oMeToo...: kept in the qf */
	int		 verbose;	/* -v: say what is done; queue-only
					 * mode delivers interactively */
};

int	drop_to_runasuser(struct cf *);
int	smtp_ctx_init(struct cf *, struct smtpd_ctx *, struct queue_dirs *,
	    struct queue_idgen *);
int	mode_bs(struct cf *);
/* sendmail -q / -qf [-v]: one run over the queue. */
int	mode_queue_run(struct cf *, int verbose, char **qargs, int nqargs);
/* sendmail -q1h / -qp without -bd: a daemon that only runs the queue. */
int	mode_queue_daemon(struct cf *, char **argv, long queue_interval);
/* sendmail [-t] [rcpt ...]: a message on stdin into the queue. */
int	mode_submit(struct cf *, const struct submit_opts *, char **rcpts,
	    int nrcpts);
int	mode_bd(struct cf *, char **argv, int foreground,
	    long queue_interval);

#endif
