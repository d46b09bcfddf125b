/*
 * mailboxd_imap.c -- one IMAP connection in its own process: bytes in
 * and out (plain or TLS, STARTTLS), handed to the imap session; pre-
 * and post-login idle timeouts, IDLE's periodic checks and "Still here";
 * and the login callback that checks the password, waits
 * auth_failure_delay on failure, takes the user's uid and gid (when
 * running as root) and only then expands mail_location for the session.
 * Log lines have dovecot's shape so fail2ban's filter matches.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>


#include "mailboxd.h"
#include "lib/xalloc.h"

#define PRELOGIN_TIMEOUT_MS	(3 * 60 * 1000)
#define AUTOLOGOUT_MS		(30 * 60 * 1000)
#define IDLE_CHECK_MS		1000
#define IDLE_NOTIFY_SECS	120
#define READ_CHUNK		65536
#define MAX_APPEND		((unsigned)64 << 20)

struct ictx {
	struct mbd_cfg		*cfg;
	char			 rip[64], lip[64];
	int			 attempts;
	char			 last_user[256];
	const char		*last_method;
	time_t			 started;
	char			 sid[MBD_SID_SIZE];
	/* after the login: dovecot's in=%i out=%o of the logout line */
	uint64_t		 in, out;
	struct imap_session	*s;
};

static enum imap_login
login(void *arg, const char *user, const char *pass, const char *method,
    char **name_out, struct mail_location *loc_out)
{
	struct ictx *x = arg;
	struct auth_user u;

	x->attempts++;
	mbd_log_safe(x->last_user, sizeof(x->last_user), user);
	x->last_method = method;
	switch (mbd_login(x->cfg, "imap", user, pass, &u, loc_out)) {
	case MBD_LOGIN_OK:
		break;
	case MBD_LOGIN_FAILED:
		return IMAP_LOGIN_FAILED;
	case MBD_LOGIN_TEMPFAIL:
		return IMAP_LOGIN_TEMPFAIL;
	default:
		return IMAP_LOGIN_MAILBOX;
	}
	mbd_log_login("imap", u.name, method, x->rip, x->lip, x->s->tls,
	    x->s->secured, x->sid);
	*name_out = xstrdup(u.name);
	auth_user_free(&u);
	return IMAP_LOGIN_OK;
}

/* The replies out, counted once the user is logged in. */
static int
flush(struct conn *c, struct imap_session *s, struct ictx *x)
{
	if (s->user != NULL)
		x->out += s->out.len;
	return mbd_conn_flush(c, &s->out);
}

static int
tls_start(struct conn *c, void *ssl_ctx, const struct ictx *x)
{
	return mbd_conn_tls(c, ssl_ctx, "imap", x->rip, x->lip);
}

void
mbd_imap_session(struct mbd_cfg *cfg, int fd, int implicit_tls,
    void *ssl_ctx)
{
	struct imap_session s;
	struct imap_cfg ic;
	struct conn c;
	struct ictx x;
	time_t idle_note = 0, last_in = time(NULL);
	int timed_out = 0;

	memset(&x, 0, sizeof(x));
	x.cfg = cfg;
	x.started = time(NULL);
	mbd_session_id(x.sid);
	mbd_addr_of(fd, 1, x.rip, sizeof(x.rip));
	mbd_addr_of(fd, 0, x.lip, sizeof(x.lip));
	{
		/* bounds the TLS handshake and writes to a client that
		 * stopped reading */
		struct timeval tv = { PRELOGIN_TIMEOUT_MS / 1000, 0 };
		struct timeval wv = { AUTOLOGOUT_MS / 1000, 0 };

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wv, sizeof(wv));
	}
	memset(&c, 0, sizeof(c));
	tls_io_init(&c.io, fd, fd);
	c.rbuf = xmalloc(READ_CHUNK);
	c.timeout_ms = PRELOGIN_TIMEOUT_MS;
	memset(&ic, 0, sizeof(ic));
	ic.greeting = cfg->greeting;
	ic.ssl = cfg->ssl == POP3_SSL_NO ? 0 : cfg->ssl == POP3_SSL_YES ? 1 : 2;
	ic.disable_plaintext_auth = cfg->disable_plaintext_auth;
	ic.mechanisms = cfg->mechanisms;
	ic.sep = cfg->imap_sep;
	ic.special = cfg->special;
	ic.nspecial = cfg->nspecial;
	ic.locks = &cfg->locks;
	ic.max_literal = MAX_APPEND;
	ic.log = mbd_log;
	ic.login = login;
	ic.ctx = &x;
	memset(&s, 0, sizeof(s));
	if (implicit_tls && tls_start(&c, ssl_ctx, &x) == -1)
		goto out;
	/* dovecot: a connection whose ends have one address is secured */
	imap_session_init(&s, &ic, implicit_tls, strcmp(x.rip, x.lip) == 0);
	x.s = &s;
	imap_session_greet(&s);
	while (s.state != IMAP_LOGOUT) {
		ssize_t r;
		/* NOTIFY: changes are looked for between commands too */
		int notify = imap_session_notifying(&s) && s.in.len == 0;

		if (flush(&c, &s, &x) == -1)
			break;
		c.timeout_ms = s.idle_tag != NULL || notify ? IDLE_CHECK_MS :
		    s.state == IMAP_NOTAUTH ? PRELOGIN_TIMEOUT_MS :
		    AUTOLOGOUT_MS;
		r = mbd_conn_read(&c, c.rbuf, READ_CHUNK);
		if (r == -2 && s.idle_tag != NULL) {
			/* IDLE never times out; new mail is reported */
			imap_session_tick(&s);
			if (idle_note == 0)
				idle_note = time(NULL);
			if (time(NULL) - idle_note >= IDLE_NOTIFY_SECS) {
				(void)buf_adds(&s.out, "* OK Still here\r\n");
				idle_note = time(NULL);
			}
			continue;
		}
		if (r == -2 && notify &&
		    time(NULL) - last_in < AUTOLOGOUT_MS / 1000) {
			imap_session_tick(&s);
			continue;
		}
		idle_note = 0;
		last_in = time(NULL);
		if (r == -2) {
			(void)buf_adds(&s.out, "* BYE Disconnected for "
			    "inactivity.\r\n");
			timed_out = 1;
			break;
		}
		if (r <= 0)
			break;
		if (s.user != NULL)
			x.in += (uint64_t)r;
		imap_session_input(&s, c.rbuf, (size_t)r);
		if (s.want_tls) {
			if (flush(&c, &s, &x) == -1 ||
			    tls_start(&c, ssl_ctx, &x) == -1)
				break;
			imap_session_tls_started(&s);
		}
	}
	imap_session_close(&s);
	(void)flush(&c, &s, &x);
	if (s.user == NULL)
		mbd_log_prelogin_end("imap", s.state == IMAP_LOGOUT ?
		    "Aborted login by logging out" : timed_out ? "Inactivity" :
		    "Connection closed", x.attempts, x.started, x.last_user,
		    x.last_method, x.rip, x.lip, s.tls, s.secured, x.sid);
	else
		mbd_log(LOG_INFO, "imap(%s)<%ld><%s>: Disconnected: %s in=%"
		    PRIu64 " out=%" PRIu64, s.user, (long)getpid(), x.sid,
		    s.state == IMAP_LOGOUT ? "Logged out" : timed_out ?
		    "Inactivity" : "Connection closed", x.in, x.out);
	imap_session_free(&s);
out:
	tls_io_end(&c.io);
	free(c.rbuf);
	(void)close(fd);
}
