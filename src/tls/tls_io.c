/*
 * tls_io.c -- a connection's bytes in and out, plain or through a TLS
 * session, on blocking or non-blocking descriptors alike: every wait is
 * a poll() bounded by the caller's timeout, so neither a silent peer
 * nor a half-finished record blocks for ever.  The handshakes live here
 * too; what they agreed is read by tls_info.c.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

void
tls_io_init(struct tls_io *io, int rfd, int wfd)
{
	io->rfd = rfd;
	io->wfd = wfd;
	io->ssl = NULL;
}

long long
tls_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
tls_wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	int r, ms;

	for (;;) {
		if (deadline < 0)
			ms = -1;
		else {
			long long left = deadline - tls_now_ms();

			if (left <= 0)
				return 0;
			ms = left > 60000 ? 60000 : (int)left;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r > 0)
			return pfd.revents;
	}
}

/* 1 when fd is ready (or hung up), 0 timeout, -1 error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	int r = tls_wait_fd(fd, events, deadline);

	return r > 0 ? 1 : r;
}

static long long
deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : tls_now_ms() + timeout_ms;
}

/*
 * After an SSL call returned r: waits for what it wants.  1 to call
 * again, 0 timeout, -1 error or end of the session.
 */
static int
ssl_wait(struct tls_io *io, int r, long long deadline)
{
	switch (SSL_get_error(io->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(io->rfd, POLLIN, deadline) == 1 ? 1 :
		    deadline >= 0 && tls_now_ms() >= deadline ? 0 : -1;
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(io->wfd, POLLOUT, deadline) == 1 ? 1 :
		    deadline >= 0 && tls_now_ms() >= deadline ? 0 : -1;
	case SSL_ERROR_SYSCALL:
		if (errno == EINTR)
			return 1;
		return -1;
	default:
		return -1;
	}
}

ssize_t
tls_io_read(struct tls_io *io, void *p, size_t n, int timeout_ms)
{
	long long deadline = deadline_of(timeout_ms);
	ssize_t r;
	int w;

	if (n > 1 << 30)
		n = 1 << 30;
	for (;;) {
		if (io->ssl == NULL || !SSL_has_pending(io->ssl)) {
			w = wait_fd(io->rfd, POLLIN, deadline);
			if (w == 0)
				return -2;
			if (w == -1)
				return -1;
		}
		if (io->ssl == NULL) {
			r = read(io->rfd, p, n);
			if (r >= 0)
				return r;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		ERR_clear_error();
		r = SSL_read(io->ssl, p, (int)n);
		if (r > 0)
			return r;
		if (SSL_get_error(io->ssl, (int)r) == SSL_ERROR_ZERO_RETURN)
			return 0;
		w = ssl_wait(io, (int)r, deadline);
		if (w == 0)
			return -2;
		if (w == -1)
			return SSL_get_error(io->ssl, (int)r) ==
			    SSL_ERROR_SYSCALL && errno == 0 ? 0 : -1;
	}
}

int
tls_io_write(struct tls_io *io, const void *buf, size_t n, int timeout_ms)
{
	const char *p = buf;
	ssize_t r;
	int w;

	while (n > 0) {
		size_t chunk = n > 65536 ? 65536 : n;
		long long deadline = deadline_of(timeout_ms);

		if (io->ssl == NULL) {
			r = write(io->wfd, p, chunk);
			if (r == -1 && (errno == EAGAIN || errno == EINTR)) {
				if (errno == EAGAIN && (w = wait_fd(io->wfd,
				    POLLOUT, deadline)) != 1)
					return w == 0 ? -2 : -1;
				continue;
			}
			if (r <= 0)
				return -1;
		} else {
			ERR_clear_error();
			r = SSL_write(io->ssl, p, (int)chunk);
			if (r <= 0) {
				if ((w = ssl_wait(io, (int)r, deadline)) != 1)
					return w == 0 ? -2 : -1;
				continue;
			}
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

ssize_t
tls_io_try_read(struct tls_io *io, void *p, size_t n)
{
	ssize_t r;
	int e;

	if (n > 1 << 30)
		n = 1 << 30;
	if (io->ssl == NULL) {
		do
			r = recv(io->rfd, p, n, MSG_DONTWAIT);
		while (r == -1 && errno == EINTR);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -2;
		return r;
	}
	ERR_clear_error();
	if ((r = SSL_read(io->ssl, p, (int)n)) > 0)
		return r;
	e = SSL_get_error(io->ssl, (int)r);
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -2;
	if (e == SSL_ERROR_SYSCALL && errno == 0)
		return 0;	/* EOF without close_notify */
	return -1;
}

ssize_t
tls_io_try_write(struct tls_io *io, const void *p, size_t n)
{
	ssize_t r;
	int e;

	if (n > 1 << 30)
		n = 1 << 30;
	if (io->ssl == NULL) {
		do
			r = send(io->wfd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (r == -1 && errno == EINTR);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -2;
		return r;
	}
	ERR_clear_error();
	if ((r = SSL_write(io->ssl, p, (int)n)) > 0)
		return r;
	e = SSL_get_error(io->ssl, (int)r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -2;
	return -1;
}

int
tls_io_readable(struct tls_io *io, int timeout_ms)
{
	struct pollfd pfd;
	int r;

	if (io->ssl != NULL && SSL_has_pending(io->ssl))
		return 1;
	pfd.fd = io->rfd;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r == -1 && errno == EINTR);
	return r == 1 && (pfd.revents & (POLLIN | POLLHUP));
}

static int
handshake(struct tls_io *io, SSL_CTX *ctx, int server, unsigned flags,
    const char *sni, int timeout_ms, struct err *err)
{
	long long deadline = deadline_of(timeout_ms);
	int r, w;

	ERR_clear_error();
	if ((io->ssl = SSL_new(ctx)) == NULL)
		return err_set(err, ERR_SOFTWARE, "error generating SSL "
		    "handle");
	if (SSL_set_rfd(io->ssl, io->rfd) != 1 ||
	    SSL_set_wfd(io->ssl, io->wfd) != 1 ||
	    (sni != NULL && *sni != '\0' &&
	    SSL_set_tlsext_host_name(io->ssl, sni) != 1)) {
		SSL_free(io->ssl);
		io->ssl = NULL;
		return err_set(err, ERR_SOFTWARE, "error generating SSL "
		    "handle");
	}
	if (flags & TLS_IO_NO_CERT_REQUEST)
		SSL_set_verify(io->ssl, SSL_VERIFY_NONE, NULL);
	for (;;) {
		ERR_clear_error();
		r = server ? SSL_accept(io->ssl) : SSL_connect(io->ssl);
		if (r == 1)
			return 0;
		w = ssl_wait(io, r, deadline);
		if (w == 1)
			continue;
		{
			unsigned long e = ERR_peek_last_error();
			char why[256];

			if (w == 0)
				(void)snprintf(why, sizeof(why), "timeout");
			else if (e != 0)
				ERR_error_string_n(e, why, sizeof(why));
			else
				(void)snprintf(why, sizeof(why), "%s",
				    errno ? strerror(errno) : "EOF");
			(void)err_set(err, ERR_PROTOCOL, "%s failed=%d, "
			    "reason=%s, SSL_error=%d, errno=%d",
			    server ? "accept" : "connect", r, why,
			    SSL_get_error(io->ssl, r), errno);
		}
		ERR_clear_error();
		SSL_free(io->ssl);
		io->ssl = NULL;
		return -1;
	}
}

int
tls_io_accept(struct tls_io *io, SSL_CTX *ctx, unsigned flags,
    int timeout_ms, struct err *err)
{
	return handshake(io, ctx, 1, flags, NULL, timeout_ms, err);
}

int
tls_io_connect(struct tls_io *io, SSL_CTX *ctx, const char *servername,
    int timeout_ms, struct err *err)
{
	return handshake(io, ctx, 0, 0, servername, timeout_ms, err);
}

void
tls_io_end(struct tls_io *io)
{
	if (io->ssl == NULL)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(io->ssl);
	ERR_clear_error();
	SSL_free(io->ssl);
	io->ssl = NULL;
}
