/*
 * tls_info.c -- what a finished handshake agreed, in the words of
 * sendmail's macros: {tls_version} {cipher} {cipher_bits} {verify}
 * {cert_subject} {cert_issuer} {cn_subject} {cn_issuer}.  Names from a
 * certificate are xtext-encoded, so a NUL or a blank inside one can
 * neither cut it short nor split it into tokens.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"
#include "lib/buf.h"

/* xtext of n bytes: '+', controls, blanks, 8-bit and the characters
 * sendmail also escapes become +XX. */
static char *
xtext(const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c < '!' || c > '~' || strchr("+\\()<>\"", c) != NULL) {
			(void)buf_addc(&b, '+');
			(void)buf_addc(&b, hex[c >> 4]);
			(void)buf_addc(&b, hex[c & 15]);
		} else
			(void)buf_addc(&b, c);
	}
	(void)buf_cstr(&b);
	return buf_steal(&b);
}

static char *
dn_text(X509_NAME *name)
{
	char *s;
	char *x;

	if (name == NULL || (s = X509_NAME_oneline(name, NULL, 0)) == NULL)
		return NULL;
	x = xtext((const unsigned char *)s, strlen(s));
	OPENSSL_free(s);
	return x;
}

/* The last CN of a name, bytes as they are (NULs included), xtext. */
static char *
cn_text(X509_NAME *name)
{
	int i;
	X509_NAME_ENTRY *e;
	ASN1_STRING *d;

	if (name == NULL || (i = X509_NAME_get_index_by_NID(name,
	    NID_commonName, -1)) < 0)
		return NULL;
	for (;;) {
		int next = X509_NAME_get_index_by_NID(name, NID_commonName, i);

		if (next < 0)
			break;
		i = next;
	}
	if ((e = X509_NAME_get_entry(name, i)) == NULL ||
	    (d = X509_NAME_ENTRY_get_data(e)) == NULL)
		return NULL;
	return xtext(ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
}

void
tls_info_get(SSL *ssl, int asked, struct tls_info *out)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	X509 *peer;

	memset(out, 0, sizeof(*out));
	(void)snprintf(out->version, sizeof(out->version), "%s",
	    SSL_get_version(ssl));
	(void)snprintf(out->cipher, sizeof(out->cipher), "%s",
	    c != NULL ? SSL_CIPHER_get_name(c) : "");
	out->bits = c != NULL ? SSL_CIPHER_get_bits(c, &out->alg_bits) : 0;
	peer = SSL_get1_peer_certificate(ssl);
	if (peer != NULL) {
		out->subject = dn_text(X509_get_subject_name(peer));
		out->issuer = dn_text(X509_get_issuer_name(peer));
		out->cn_subject = cn_text(X509_get_subject_name(peer));
		out->cn_issuer = cn_text(X509_get_issuer_name(peer));
		(void)snprintf(out->verify, sizeof(out->verify), "%s",
		    SSL_get_verify_result(ssl) == X509_V_OK ? "OK" : "FAIL");
		X509_free(peer);
	} else
		(void)snprintf(out->verify, sizeof(out->verify), "%s",
		    asked ? "NO" : "NOT");
}

void
tls_info_free(struct tls_info *i)
{
	if (i == NULL)
		return;
	free(i->subject);
	free(i->issuer);
	free(i->cn_subject);
	free(i->cn_issuer);
	memset(i, 0, sizeof(*i));
}
