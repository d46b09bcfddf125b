/*
 * milter_conn.c -- one connection to a filter: connecting within T=C
 * (a unix socket or TCP to host:port), the version 6 negotiation,
 * sending packets within T=S and reading replies within T=R (T=E at
 * the end of a message), where every SMFIR_PROGRESS starts the clock
 * again.  Packets longer than MILTER_MAXPKT are a protocol error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "milter.h"
#include "lib/xalloc.h"

/* Milliseconds left until deadline (monotonic seconds), at least 0. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static void
deadline_in(struct timespec *d, long secs)
{
	(void)clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += secs > 0 ? secs : 0;
}

/* Waits for fd to be ready for ev; 0, or -1 with errno (ETIMEDOUT). */
static int
wait_fd(int fd, short ev, const struct timespec *deadline)
{
	struct pollfd p;
	int rc;

	for (;;) {
		p.fd = fd;
		p.events = ev;
		p.revents = 0;
		rc = poll(&p, 1, ms_left(deadline));
		if (rc > 0)
			return 0;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int
connect_addr(const struct sockaddr *sa, socklen_t salen, int family,
    const struct timespec *deadline)
{
	int fd, e = 0;
	socklen_t elen = sizeof(e);

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, sa, salen) == -1) {
		if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, deadline)
		    == -1)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
			goto fail;
		if (e != 0) {
			errno = e;
			goto fail;
		}
	}
	return fd;
fail:
	e = errno;
	(void)close(fd);
	errno = e;
	return -1;
}

static int
connect_filter(struct milter *m, struct err *err)
{
	const struct milter_conf *c = &m->conf;
	struct timespec deadline;
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int rc;

	deadline_in(&deadline, c->to_conn);
	if (c->family == 'L') {
		struct sockaddr_un sun;
		struct stat st;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(c->path) >= sizeof(sun.sun_path))
			return err_set(err, ERR_CONFIG, "local socket name "
			    "%s too long", c->path);
		memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
		/* sendmail checks the name before it connects */
		if (lstat(c->path, &st) == -1 || !S_ISSOCK(st.st_mode))
			return err_set(err, ERR_TEMPFAIL, "local socket name "
			    "%s unsafe", c->path);
		m->fd = connect_addr((struct sockaddr *)&sun, sizeof(sun),
		    AF_UNIX, &deadline);
		if (m->fd == -1)
			return err_sys(err, ERR_TEMPFAIL, "error connecting "
			    "to filter");
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = c->family == '6' ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	(void)snprintf(port, sizeof(port), "%u", c->port);
	rc = getaddrinfo(c->host, port, &hints, &res);
	if (rc != 0)
		return err_set(err, ERR_TEMPFAIL, "Unable to lookup %s: %s",
		    c->host, gai_strerror(rc));
	errno = ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		m->fd = connect_addr(ai->ai_addr, ai->ai_addrlen,
		    ai->ai_family, &deadline);
		if (m->fd != -1)
			break;
	}
	freeaddrinfo(res);
	if (m->fd == -1)
		return err_sys(err, ERR_TEMPFAIL, "error connecting to "
		    "filter");
	return 0;
}

int
milter_send(struct milter *m, const struct buf *b, struct err *err)
{
	struct timespec deadline;
	size_t off = 0;
	ssize_t n;

	if (m->fd == -1)
		return err_set(err, ERR_TEMPFAIL, "filter not connected");
	deadline_in(&deadline, m->conf.to_send);
	while (off < b->len) {
		n = send(m->fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(m->fd, POLLOUT, &deadline) == 0)
			continue;
		err_sys(err, ERR_TEMPFAIL, errno == ETIMEDOUT ?
		    "write timeout" : "write error");
		milter_close(m);
		return -1;
	}
	return 0;
}

/* Reads until one whole packet is in m->in; it is moved to m->pkt. */
static int
recv_packet(struct milter *m, const struct timespec *deadline,
    struct milter_pkt *pk, struct err *err)
{
	struct milter_pkt p;
	enum milter_parse st;
	size_t used;
	char chunk[8192];
	ssize_t n;

	for (;;) {
		st = milter_pkt_parse(m->in.data, m->in.len, MILTER_MAXPKT, &p,
		    &used);
		if (st == MILTER_PKT_BAD)
			return err_set(err, ERR_PROTOCOL, "reply length "
			    "out of range");
		if (st == MILTER_PKT_OK) {
			buf_reset(&m->pkt);
			if (buf_add(&m->pkt, p.data, p.len) == -1)
				return err_set(err, ERR_PROTOCOL, "reply too "
				    "long");
			pk->cmd = p.cmd;
			pk->data = m->pkt.data;
			pk->len = p.len;
			memmove(m->in.data, m->in.data + used, m->in.len -
			    used);
			buf_truncate(&m->in, m->in.len - used);
			return 0;
		}
		/* sendmail's words for the log */
		if (wait_fd(m->fd, POLLIN, deadline) == -1)
			return errno == ETIMEDOUT ? err_set(err, ERR_TEMPFAIL,
			    "timeout before data read") : err_sys(err,
			    ERR_TEMPFAIL, "read error");
		n = recv(m->fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			return err_set(err, ERR_TEMPFAIL, "cmd read returned "
			    "%zu, expecting %d", m->in.len, m->in.len < 5 ?
			    5 : (int)m->in.len + 1);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return err_sys(err, ERR_TEMPFAIL, "read error");
		}
		if (buf_add(&m->in, chunk, (size_t)n) == -1)
			return err_set(err, ERR_PROTOCOL, "reply too long");
	}
}

int
milter_recv(struct milter *m, int eom, struct milter_reply *r,
    struct err *err)
{
	struct timespec deadline;
	struct milter_pkt pk;

	if (m->fd == -1)
		return err_set(err, ERR_TEMPFAIL, "filter not connected");
	deadline_in(&deadline, eom ? m->conf.to_eom : m->conf.to_read);
	for (;;) {
		if (recv_packet(m, &deadline, &pk, err) == -1 ||
		    milter_reply_decode(&pk, r, err) == -1) {
			milter_close(m);
			return -1;
		}
		if (r->cmd != SMFIR_PROGRESS)
			return 0;
		/* the filter is still working: the clock starts again */
		deadline_in(&deadline, eom ? m->conf.to_eom : m->conf.to_read);
	}
}

int
milter_open(struct milter *m, struct err *err)
{
	struct milter_reply r;
	struct buf b;
	size_t i;
	int rc;

	m->fd = -1;
	buf_init(&m->in, MILTER_MAXPKT + 16);
	buf_init(&m->pkt, MILTER_MAXPKT);
	if (connect_filter(m, err) == -1)
		return -1;
	buf_init(&b, 0);
	milter_pkt_begin(&b, SMFIC_OPTNEG);
	milter_pkt_u32(&b, MILTER_VERSION);
	milter_pkt_u32(&b, MILTER_ACTS);
	milter_pkt_u32(&b, MILTER_PROTO);
	rc = milter_pkt_end(&b, 0);
	if (rc == 0)
		rc = milter_send(m, &b, err);
	buf_free(&b);
	if (rc == -1 || milter_recv(m, 0, &r, err) == -1)
		goto fail;
	if (r.cmd != SMFIC_OPTNEG) {
		err_set(err, ERR_PROTOCOL, "optional negotiation: reply '%c' "
		    "is not SMFIC_OPTNEG", r.cmd >= 32 && r.cmd < 127 ?
		    r.cmd : '?');
		goto fail;
	}
	if (r.version < 2 || r.version > MILTER_VERSION) {
		err_set(err, ERR_PROTOCOL, "SMFIC_OPTNEG version mismatch: "
		    "MTA %d < milter %lu", MILTER_VERSION,
		    (unsigned long)r.version);
		goto fail;
	}
	if ((r.actions & ~(uint32_t)MILTER_ACTS) != 0 ||
	    (r.pflags & ~(uint32_t)MILTER_PROTO) != 0) {
		err_set(err, ERR_PROTOCOL, "SMFIC_OPTNEG mismatch: actions "
		    "0x%lx, protocol 0x%lx", (unsigned long)r.actions,
		    (unsigned long)r.pflags);
		goto fail;
	}
	m->actions = r.actions;
	m->pflags = r.pflags;
	for (i = 0; i < MILTER_M_COUNT; i++) {
		free(m->macros[i]);
		m->macros[i] = r.macros[i] != NULL ? xstrdup(r.macros[i]) :
		    NULL;
	}
	return 0;
fail:
	milter_close(m);
	return -1;
}

void
milter_close(struct milter *m)
{
	if (m->fd != -1)
		(void)close(m->fd);
	m->fd = -1;
}

void
milter_free(struct milter *m)
{
	size_t i;

	if (m == NULL)
		return;
	milter_close(m);
	milter_conf_free(&m->conf);
	for (i = 0; i < MILTER_M_COUNT; i++)
		free(m->macros[i]);
	buf_free(&m->in);
	buf_free(&m->pkt);
	buf_free(&m->out);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}
