/*
 * qrun.h -- queue runs: the messages of the queue folders are taken one
 * at a time (a locked qf is another process's and is skipped), their
 * recipients resolved through the cf and expanded through the aliases,
 * handed to the mailers, and the qf rewritten with what is left, or
 * removed when every recipient is done; failures are returned to the
 * sender in a delivery status notification.
 */
#ifndef QRUN_QRUN_H
#define QRUN_QRUN_H

#include <stdio.h>

#include "cf/cf.h"
#include "queue/queue.h"

/* A recipient refused while a message was submitted. */
struct qrun_refusal {
	char		*addr, *mailer;
	char		 dsn[16];
	char		*text;
	int		 status;	/* sysexits value */
};

struct qrun_opts {
	int			 verbose;	/* -v: "Running ..." lines */
	FILE			*out;		/* where -v writes */
	struct queue_list_opts	*filter;	/* -qI -qR -qS, or NULL */
	/*
	 * The delivery right after a command-line submission, as sendmail
	 * does it in the submitting process (or its child): each to= line
	 * says ctladdr (the sender and the invoker's ids, "root (0/0)"),
	 * F=f/F=r add "-f $g" only when -f was given (no_fflag otherwise),
	 * and the recipients refused while queueing are returned with the
	 * delivery's own failures (DeliveryMode background).
	 */
	int			 submitted;	/* such a delivery */
	int			 after_smtp;	/* the delivery right after an
						 * SMTP receipt: its DeliveryMode
						 * ('b', 'i'), else 0 */
	const char		*ctladdr;	/* NULL: none said */
	int			 no_fflag;
	const struct qrun_refusal *refused;
	size_t			 nrefused;
	int			 errors_printed; /* refusals said and kept in
						  * dead.letter: no receipt */
};

/* One run over every queue folder (sendmail -q, -qf); sysexits status. */
int	qrun_queue(struct cf *, const struct qrun_opts *);
/*
 * Delivers one message (id in path i of dirs).  0 when it was tried
 * (whatever the outcome), 1 when another process holds it, -1 on a
 * qf that cannot be read.
 */
int	qrun_message(struct cf *, const struct queue_dirs *, size_t path,
	    const char *id, const struct qrun_opts *);

/*
 * Expansion at submission (qrun_submit.c), as sendmail 8.17 does it for
 * a message from the command line: each recipient expanded as a queue
 * run would expand it (aliases, .forward, :include:, duplicates, the
 * sender left out of its lists without MeToo, unknown users refused and
 * said on `said`), nothing delivered; what is left to deliver is then
 * queued in its place with its controlling user (C line), the A flag
 * of an alias's member and the original's DSN records.
 */
struct qrun_sub;

struct qrun_leaf {
	const char	*addr;		/* the R line's address */
	const char	*mailer, *host, *user;
	unsigned	 flags;		/* QF_R_* */
	const char	*ctl;		/* C line text ("joe:1001:100:list"),
					 * or NULL for a recipient as given */
	const char	*final, *orcpt;	/* the original's r and Q */
	const char	*owner;		/* the owner- of its list (queued in
					 * an envelope sent by it), or NULL */
};

struct qrun_sub *qrun_sub_new(struct cf *, const char *id,
	    const char *sender, FILE *said);
/*
 * addr (as given, with its R flags, r and Q records) expanded.  Returns
 * how many recipients it refused (said, and logged as sendmail logs
 * them: "to=..., stat=User unknown").
 */
size_t	qrun_sub_add(struct qrun_sub *, const char *addr, unsigned flags,
	    const char *final, const char *orcpt);
/* A recipient refused before expansion, logged the same way. */
void	qrun_sub_refused(struct qrun_sub *, const char *addr,
	    const char *mailer, const char *dsn, const char *text);
/* The recipients to queue, in the order they were found, to fn; 0. */
int	qrun_sub_leaves(struct qrun_sub *,
	    void (*fn)(void *, const struct qrun_leaf *), void *arg);
/* The address as written of what addr duplicates, or NULL. */
const char *qrun_sub_known(struct qrun_sub *, const char *addr);
/* For the SMTP server: refusals said and logged without their to=
 * lines (sendmail's server writes none). */
void	qrun_sub_smtp(struct qrun_sub *);
/*
 * After qrun_sub_leaves: the refused members of lists with an owner-
 * alias are taken out of the refusals (their errors are the owner's,
 * not the sender's); returns how many.  qrun_sub_return_owned then
 * returns them to their owners at once from message id of folder path
 * (queued by then, without the split flag, which split then adds), in
 * a notice that is delivered in every delivery mode, as sendmail does
 * (notify 0: for the message's other envelopes, the split flag only).
 */
size_t	qrun_sub_owned(struct qrun_sub *);
void	qrun_sub_return_owned(struct qrun_sub *, const struct queue_dirs *,
	    size_t path, const char *id, int split, int notify);
/* -v: each alias expanded, duplicate and refusal said on out. */
void	qrun_sub_verbose(struct qrun_sub *, FILE *out);
/* The recipients it refused, in the order they were refused. */
const struct qrun_refusal *qrun_sub_refusals(struct qrun_sub *,
	    size_t *n_out);
void	qrun_sub_free(struct qrun_sub *);

/* A boolean option's value ("", T, Y: true); def when v is NULL. */
int	qrun_opt_true(const char *v, int def);

#endif
