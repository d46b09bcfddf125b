/*
 * smtpc.h -- the SMTP client the delivery agents call to hand one
 * message to a remote host: hosts tried in order (each name resolved to
 * its A and AAAA addresses, "[literal]" used as is), greeting, EHLO with
 * HELO fallback, PIPELINING, SIZE, 8BITMIME, DSN parameters, per-
 * recipient results, DATA with dot-stuffing and CRLF, QUIT, and a cache
 * of open connections reused with RSET.  Results carry sendmail's
 * sysexits, DSN codes and the stat= texts of its log lines.  Protocol
 * only: MX lookup, queue files and logging of to= lines are the caller's.
 */
#ifndef DELIVER_SMTPC_H
#define DELIVER_SMTPC_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "tls/tls.h"

/* params.flags */
#define SMTPC_F_ESMTP		0x01	/* EHLO even when the greeting does
					   not say ESMTP (mailer F=a) */
#define SMTPC_F_8BIT_OK		0x02	/* send an 8-bit body to a peer
					   without 8BITMIME (F=8, or
					   EightBitMode=pass) */
#define SMTPC_F_NO_LOOPCHECK	0x04	/* F=k: do not refuse a peer that
					   greets with our own name */
#define SMTPC_F_NO_PIPELINING	0x08	/* never pipeline */

/* params.ret */
#define SMTPC_RET_NONE		0
#define SMTPC_RET_FULL		1
#define SMTPC_RET_HDRS		2

/* Timeouts in seconds as sendmail's Timeout.* options name them; 0 takes
 * sendmail's default (connect: 300 here, the kernel's is longer). */
struct smtpc_timeouts {
	int	connect, initial, helo, mail, rcpt, datainit, datablock,
		datafinal, rset, quit;
};

struct smtpc_result;

struct smtpc_rcpt {
	const char	*addr;		/* RCPT To:<addr>, no brackets */
	unsigned	 notify;	/* SMTP_NOTIFY_* bits; 0: no NOTIFY= */
	const char	*orcpt;		/* "rfc822;a+2Bb@c", already xtext
					   (as the qf keeps it), or NULL */
};

/*
 * STARTTLS as the caller wants it: the client context (ClientCertFile,
 * CACertFile ... or NULL: never) and the cf's policy, asked once per
 * connection after EHLO.  try_tls: 0 use STARTTLS if offered, -1 not.
 * tls_server gets the verify word (OK, NO, FAIL ... once TLS is up with
 * info set; NONE when not tried; TEMP, USAGE, PROTOCOL when STARTTLS was
 * refused; SOFTWARE when the handshake failed): 0 goes on, -1 refuses
 * with a reply ("454 4.7.0 ...") in reply_out.
 */
struct smtpc_tls {
	struct ssl_ctx_st	*ctx;
	int			 fallback_clear;	/* TLSFallbacktoClear */
	int			(*try_tls)(void *arg, const char *host,
				    const char *addr);
	int			(*tls_server)(void *arg, const char *host,
				    const char *addr, const char *verify,
				    const struct tls_info *info,
				    struct buf *reply_out);
	void			*arg;
};

/*
 * SMTP AUTH as the caller wants it.  authinfo gives, for the server
 * (its name as tried and its address), the credentials as the cf's
 * authinfo ruleset words them ("U:user" "P:secret" "M:PLAIN" ...),
 * malloc'd, or NULL for none.  mechs: AuthMechanisms (NULL: sendmail's
 * default).  auth_param: MAIL's AUTH= value (xtext, the qf's A line) or
 * NULL; with only_authed (AuthOptions A) it is sent only after a
 * successful AUTH.
 */
struct smtpc_auth {
	char			*(*authinfo)(void *arg, const char *host,
				    const char *addr);
	void			*arg;
	const char		*mechs;
	const char		*auth_param;
	int			 only_authed;
};

struct smtpc_params {
	const char		 *helo_name;	/* $j */
	const char *const	 *hosts;	/* NULL-terminated, tried in
						   order: "mx.example.",
						   "[192.0.2.1]",
						   "[IPv6:2001:db8::1]",
						   each may end in ":port" */
	int			  port;		/* 0: 25 */
	const char		 *bind_addr;	/* ClientPortOptions Addr=,
						   numeric, or NULL */
	unsigned		  flags;	/* SMTPC_F_* */

	const char		 *sender;	/* "" for <> */
	const struct smtpc_rcpt	 *rcpts;
	size_t			  nrcpts;

	/* MAIL parameters, each sent only if EHLO offered its extension */
	unsigned long long	  msg_size;	/* SIZE=; 0: not sent */
	const char		 *body_type;	/* BODY= to send ("7BIT",
						   "8BITMIME") or NULL */
	int			  body_8bit;	/* 8-bit bytes a peer without
						   8BITMIME may not get */
	const char		 *envid;	/* ENVID=, xtext, or NULL */
	int			  ret;		/* SMTPC_RET_* */

	/*
	 * The message: headers as the caller rendered them, blank line,
	 * body, with LF (or CRLF) line ends.  msg_read, if set, is called
	 * until it returns 0 (end) or -1 (error, errno set); otherwise
	 * msg_fd is read from its current offset.  Read once per call,
	 * only after a recipient was accepted.
	 */
	ssize_t			(*msg_read)(void *arg, char *buf, size_t n);
	void			 *msg_arg;
	int			  msg_fd;
	/* The message converted to 7 bits (mime8to7.h), read instead of
	 * msg_read where body_8bit meets a peer without 8BITMIME; NULL:
	 * such a peer is refused (SMTPC_R_NEED_8TO7). */
	ssize_t			(*msg7_read)(void *arg, char *buf, size_t n);
	void			 *msg7_arg;
	size_t			  line_limit;	/* mailer L=; 0: none (lines
						   over 1 MiB are still cut) */

	struct smtpc_timeouts	  to;
	const struct smtpc_tls	 *tls;		/* NULL: no STARTTLS */
	const struct smtpc_auth	 *auth;		/* NULL: no AUTH */
	const char		 *qid;		/* for log lines, or NULL */
	/* Each line sent (">>> MAIL From:<a>") and received ("<<< 250
	 * ok"), message bytes excepted: -v output and bounce transcripts. */
	void			(*xscript)(void *arg, const char *line);
	void			 *xscript_arg;
	/* After each host tried, its name (as in res->host) and the result
	 * so far: the host status directory's writer.  NULL: none. */
	void			(*host_done)(void *arg,
				    const struct smtpc_result *res);
	void			 *host_done_arg;
};

/* result flags */
#define SMTPC_R_NEED_8TO7	0x01	/* 8-bit body, peer without 8BITMIME,
					   SMTPC_F_8BIT_OK unset, no msg7_read:
					   nothing was sent */
#define SMTPC_R_TOO_BIG		0x02	/* msg_size over the peer's SIZE */
#define SMTPC_R_REUSED		0x04	/* went over a cached connection */
#define SMTPC_R_CONNECTED	0x08	/* some host greeted us */

struct smtpc_rcpt_result {
	int	 status;	/* EX_OK only when the message went to it */
	int	 code;		/* RCPT reply code, 0 if none came */
	char	 dsn[16];	/* "2.0.0", "5.1.1", "4.4.1" ... */
	char	*reply;		/* first line of the deciding reply, or
				   NULL: sendmail's reply= */
	char	*stat;		/* stat= text: "Sent (...)", "User unknown",
				   "Deferred: 450 4.2.1 ..." */
};

struct smtpc_result {
	int	 status;	/* EX_OK: the message was accepted (see
				   rcpts[] for who got it); otherwise what
				   stopped the transaction (EX_TEMPFAIL,
				   EX_UNAVAILABLE, EX_NOUSER, EX_NOHOST,
				   EX_DATAERR, EX_PROTOCOL, EX_CONFIG) */
	char	 dsn[16];
	char	*stat;		/* stat= text for the envelope */
	char	*reply;		/* the deciding remote reply, or NULL */
	char	*msg;		/* a sentence for bounces (never NULL after
				   smtpc_deliver) */
	char	*host;		/* relay= host name as tried, or NULL */
	char	 addr[64];	/* its address, "" if none */
	unsigned long long maxsize;	/* the peer's SIZE, 0: none */
	unsigned flags;		/* SMTPC_R_* */
	int	 err_no;	/* errno of the last failed connect, or 0 */
	unsigned nconnects;	/* connections opened (not reused) */
	struct smtpc_rcpt_result *rcpts;	/* nrcpts of them, in order */
	size_t	 nrcpts;
};

struct smtpc_cache;

/*
 * A cache of open connections (ConnectionCacheSize max, closed after
 * idle_secs of ConnectionCacheTimeout, or after max_msgs messages, 0 =
 * no limit).  Owned by the caller, one per process.
 */
struct smtpc_cache *smtpc_cache_new(size_t max, int idle_secs,
	    unsigned max_msgs);
/* QUITs and closes connections idle too long. */
void	 smtpc_cache_expire(struct smtpc_cache *);
/* QUITs and closes everything; accepts NULL. */
void	 smtpc_cache_free(struct smtpc_cache *);
size_t	 smtpc_cache_count(const struct smtpc_cache *);

/*
 * Delivers one message; cache may be NULL (connect, send, QUIT).
 * Fills res (free it with smtpc_result_free) and returns res->status.
 * SIGPIPE is never raised.
 */
int	 smtpc_deliver(const struct smtpc_params *, struct smtpc_cache *,
	    struct smtpc_result *res);
void	 smtpc_result_free(struct smtpc_result *);

/* ------------------------------------------------------------------
 * Internals shared by the smtpc*.c files and the unit tests.  Parsers
 * here do no I/O.
 */

#define SMTPC_LINE_MAX		4096	/* a reply line longer is an error */
#define SMTPC_REPLY_LINES	100	/* so is a reply of more lines */
#define SMTPC_BODY_LINE_MAX	(1024 * 1024)

/* ---- replies (smtpc_reply.c) ---- */

enum smtpc_feed {
	SMTPC_REPLY_MORE,	/* give the next line */
	SMTPC_REPLY_DONE,	/* complete */
	SMTPC_REPLY_ERROR	/* protocol error; why in reply->why */
};

struct smtpc_reply {
	int		 code;		/* 0 until the first reply line */
	char		 enh[16];	/* of the first line, "" if none */
	struct buf	 first;		/* first line, control bytes made
					   spaces: "550 5.1.1 <a>... No" */
	size_t		 textoff;	/* first.data + textoff: its text
					   after the enhanced code */
	struct buf	 lines;		/* every line's text, '\n' after each */
	size_t		 nlines;	/* lines fed, ignored ones too */
	int		 done;
	const char	*why;		/* on SMTPC_REPLY_ERROR */
};

void	 smtpc_reply_init(struct smtpc_reply *);
void	 smtpc_reply_reset(struct smtpc_reply *);
void	 smtpc_reply_free(struct smtpc_reply *);
/*
 * Feeds one line as read (without LF; a trailing CR is dropped).  Lines
 * that do not start like a reply ("ddd", "ddd ", "ddd-") are skipped as
 * sendmail skips them, but count toward SMTPC_REPLY_LINES; a line that
 * starts like one but is malformed (NUL, code outside 2xx-5xx), a line
 * over SMTPC_LINE_MAX, a continuation with another code, or too many
 * lines is an error.
 */
enum smtpc_feed smtpc_reply_feed(struct smtpc_reply *, const char *line,
	    size_t len);
/* The text of the first line (after code and enhanced code). */
const char *smtpc_reply_text(const struct smtpc_reply *);

#define SMTPC_EXT_SIZE		0x001
#define SMTPC_EXT_8BITMIME	0x002
#define SMTPC_EXT_PIPELINING	0x004
#define SMTPC_EXT_DSN		0x008
#define SMTPC_EXT_ENHSTATUS	0x010
#define SMTPC_EXT_STARTTLS	0x020
#define SMTPC_EXT_AUTH		0x040
#define SMTPC_EXT_SMTPUTF8	0x080
#define SMTPC_EXT_CHUNKING	0x100

struct smtpc_ext {
	unsigned		 flags;		/* SMTPC_EXT_* */
	unsigned		 auth_mechs;	/* smtpc_mech_bits() of the
						   AUTH keyword's list */
	unsigned long long	 maxsize;	/* SIZE n; 0: none given */
};

/* Reads the keywords of an EHLO reply (the lines after the first). */
void	 smtpc_ehlo_parse(const struct smtpc_reply *, struct smtpc_ext *);
/* sendmail's default enhanced code for a reply code without one. */
const char *smtpc_code_dsn(int code);
/* 1 if s may go on the wire as a parameter value: xtext's 33..126 less
 * '=', and not empty. */
int	 smtpc_xtext_ok(const char *s);
/* 1 if an address may go inside <>: no CR, LF, '<', '>', or control. */
int	 smtpc_addr_ok(const char *s);

/* ---- hosts (smtpc_net.c) ---- */

struct smtpc_hostspec {
	char	 name[256];	/* name or address, without [] or :port */
	int	 literal;	/* was [addr]: no DNS */
	int	 port;
};

/* "host", "host:port", "[1.2.3.4]", "[IPv6:::1]:2525"; -1 malformed. */
int	 smtpc_host_parse(const char *spec, int defport,
	    struct smtpc_hostspec *out);

/* ---- message body (smtpc_body.c) ---- */

struct smtpc_body {
	struct buf	 line;		/* the line being collected */
	size_t		 limit;		/* longest line on the wire */
	int		 after_cr;	/* last byte fed was a CR */
};

/* limit: mailer L= (0: none, SMTPC_BODY_LINE_MAX applies). */
void	 smtpc_body_init(struct smtpc_body *, size_t limit);
void	 smtpc_body_free(struct smtpc_body *);
/*
 * Appends to out what goes on the wire for these message bytes: lines
 * end in CRLF whatever ended them (LF, CR, CRLF), each through
 * smtp_dot_stuff_line; a line longer than the limit is cut into pieces
 * ending in '!' as sendmail does.  -1 if out is full.
 */
int	 smtpc_body_feed(struct smtpc_body *, const char *p, size_t n,
	    struct buf *out);
/* The last line (if it had no line end) and ".\r\n". */
int	 smtpc_body_finish(struct smtpc_body *, struct buf *out);

/* ---- the connection (smtpc_net.c, smtpc_conn.c) ---- */

enum smtpc_ioerr {
	SMTPC_IO_OK,
	SMTPC_IO_TIMEOUT,
	SMTPC_IO_EOF,		/* peer closed */
	SMTPC_IO_ERROR,		/* errno in conn->err_no */
	SMTPC_IO_PROTO		/* bad reply: conn->why */
};

struct smtpc_conn {
	int		 fd;
	struct tls_io	 io;		/* fd, plain or through TLS */
	int		 tls;		/* STARTTLS done */
	int		 tls_bits;	/* the cipher's strength */
	int		 authed;	/* AUTH succeeded */
	int		 notls;		/* TLSFallbacktoClear: not again */
	char		*host;		/* as tried, without :port */
	char		*key;		/* cache key */
	char		 addr[64];
	struct buf	 in;		/* bytes read, not yet used */
	size_t		 inoff;
	struct buf	 line;
	struct smtpc_ext ext;
	int		 esmtp;		/* EHLO accepted */
	int		 ok8bit;	/* greeting said 8BIT-OK */
	int		 broken;	/* out of step: never reuse */
	int		 err_no;
	const char	*why;
	const char	*phase;		/* "client greeting", "client MAIL" */
	unsigned	 nmsgs;
	long long	 lastuse;	/* monotonic seconds */
	const struct smtpc_params *p;	/* of the current call */
};

/* Connects to one address with the connect timeout; fills fd, addr. */
int	 smtpc_net_connect(struct smtpc_conn *, const struct sockaddr *,
	    socklen_t, const struct smtpc_params *);
/* Writes all of it (reading what the peer sends meanwhile, so neither
 * side blocks); no progress for secs seconds is a timeout. */
enum smtpc_ioerr smtpc_net_write(struct smtpc_conn *, const char *,
	    size_t, int secs);
/* One line (without LF) into conn->line by the deadline (monotonic ms);
 * a line over SMTPC_LINE_MAX is SMTPC_IO_PROTO. */
enum smtpc_ioerr smtpc_net_getline(struct smtpc_conn *, long long deadline);
long long smtpc_now_ms(void);

/* A connection to addr (fd -1, buffers ready); host and key copied. */
struct smtpc_conn *smtpc_conn_new(const char *host, const char *key);
/* Reads one whole reply into r within secs seconds; any failure marks
 * the connection broken. */
enum smtpc_ioerr smtpc_conn_reply(struct smtpc_conn *, struct smtpc_reply *r,
	    int secs);
/* Appends a command line and CRLF to out, and to the transcript. */
void	 smtpc_conn_queue(struct smtpc_conn *, struct buf *out,
	    const char *line);
/* Writes out (and empties it); a failure marks the connection broken. */
enum smtpc_ioerr smtpc_conn_flush(struct smtpc_conn *, struct buf *out,
	    int secs);
/* Sends one command line. */
enum smtpc_ioerr smtpc_conn_cmd(struct smtpc_conn *, const char *line,
	    int secs);
/* QUIT (if quit and the connection is in step) and close; frees c. */
void	 smtpc_conn_close(struct smtpc_conn *, int quit);

enum smtpc_tmo {
	SMTPC_TO_CONNECT, SMTPC_TO_INITIAL, SMTPC_TO_HELO, SMTPC_TO_MAIL,
	SMTPC_TO_RCPT, SMTPC_TO_DATAINIT, SMTPC_TO_DATABLOCK,
	SMTPC_TO_DATAFINAL, SMTPC_TO_RSET, SMTPC_TO_QUIT
};
/* The timeout in seconds, sendmail's default for 0 or less. */
int	 smtpc_tmo(const struct smtpc_timeouts *, enum smtpc_tmo);

/* ---- STARTTLS (smtpc_tls.c) ---- */

enum smtpc_tls_step {
	SMTPC_TLS_CLEAR,	/* go on without TLS */
	SMTPC_TLS_UP,		/* TLS is on: say EHLO again */
	SMTPC_TLS_TEMP,		/* refused: res says why, connection done */
	SMTPC_TLS_PERM,
	SMTPC_TLS_AGAIN_CLEAR	/* handshake failed, connection dropped:
				   connect again without TLS */
};

/* After EHLO: STARTTLS if offered and wanted, the handshake, tls_server. */
enum smtpc_tls_step smtpc_tls_start(struct smtpc_conn *,
	    const struct smtpc_params *, struct smtpc_reply *,
	    struct smtpc_result *);

/* ---- SMTP AUTH (smtpc_auth.c) ---- */

/* Bits for the mechanism names sendmail knows in a blank or comma
 * separated list; unknown names are left out. */
unsigned smtpc_mech_bits(const char *list, size_t len);

/* An AuthInfo value, parsed: U: authorization id, I: authentication
 * id (each defaults to the other), P: secret ("P=" base64), R: realm,
 * M: mechanisms. */
struct smtpc_authinfo {
	char	*user, *authid, *pass, *realm, *mechs;
	void	*secret;	/* the library's copy of pass */
};
/* -1 when malformed or without an id and a secret (out then empty). */
int	 smtpc_authinfo_parse(const char *value, struct smtpc_authinfo *out);
void	 smtpc_authinfo_free(struct smtpc_authinfo *);

enum smtpc_auth_step {
	SMTPC_AUTH_NONE,	/* go on (authenticated or not) */
	SMTPC_AUTH_TEMP		/* a 4xx or a broken exchange: res says */
};
/* After the last EHLO: AUTH when offered and the caller has
 * credentials for this server. */
enum smtpc_auth_step smtpc_auth_start(struct smtpc_conn *,
	    const struct smtpc_params *, struct smtpc_reply *,
	    struct smtpc_result *);

/* ---- outcomes (smtpc.c) and the transaction (smtpc_xact.c) ---- */

/* sendmail's words for a sysexits value ("User unknown"). */
const char *smtpc_exit_text(int status);
/* Sets status, dsn, reply (may be NULL) and the stat= text. */
void	 smtpc_res_set(struct smtpc_result *, int status, const char *dsn,
	    const char *reply, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	 smtpc_rcpt_set(struct smtpc_rcpt_result *, int status, int code,
	    const char *dsn, const char *reply, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* "Connection reset by host" etc. for a failed read or write. */
void	 smtpc_ioerr_text(struct smtpc_conn *, enum smtpc_ioerr,
	    struct buf *out);
/* The enhanced code of reply r (when the peer offers them) or the
 * default for its code. */
const char *smtpc_dsn_of(const struct smtpc_conn *, const struct smtpc_reply *,
	    const char *dflt);
/* MAIL, RCPTs, DATA over an open connection in step; fills res. */
void	 smtpc_xact(struct smtpc_conn *, const struct smtpc_params *,
	    struct smtpc_result *);

/* cache internals (smtpc_conn.c) */
struct smtpc_conn *smtpc_cache_take(struct smtpc_cache *, const char *key);
void	 smtpc_cache_put(struct smtpc_cache *, struct smtpc_conn *);

#endif
