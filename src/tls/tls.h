/*
 * tls.h -- the OpenSSL layer the SMTP server and client and mailboxd
 * share: contexts made from certificate, key and CA files with secure
 * defaults (TLS 1.2 or later, no compression, strong ciphers), the
 * sendmail-style SSL option words ("+SSL_OP_NO_TICKET -SSL_OP_ALL"),
 * reads and writes over a plain descriptor or a TLS session with one
 * timeout, the handshakes, and what a finished handshake tells
 * (version, cipher, bits, the peer's certificate and its verification:
 * sendmail's {tls_version} {cipher} {cipher_bits} {verify} ...).
 */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

struct ssl_st;
struct ssl_ctx_st;

/* What a context is made from; NULL or 0 members take the defaults. */
struct tls_cfg {
	const char	*cert_file;	/* PEM chain (ServerCertFile) */
	const char	*key_file;	/* PEM key (ServerKeyFile) */
	const char	*ca_file;	/* CACertFile */
	const char	*ca_path;	/* CACertPath (hashed directory) */
	const char	*ciphers;	/* CipherList (TLS 1.2 and older) */
	const char	*ssl_options;	/* ServerSSLOptions words */
	const char	*dh_params;	/* DHParameters: file, "none", or a
					   size letter/number: automatic */
	const char	*crl_file;	/* CRLFile */
	int		 min_version;	/* TLS_V_*; 0: TLS 1.2 */
	int		 request_cert;	/* server: ask the client for one */
};

#define TLS_V_1_0	0x0301
#define TLS_V_1_1	0x0302
#define TLS_V_1_2	0x0303
#define TLS_V_1_3	0x0304

/* A server context; NULL with the file and OpenSSL's reason in err. */
struct ssl_ctx_st *tls_ctx_server(const struct tls_cfg *, struct err *);
/* A client context: the certificate and key are optional. */
struct ssl_ctx_st *tls_ctx_client(const struct tls_cfg *, struct err *);
void	tls_ctx_free(struct ssl_ctx_st *);

/*
 * "+SSL_OP_NO_TLSv1 -SSL_OP_ALL 0x4000": words separated by blanks or
 * commas, each a known SSL_OP_ name or a number, '+' (or none) sets,
 * '-' clears.  0, or -1 with the bad word in err; parses only.
 */
int	tls_opts_parse(const char *, unsigned long long *set_out,
	    unsigned long long *clear_out, struct err *);

/* Monotonic milliseconds. */
long long tls_now_ms(void);
/* Waits until fd is ready for poll events or the deadline (tls_now_ms()
 * based; -1 none): revents, 0 at the deadline, -1 on error. */
int	tls_wait_fd(int fd, short events, long long deadline);

/* A connection's transport: plain reads and writes until ssl is set. */
struct tls_io {
	int		 rfd, wfd;
	struct ssl_st	*ssl;
};

void	tls_io_init(struct tls_io *, int rfd, int wfd);
/* Bytes read: >0, 0 at EOF, -1 on error, -2 after timeout_ms (<0:
 * wait for ever). */
ssize_t	tls_io_read(struct tls_io *, void *, size_t, int timeout_ms);
/* Writes all of it; 0, -1 on error, -2 when no byte went for timeout_ms. */
int	tls_io_write(struct tls_io *, const void *, size_t, int timeout_ms);
/* One attempt that never waits (for callers with their own poll loop):
 * bytes moved, 0 at EOF (reads), -1 on error, -2 to try again when the
 * descriptor is ready (either way: TLS may need to read to write). */
ssize_t	tls_io_try_read(struct tls_io *, void *, size_t);
ssize_t	tls_io_try_write(struct tls_io *, const void *, size_t);
/* 1 when input waits (in the TLS layer or on the descriptor) within
 * timeout_ms, else 0. */
int	tls_io_readable(struct tls_io *, int timeout_ms);
/*
 * The server (accept) or client (connect) handshake on rfd within
 * timeout_ms; bytes still in the caller's buffers are the caller's to
 * drop.  0, or -1 with the reason in err (the session is unusable).
 */
int	tls_io_accept(struct tls_io *, struct ssl_ctx_st *, unsigned flags,
	    int timeout_ms, struct err *);
#define TLS_IO_NO_CERT_REQUEST	0x1	/* accept: do not ask this client
					   for a certificate */
int	tls_io_connect(struct tls_io *, struct ssl_ctx_st *,
	    const char *servername, int timeout_ms, struct err *);
/* Ends TLS (close_notify, not waited for); the descriptors stay open. */
void	tls_io_end(struct tls_io *);

/* What a handshake agreed, as sendmail's macros word it. */
struct tls_info {
	char	 version[16];	/* "TLSv1.3" */
	char	 cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
	int	 bits, alg_bits;
	char	 verify[16];	/* OK, NO (none sent), NOT (none asked
				   for), FAIL */
	char	*subject;	/* xtext of the one-line DN, or NULL */
	char	*issuer;
	char	*cn_subject;	/* common names, xtext */
	char	*cn_issuer;
};

/* asked: whether this side requested the peer's certificate. */
void	tls_info_get(struct ssl_st *, int asked, struct tls_info *out);
void	tls_info_free(struct tls_info *);

#endif
