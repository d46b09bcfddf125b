/*
 * queue_remote.c -- the privileged queue writer and the client side of
 * its protocol (doc/privsep.md).  A worker that may not write the queue
 * folders asks the writer, over a stream socket, to create a df (the
 * descriptor comes back and the worker writes the body into it), to
 * move or drop it, and to commit a qf: the writer parses the qf text
 * strictly, refuses records only trusted code writes, and then writes,
 * syncs and renames it with queue_write.c's own calls, so the commit
 * order and its crash safety are the ones of a local queue.
 *
 * A request is a fixed header (QR_HDR bytes: op, path, path2, len, id,
 * id2) and len bytes; the answer a fixed struct, with the df's
 * descriptor attached (SCM_RIGHTS) to a QR_CREATE's.  Both ends are the
 * same program on the same host: native byte order.  Both ends ignore
 * SIGPIPE (the daemon's workers do): a write to a closed end fails.  The writer keeps
 * the files of the worker's current message in a table and acts only on
 * those: a new QR_CREATE starts the next message.
 */
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "queue_int.h"

#define QR_HDR		(4 * 4 + 2 * QUEUE_ID_MAX)
#define QR_TABLE_MAX	4096	/* files of one message: its envelopes */
#define QR_POLL_MS	1000	/* the idle hook runs at least this often */

/* The failing calls queue_write.c names, by number on the wire. */
static const char *const whats[] = {
	"", "cannot create", "cannot write", "cannot fsync",
	"cannot fsync the folder of", "cannot rename", "cannot move",
	"cannot copy", "cannot truncate"
};
#define NWHATS	(sizeof(whats) / sizeof(whats[0]))

struct qr_wire_rep {
	int32_t		 rc;
	int32_t		 err_no;
	int32_t		 err_kind;
	char		 fail_kind;
	uint8_t		 what;
	uint32_t	 extra;		/* QR_CALL: bytes that follow */
	char		 msg[ERR_MSGMAX];
};

/* A queue id's characters (base 60 digits and the pid's): 1 when ok. */
static int
id_ok(const char *id)
{
	size_t i;

	for (i = 0; i < QUEUE_ID_MAX && id[i] != '\0'; i++) {
		unsigned char c = (unsigned char)id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z')))
			return 0;
	}
	return i > 0 && i < QUEUE_ID_MAX;
}

int
queue_remote_req_parse(const void *p, size_t n, size_t npaths,
    struct queue_remote_req *out, struct err *err)
{
	const unsigned char *b = p;
	uint32_t v[4];

	memset(out, 0, sizeof(*out));
	if (n != QR_HDR)
		return err_set(err, ERR_PROTOCOL, "queue writer: a request "
		    "header of %zu bytes", n);
	memcpy(v, b, sizeof(v));
	out->op = v[0];
	out->path = v[1];
	out->path2 = v[2];
	out->len = v[3];
	memcpy(out->id, b + sizeof(v), QUEUE_ID_MAX);
	memcpy(out->id2, b + sizeof(v) + QUEUE_ID_MAX, QUEUE_ID_MAX);
	if (out->op == 0 || out->op >= QR_NOPS)
		return err_set(err, ERR_PROTOCOL, "queue writer: op %u",
		    out->op);
	if (out->op != QR_STATS && out->op != QR_CALL &&
	    (out->path >= npaths || !id_ok(out->id)))
		return err_set(err, ERR_PROTOCOL, "queue writer: bad path "
		    "or queue id");
	if ((out->op == QR_MOVE || out->op == QR_COMMIT_AS) &&
	    out->path2 >= npaths)
		return err_set(err, ERR_PROTOCOL, "queue writer: bad path");
	if (out->op == QR_COMMIT_AS && !id_ok(out->id2))
		return err_set(err, ERR_PROTOCOL, "queue writer: bad queue "
		    "id");
	switch (out->op) {
	case QR_COMMIT:
	case QR_COMMIT_AS:
		if (out->len == 0 || out->len > QR_QF_MAX)
			return err_set(err, ERR_PROTOCOL, "queue writer: qf "
			    "of %u bytes", out->len);
		break;
	case QR_STATS:
		if (out->len == 0 || out->len > QR_STATS_MAX)
			return err_set(err, ERR_PROTOCOL, "queue writer: "
			    "statistics of %u bytes", out->len);
		break;
	case QR_CALL:
		if (out->len == 0 || out->len > QR_CALL_MAX)
			return err_set(err, ERR_PROTOCOL, "queue writer: "
			    "a call of %u bytes", out->len);
		break;
	default:
		if (out->len != 0)
			return err_set(err, ERR_PROTOCOL, "queue writer: "
			    "unexpected data");
	}
	out->id[QUEUE_ID_MAX - 1] = out->id2[QUEUE_ID_MAX - 1] = '\0';
	return 0;
}

/* n bytes: 0; 1 at the end of the stream before any; -1 otherwise. */
static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, c + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 && got == 0)
			return 1;
		if (r <= 0) {
			if (r == 0)
				errno = EPIPE;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* ---- the client ---- */

void
queue_dirs_remote(struct queue_dirs *d, int fd)
{
	size_t i;

	for (i = 0; i < d->npaths; i++)
		d->paths[i].statfd = d->held ? openat(d->paths[i].dfdir, ".",
		    O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (d->held) {
		for (i = 0; i < d->npaths; i++) {
			if (d->paths[i].dfdir != d->paths[i].qfdir)
				(void)close(d->paths[i].dfdir);
			(void)close(d->paths[i].qfdir);
			d->paths[i].qfdir = d->paths[i].dfdir = -1;
		}
		d->held = 0;
	}
	d->remote = 1;
	d->remote_fd = fd;
}

/* An answer as a message: its bytes, and room for one descriptor. */
struct qr_msg {
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} cm;
};

static void
msg_init(struct qr_msg *m, const struct qr_wire_rep *r)
{
	memset(m, 0, sizeof(*m));
	m->iov.iov_base = (void *)(uintptr_t)r;
	m->iov.iov_len = sizeof(*r);
	m->mh.msg_iov = &m->iov;
	m->mh.msg_iovlen = 1;
	m->mh.msg_control = m->cm.b;
	m->mh.msg_controllen = sizeof(m->cm.b);
}

/* The answer, and a descriptor that came with it into *fd_out. */
static int
recv_rep(int fd, struct qr_wire_rep *r, int *fd_out)
{
	struct qr_msg m;
	struct cmsghdr *c;
	ssize_t n;
	int got;

	msg_init(&m, r);
	do
		n = recvmsg(fd, &m.mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == 0)
			errno = EPIPE;
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&m.mh); c != NULL;
	    c = CMSG_NXTHDR(&m.mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(sizeof(int)))
			continue;
		memcpy(&got, CMSG_DATA(c), sizeof(got));
		if (fd_out != NULL && *fd_out == -1)
			*fd_out = got;
		else
			(void)close(got);
	}
	if ((size_t)n < sizeof(*r) && read_all(fd, (char *)r + n,
	    sizeof(*r) - (size_t)n) != 0) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

static void
req_encode(unsigned char *b, unsigned op, size_t path, const char *id,
    size_t path2, const char *id2, size_t len)
{
	uint32_t v[4];

	v[0] = op;
	v[1] = (uint32_t)path;
	v[2] = (uint32_t)path2;
	v[3] = (uint32_t)len;
	memset(b, 0, QR_HDR);
	memcpy(b, v, sizeof(v));
	if (id != NULL)
		memcpy(b + sizeof(v), id, strnlen(id, QUEUE_ID_MAX - 1));
	if (id2 != NULL)
		memcpy(b + sizeof(v) + QUEUE_ID_MAX, id2,
		    strnlen(id2, QUEUE_ID_MAX - 1));
}

/* The bytes after a QR_CALL's answer into out (NULL: none expected). */
static int
recv_extra(int fd, const struct qr_wire_rep *r, struct buf *out)
{
	char *p;

	if (r->extra == 0)
		return 0;
	if (out == NULL || r->extra > QR_CALL_MAX) {
		errno = EPROTO;
		return -1;
	}
	p = xmalloc(r->extra);
	if (read_all(fd, p, r->extra) != 0 ||
	    buf_add(out, p, r->extra) == -1) {
		free(p);
		if (errno == 0)
			errno = EPIPE;
		return -1;
	}
	free(p);
	return 0;
}

static int
qr_call_x(const struct queue_dirs *d, unsigned op, size_t path,
    const char *id, size_t path2, const char *id2, const void *data,
    size_t len, int *fd_out, struct buf *extra, struct qr_result *res,
    struct err *err)
{
	unsigned char hdr[QR_HDR];
	struct qr_wire_rep rep;
	int e;

	memset(res, 0, sizeof(*res));
	res->rc = -1;
	res->fail_what = "";
	if (fd_out != NULL)
		*fd_out = -1;
	if (!d->remote)
		return err_set(err, ERR_SOFTWARE, "queue writer: none");
	if (len > QR_QF_MAX) {
		res->err_no = errno = EFBIG;
		return err_set(err, ERR_TEMPFAIL, "queue writer: request "
		    "too large");
	}
	req_encode(hdr, op, path, id, path2, id2, len);
	memset(&rep, 0, sizeof(rep));
	if (fdio_write_all(d->remote_fd, hdr, QR_HDR) == -1 ||
	    (len > 0 && fdio_write_all(d->remote_fd, data, len) == -1) ||
	    recv_rep(d->remote_fd, &rep, fd_out) == -1 ||
	    recv_extra(d->remote_fd, &rep, extra) == -1) {
		e = errno != 0 ? errno : EPIPE;
		if (fd_out != NULL && *fd_out != -1) {
			(void)close(*fd_out);
			*fd_out = -1;
		}
		res->err_no = e;
		err_set(err, ERR_TEMPFAIL, "queue writer: %s", strerror(e));
		errno = e;
		return -1;
	}
	rep.msg[ERR_MSGMAX - 1] = '\0';
	res->rc = rep.rc == 0 || rep.rc == 1 ? rep.rc : -1;
	res->err_no = rep.err_no;
	if (rep.fail_kind != '\0' && strchr("dtqh", rep.fail_kind) != NULL)
		res->fail_kind = rep.fail_kind;
	res->fail_what = rep.what < NWHATS ? whats[rep.what] : "";
	if (res->rc == 0 && op == QR_CREATE && fd_out != NULL &&
	    *fd_out == -1) {
		res->rc = -1;
		res->err_no = EPROTO;
		(void)snprintf(rep.msg, sizeof(rep.msg), "queue writer: no "
		    "descriptor");
	}
	if (res->rc != 0 && fd_out != NULL && *fd_out != -1) {
		(void)close(*fd_out);
		*fd_out = -1;
	}
	if (res->rc == -1) {
		err_set(err, rep.err_kind >= ERR_USAGE && rep.err_kind <=
		    ERR_CONFIG ? (enum err_kind)rep.err_kind : ERR_TEMPFAIL,
		    "%s", rep.msg);
		errno = res->err_no;
	}
	return res->rc;
}

int
qr_call(const struct queue_dirs *d, unsigned op, size_t path,
    const char *id, size_t path2, const char *id2, const void *data,
    size_t len, int *fd_out, struct qr_result *res, struct err *err)
{
	return qr_call_x(d, op, path, id, path2, id2, data, len, fd_out,
	    NULL, res, err);
}

int
queue_remote_call(const struct queue_dirs *d, const void *p, size_t n,
    struct buf *out, struct err *err)
{
	struct qr_result res;

	if (n == 0 || n > QR_CALL_MAX)
		return err_set(err, ERR_SOFTWARE, "queue writer: a call of "
		    "%zu bytes", n);
	return qr_call_x(d, QR_CALL, 0, NULL, 0, NULL, p, n, NULL, out,
	    &res, err) == 0 ? 0 : -1;
}

int
queue_dirs_statvfs(const struct queue_dirs *d, size_t i, struct statvfs *st)
{
	if (i < d->npaths && d->held)
		return fstatvfs(d->paths[i].dfdir, st);
	/* O_PATH: enough for the free space, not to list or open */
	if (i < d->npaths && d->remote && d->paths[i].statfd >= 0)
		return fstatvfs(d->paths[i].statfd, st);
	return statvfs(d->qdir, st);
}

int
queue_remote_stats(const struct queue_dirs *d, const unsigned char *p,
    size_t n, struct err *err)
{
	struct qr_result res;

	if (n == 0 || n > QR_STATS_MAX)
		return err_set(err, ERR_SOFTWARE, "queue writer: statistics "
		    "of %zu bytes", n);
	return qr_call(d, QR_STATS, 0, NULL, 0, NULL, p, n, NULL, &res,
	    err) == 0 ? 0 : -1;
}

int
queue_remote_deliver(const struct queue_dirs *d, size_t path,
    const char *id, struct err *err)
{
	struct qr_result res;

	return qr_call(d, QR_DELIVER, path, id, 0, NULL, NULL, 0, NULL, &res,
	    err) == 0 ? 0 : -1;
}

/* ---- the writer ---- */

struct qr_entry {
	unsigned	 path;
	char		 id[QUEUE_ID_MAX];
	struct queue_tx	*tx;		/* NULL once committed */
};

struct qr_server {
	struct queue_dirs		*d;
	int				 mode;
	const struct queue_remote_hooks	*h;
	struct qr_entry			*v;
	size_t				 n, cap;
};

static struct qr_entry *
find(struct qr_server *s, unsigned path, const char *id, int committed)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].path == path && strcmp(s->v[i].id, id) == 0 &&
		    (s->v[i].tx == NULL) == (committed != 0))
			return &s->v[i];
	return NULL;
}

static void
add(struct qr_server *s, unsigned path, const char *id, struct queue_tx *tx)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n].path = path;
	(void)snprintf(s->v[s->n].id, QUEUE_ID_MAX, "%s", id);
	s->v[s->n].tx = tx;
	s->n++;
}

static void
drop(struct qr_server *s, struct qr_entry *e)
{
	*e = s->v[--s->n];
}

/* The next message: an uncommitted df of the last one is removed. */
static void
forget(struct qr_server *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		queue_tx_abort(s->v[i].tx);
	s->n = 0;
}

static void
rep_fail(struct qr_wire_rep *r, struct queue_tx *tx, const struct err *err,
    int e)
{
	const char *what;
	int en, written, k;
	size_t i;

	r->rc = -1;
	r->err_no = e;
	r->err_kind = (int32_t)err->kind;
	memcpy(r->msg, err->msg, sizeof(r->msg));
	if (tx == NULL || (k = queue_tx_failure(tx, &what, &en,
	    &written)) == 0)
		return;
	r->fail_kind = (char)k;
	r->err_no = en;
	for (i = 1; i < NWHATS; i++)
		if (strcmp(whats[i], what) == 0)
			r->what = (uint8_t)i;
}

/* A request the worker had no business sending: refused and logged. */
static void
refuse(struct qr_wire_rep *r, const struct queue_remote_req *q,
    const char *why)
{
	struct err err;

	err_set(&err, ERR_SOFTWARE, "queue writer: %s", why);
	log_plain(LOG_ERR, "SYSERR(root): queue writer: refused op %u for "
	    "%s: %s", q->op, q->id, why);
	rep_fail(r, NULL, &err, EPERM);
}

/*
 * What only trusted code writes: a controlling user (C line: deliveries
 * would run as that user), an alias, internal-Bcc or dynamic-mailer
 * recipient flag, a df in another folder.  An SMTP session writes none
 * of them.
 */
static const char *
qf_refusal(const struct qf *qf)
{
	const unsigned ok = QF_R_PRIMARY | QF_R_NOTIFY | QF_R_SUCCESS |
	    QF_R_FAILURE | QF_R_DELAY;
	size_t i;

	if (qf->dfdir != NULL)
		return "qf names a df in another folder";
	for (i = 0; i < qf->nrcpts; i++) {
		if (qf->rcpts[i].ctl != NULL && qf->rcpts[i].ctl[0] != '\0')
			return "qf names a controlling user";
		if (qf->rcpts[i].flags & ~ok)
			return "qf has a recipient flag of trusted code";
	}
	return NULL;
}

/* The qf text checked: 0 with *quarantined, or -1 with why. */
static int
qf_check(const char *text, size_t len, int *quarantined, const char **why,
    struct err *err)
{
	struct qf_limits lim;
	struct qf qf;

	queue_qf_limits_default(&lim);
	if (queue_qf_parse(text, len, &lim, &qf, err) != QF_OK) {
		*why = "qf does not parse";
		return -1;
	}
	*quarantined = qf.quarantine != NULL;
	*why = qf_refusal(&qf);
	queue_qf_free(&qf);
	return *why == NULL ? 0 : -1;
}

static void
do_commit(struct qr_server *s, const struct queue_remote_req *q,
    const char *text, struct qr_wire_rep *r)
{
	struct qr_entry *e = find(s, q->path, q->id, 0);
	const char *why;
	struct err err;
	int quar = 0, rc;

	err_clear(&err);
	if (e == NULL) {
		refuse(r, q, "no such df of this message");
		return;
	}
	if (qf_check(text, q->len, &quar, &why, &err) == -1) {
		refuse(r, q, why);
		if (q->op == QR_COMMIT) {	/* as a failed commit: gone */
			queue_tx_abort(e->tx);
			drop(s, e);
		}
		return;
	}
	if (q->op == QR_COMMIT) {
		if (queue_tx_commit_text(e->tx, text, q->len, quar,
		    &err) == -1) {
			rep_fail(r, e->tx, &err, errno);
			queue_tx_close(e->tx);
			drop(s, e);
			return;
		}
		queue_tx_close(e->tx);
		e->tx = NULL;
		return;
	}
	if (s->n >= QR_TABLE_MAX) {
		refuse(r, q, "too many envelopes");
		return;
	}
	rc = queue_tx_commit_as_text(e->tx, s->d, q->path2, q->id2, text,
	    q->len, quar, &err);
	if (rc == -1)
		rep_fail(r, NULL, &err, errno);
	else if (rc == 0)
		add(s, q->path2, q->id2, NULL);
	r->rc = rc;
}

static void
dispatch(struct qr_server *s, const struct queue_remote_req *q,
    const char *data, struct qr_wire_rep *r, int *passfd, struct buf *extra)
{
	struct queue_tx *tx = NULL;
	struct qr_entry *e;
	struct err err;
	int rc;

	err_clear(&err);
	switch (q->op) {
	case QR_CREATE:
		forget(s);
		rc = queue_tx_begin(&tx, s->d, q->path, q->id, s->mode, &err);
		r->rc = rc;
		if (rc == -1)
			rep_fail(r, NULL, &err, errno);
		else if (rc == 0) {
			add(s, q->path, q->id, tx);
			*passfd = queue_tx_df_fd(tx);
		}
		return;
	case QR_MOVE:
		if ((e = find(s, q->path, q->id, 0)) == NULL) {
			refuse(r, q, "no such df of this message");
			return;
		}
		if (queue_tx_move(e->tx, s->d, q->path2, &err) == -1)
			rep_fail(r, e->tx, &err, errno);
		else
			e->path = q->path2;
		return;
	case QR_COMMIT:
	case QR_COMMIT_AS:
		do_commit(s, q, data, r);
		return;
	case QR_ABORT:
		if ((e = find(s, q->path, q->id, 0)) == NULL) {
			refuse(r, q, "no such df of this message");
			return;
		}
		queue_tx_abort(e->tx);
		drop(s, e);
		return;
	case QR_REMOVE:
		if ((e = find(s, q->path, q->id, 1)) == NULL) {
			refuse(r, q, "no such qf of this message");
			return;
		}
		if (queue_remove(s->d, q->path, q->id, &err) == -1)
			rep_fail(r, NULL, &err, errno);
		drop(s, e);
		return;
	case QR_STATS:
		if (s->h != NULL && s->h->stats != NULL)
			s->h->stats(s->h->arg, (const unsigned char *)data,
			    q->len);
		return;
	case QR_DELIVER:
		if (find(s, q->path, q->id, 1) == NULL) {
			refuse(r, q, "no such qf of this message");
			return;
		}
		if (s->h == NULL || s->h->deliver == NULL ||
		    s->h->deliver(s->h->arg, q->path, q->id) == -1) {
			err_set(&err, ERR_TEMPFAIL, "queue writer: cannot "
			    "start a delivery");
			rep_fail(r, NULL, &err, EAGAIN);
		}
		return;
	case QR_CALL:
		if (s->h == NULL || s->h->call == NULL ||
		    s->h->call(s->h->arg, (const unsigned char *)data, q->len,
		    extra) == -1 || extra->len > QR_CALL_MAX) {
			buf_reset(extra);
			err_set(&err, ERR_SOFTWARE, "queue writer: call "
			    "refused");
			rep_fail(r, NULL, &err, EPROTO);
			return;
		}
		r->extra = (uint32_t)extra->len;
		return;
	default:
		refuse(r, q, "unknown op");
	}
}

static int
send_rep(int fd, const struct qr_wire_rep *r, int passfd)
{
	struct qr_msg m;
	struct cmsghdr *c;
	ssize_t n;

	msg_init(&m, r);
	if (passfd >= 0) {
		c = CMSG_FIRSTHDR(&m.mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(passfd));
	} else {
		m.mh.msg_control = NULL;
		m.mh.msg_controllen = 0;
	}
	do
		n = sendmsg(fd, &m.mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n < sizeof(*r))
		return fdio_write_all(fd, (const char *)r + n,
		    sizeof(*r) - (size_t)n);
	return 0;
}

int
queue_remote_serve(struct queue_dirs *d, int fd, int mode,
    const struct queue_remote_hooks *h)
{
	struct qr_server s;
	struct queue_remote_req q;
	struct qr_wire_rep r;
	unsigned char hdr[QR_HDR];
	struct pollfd pfd;
	struct err err;
	struct buf extra;
	char *data;
	int rc = 0, k, passfd;

	memset(&s, 0, sizeof(s));
	s.d = d;
	s.mode = mode;
	s.h = h;
	pfd.fd = fd;
	pfd.events = POLLIN;
	buf_init(&extra, QR_CALL_MAX + 1);
	for (;;) {
		if (h != NULL && h->idle != NULL)
			h->idle(h->arg);
		k = poll(&pfd, 1, QR_POLL_MS);
		if (k == 0 || (k == -1 && errno == EINTR))
			continue;
		if ((k = read_all(fd, hdr, sizeof(hdr))) == 1)
			break;
		if (k == -1 || queue_remote_req_parse(hdr, sizeof(hdr),
		    d->npaths, &q, &err) == -1) {
			if (k != -1)
				log_plain(LOG_ERR, "SYSERR(root): %s", err.msg);
			rc = -1;
			break;
		}
		data = xmalloc((size_t)q.len + 1);
		if (q.len > 0 && read_all(fd, data, q.len) != 0) {
			free(data);
			rc = -1;
			break;
		}
		data[q.len] = '\0';
		memset(&r, 0, sizeof(r));
		passfd = -1;
		buf_reset(&extra);
		dispatch(&s, &q, data, &r, &passfd, &extra);
		free(data);
		if (send_rep(fd, &r, passfd) == -1 || (extra.len > 0 &&
		    fdio_write_all(fd, extra.data, extra.len) == -1)) {
			rc = -1;
			break;
		}
	}
	buf_free(&extra);
	forget(&s);
	free(s.v);
	return rc;
}
