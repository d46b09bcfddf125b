/*
 * tls_ctx.c -- OpenSSL contexts for the servers and the SMTP client:
 * certificate chain and key, CA file and directory, CRL, DH parameters,
 * cipher list and option words, over secure defaults (TLS 1.2 or later
 * unless the options clear SSL_OP_NO_TLSv1/_1_1 or min_version asks, no
 * compression, no renegotiation, the server's cipher order; forward-secret
 * AEAD ciphers for the server, AEAD or CBC with SHA-2 for the client).
 * Peer certificates are asked for but never fail the handshake: their
 * verification is only reported ({verify}), as sendmail does.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"

/*
 * Without a CipherList: the client takes what a TLS 1.2 peer may still
 * only have (CBC with SHA-2), as failing there means plaintext; the
 * server offers forward-secret AEAD ciphers only (no CBC: LUCKY13, no
 * 64-bit CCM8 tags), which every TLS 1.2 client has.
 */
#define TLS_CLIENT_CIPHERS \
	"HIGH:!aNULL:!eNULL:!kRSA:!PSK:!SRP:!MD5:!RC4:!3DES:!SHA1:" \
	"!CAMELLIA:!ARIA"
#define TLS_SERVER_CIPHERS \
	TLS_CLIENT_CIPHERS ":!SHA256:!SHA384:!CCM8:!DSS"

/* OpenSSL's latest reason, or `dflt'. */
static const char *
ssl_reason(const char *dflt)
{
	static char buf[256];
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		return dflt;
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* The peer's certificate is judged by the rulesets, not here. */
static int
accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

static int
load_dh(SSL_CTX *ctx, const char *v, struct err *err)
{
	BIO *b;
	EVP_PKEY *dh;

	if (v == NULL || *v == '\0' || v[0] != '/') {
		if (v == NULL || strcmp(v, "none") != 0)
			(void)SSL_CTX_set_dh_auto(ctx, 1);
		return 0;
	}
	if ((b = BIO_new_file(v, "r")) == NULL)
		return err_set(err, ERR_CONFIG, "DHParameters %s: %s", v,
		    ssl_reason("cannot open"));
	dh = PEM_read_bio_Parameters(b, NULL);
	BIO_free(b);
	if (dh == NULL || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
		EVP_PKEY_free(dh);
		return err_set(err, ERR_CONFIG, "DHParameters %s: %s", v,
		    ssl_reason("no DH parameters"));
	}
	return 0;
}

static int
load_crl(SSL_CTX *ctx, const char *file, struct err *err)
{
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP *lk;

	if (file == NULL || *file == '\0')
		return 0;
	if ((lk = X509_STORE_add_lookup(st, X509_LOOKUP_file())) == NULL ||
	    X509_load_crl_file(lk, file, X509_FILETYPE_PEM) <= 0)
		return err_set(err, ERR_CONFIG, "CRLFile %s: %s", file,
		    ssl_reason("no CRL"));
	(void)X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK |
	    X509_V_FLAG_CRL_CHECK_ALL);
	return 0;
}

static SSL_CTX *
ctx_new(const struct tls_cfg *c, int server, struct err *err)
{
	SSL_CTX *ctx;
	unsigned long long set = 0, clear = 0;
	int min = c->min_version ? c->min_version : TLS_V_1_2;

	if (tls_opts_parse(c->ssl_options, &set, &clear, err) == -1)
		return NULL;
	/* the cf asks for older protocols by clearing their NO_ bits */
	if ((clear & SSL_OP_NO_TLSv1_1) && min > TLS_V_1_1)
		min = TLS_V_1_1;
	if ((clear & SSL_OP_NO_TLSv1) && min > TLS_V_1_0)
		min = TLS_V_1_0;
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (ctx == NULL) {
		(void)err_set(err, ERR_SOFTWARE, "SSL_CTX_new: %s",
		    ssl_reason("failed"));
		return NULL;
	}
	(void)SSL_CTX_set_min_proto_version(ctx, min);
	/* writers resume where a write stopped, from a buffer that moved */
	(void)SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	(void)SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | (server ?
	    SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
	(void)SSL_CTX_clear_options(ctx, clear);
	(void)SSL_CTX_set_options(ctx, set);
	if (SSL_CTX_set_cipher_list(ctx, c->ciphers != NULL &&
	    *c->ciphers != '\0' ? c->ciphers : server ? TLS_SERVER_CIPHERS :
	    TLS_CLIENT_CIPHERS) != 1) {
		(void)err_set(err, ERR_CONFIG, "CipherList %s: %s",
		    c->ciphers, ssl_reason("no cipher matches"));
		goto fail;
	}
	if ((c->ca_file != NULL && *c->ca_file != '\0') ||
	    (c->ca_path != NULL && *c->ca_path != '\0')) {
		const char *f = c->ca_file && *c->ca_file ? c->ca_file : NULL;
		const char *p = c->ca_path && *c->ca_path ? c->ca_path : NULL;

		if (SSL_CTX_load_verify_locations(ctx, f, p) != 1) {
			(void)err_set(err, ERR_CONFIG, "CACertFile %s / "
			    "CACertPath %s: %s", f ? f : "-", p ? p : "-",
			    ssl_reason("cannot load"));
			goto fail;
		}
		if (server && f != NULL)
			SSL_CTX_set_client_CA_list(ctx,
			    SSL_load_client_CA_file(f));
	}
	if (load_crl(ctx, c->crl_file, err) == -1)
		goto fail;
	if (c->cert_file != NULL && c->key_file != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1
		    || SSL_CTX_use_PrivateKey_file(ctx, c->key_file,
		    SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			(void)err_set(err, ERR_CONFIG, "cert %s / key %s: %s",
			    c->cert_file, c->key_file,
			    ssl_reason("cannot load"));
			goto fail;
		}
	} else if (server) {
		(void)err_set(err, ERR_CONFIG, "no certificate or key file");
		goto fail;
	}
	if (server) {
		if (load_dh(ctx, c->dh_params, err) == -1)
			goto fail;
		SSL_CTX_set_verify(ctx, c->request_cert ? SSL_VERIFY_PEER |
		    SSL_VERIFY_CLIENT_ONCE : SSL_VERIFY_NONE, accept_any);
		(void)SSL_CTX_set_session_id_context(ctx,
		    (const unsigned char *)"mailsys", 7);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_ctx_server(const struct tls_cfg *c, struct err *err)
{
	return ctx_new(c, 1, err);
}

SSL_CTX *
tls_ctx_client(const struct tls_cfg *c, struct err *err)
{
	return ctx_new(c, 0, err);
}

void
tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}
