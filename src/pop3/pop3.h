/*
 * pop3.h -- the POP3 side of mailboxd: a command parser (no I/O) and a
 * session state machine that words replies as dovecot 2.3 does.  The
 * session is fed one line at a time and leaves its replies in a buffer;
 * the caller moves bytes, does TLS, and supplies login (password check,
 * privilege change, mailbox open) as a callback.
 */
#ifndef POP3_POP3_H
#define POP3_POP3_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "mailbox/mailbox.h"

#define POP3_LINE_MAX	8192	/* longest command line we read */

enum pop3_verb {
	POP3_USER,
	POP3_PASS,
	POP3_APOP,
	POP3_AUTH,
	POP3_STLS,
	POP3_CAPA,
	POP3_QUIT,
	POP3_STAT,
	POP3_LIST,
	POP3_RETR,
	POP3_DELE,
	POP3_NOOP,
	POP3_RSET,
	POP3_TOP,
	POP3_UIDL,
	POP3_UNKNOWN
};

enum pop3_num {
	POP3_NUM_NONE,		/* argument absent */
	POP3_NUM_OK,
	POP3_NUM_BAD		/* present but not a number in range */
};

struct pop3_cmd {
	enum pop3_verb	 verb;
	const char	*name;		/* the verb as sent, in the line */
	size_t		 namelen;
	const char	*rest;		/* after the verb and one space */
	size_t		 restlen;
	/* message number / line count arguments */
	enum pop3_num	 n1_kind, n2_kind;
	uint32_t	 n1, n2;
	const char	*arg1, *arg2;	/* raw words, for error replies */
	size_t		 arg1len, arg2len;
};

enum pop3_parse {
	POP3_PARSE_OK,
	POP3_PARSE_EMPTY,	/* blank line */
	POP3_PARSE_BAD		/* NUL in the line, or too long */
};

/* Parses one line (without CRLF); pointers in cmd_out point into line. */
enum pop3_parse pop3_cmd_parse(const char *line, size_t len,
	    struct pop3_cmd *cmd_out);
const char *pop3_verb_name(enum pop3_verb);

enum pop3_state {
	POP3_AUTHORIZATION,
	POP3_TRANSACTION,
	POP3_UPDATE,		/* QUIT given: commit, then close */
	POP3_CLOSED
};

enum pop3_login {
	POP3_LOGIN_OK,
	POP3_LOGIN_FAILED,	/* unknown user or wrong password */
	POP3_LOGIN_INUSE,	/* another POP3 session has the maildrop */
	POP3_LOGIN_TEMPFAIL,	/* a password database is unavailable */
	POP3_LOGIN_MAILBOX	/* authenticated, but INBOX cannot be
				   opened (locks, permissions, format) */
};

enum pop3_ssl {
	POP3_SSL_NO,
	POP3_SSL_YES,
	POP3_SSL_REQUIRED
};

struct pop3_cfg {
	const char	*greeting;		/* login_greeting */
	enum pop3_ssl	 ssl;
	int		 disable_plaintext_auth;
	const char	*mechanisms;		/* "PLAIN LOGIN", upper case */
	const char	*uidl_format;		/* pop3_uidl_format */
	int		 no_flag_updates;	/* pop3_no_flag_updates */
	/* the login callback: checks the password, opens the mailbox */
	enum pop3_login	(*login)(void *ctx, const char *user,
			    const char *pass, const char *method,
			    struct mailbox **mb_out);
	void		 *ctx;
};

struct pop3_session {
	enum pop3_state		 state;
	const struct pop3_cfg	*cfg;
	struct buf		 out;		/* replies not yet sent */
	int			 tls;		/* TLS is on */
	int			 secured;	/* TLS or local == remote */
	int			 want_tls;	/* STLS accepted: handshake */
	int			 bad;		/* invalid commands so far */
	char			*user;		/* from USER */
	int			 sasl;		/* AUTH in progress */
	char			*sasl_user;
	struct mailbox		*mb;
	unsigned char		*deleted;	/* per message */
	unsigned char		*seen;
	size_t			 ndeleted;
	uint64_t		 deleted_size;
	/* for the logout line (dovecot's top=%t/%p, retr=%r/%b) */
	size_t			 ntop, nretr;
	uint64_t		 top_bytes, retr_bytes;
	char			*login_user;	/* for logs */
	const char		*login_method;
};

void	pop3_session_init(struct pop3_session *, const struct pop3_cfg *,
	    int tls, int secured);
void	pop3_session_free(struct pop3_session *);
/* The greeting line into out. */
void	pop3_session_greet(struct pop3_session *);
/* One input line (without CRLF; a partial or too long line as parsed
 * by the caller): replies go to out, state changes happen. */
void	pop3_session_line(struct pop3_session *, const char *line,
	    size_t len);
/* The caller finished the TLS handshake asked for by want_tls. */
void	pop3_session_tls_started(struct pop3_session *);
/* A line was longer than POP3_LINE_MAX. */
void	pop3_session_line_too_long(struct pop3_session *);

#endif
