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

int	smtp_ctx_init(struct cf *, struct smtpd_ctx *, struct queue_dirs *,
	    struct queue_idgen *);
int	mode_bs(struct cf *);
int	mode_bd(struct cf *, char **argv, int foreground);

#endif
