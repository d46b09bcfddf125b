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

struct qrun_opts {
	int			 verbose;	/* -v: "Running ..." lines */
	FILE			*out;		/* where -v writes */
	struct queue_list_opts	*filter;	/* -qI -qR -qS, or NULL */
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

/* A boolean option's value ("", T, Y: true); def when v is NULL. */
int	qrun_opt_true(const char *v, int def);

#endif
