/*
 * imap.h -- the IMAP side of mailboxd: the command parser (RFC 3501
 * tags, atoms, quoted strings, literals {n} and LITERAL+ {n+},
 * parenthesised lists, BODY[...] section atoms) and sequence sets, as
 * typed values made without I/O and under limits the caller sets; and
 * the IMAP4rev1 session, a state machine fed the client's bytes that
 * leaves its replies in a buffer (the caller moves bytes, does TLS and
 * supplies login as a callback).
 */
#ifndef IMAP_IMAP_H
#define IMAP_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "mailbox/mailbox.h"

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* also NIL and BODY[...]<...> */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,
	IMAP_ARG_LIST
};

struct imap_arg {
	enum imap_arg_type	 type;
	char			*str;		/* NUL-terminated copy; a
						   literal may hold NULs */
	size_t			 len;
	int			 literal8;	/* ~{n} (BINARY) */
	struct imap_arg		*list;		/* IMAP_ARG_LIST */
	size_t			 nlist;
};

struct imap_cmd {
	char		*tag;
	char		*name;		/* as sent; compare without case */
	struct imap_arg	*args;
	size_t		 nargs;
};

struct imap_limits {
	size_t	 max_line;	/* bytes outside literals (64k) */
	size_t	 max_literal;	/* one literal's size */
	size_t	 max_depth;	/* list nesting */
	size_t	 max_args;	/* arguments in all lists together */
};

/* imap_max_line_length's default and sane caps for the rest */
void	imap_limits_default(struct imap_limits *, int authenticated);

enum imap_parse {
	IMAP_PARSE_OK,		/* a whole command; *used_out bytes */
	IMAP_PARSE_NEED_MORE,	/* no CRLF yet, or a literal is short */
	IMAP_PARSE_LITERAL,	/* a synchronising literal was announced:
				   send "+ " once for *lit_off_out, then
				   read more */
	IMAP_PARSE_BAD,		/* syntax error; *used_out skips the line */
	IMAP_PARSE_TOO_BIG	/* a limit was passed */
};

/*
 * Parses one command from buf[0..len), which holds everything received
 * for it so far.  On OK, cmd_out is filled (free with imap_cmd_free) and
 * *used_out is the bytes it took.  On NEED_MORE/LITERAL, *lit_off_out is
 * the offset just after the announced literal's CRLF (or 0).  On BAD and
 * TOO_BIG, *used_out is the end of the offending line when it is known
 * (0: not yet), and err says why; cmd_out->tag is set if it was read.
 */
enum imap_parse imap_cmd_parse(const char *buf, size_t len,
	    const struct imap_limits *, struct imap_cmd *cmd_out,
	    size_t *used_out, size_t *lit_off_out, struct err *);
void	imap_cmd_free(struct imap_cmd *);
/* n arguments (and their lists) freed */
void	imap_args_free(struct imap_arg *, size_t n);
/* FETCH's items argument (an atom or a list: sections, BINARY,
 * PREVIEW modifiers) parsed as FETCH parses it; 0, or -1 when FETCH
 * would answer BAD.  No I/O (the fuzz entry's). */
int	imap_fetch_items_check(const struct imap_arg *);

/* ---- NOTIFY's arguments (RFC 5465; imap_notify_parse.c) */
#define IMAP_NOTIFY_NEW		0x01	/* MessageNew */
#define IMAP_NOTIFY_EXPUNGE	0x02	/* MessageExpunge */
#define IMAP_NOTIFY_FLAGS	0x04	/* FlagChange */
#define IMAP_NOTIFY_ANNOTATION	0x08	/* AnnotationChange */
#define IMAP_NOTIFY_NAME	0x10	/* MailboxName */
#define IMAP_NOTIFY_SUBSCRIPTION 0x20	/* SubscriptionChange */
#define IMAP_NOTIFY_MBMETA	0x40	/* MailboxMetadataChange */
#define IMAP_NOTIFY_SRVMETA	0x80	/* ServerMetadataChange */
/* what dovecot 2.3 answers NO [BADEVENT ...] */
#define IMAP_NOTIFY_UNSUPPORTED	(IMAP_NOTIFY_ANNOTATION | \
	    IMAP_NOTIFY_MBMETA | IMAP_NOTIFY_SRVMETA)

enum imap_notify_kind {
	IMAP_NOTIFY_PERSONAL,
	IMAP_NOTIFY_INBOXES,
	IMAP_NOTIFY_SUBSCRIBED,
	IMAP_NOTIFY_SUBTREE,
	IMAP_NOTIFY_MAILBOXES
};

enum imap_notify_sel {
	IMAP_NOTIFY_SEL_NONE,		/* no selected filter given */
	IMAP_NOTIFY_SEL_NOW,		/* SELECTED */
	IMAP_NOTIFY_SEL_DELAYED		/* SELECTED-DELAYED */
};

struct imap_notify_group {
	enum imap_notify_kind	 kind;
	char			**names;	/* SUBTREE, MAILBOXES */
	size_t			 nnames;
	unsigned		 events;
};

struct imap_notify_set {
	int			 none;		/* NOTIFY NONE */
	int			 status;	/* SET STATUS */
	enum imap_notify_sel	 selected;
	unsigned		 sel_events;
	struct imap_arg		*fetch;		/* MessageNew's list, or NULL */
	struct imap_notify_group *groups;
	size_t			 ngroups;
	unsigned		 used;		/* every event named */
	const char		*why_item;	/* the bad fetch-att */
};

/* NOTIFY's arguments into out (free with imap_notify_set_free, also
 * after -1); -1 when dovecot answers BAD, with *why its reason or NULL
 * for "Invalid arguments". */
int	imap_notify_parse(const struct imap_arg *, size_t,
	    struct imap_notify_set *out, const char **why);
void	imap_notify_set_free(struct imap_notify_set *);
/* "MessageNew" for IMAP_NOTIFY_NEW ...; NULL for no one event */
const char *imap_notify_event_name(unsigned bit);

/* A sequence set: ranges in the order given, "*" as 0 (a number is
 * never 0).  Never expanded into numbers. */
struct imap_range {
	uint32_t	 lo, hi;	/* lo <= hi when neither is "*" */
};

struct imap_seqset {
	struct imap_range	*v;
	size_t			 n;
};

/* -1 on 0, numbers above 4294967295, empty items or junk. */
int	imap_seqset_parse(const char *, size_t, struct imap_seqset *out);
int	imap_mutf7_valid(const char *);
void	imap_seqset_free(struct imap_seqset *);
/* n is in the set, with "*" meaning max. */
int	imap_seqset_has(const struct imap_seqset *, uint32_t n, uint32_t max);

/* ---- the session (imap_session.c) */

enum imap_state {
	IMAP_NOTAUTH,
	IMAP_AUTH,
	IMAP_SELECTED,
	IMAP_LOGOUT
};

enum imap_login {
	IMAP_LOGIN_OK,
	IMAP_LOGIN_FAILED,	/* unknown user or wrong password */
	IMAP_LOGIN_TEMPFAIL,	/* a password database is unavailable */
	IMAP_LOGIN_MAILBOX	/* authenticated, but no mail storage */
};

/* namespace inbox { mailbox NAME { special_use = \Sent  auto = ... } } */
struct imap_special {
	const char	*name;
	const char	*use;		/* "\Sent", "\Trash" ... */
	int		 autowhat;	/* 0 no, 1 create, 2 subscribe */
};

struct imap_cfg {
	const char	*greeting;		/* login_greeting */
	int		 ssl;			/* 0 no, 1 yes, 2 required */
	int		 disable_plaintext_auth;
	const char	*mechanisms;		/* "PLAIN LOGIN", upper case */
	char		 sep;			/* 0: by mail_location format */
	const struct imap_special *special;
	size_t		 nspecial;
	const struct mbox_lock_cfg *locks;
	unsigned	 max_literal;		/* APPEND size after login */
	/* checks the password and becomes the user; fills the user's
	 * canonical name and mail location */
	/* where errors are logged (mailboxd's log); NULL: syslog */
	void		(*log)(int prio, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));
	enum imap_login	(*login)(void *ctx, const char *user,
			    const char *pass, const char *method,
			    char **name_out, struct mail_location *loc_out);
	void		 *ctx;
};

/* the client's view of one message of the selected mailbox */
struct imap_known {
	uint32_t	 uid;
	unsigned	 flags;
	uint32_t	 kw;
	int		 recent;
	uint64_t	 modseq;	/* CONDSTORE */
	int		 early;		/* modseq seen before its flags */
};

struct imap_session {
	enum imap_state		 state;
	const struct imap_cfg	*cfg;
	struct buf		 in;		/* received, not yet used */
	struct buf		 out;		/* replies not yet sent */
	struct imap_limits	 lim;
	int			 tls, secured;
	int			 want_tls;	/* STARTTLS accepted */
	int			 bad;		/* bad commands in a row */
	size_t			 lit_acked;	/* literal offset given "+" */
	/* AUTHENTICATE in progress */
	char			*auth_tag;
	char			*auth_mech;
	char			*auth_user;	/* LOGIN's first answer */
	int			 auth_step;
	/* IDLE in progress */
	char			*idle_tag;
	/* NOTIFY in effect (imap_notify.c) */
	struct imap_notify	*notify;
	/* after login */
	char			*user;
	char			*method;
	struct mail_location	 loc;
	int			 have_loc;
	char			 sep;
	/* SELECTED */
	struct mailbox		*mb;
	char			*mbname;
	int			 readonly;
	struct imap_known	*known;
	size_t			 nknown, capknown;
	/* SEARCHRES: the UIDs the last RETURN (SAVE) kept, ascending */
	uint32_t		*saved;
	size_t			 nsaved;
	int			 dirty;		/* flag changes not written */
	/* the last SEARCH, SORT or THREAD could not read a message another
	 * session expunged: its answer gets [EXPUNGEISSUED] (RFC 5530) */
	int			 search_lost;
	size_t			 nkw_told;	/* keywords in the last FLAGS */
	int			 reloaded;	/* storage read since diff */
	/* CONDSTORE: enabled, and the selected mailbox's mod-sequences */
	int			 condstore;
	int			 qresync;
	uint64_t		 highestmodseq;
	uint32_t		*ms_uid;
	uint64_t		*ms_mod;
	unsigned char		*ms_gone;
	size_t			 ms_n;
	struct imap_mslock	*ms_lock;	/* imap_modseq_lock's, or NULL */
	/* SAVEDATE: the selected mailbox's save dates (imap_savedate.c),
	 * while a command runs */
	struct imap_savedate	*savedate;
	/* CONTEXT=SEARCH: searches kept by RETURN (UPDATE), and the
	 * PARTIAL range of the SEARCH being answered */
	struct imap_ctxsearch	*ctxsearch;
	uint32_t		 ret_partial[2];
};

void	imap_session_init(struct imap_session *, const struct imap_cfg *,
	    int tls, int secured);
void	imap_session_free(struct imap_session *);
void	imap_session_greet(struct imap_session *);
/* Bytes from the client: commands are run as they complete. */
void	imap_session_input(struct imap_session *, const char *, size_t);
/* Called now and then (IDLE, NOTIFY): reports new mail. */
void	imap_session_tick(struct imap_session *);
/* NOTIFY is in effect: call imap_session_tick now and then between
 * commands too */
int	imap_session_notifying(const struct imap_session *);
/* The caller finished the TLS handshake asked for by want_tls. */
void	imap_session_tls_started(struct imap_session *);
/* The connection ends: writes pending flag changes. */
void	imap_session_close(struct imap_session *);
/* The capability list for the session's state, into out. */
void	imap_capability(const struct imap_session *, struct buf *out);

#endif
