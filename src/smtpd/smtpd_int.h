/*
 * smtpd_int.h -- the inside of an SMTP session, shared by the files of
 * src/smtpd: the session state, its input and reply buffers, and the
 * command handlers.
 */
#ifndef SMTPD_SMTPD_INT_H
#define SMTPD_SMTPD_INT_H

#include <stdio.h>
#include <time.h>

#include "lib/buf.h"
#include "msg/msg.h"
#include "smtp/smtp.h"
#include "qrun/qrun.h"
#include "smtpd.h"
#include "stats/stats.h"
#include "tls/tls.h"

#define SMTPD_MAXCMD	2047	/* a command this long gets 421 */
#define SMTPD_MAXBAD	25	/* bad commands before we hang up */
#define SMTPD_READ	16384	/* bytes read at a time */

struct session {
	struct smtpd_ctx	*ctx;
	const struct smtpd_peer	*peer;
	struct cf		*cf;

	struct tls_io		 io;		/* the client's bytes, plain or
						   through TLS */
	int			 tls_active;	/* STARTTLS done (or SMTPS) */
	int			 tls_nooffer;	/* srv_features S, SMTPS */
	int			 tls_noverify;	/* srv_features V */
	long			 tls_timeout;	/* Timeout.starttls */
	char			*ibuf;		/* bytes read, not yet used */
	size_t			 ioff, ilen, icap;
	int			 eof;
	struct buf		 out;		/* replies not yet written */
	int			 ioerr;
	long			 cmd_timeout;	/* seconds */
	long long		 line_start;	/* ms, the command line's
						   wait began */
	long			 data_timeout;	/* Timeout.datablock */

	struct buf		 err;		/* the cf's first error reply */
	char			*errtext;	/* ... without codes, for M */

	int			 nullserver;	/* serve no mail: */
	char			*nullreply;	/* check_relay's reply, or NULL
					   (pre-greeting traffic) */
	int			 discard_all;	/* check_relay said DISCARD */
	int			 helo;		/* HELO or EHLO seen */
	int			 esmtp;
	int			 quit;
	int			 nbadcmds;
	int			 nbadrcpts;
	int			 gotmail_ever;	/* MAIL/EXPN/VRFY/ETRN seen */
	int			 end_logged;	/* log_session_end done */
	const char		*laststate;	/* for "lost input channel" */

	int			 has_mail;
	int			 sender_logged;	/* its from= line is written */
	int			 nrcpts_tried;	/* past check_rcpt */
	int			 discard;
	int			 from_mno;	/* sender's mailer (stats) */
	int			 rejects_counted; /* stats: once a session */
	char			 id[QUEUE_ID_MAX];
	int			 have_id;
	struct msg		 msg;
	struct qrun_sub		*sub;		/* -odi: the expansion of
						   its recipients */
	FILE			*said;		/* its refusals, in saidbuf */
	char			*saidbuf;
	size_t			 saidlen, saidoff;
	char			*mail_from;	/* MAIL FROM text for the log */
	int			 sender_refused; /* mail_from is a sender
					   check_mail refused */
	long			 maxsize;	/* MaxMessageSize, 0 none */
	long			 maxrcpts;	/* MaxRecipientsPerMessage */
	long			 badrcpt_throttle;
	long			 delay_la;	/* DelayLA, 0 off */
	long			 loglevel;	/* LogLevel (9) */
	unsigned		 privacy;	/* PRIV_* */
	const char		*relay;		/* "name [addr]" or ident */
	struct smtp_data	*data;
	struct smtpd_auth	*auth;		/* SMTP AUTH, NULL: none */
	struct smtpd_milters	*milters;	/* InputMailFilters, or NULL */
};

/* smtpd_expand.c: under -odi, an accepted RCPT expanded at once; the
 * first member refused ("joe... User unknown", caller frees) or NULL;
 * *shown_out: the address written earlier that it duplicates, or NULL
 * (caller frees). */
char	*smtpd_expand_rcpt(struct session *, const char *text,
	    unsigned flags, const char *final, const char *orcpt,
	    char **shown_out);
/* At DATA's end the expanded recipients replace those given. */
void	smtpd_expand_take(struct session *);
void	smtpd_expand_free(struct session *);

/* smtpd_data.c: the transaction's from= line (msgid may be NULL). */
void	session_log_sender(struct session *, const char *msgid);

/* smtpd_session.c */
void	reply(struct session *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The greeting's 220 lines (SmtpGreetingMessage) into out. */
void	smtpd_greeting(struct cf *, struct buf *out);
/* The same into a buffer (the greeting, the daemon's waiting room). */
void	reply_to(struct buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Says the cf's error (if one came) and clears it; 1 if there was one. */
int	reply_cf_error(struct session *);
void	clear_cf_error(struct session *);
const char *jname(struct session *);
/* Next command line (CR/LF stripped) or NULL at EOF, error, timeout. */
char	*session_getline(struct session *, size_t *len);
/* Reads more input (after what is buffered); -1 at EOF or timeout. */
int	session_fill(struct session *);
int	session_pipelined(struct session *, const char *verb);
int	session_fill_within(struct session *, long timeout);
int	session_flush(struct session *);
void	session_reset_tx(struct session *);
/* The envelope's queue ID ($i), made now if there is none yet. */
const char *session_id(struct session *);

/* smtpd_tls.c */
/* Clears the TLS macros ({verify} NONE) and asks srv_features. */
void	smtpd_tls_session_start(struct session *);
/* 1 when EHLO lists STARTTLS (certificate loaded, not yet in TLS). */
int	smtpd_tls_offer(struct session *);
void	cmd_starttls(struct session *, const char *arg);
/* The handshake on an M=s port before the greeting; -1: hang up. */
int	smtpd_tls_smtps(struct session *);

/* smtpd_auth.c */
/* Clears the {auth_*} macros; the SASL connection when AUTH may be
 * offered. */
void	smtpd_auth_session_start(struct session *);
void	smtpd_auth_session_end(struct session *);
/* After the TLS handshake: mechanisms again, with the cipher's bits. */
void	smtpd_auth_tls(struct session *, int bits);
/* The mechanisms EHLO lists after "AUTH", or NULL for no keyword. */
const char *smtpd_auth_offer(struct session *);
/* 1 once the client authenticated. */
int	smtpd_auth_done(struct session *);
/* $r, RFC 3848's word: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
const char *smtpd_auth_protocol(struct session *, int esmtp);
void	cmd_auth(struct session *, char *arg);
int	smtpd_auth_mail_param(struct session *, const char *value,
	    const char *from);

/* smtpd_authsep.c: the SASL server calls of an exchange, run here or by
 * the root queue writer (doc/privsep.md). */
struct sasl_conn;
struct authwire_req;
struct authwire_rep;
/* *conn (disposed first) made with the connection's properties; -1. */
int	smtpd_sasl_new(struct sasl_conn **, const char *fqdn,
	    const char *realm, const char *remote, unsigned secflags,
	    unsigned ssf_ext, const char *ext_id);
/* A start (a new *conn) or a step; r points into the library's memory
 * until the next call. */
void	smtpd_sasl_run(struct sasl_conn **, const struct authwire_req *,
	    struct authwire_rep *);
/* The writer's call hook: a request decoded strictly and run; -1 for
 * one that does not decode. */
int	smtpd_authsep_serve(const unsigned char *, size_t, struct buf *out);
/* The worker's side: q run by the writer; r points into store. */
void	smtpd_authsep_call(struct session *, const struct authwire_req *q,
	    struct authwire_rep *r, struct buf *store);
/*
 * smtpd_milter.c: the mail filters.  The step hooks return 1 when the
 * filters refused the command (the reply is said), 0 to go on (a
 * discard sets s->discard).  _eom runs before the qf is written and
 * applies the filters' changes to s->msg and the df of tx.
 */
void	smtpd_milter_connect(struct session *);
/* A reject at HELO: the short reply is said, no mail is served. */
int	smtpd_milter_helo(struct session *, const char *helo, int esmtp);
int	smtpd_milter_mail(struct session *, const char *addr,
	    const char *params);
int	smtpd_milter_rcpt(struct session *, const char *addr,
	    const char *params);
int	smtpd_milter_data(struct session *);
int	smtpd_milter_unknown(struct session *, const char *line);
int	smtpd_milter_eom(struct session *, struct queue_tx *);
/* $u for Received's "for" after the filters ran: the recipient given
 * before they changed the envelope; else u. */
const char *smtpd_milter_received_for(struct session *, const char *u);
/* The message is given up (RSET, new MAIL, error): SMFIC_ABORT. */
void	smtpd_milter_abort(struct session *);
/* The session ends: SMFIC_QUIT, filters closed and freed. */
void	smtpd_milter_end(struct session *);

/* smtpd_cmd.c */
/* 1 if the port's M= modifiers (${daemon_flags}) have letter c. */
int	port_flag(struct session *, int c);
void	cmd_helo(struct session *, char *arg, int esmtp);
void	cmd_mail(struct session *, char *arg);
void	cmd_rcpt(struct session *, char *arg);
void	cmd_vrfy(struct session *, char *arg, int expn,
	    const char *line);
void	cmd_help(struct session *, char *arg);
void	cmd_etrn(struct session *, char *arg);

/* smtpd_data.c */
void	cmd_data(struct session *);

/* A policy rejection into the statistics file, the first of a session
 * only, as sendmail counts them (smtpd_stats.c). */
void	smtpd_stats_reject(struct session *, int from_mno);

/*
 * The HelpFile for reading from its start: opened when the worker gave
 * root up (smtpd_privsep.c), else now.  NULL when it cannot be read.
 */
FILE	*smtpd_help_open(const char *path);

#endif
