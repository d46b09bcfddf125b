/*
 * msg.h -- the message being received (by SMTP or from the command
 * line) on its way into the queue: envelope sender and recipients with
 * their DSN data, the header list as sendmail builds it (the cf's H
 * lines as defaults, the message's own headers replacing them, the
 * Received line and friends expanded at receipt), and the qf record it
 * becomes.
 */
#ifndef MSG_MSG_H
#define MSG_MSG_H

#include <stddef.h>
#include <time.h>

#include "cf/cf.h"
#include "lib/arr.h"
#include "lib/buf.h"
#include "queue/queue.h"

struct msg_hdr {
	char		*name;
	char		*value;		/* after the colon, folding kept */
	char		*cond;		/* ?flags? of a cf default, else "" */
	unsigned long	 flags;		/* MSG_H_* */
	int		 deflt;		/* from the cf, not the message */
	int		 deleted;
};

#define MSG_H_RCPT	0x01	/* To, Cc, Bcc, Apparently-To */
#define MSG_H_BCC	0x02
#define MSG_H_RESENT	0x04
#define MSG_H_FORCE	0x08	/* trace headers: never replaced */
#define MSG_H_BINDLATE	0x10	/* expanded at delivery (Return-Path) */

struct msg_rcpt {
	char		*addr;		/* as given (R line) */
	char		*mailer;	/* where rulesets 3 and 0 sent it */
	char		*host;		/* may be NULL */
	char		*user;
	unsigned	 flags;		/* QF_R_* */
	char		*orcpt;		/* ORCPT= decoded, or NULL */
	char		*final;		/* "RFC822; user@host" */
	char		*owner;		/* the owner- of the list it came from:
					 * queued in an envelope of its own
					 * sent by that owner, or NULL */
	char		*ctl;		/* controlling user ("joe:1001:100:list"),
					 * NULL as given; the qf's C lines
					 * say it where it changes */
};

struct msg {
	char		 id[QUEUE_ID_MAX];
	time_t		 ctime;
	char		*sender;	/* S line, as given */
	struct ptrarr	 rcpts;		/* struct msg_rcpt * */
	struct ptrarr	 hdrs;		/* struct msg_hdr * */
	struct strarr	 macros;	/* "name\0value" pairs, see msg_macro */
	unsigned	 eflags;	/* QF_F_* */
	char		*bodytype;	/* BODY= */
	char		*envid;		/* ENVID= */
	char		*auth;		/* AUTH= */
	char		*message;	/* M: the last error said */
	char		*quarantine;	/* q: why a filter held it, or NULL */
	size_t		 size;		/* bytes of the message, LF endings */
	size_t		 hdrbytes;	/* of the message's own headers */
	long		 class;		/* from Precedence: */
	int		 resent;	/* the message has Resent- headers */
	int		 has_rcpt_hdr;	/* To, Cc or Apparently-To */
	size_t		 nrefused;	/* recipients refused while expanded
					 * at submission: counted in nrcpts
					 * and the priority, as sendmail */
};

void	msg_init(struct msg *);
void	msg_free(struct msg *);
/* Empties the envelope for the next transaction (RSET, new MAIL). */
void	msg_reset(struct msg *);

void	msg_set_sender(struct msg *, const char *);
/*
 * addr as given; final: the bare address qualified with $j; mailer,
 * host, user: its resolution.  Recipients are kept in host order (ties
 * in arrival order) as sendmail's queue is, and one that resolves like
 * an earlier one is a duplicate: NULL, nothing added.
 */
struct msg_rcpt *msg_add_rcpt(struct msg *, const char *addr,
	    const char *final, const char *mailer, const char *host,
	    const char *user);
/*
 * A recipient's R-line flags (QF_R_*) for a NOTIFY= value: primary,
 * and failure and delay when v is NULL or malformed (the default).
 */
unsigned msg_notify_flags(const char *v);
/* A macro the qf keeps ($r, $s, $_, ${daemon_flags} ...). */
void	msg_macro(struct msg *, const char *name, const char *value);

/* The cf's H lines as the first headers (call after msg_reset). */
void	msg_hdrs_defaults(struct msg *, struct cf *);
/* A header of the message (value after the colon, as received). */
void	msg_hdr_add(struct msg *, const char *name, size_t namelen,
	    const char *value, size_t valuelen);
/*
 * At the end of the headers: defaults the message did not replace are
 * expanded with the cf's macros now (Return-Path waits for delivery),
 * empty ones dropped; the Bcc rule and Precedence class are decided.
 */
void	msg_hdrs_finish(struct msg *, struct cf *);
/*
 * Edits a filter asks for (msg_edit.c).  Header values are stored as
 * received: after the colon, leading blank and "\n\t" folding kept.
 * Inserts header at position idx among the headers present but
 * Return-Path (past the end: appended).
 */
void	msg_hdr_insert(struct msg *, size_t idx, const char *name,
	    const char *value);
/*
 * The idx-th (from 1) header called name gets value, or is deleted
 * when value is NULL; 0 when there is no such header.  The old value
 * goes to *old_out (caller frees) when old_out is not NULL.
 */
int	msg_hdr_change(struct msg *, const char *name, size_t idx,
	    const char *value, char **old_out);
/* Removes the recipient given as addr ("<a@b>" or "a@b"); 0: none. */
int	msg_del_rcpt(struct msg *, const char *addr);

/* The first value of a header, or NULL. */
const char *msg_hdr_value(const struct msg *, const char *name);

/* sendmail's priority: size - class * ClassFactor + nrcpts * RecipientFactor */
long	msg_priority(const struct msg *, struct cf *);
/* nrcpts as the from= line counts them: queued and refused. */
size_t	msg_nrcpts(const struct msg *);
/*
 * "to=..., stat=queued" for each recipient, as sendmail logs a message
 * it only queues (-odq; deferred: -odd, where a recipient of an SMTP
 * mailer gets dsn=4.4.3 too).
 */
void	msg_log_queued(const struct msg *, struct cf *, int deferred);
/* The same for the recipients of one envelope queued as id: those of
 * owner (NULL: those of none). */
void	msg_log_queued_env(const struct msg *, struct cf *, int deferred,
	    const char *id, const char *owner);
/* The qf record (strings copied; queue_qf_free it). */
void	msg_to_qf(const struct msg *, struct cf *, struct qf *);

/* Queue groups (msg_qgroup.c). */
/* The queue folders of a cf: QueueDirectory and its Q lines' groups. */
int	msg_qdirs_open(struct cf *, struct queue_dirs *out, struct err *);
/* The envelopes a message becomes: env[i] has the recipients
 * order[first .. first+n-1] (indices into m->rcpts) and goes to group;
 * env[0] keeps the message's id. */
struct msg_env {
	size_t	 group;
	size_t	 first, n;
	const char *owner;	/* its sender when not the message's: the
				 * owner- of a list (sendmail's clone) */
};
struct msg_split {
	size_t		*order;
	struct msg_env	*env;
	size_t		 nenv;		/* at least 1 */
};
void	msg_split(const struct msg *, struct cf *, const struct queue_dirs *,
	    struct msg_split *out);
void	msg_split_free(struct msg_split *);
/* Where one envelope was queued. */
struct msg_queued {
	size_t	 path;
	char	 id[QUEUE_ID_MAX];
	const char *owner;	/* the envelope's owner (msg_env), or NULL */
};
/*
 * Commits m (its body in tx, begun in path txpath) as one qf per
 * envelope of msg_split, new ids from g; the first keeps m->id, the
 * tx's df moved into its group when txpath is not one of its folders.
 * 0 with (*out, *nout) where each went (caller frees); -1 (err) with
 * nothing of the message left but the tx, for queue_tx_abort.
 */
int	msg_commit(struct msg *, struct cf *, struct queue_tx *,
	    size_t txpath, const struct queue_dirs *, struct queue_idgen *,
	    struct msg_queued **out, size_t *nout, struct err *);

/*
 * Collecting a message: feed every line (without its terminator; the
 * smtp_data callback signature), then msg_collect_end adds the headers
 * to the envelope and says whether the message may be queued.
 */
struct msg_collect;
enum msg_collect_status {
	MSG_COLLECT_OK,
	MSG_COLLECT_TOOBIG,	/* over MaxMessageSize */
	MSG_COLLECT_HDRERR,	/* *why: "552 5.6.0 Headers too large ..." */
	MSG_COLLECT_IOERR	/* *why: the df could not be written */
};
struct msg_collect *msg_collect_new(struct msg *, struct queue_tx *,
	    size_t maxhdr, size_t maxsize);
int	msg_collect_line(void *collect, const char *line, size_t len,
	    int flags);
enum msg_collect_status msg_collect_end(struct msg_collect *,
	    const char **why);
size_t	msg_collect_size(const struct msg_collect *);
void	msg_collect_free(struct msg_collect *);

/* RFC 5322 date as sendmail writes it ("Tue, 24 Nov 2026 08:04:56 GMT"). */
void	msg_arpadate(time_t, struct buf *);
/* $t: YYYYMMDDHHMM in UTC. */
void	msg_tdate(time_t, char out[32]);

#endif
