/*
 * smtpc_net.c -- the client's sockets: host specifications ("name",
 * "[addr]", ":port"), non-blocking connect with a timeout and an
 * optional local address, writes that never raise SIGPIPE and keep
 * reading while the peer does not, and reading bounded lines by a
 * deadline into a growing buffer.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver/smtpc.h"
#include "lib/str.h"
#include "tls/tls.h"

#define IN_MAX		(1024 * 1024)	/* unread replies kept at most */
#define READ_CHUNK	16384

int
smtpc_host_parse(const char *spec, int defport, struct smtpc_hostspec *out)
{
	const char *p = spec, *end, *colon = NULL;
	unsigned char tmp[sizeof(struct in6_addr)];
	size_t n;
	long port;

	out->literal = 0;
	out->port = defport > 0 ? defport : 25;
	if (*p == '[') {
		p++;
		if ((end = strchr(p, ']')) == NULL)
			return -1;
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] != '\0')
			return -1;
		if (str_ncasecmp(p, "IPv6:", 5) == 0)
			p += 5;
	} else {
		colon = strchr(p, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return -1;	/* a bare IPv6 address: use [] */
		end = colon != NULL ? colon : p + strlen(p);
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(out->name))
		return -1;
	memcpy(out->name, p, n);
	out->name[n] = '\0';
	if (colon != NULL) {
		if (str_to_long(colon + 1, &port) == -1 || port < 1 ||
		    port > 65535)
			return -1;
		out->port = (int)port;
	}
	if (spec[0] == '[')
		out->literal = inet_pton(AF_INET, out->name, tmp) == 1 ||
		    inet_pton(AF_INET6, out->name, tmp) == 1;
	return 0;
}

long long
smtpc_now_ms(void)
{
	return tls_now_ms();
}

static int
bind_local(int fd, int family, const char *addr)
{
	struct addrinfo hints, *res = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if (getaddrinfo(addr, NULL, &hints, &res) != 0 || res == NULL) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	r = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return r;
}

int
smtpc_net_connect(struct smtpc_conn *c, const struct sockaddr *sa,
    socklen_t salen, const struct smtpc_params *p)
{
	int fd, ev, soerr = 0;
	socklen_t len = sizeof(soerr);
	const void *a;

	a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, c->addr, sizeof(c->addr)) == NULL)
		c->addr[0] = '\0';
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		goto fail;
	if (p->bind_addr != NULL && p->bind_addr[0] != '\0' &&
	    bind_local(fd, sa->sa_family, p->bind_addr) == -1)
		goto fail;
	if (connect(fd, sa, salen) == -1) {
		if (errno != EINPROGRESS && errno != EINTR)
			goto fail;
		ev = tls_wait_fd(fd, POLLOUT, smtpc_now_ms() +
		    1000LL * smtpc_tmo(&p->to, SMTPC_TO_CONNECT));
		if (ev == 0)
			errno = ETIMEDOUT;
		if (ev <= 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	c->fd = fd;
	tls_io_init(&c->io, fd, fd);
	return 0;
fail:
	c->err_no = errno;
	if (fd != -1)
		(void)close(fd);
	return -1;
}

/* Reads what is there into c->in: >0 bytes, 0 EOF, -1 error, -2 again. */
static int
read_more(struct smtpc_conn *c)
{
	char tmp[READ_CHUNK];
	ssize_t n;

	if (c->inoff > 0 && c->inoff == c->in.len) {
		buf_reset(&c->in);
		c->inoff = 0;
	} else if (c->inoff > IN_MAX / 2) {
		memmove(c->in.data, c->in.data + c->inoff,
		    c->in.len - c->inoff);
		buf_truncate(&c->in, c->in.len - c->inoff);
		c->inoff = 0;
	}
	errno = 0;
	n = tls_io_try_read(&c->io, tmp, sizeof(tmp));
	if (n == -2)
		return -2;
	if (n == -1) {
		c->err_no = errno != 0 ? errno : EPROTO;
		if (c->tls && errno == 0)
			c->why = "TLS error";
		return -1;
	}
	if (n == 0)
		return 0;
	if (buf_add(&c->in, tmp, (size_t)n) == -1) {
		c->why = "peer sent too much";
		c->err_no = EMSGSIZE;
		return -1;
	}
	return 1;
}

enum smtpc_ioerr
smtpc_net_write(struct smtpc_conn *c, const char *p, size_t n, int secs)
{
	ssize_t w;
	int ev, peer_eof = 0, r;
	short want;

	while (n > 0) {
		errno = 0;
		w = tls_io_try_write(&c->io, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w != -2) {
			c->err_no = errno != 0 ? errno : EPROTO;
			return SMTPC_IO_ERROR;
		}
		/* the peer may be waiting for us to read its replies */
		want = POLLOUT;
		if (!peer_eof && c->in.len < IN_MAX)
			want |= POLLIN;
		ev = tls_wait_fd(c->fd, want, smtpc_now_ms() + 1000LL * secs);
		if (ev == 0)
			return SMTPC_IO_TIMEOUT;
		if (ev == -1) {
			c->err_no = errno;
			return SMTPC_IO_ERROR;
		}
		if (ev & POLLIN) {
			r = read_more(c);
			if (r == 0)
				peer_eof = 1;
			else if (r == -1)
				return SMTPC_IO_ERROR;
		}
	}
	return SMTPC_IO_OK;
}

enum smtpc_ioerr
smtpc_net_getline(struct smtpc_conn *c, long long deadline)
{
	const char *s, *nl;
	size_t avail;
	int r, ev;

	for (;;) {
		s = c->in.data != NULL ? c->in.data + c->inoff : NULL;
		avail = c->in.len - c->inoff;
		nl = avail > 0 ? memchr(s, '\n', avail) : NULL;
		if (nl != NULL) {
			if ((size_t)(nl - s) > SMTPC_LINE_MAX + 1) {
				c->why = "reply line too long";
				return SMTPC_IO_PROTO;
			}
			buf_reset(&c->line);
			if (buf_add(&c->line, s, (size_t)(nl - s)) == -1)
				return SMTPC_IO_PROTO;
			c->inoff += (size_t)(nl - s) + 1;
			return SMTPC_IO_OK;
		}
		if (avail > SMTPC_LINE_MAX + 1) {
			c->why = "reply line too long";
			return SMTPC_IO_PROTO;
		}
		r = read_more(c);
		if (r == 0)
			return SMTPC_IO_EOF;
		if (r == -1)
			return SMTPC_IO_ERROR;
		if (r == -2) {
			ev = tls_wait_fd(c->fd, POLLIN, deadline);
			if (ev == 0)
				return SMTPC_IO_TIMEOUT;
			if (ev == -1) {
				c->err_no = errno;
				return SMTPC_IO_ERROR;
			}
		}
	}
}
