/*
 * deliver.h -- handing a queued message to a mailer: the message as a
 * mailer is to get it (UNIX From line, the qf's headers chosen by the
 * mailer's flags, the body with the mailer's line ends and escapes), and
 * the program mailers (P=/path: local, prog through smrsh, procmail,
 * mail.local) run with their A= argument vector.  The SMTP mailers go
 * through smtpc.h.
 */
#ifndef DELIVER_DELIVER_H
#define DELIVER_DELIVER_H

#include <stddef.h>
#include <sys/types.h>

#include "cf/cf.h"
#include "deliver/mime8to7.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "queue/queue.h"

/* One queued message, as every mailer needs it. */
struct dlv_msg {
	struct cf	*cf;
	const struct qf	*qf;
	const char	*id;
	int		 dffd;		/* the body (read with pread) */
	int		 no_fflag;	/* F=f/F=r add no "-f $g" (a command
					 * line's delivery without -f) */
};

/* A recipient of one delivery and its outcome. */
struct dlv_rcpt {
	const char	*paddr;		/* as queued */
	const char	*user;		/* $u */
	const char	*host;		/* $h */
	int		 ctl;		/* ctl_uid/gid: a controlling user */
	long		 ctl_uid, ctl_gid;	/* a .forward's, an :include:'s */
	int		 status;	/* sysexits value after the attempt */
	char		 dsn[16];	/* "2.0.0", "5.1.1" ... */
	char		*text;		/* what stat= says */
	char		*rmta;		/* the remote MTA that answered, or NULL */
	char		*reply;		/* its reply ("550 5.1.1 ..."), or NULL:
					   a DSN's Remote-MTA, Diagnostic-Code */
};

/*
 * Writes the message to fd as mailer m is to get it: "From sender date"
 * unless F=n, the headers whose ?flags? the mailer has (Bcc: dropped when
 * the qf says so, $g in Return-Path as sender), a blank line, the body;
 * E= line ends, F=X doubles a leading dot, F=E escapes "From ".
 */
int	dlv_write_message(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, int fd, struct err *);
/* The same into fn(arg, bytes, n) (-1 from fn: error). */
int	dlv_write_message_cb(const struct dlv_msg *,
	    const struct cf_mailer_info *, const char *sender,
	    int (*fn)(void *arg, const char *, size_t), void *arg,
	    struct err *);

/*
 * Runs a program mailer for the recipients (one process for all with
 * F=m, else one each), the message on its standard input; each
 * recipient's status, dsn and text are set from the exit status.
 */
void	dlv_exec(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, struct dlv_rcpt *, size_t n);
/* 1 when path is our own mail.local (deliver_ml.c), which dlv_exec
 * runs in a forked child with dlv_ml_run instead of executing it;
 * dlv_ml_run never returns. */
int	dlv_ml_ours(const char *path);
void	dlv_ml_run(char **argv, char **envp) __attribute__((noreturn));
/* Our mail.local's run in this process with the message from memory,
 * what it says into said: its exit status, or -1 when it must run in
 * a child instead (LMTP) or could not be set up. */
int	dlv_ml_inproc(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, char **argv, char **envp, struct buf *said);

/* STARTTLS for smtpc as the cf sets it up (deliver_tls.c): the client
 * context, TLSFallbacktoClear, the try_tls and tls_server rulesets. */
struct smtpc_tls;
void	dlv_tls_setup(struct cf *, struct smtpc_tls *out);
/* SMTP AUTH for smtpc (deliver_auth.c): the authinfo ruleset,
 * AuthMechanisms, AuthOptions A; auth_param is the qf's A value. */
struct smtpc_auth;
void	dlv_auth_setup(struct cf *, const char *auth_param,
	    struct smtpc_auth *out);

/*
 * Hands the message to an SMTP mailer (P=[IPC]) for recipients of one
 * host: MX lookup, then smtpc.  rflags: the qf's R flags of each (NOTIFY),
 * or NULL.  *relay gets "host [addr]" of the peer, or NULL (free it).
 */
void	dlv_smtp(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, const unsigned *rflags, struct dlv_rcpt *,
	    size_t n, char **relay);

/*
 * Connection caching for a process that delivers many messages: after
 * dlv_smtp_cache_open, dlv_smtp keeps up to ConnectionCacheSize (1 when
 * unset, 0 = none) SMTP connections open for the next message to the
 * same host, for at most ConnectionCacheTimeout (5m) of idleness.
 * Expire closes those idle too long; close QUITs them all.
 */
void	dlv_smtp_cache_open(struct cf *);
void	dlv_smtp_cache_expire(void);
void	dlv_smtp_cache_close(void);
size_t	dlv_smtp_cache_count(void);
/* 1 after dlv_smtp_cache_open (until _close). */
int	dlv_smtp_cache_on(void);

/*
 * Privilege separation (deliver_sep.c, doc/privsep.md): on when the
 * environment has MAILSYS_PRIVSEP=1.  dlv_smtp_sep is dlv_smtp, run by
 * a child that gives root up for DefaultUser when we are root and
 * separation is on.  Its outcome crosses a pipe: dlv_sep_encode, and
 * dlv_sep_decode (no I/O; strings up to DLV_SEP_STRMAX without NULs,
 * a status up to 255, a DSN code of digits and dots, the statistics
 * empty or STATS_SIZE bytes; 0, or -1 with nothing allocated).
 */
#define DLV_SEP_STRMAX	65536
int	dlv_privsep(void);
void	dlv_smtp_sep(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, const unsigned *rflags, struct dlv_rcpt *,
	    size_t n, char **relay);
void	dlv_sep_encode(const struct dlv_rcpt *, size_t n, const char *relay,
	    const unsigned char *stats, size_t slen, struct buf *out);
int	dlv_sep_decode(const void *, size_t, struct dlv_rcpt *, size_t n,
	    char **relay_out, unsigned char *stats, size_t *slen_out);
/*
 * Gives root up for DefaultUser (dlv_default_ids): no supplementary
 * groups, every uid and gid the new one, checked, and a setuid(0) that
 * must fail.  -1 (errno) when any of it did not happen, or DefaultUser
 * is root.
 */
int	dlv_become_default_user(struct cf *);
/*
 * The long-lived SMTP client without root of a separated process that
 * caches connections (deliver_sepclient.c): started at the first
 * delivery, handed each one's message and df; its encoded outcome into
 * res.  -1 when it could not be asked or failed (it is ended).  _close
 * ends it (it QUITs its connections); dlv_smtp_cache_close calls it.
 */
int	dlv_sep_client_deliver(const struct dlv_msg *,
	    const struct cf_mailer_info *, const char *sender,
	    const unsigned *rflags, struct dlv_rcpt *, size_t n,
	    struct buf *res);
void	dlv_sep_client_close(void);
/* The client TLS context made now (while root may read its key). */
void	dlv_tls_preload(struct cf *);

/* The *file* mailer: each recipient's user is the file to append to. */
void	dlv_file(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, struct dlv_rcpt *, size_t n);

/* Appends the message to a dead.letter file at path (deliver_dead.c). */
int	dlv_dead_letter(const struct dlv_msg *, const char *sender,
	    const char *path, struct err *);

/* LMTP with a program mailer (F=z) over its pipes. */
void	dlv_lmtp(const struct dlv_msg *, const struct cf_mailer_info *,
	    const char *sender, int to_mailer, int from_mailer,
	    struct dlv_rcpt *, size_t n);

/* The ids a mailer's child takes (deliver_user.c). */
struct dlv_ids {
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;	/* supplementary; NULL: none */
	int		 ngroups;
};
/*
 * Whom a mailer's child runs as for recipient r (its controlling user),
 * or NULL: 0 when it keeps our ids (we are not root, or F=S), else 1
 * with ids filled (dlv_ids_free them).
 */
int	dlv_run_as(struct cf *, const struct cf_mailer_info *,
	    const struct dlv_rcpt *, struct dlv_ids *);
void	dlv_ids_free(struct dlv_ids *);
/* DefaultUser as ids (user, uid, user:gid, uid:gid), else mailnull's,
 * else 1:1, as sendmail's default. */
void	dlv_default_ids(struct cf *, uid_t *, gid_t *);

/*
 * 8-bit mail for the SMTP client (deliver_8to7.c): sets p's body_type
 * (BODY=), body_8bit and, when the message is to be converted for a
 * peer without 8BITMIME, msg7_read over msg (the message as the mailer
 * renders it, without F=E's escapes), which must outlive the delivery.
 */
struct smtpc_params;
struct dlv_8to7;
struct dlv_8to7_out {			/* one way of sending it, made once */
	struct dlv_8to7		*s;
	unsigned		 flags;	/* MIME87_F_WALK ... */
	struct buf		 data;
	size_t			 off;
	int			 done;
};
struct dlv_8to7 {
	struct mime87_decision	 d;
	struct mime87_opts	 o;
	const struct buf	*src;
	struct dlv_8to7_out	 walk;	/* as it is, multiparts walked */
	struct dlv_8to7_out	 conv;	/* converted to 7 bits */
};
void	dlv_8to7_setup(struct dlv_8to7 *, const struct dlv_msg *,
	    const struct cf_mailer_info *, const struct buf *msg,
	    struct smtpc_params *);
void	dlv_8to7_free(struct dlv_8to7 *);

/* sendmail's words for a mailer's exit status ("User unknown" ...). */
const char *dlv_exit_text(int status);
/* The DSN status class of an exit status ("5.1.1"). */
const char *dlv_exit_dsn(int status);

#endif
