/*
 * queue_int.h -- inside src/queue: the queue writer's calls that
 * queue_write.c makes for a remote queue (queue_remote.c).
 */
#ifndef QUEUE_QUEUE_INT_H
#define QUEUE_QUEUE_INT_H

#include "queue.h"

/* What the writer answered. */
struct qr_result {
	int		 rc;		/* 0, 1 (df<id> exists), -1 */
	int		 err_no;	/* errno of the call that failed */
	char		 fail_kind;	/* as queue_tx_failure, 0 none */
	const char	*fail_what;	/* "cannot fsync" ... (static) */
};

/*
 * One request to the writer of d and its answer; res->rc is returned.
 * With fd_out the descriptor the writer sends back (or -1).  A broken
 * connection is -1 with ERR_TEMPFAIL and no fail_kind.
 */
int	qr_call(const struct queue_dirs *d, unsigned op, size_t path,
	    const char *id, size_t path2, const char *id2, const void *data,
	    size_t len, int *fd_out, struct qr_result *res, struct err *err);

/*
 * queue_tx_commit and queue_tx_commit_as with the qf as text (the
 * writer commits the text it checked); quarantined: an hf, not a qf.
 */
int	queue_tx_commit_text(struct queue_tx *, const char *, size_t,
	    int quarantined, struct err *);
int	queue_tx_commit_as_text(struct queue_tx *, const struct queue_dirs *,
	    size_t i, const char *id, const char *, size_t, int quarantined,
	    struct err *);

#endif
