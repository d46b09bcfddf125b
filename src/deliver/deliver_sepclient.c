/*
 * deliver_sepclient.c -- one long-lived SMTP client without root for a
 * process that caches connections (a daemon's delivery agent) under
 * privilege separation (doc/privsep.md).  Forking a child for every
 * SMTP delivery (deliver_sep.c) cost more than the delivery and lost
 * the connection cache; instead the agent forks this client once, at
 * its first SMTP delivery: it gives root up for DefaultUser and keeps
 * the agent's connection cache, and for each delivery the agent sends
 * it, over a socket pair, the message (the qf as text, parsed with the
 * strict qf parser; the id, mailer, sender, recipients and their
 * NOTIFY flags) with the df's descriptor attached.  The outcome comes
 * back in deliver_sep.c's format and is decoded strictly by the agent,
 * as a child's.  A client that dies or answers anything else is ended
 * and its recipients deferred; the next delivery starts a new one.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/wire.h"
#include "lib/xalloc.h"
#include "stats/stats.h"

#define REQ_MAX		(64 * 1024 * 1024)	/* qf text and envelope */
#define IDLE_MS		1000	/* idle connections expire this often */

static pid_t client_pid = -1;
static int client_fd = -1;

/* ---- framing: a u32 length, then the bytes; a descriptor may ride
 * on the length ---- */

/* The length's message, with room for one descriptor. */
struct frame {
	uint32_t	 len;
	struct iovec	 iov;
	struct msghdr	 mh;
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} cm;
};

static void
frame_init(struct frame *f, uint32_t len)
{
	memset(f, 0, sizeof(*f));
	f->len = len;
	f->iov.iov_base = &f->len;
	f->iov.iov_len = sizeof(f->len);
	f->mh.msg_iov = &f->iov;
	f->mh.msg_iovlen = 1;
	f->mh.msg_control = f->cm.b;
	f->mh.msg_controllen = sizeof(f->cm.b);
}

static int
send_frame(int fd, const struct buf *b, int passfd)
{
	struct frame f;
	struct cmsghdr *c;
	ssize_t n;

	frame_init(&f, (uint32_t)b->len);
	if (passfd < 0) {
		f.mh.msg_control = NULL;
		f.mh.msg_controllen = 0;
	} else {
		c = CMSG_FIRSTHDR(&f.mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(passfd));
	}
	do
		n = sendmsg(fd, &f.mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(f.len))
		return -1;
	return fdio_write_all(fd, b->data, b->len);
}

static int
read_full(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n > 0) {
		r = read(fd, c, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A frame of at most max bytes into b, its descriptor into *fd_out
 * (NULL: none taken); 1 at the end of the stream, -1 on error. */
static int
recv_frame(int fd, struct buf *b, size_t max, int *fd_out)
{
	struct frame f;
	struct cmsghdr *c;
	ssize_t n;
	uint32_t len;
	char *p;
	int got;

	frame_init(&f, 0);
	do
		n = recvmsg(fd, &f.mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n == -1 && errno == EINTR);
	len = f.len;
	for (c = CMSG_FIRSTHDR(&f.mh); c != NULL; c = CMSG_NXTHDR(&f.mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&got, CMSG_DATA(c), sizeof(got));
			if (fd_out != NULL && *fd_out == -1)
				*fd_out = got;
			else
				(void)close(got);
		}
	if (n == 0)
		return 1;
	if (n != (ssize_t)sizeof(len) || len > max)
		return -1;
	p = xmalloc((size_t)len + 1);
	if (read_full(fd, p, len) == -1 || buf_add(b, p, len) == -1) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

/* ---- the request ---- */

static void
put64(struct buf *b, int64_t v)
{
	(void)buf_add(b, &v, sizeof(v));
}

#define putstr(b, s)	wire_putstr(b, s, DLV_SEP_STRMAX, 1)

struct rd {
	const unsigned char	*p;
	size_t			 left;
	int			 bad;
};

static const void *
take(struct rd *r, size_t n)
{
	const void *p = r->p;

	if (r->bad || r->left < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

/* n bytes into v (zeros, and r->bad, when there are not enough) */
static void
getv(struct rd *r, void *v, size_t n)
{
	const void *p = take(r, n);

	if (p != NULL)
		memcpy(v, p, n);
	else
		memset(v, 0, n);
}

static uint32_t
get32(struct rd *r)
{
	uint32_t v;

	getv(r, &v, sizeof(v));
	return v;
}

/* A string sent with its NUL; NULL (and r->bad) when malformed. */
static const char *
getstr(struct rd *r)
{
	uint32_t n = get32(r);
	const char *s;

	if (r->bad || n == WIRE_NONE)
		return NULL;
	s = take(r, (size_t)n + 1);
	if (s == NULL || memchr(s, '\0', n) != NULL || s[n] != '\0') {
		r->bad = 1;
		return NULL;
	}
	return s;
}

static void
encode_req(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, const unsigned *rflags, const struct dlv_rcpt *r,
    size_t n, const struct buf *qf, struct buf *b)
{
	size_t i;

	putstr(b, dm->id);
	putstr(b, m->name);
	putstr(b, sender);
	wire_put32(b, (uint32_t)(dm->no_fflag != 0));
	wire_put32(b, (uint32_t)n);
	for (i = 0; i < n; i++) {
		putstr(b, r[i].paddr);
		putstr(b, r[i].user);
		putstr(b, r[i].host);
		wire_put32(b, (uint32_t)(r[i].ctl != 0));
		put64(b, r[i].ctl_uid);
		put64(b, r[i].ctl_gid);
		wire_put32(b, rflags != NULL ? rflags[i] : 0);
	}
	wire_put32(b, (uint32_t)qf->len);
	(void)buf_add(b, qf->data, qf->len);
}

/* ---- the client, DefaultUser ---- */

static void
serve_one(struct cf *cf, const struct buf *req, int dffd, int fd)
{
	struct rd d = { (const unsigned char *)req->data, req->len, 0 };
	unsigned char stats[STATS_SIZE];
	struct cf_mailer_info m;
	struct qf_limits lim;
	struct dlv_rcpt *r = NULL;
	unsigned *rf = NULL;
	struct dlv_msg dm;
	struct qf qf;
	struct err err;
	struct buf out;
	const char *id, *mailer, *sender, *text;
	char *relay = NULL;
	uint32_t n, qlen;
	int64_t v64;
	size_t i;
	int parsed = 0;

	memset(&dm, 0, sizeof(dm));
	id = getstr(&d);
	mailer = getstr(&d);
	sender = getstr(&d);
	dm.no_fflag = (int)get32(&d);
	n = get32(&d);
	if (!d.bad && (n == 0 || n > d.left / 20))
		d.bad = 1;
	if (!d.bad) {
		r = xcalloc(n, sizeof(*r));
		rf = xcalloc(n, sizeof(*rf));
	}
	for (i = 0; !d.bad && i < n; i++) {
		r[i].paddr = getstr(&d);
		r[i].user = getstr(&d);
		r[i].host = getstr(&d);
		r[i].ctl = (int)get32(&d);
		getv(&d, &v64, sizeof(v64));
		r[i].ctl_uid = (long)v64;
		getv(&d, &v64, sizeof(v64));
		r[i].ctl_gid = (long)v64;
		rf[i] = get32(&d);
	}
	qlen = get32(&d);
	text = take(&d, qlen);
	queue_qf_limits_default(&lim);
	if (d.bad || r == NULL || d.left != 0 || id == NULL ||
	    mailer == NULL || sender == NULL ||
	    cf_mailer_info(cf, mailer, &m) != 0 ||
	    queue_qf_parse(text, qlen, &lim, &qf, &err) != QF_OK)
		_exit(76);	/* the agent sent nonsense: it ends us */
	parsed = 1;
	cf_macro_define(cf, "i", id);
	dm.cf = cf;
	dm.qf = &qf;
	dm.id = id;
	dm.dffd = dffd;
	dlv_smtp(&dm, &m, sender, rf, r, n, &relay);
	buf_init(&out, 0);
	dlv_sep_encode(r, n, relay, stats, stats_take_pending(stats) ?
	    sizeof(stats) : 0, &out);
	if (send_frame(fd, &out, -1) == -1)
		_exit(74);
	buf_free(&out);
	free(relay);
	for (i = 0; i < n; i++) {
		free(r[i].text);
		free(r[i].rmta);
		free(r[i].reply);
	}
	if (parsed)
		queue_qf_free(&qf);
	free(r);
	free(rf);
}

static void __attribute__((noreturn))
client_main(struct cf *cf, int fd, pid_t agent)
{
	struct pollfd pfd;
	struct buf req;
	int dffd, k;

	unsigned char stats[STATS_SIZE];

	if (dlv_become_default_user(cf) == -1) {
		log_plain(LOG_ERR, "SYSERR(root): cannot drop privileges for "
		    "SMTP delivery: %s", strerror(errno));
		_exit(71);
	}
	/* the agent's counts and its message's error sink stay its own */
	(void)stats_take_pending(stats);
	cf_set_errfn(cf, NULL, NULL);
	/* set after the uid change, which clears it */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != agent)
		_exit(0);
	buf_init(&req, 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (dlv_smtp_cache_count() > 0 &&
		    (k = poll(&pfd, 1, IDLE_MS)) <= 0) {
			if (k == 0)
				dlv_smtp_cache_expire();
			continue;
		}
		buf_reset(&req);
		dffd = -1;
		k = recv_frame(fd, &req, REQ_MAX, &dffd);
		if (k != 0 || dffd == -1)
			break;
		serve_one(cf, &req, dffd, fd);
		(void)close(dffd);
	}
	dlv_smtp_cache_close();
	_exit(0);
}

/* ---- the agent's side, root ---- */

void
dlv_sep_client_close(void)
{
	if (client_fd != -1)
		(void)close(client_fd);	/* it QUITs and ends */
	client_fd = -1;
	if (client_pid > 0)
		while (waitpid(client_pid, NULL, 0) == -1 && errno == EINTR)
			;
	client_pid = -1;
}

/* The client ended by force after a failure. */
static void
client_kill(void)
{
	if (client_pid > 0)
		(void)kill(client_pid, SIGKILL);
	dlv_sep_client_close();
}

static int
client_start(struct cf *cf)
{
	pid_t agent = getpid();
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((client_pid = fork()) == -1) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	if (client_pid == 0) {
		(void)close(sv[0]);
		client_main(cf, sv[1], agent);
	}
	(void)close(sv[1]);
	client_fd = sv[0];
	return 0;
}

int
dlv_sep_client_deliver(const struct dlv_msg *dm,
    const struct cf_mailer_info *m, const char *sender,
    const unsigned *rflags, struct dlv_rcpt *r, size_t n, struct buf *res)
{
	struct buf qf, req;
	struct err err;
	int rc = -1;

	buf_init(&qf, 0);
	buf_init(&req, 0);
	if (queue_qf_format(dm->qf, &qf, &err) == -1)
		goto out;
	encode_req(dm, m, sender, rflags, r, n, &qf, &req);
	if (req.len > REQ_MAX || (client_fd == -1 &&
	    client_start(dm->cf) == -1))
		goto out;
	/* n recipients' three texts, the relay, the statistics */
	if (send_frame(client_fd, &req, dm->dffd) == 0 &&
	    recv_frame(client_fd, res, (n * 3 + 1) * (DLV_SEP_STRMAX + 4) +
	    n * 24 + 8 + STATS_SIZE, NULL) == 0)
		rc = 0;
	else
		client_kill();
out:
	buf_free(&qf);
	buf_free(&req);
	return rc;
}
