/*
 * mailboxd_session.c -- one POP3 connection in its own process: bytes
 * in and out (plain or TLS, with pre- and post-login idle timeouts),
 * lines handed to the pop3 session, and the login callback that checks
 * the password, waits auth_failure_delay on failure, takes the user's
 * uid and gid (when running as root) and only then opens the mailbox.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mailboxd.h"
#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define PRELOGIN_TIMEOUT_MS	(3 * 60 * 1000)
#define POSTLOGIN_TIMEOUT_MS	(10 * 60 * 1000)


struct ctx {
	struct mbd_cfg	*cfg;
	char		 rip[64], lip[64];
	int		 attempts;
	char		 last_user[256];
	const char	*last_method;
	time_t		 started;
	char		 sid[MBD_SID_SIZE];
	size_t		 nmsgs;		/* at login: the logout line's */
	uint64_t	 size;		/* del=%d/%m and size=%s */
	int		 lock_fd;
	struct pop3_session *s;
};

ssize_t
mbd_conn_read(struct conn *c, char *p, size_t n)
{
	return tls_io_read(&c->io, p, n, c->timeout_ms);
}

int
mbd_conn_write(struct conn *c, const char *p, size_t n)
{
	/* the socket's SO_SNDTIMEO bounds each write */
	return tls_io_write(&c->io, p, n, c->timeout_ms) == 0 ? 0 : -1;
}

int
mbd_conn_tls(struct conn *c, void *ssl_ctx, const char *proto,
    const char *rip, const char *lip)
{
	struct err err;

	if (tls_io_accept(&c->io, ssl_ctx, 0, PRELOGIN_TIMEOUT_MS, &err) == 0)
		return 0;
	mbd_log(LOG_INFO, "%s-login: Disconnected (TLS handshaking failed): "
	    "rip=%s, lip=%s", proto, rip, lip);
	return -1;
}

/* One line of at most limit bytes (without LF): 1 ok, 0 EOF or timeout,
 * -1 too long (the rest of the line is not read). */
static int
conn_getline(struct conn *c, struct buf *line, size_t limit)
{
	buf_reset(line);
	for (;;) {
		char *nl;
		ssize_t r;

		if (c->roff < c->rlen) {
			size_t avail = c->rlen - c->roff;

			nl = memchr(c->rbuf + c->roff, '\n', avail);
			if (nl != NULL) {
				size_t n = (size_t)(nl - (c->rbuf + c->roff));

				if (line->len + n > limit)
					return -1;
				(void)buf_add(line, c->rbuf + c->roff, n);
				c->roff += n + 1;
				if (line->len > 0 &&
				    line->data[line->len - 1] == '\r')
					buf_truncate(line, line->len - 1);
				return 1;
			}
			if (line->len + avail > limit)
				return -1;
			(void)buf_add(line, c->rbuf + c->roff, avail);
			c->roff = c->rlen = 0;
		}
		c->roff = 0;
		r = mbd_conn_read(c, c->rbuf, 16384);
		if (r <= 0)
			return 0;
		c->rlen = (size_t)r;
	}
}

/* A peer-chosen user name as it may appear in a log line: at most 64
 * bytes of [A-Za-z0-9@._+-], anything else as '?', so that a name like
 * "x>, rip=10.0.0.1" cannot steer fail2ban towards another address. */
void
mbd_log_safe(char *out, size_t n, const char *in)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < n && i < 64; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '@' || c == '.' ||
		    c == '_' || c == '+' || c == '-' ? (char)c : '?';
	}
	out[i] = '\0';
}

void
mbd_addr_of(int fd, int peer, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len);
	if (rc == -1 || getnameinfo((struct sockaddr *)&ss, len, out,
	    (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
		(void)str_copy(out, "?", n);
	if (strncmp(out, "::ffff:", 7) == 0)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

void
mbd_delay_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Becomes the user: groups, gid, uid; irreversible. */
int
mbd_drop_to(const struct auth_user *u, struct mbd_cfg *cfg, const char *proto)
{
	gid_t groups[2], priv = u->gid;
	int ng = 1;

	if (geteuid() != 0) {
		if (u->uid == geteuid())
			return 0;
		mbd_log(LOG_ERR, "%s(%s): can't switch to uid %lu: not "
		    "running as root", proto, u->name, (unsigned long)u->uid);
		return -1;
	}
	groups[0] = u->gid;
	if (cfg->mail_access_groups != NULL &&
	    *cfg->mail_access_groups != '\0') {
		struct group *g = getgrnam(cfg->mail_access_groups);

		if (g != NULL)
			groups[ng++] = g->gr_gid;
	}
	/* mail_privileged_group stays as the saved gid only, taken for
	 * dotlocks and rewrites in a root:mail spool folder */
	if (cfg->mail_privileged_group != NULL) {
		struct group *g = getgrnam(cfg->mail_privileged_group);

		if (g == NULL)
			mbd_log(LOG_ERR, "%s(%s): mail_privileged_group %s: "
			    "no such group", proto, u->name,
			    cfg->mail_privileged_group);
		else {
			priv = g->gr_gid;
			cfg->locks.privileged_gid = (long)priv;
		}
	}
	if (setgroups((size_t)ng, groups) == -1 ||
	    setresgid(u->gid, u->gid, priv) == -1 ||
	    setresuid(u->uid, u->uid, u->uid) == -1) {
		mbd_log(LOG_ERR, "%s(%s): setuid(%lu) failed: %s", proto,
		    u->name, (unsigned long)u->uid, strerror(errno));
		return -1;
	}
	if (u->uid != 0 && setuid(0) == 0) {
		mbd_log(LOG_ERR, "%s(%s): could regain root", proto, u->name);
		return -1;
	}
	return 0;
}

/* pop3_lock_session: one POP3 session per maildrop (flock on a file in
 * the control folder). -1 in use, -2 error, else the fd. */
static int
session_lock(const struct mail_location *loc)
{
	struct buf p;
	int fd;

	buf_init(&p, 0);
	if (loc->format == MAILBOX_MBOX) {
		buf_printf(&p, "%s", loc->index ? loc->index : loc->root);
		(void)mkdir(p.data, 0700);
		buf_adds(&p, "/.imap");
		if (loc->index == NULL)
			(void)mkdir(p.data, 0700);
		buf_adds(&p, "/INBOX");
		(void)mkdir(p.data, 0700);
	} else
		buf_printf(&p, "%s", loc->inbox);
	buf_adds(&p, "/mailboxd-pop3-session.lock");
	fd = open(p.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	buf_free(&p);
	if (fd == -1)
		return -2;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

enum mbd_login
mbd_login(struct mbd_cfg *cfg, const char *proto, const char *user,
    const char *pass, struct auth_user *u, struct mail_location *loc)
{
	struct err err;
	enum auth_result r;

	err_clear(&err);
	r = auth_verify(&cfg->auth, user, pass, u, &err);
	if (r != AUTH_OK) {
		if (err.msg[0])
			mbd_log(r == AUTH_TEMPFAIL ? LOG_ERR : LOG_INFO,
			    "auth: %s", err.msg);
		mbd_delay_ms(cfg->auth_failure_delay_ms);
		return r == AUTH_TEMPFAIL ? MBD_LOGIN_TEMPFAIL :
		    MBD_LOGIN_FAILED;
	}
	if (mbd_drop_to(u, cfg, proto) == -1) {
		auth_user_free(u);
		return MBD_LOGIN_STORAGE;
	}
	if (mail_location_parse(cfg->mail_location, u->name, u->home, loc,
	    &err) == -1) {
		mbd_log(LOG_ERR, "%s(%s): %s", proto, u->name, err.msg);
		auth_user_free(u);
		return MBD_LOGIN_STORAGE;
	}
	return MBD_LOGIN_OK;
}

static enum pop3_login
login(void *arg, const char *user, const char *pass, const char *method,
    struct mailbox **mb_out)
{
	struct ctx *x = arg;
	struct buf ipath;
	struct auth_user u;
	struct mail_location loc;
	struct err err;
	size_t i;

	x->attempts++;
	mbd_log_safe(x->last_user, sizeof(x->last_user), user);
	x->last_method = method;
	switch (mbd_login(x->cfg, "pop3", user, pass, &u, &loc)) {
	case MBD_LOGIN_OK:
		break;
	case MBD_LOGIN_FAILED:
		return POP3_LOGIN_FAILED;
	case MBD_LOGIN_TEMPFAIL:
		return POP3_LOGIN_TEMPFAIL;
	default:
		return POP3_LOGIN_MAILBOX;
	}
	if (x->cfg->pop3_lock_session) {
		x->lock_fd = session_lock(&loc);
		if (x->lock_fd < 0) {
			mail_location_free(&loc);
			auth_user_free(&u);
			return x->lock_fd == -1 ? POP3_LOGIN_INUSE :
			    POP3_LOGIN_MAILBOX;
		}
	}
	buf_init(&ipath, 0);
	(void)mailbox_state_path(&loc, loc.inbox, "INBOX", '/',
	    MAILBOX_INDEX_FILE, &ipath);
	*mb_out = mailbox_open_index(loc.format, loc.inbox, ipath.data,
	    &x->cfg->locks, &err);
	buf_free(&ipath);
	if (*mb_out == NULL) {
		mbd_log(LOG_ERR, "pop3(%s): %s", u.name, err.msg);
		mail_location_free(&loc);
		auth_user_free(&u);
		return POP3_LOGIN_MAILBOX;
	}
	mbd_log_login("pop3", u.name, method, x->rip, x->lip, x->s->tls,
	    x->s->secured, x->sid);
	x->nmsgs = (*mb_out)->n;
	for (i = 0; i < x->nmsgs; i++)
		x->size += (*mb_out)->msgs[i].vsize;
	mail_location_free(&loc);
	auth_user_free(&u);
	return POP3_LOGIN_OK;
}

void
mbd_session_id(char out[MBD_SID_SIZE])
{
	unsigned char r[12];
	struct timespec ts;
	struct buf b;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* no entropy yet: unique is all an id needs */
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, 4);
		memcpy(r + 4, &ts.tv_sec, 4);
		memcpy(r + 8, &(uint32_t){ (uint32_t)getpid() }, 4);
	}
	buf_init(&b, 0);
	(void)base64_encode(r, sizeof(r), &b);
	(void)snprintf(out, MBD_SID_SIZE, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* ", TLS", ", secured" or nothing, as dovecot says of a connection. */
static const char *
security(int tls, int secured)
{
	return tls ? ", TLS" : secured ? ", secured" : "";
}

void
mbd_log_login(const char *proto, const char *user, const char *method,
    const char *rip, const char *lip, int tls, int secured, const char *sid)
{
	mbd_log(LOG_INFO, "%s-login: Login: user=<%s>, method=%s, rip=%s, "
	    "lip=%s, mpid=%ld%s, session=<%s>", proto, user, method, rip, lip,
	    (long)getpid(), security(tls, secured), sid);
}

void
mbd_log_prelogin_end(const char *proto, const char *why, int attempts,
    time_t started, const char *user, const char *method, const char *rip,
    const char *lip, int tls, int secured, const char *sid)
{
	long secs = (long)(time(NULL) - started);

	if (attempts > 0)
		mbd_log(LOG_INFO, "%s-login: Disconnected: %s (auth failed, %d "
		    "attempts in %ld secs): user=<%s>, method=%s, rip=%s, "
		    "lip=%s%s, session=<%s>", proto, why, attempts, secs, user,
		    method, rip, lip, security(tls, secured), sid);
	else
		mbd_log(LOG_INFO, "%s-login: Disconnected: %s (no auth attempts "
		    "in %ld secs): user=<>, rip=%s, lip=%s%s, session=<%s>",
		    proto, why, secs, rip, lip, security(tls, secured), sid);
}

int
mbd_conn_flush(struct conn *c, struct buf *out)
{
	int rc = 0;

	if (out->len > 0)
		rc = mbd_conn_write(c, out->data, out->len);
	buf_reset(out);
	return rc;
}

void
mbd_session(struct mbd_cfg *cfg, int fd, int implicit_tls, void *ssl_ctx)
{
	struct pop3_session s;
	struct pop3_cfg pc;
	struct conn c;
	struct ctx x;
	struct buf line;
	int rc;

	memset(&x, 0, sizeof(x));
	x.cfg = cfg;
	x.lock_fd = -1;
	x.started = time(NULL);
	mbd_session_id(x.sid);
	mbd_addr_of(fd, 1, x.rip, sizeof(x.rip));
	mbd_addr_of(fd, 0, x.lip, sizeof(x.lip));
	{
		/* bounds what poll() does not cover: the TLS handshake and
		 * writes to a client that stopped reading */
		struct timeval tv = { PRELOGIN_TIMEOUT_MS / 1000, 0 };
		struct timeval wv = { POSTLOGIN_TIMEOUT_MS / 1000, 0 };

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wv, sizeof(wv));
	}
	memset(&c, 0, sizeof(c));
	tls_io_init(&c.io, fd, fd);
	c.rbuf = xmalloc(16384);
	c.timeout_ms = PRELOGIN_TIMEOUT_MS;
	memset(&pc, 0, sizeof(pc));
	pc.greeting = cfg->greeting;
	pc.ssl = cfg->ssl;
	pc.disable_plaintext_auth = cfg->disable_plaintext_auth;
	pc.mechanisms = cfg->mechanisms;
	pc.uidl_format = cfg->uidl_format;
	pc.no_flag_updates = cfg->pop3_no_flag_updates;
	pc.login = login;
	pc.ctx = &x;
	if (implicit_tls &&
	    mbd_conn_tls(&c, ssl_ctx, "pop3", x.rip, x.lip) == -1)
		goto out;
	/* dovecot: a connection whose ends have one address is secured */
	pop3_session_init(&s, &pc, implicit_tls, strcmp(x.rip, x.lip) == 0);
	x.s = &s;
	pop3_session_greet(&s);
	buf_init(&line, POP3_LINE_MAX + 1);
	while (s.state != POP3_CLOSED) {
		if (mbd_conn_flush(&c, &s.out) == -1)
			break;
		rc = conn_getline(&c, &line, POP3_LINE_MAX);
		if (rc == 0)
			break;
		if (rc == -1)
			pop3_session_line_too_long(&s);
		else
			pop3_session_line(&s, line.data ? line.data : "",
			    line.len);
		if (s.state == POP3_TRANSACTION)
			c.timeout_ms = POSTLOGIN_TIMEOUT_MS;
		if (s.want_tls) {
			if (mbd_conn_flush(&c, &s.out) == -1)
				break;
			/* nothing pipelined after STLS is executed */
			c.roff = c.rlen = 0;
			if (mbd_conn_tls(&c, ssl_ctx, "pop3", x.rip,
			    x.lip) == -1)
				break;
			pop3_session_tls_started(&s);
		}
	}
	(void)mbd_conn_flush(&c, &s.out);
	if (s.mb == NULL)
		mbd_log_prelogin_end("pop3", s.state == POP3_CLOSED ?
		    "Aborted login by logging out" : "Connection closed",
		    x.attempts, x.started, x.last_user, x.last_method, x.rip,
		    x.lip, s.tls, s.secured, x.sid);
	else
		mbd_log(LOG_INFO, "pop3(%s)<%ld><%s>: Disconnected: %s "
		    "top=%zu/%" PRIu64 ", retr=%zu/%" PRIu64 ", del=%zu/%zu, "
		    "size=%" PRIu64, s.login_user, (long)getpid(), x.sid,
		    s.state == POP3_CLOSED ? "Logged out" : "Connection closed",
		    s.ntop, s.top_bytes, s.nretr, s.retr_bytes, s.ndeleted,
		    x.nmsgs, x.size);
	buf_free(&line);
	pop3_session_free(&s);
out:
	tls_io_end(&c.io);
	if (x.lock_fd >= 0)
		(void)close(x.lock_fd);
	free(c.rbuf);
	(void)close(fd);
}
