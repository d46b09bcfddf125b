/*
 * mailboxd.h -- what the files of the mailboxd front end share: the
 * dovecot.conf reader and the settings it yields, the listener, the
 * per-connection session driver, and the log.
 */
#ifndef MAILBOXD_MAILBOXD_H
#define MAILBOXD_MAILBOXD_H

#include <stdio.h>

#include <sys/types.h>

#include "auth/auth.h"
#include "imap/imap.h"
#include "mailbox/mailbox.h"
#include "pop3/pop3.h"
#include "tls/tls.h"

/* One parsed dovecot.conf node: a "key = value" or a section. */
struct conf_node {
	char			*key;		/* or section type */
	char			*value;		/* or section name; may be "" */
	int			 section;
	char			*file;
	int			 line;
	struct conf_node	**kids;
	size_t			 nkids;
};

#define MBD_LISTEN_MAX	8

struct mbd_listener {
	char		*address;
	int		 port;
	int		 ssl;		/* implicit TLS (995, 993) */
	int		 imap;		/* IMAP, else POP3 */
};

#define MBD_SPECIAL_MAX	32

struct mbd_cfg {
	char			*path;
	struct conf_node	*root;
	/* effective values */
	int			 pop3;		/* "pop3" in protocols */
	int			 imap;		/* "imap" in protocols */
	char			 imap_sep;	/* namespace inbox separator */
	struct imap_special	 special[MBD_SPECIAL_MAX];
	size_t			 nspecial;
	struct mbd_listener	 listen[MBD_LISTEN_MAX];
	size_t			 nlisten;
	enum pop3_ssl		 ssl;
	char			*ssl_cert;	/* file names (after '<') */
	char			*ssl_key;
	char			*ssl_min_protocol;
	int			 disable_plaintext_auth;
	char			*mechanisms;	/* upper case */
	char			*mail_location;
	char			*greeting;
	char			*uidl_format;
	int			 pop3_lock_session;
	int			 pop3_no_flag_updates;
	unsigned		 auth_failure_delay_ms;
	struct mbox_lock_cfg	 locks;
	struct auth_cfg		 auth;
	char			*log_path;
	char			*mail_access_groups;
	char			*mail_privileged_group;
};

/* Reads path and its !include files; -1 with a message naming the file
 * and line in err. */
int	mbd_conf_load(struct mbd_cfg *, const char *path, struct err *);
void	mbd_conf_free(struct mbd_cfg *);
/* Settings we read but do not act on, one line, or NULL if none. */
char	*mbd_conf_ignored(const struct mbd_cfg *);
/* `mailboxd -n`: the settings as written, sorted, like doveconf -n. */
void	mbd_conf_print(const struct mbd_cfg *, FILE *);

/* log_path file or syslog (ident "dovecot", facility mail), in
 * dovecot's shape so fail2ban's filter matches. */
void	mbd_log_open(const char *log_path);
void	mbd_log(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Gives src/auth crypt(3), OpenSSL digests and PAM. */
void	mbd_auth_init(void);

/* ---- shared by the POP3 and IMAP connection drivers */

struct conn {
	struct tls_io	 io;		/* the client's socket, plain or TLS */
	char		*rbuf;
	size_t		 rlen, roff;
	int		 timeout_ms;
};

/* bytes from the client: >0, 0 EOF, -1 error, -2 timeout */
ssize_t	mbd_conn_read(struct conn *, char *, size_t);
int	mbd_conn_write(struct conn *, const char *, size_t);
/* The TLS handshake (STARTTLS, STLS or an implicit-TLS port); a
 * failure is logged as "<proto>-login: Disconnected (TLS handshaking
 * failed)". */
int	mbd_conn_tls(struct conn *, void *ssl_ctx, const char *proto,
	    const char *rip, const char *lip);
/* writes out (the session's replies) and empties it */
int	mbd_conn_flush(struct conn *, struct buf *out);
/* A connection's session=<id> of dovecot's log lines (16 base64
 * characters and the NUL). */
#define MBD_SID_SIZE	17
void	mbd_session_id(char out[MBD_SID_SIZE]);
/* "pop3-login: Login: user=<u>, method=..., rip=..., lip=..., mpid=N,
 * secured, session=<id>" */
void	mbd_log_login(const char *proto, const char *user,
	    const char *method, const char *rip, const char *lip, int tls,
	    int secured, const char *sid);
/*
 * A connection that ends before a login: "pop3-login: Disconnected:
 * WHY (auth failed, N attempts in S secs): user=<u>, method=M, ..." or,
 * without attempts, "(no auth attempts in S secs): user=<>, ...".
 */
void	mbd_log_prelogin_end(const char *proto, const char *why,
	    int attempts, time_t started, const char *user,
	    const char *method, const char *rip, const char *lip, int tls,
	    int secured, const char *sid);
/* a peer-chosen user name made safe for a log line */
void	mbd_log_safe(char *out, size_t n, const char *in);
void	mbd_addr_of(int fd, int peer, char *out, size_t n);
void	mbd_delay_ms(unsigned ms);
/* becomes the user (groups, gid, uid) when running as root */
int	mbd_drop_to(const struct auth_user *, struct mbd_cfg *,
	    const char *proto);

enum mbd_login {
	MBD_LOGIN_OK,
	MBD_LOGIN_FAILED,
	MBD_LOGIN_TEMPFAIL,
	MBD_LOGIN_STORAGE	/* authenticated; no uid change or location */
};

/* What both protocols do at login: the password check (waiting
 * auth_failure_delay on failure), becoming the user, and the user's
 * mail_location; on MBD_LOGIN_OK *u and *loc are the caller's to free. */
enum mbd_login mbd_login(struct mbd_cfg *, const char *proto,
	    const char *user, const char *pass, struct auth_user *u,
	    struct mail_location *loc);

/* Serves the listeners until SIGTERM; returns the exit code. */
int	mbd_serve(struct mbd_cfg *, int foreground);
/* One connection, in the child that owns fd. */
void	mbd_session(struct mbd_cfg *, int fd, int implicit_tls, void *ssl_ctx);
void	mbd_imap_session(struct mbd_cfg *, int fd, int implicit_tls,
	    void *ssl_ctx);

#endif
