/*
 * auth_scheme.c -- dovecot password schemes: {PLAIN}, {CLEARTEXT},
 * crypt(3) families ({CRYPT} {MD5-CRYPT} {SHA256-CRYPT} {SHA512-CRYPT}
 * {BLF-CRYPT} {DES-CRYPT}), salted and plain digests ({SHA} {SHA1}
 * {SSHA} {SHA256} {SSHA256} {SHA512} {SSHA512} {PLAIN-MD5} {LDAP-MD5}
 * {SMD5}) in base64 or, with .HEX, hex.  Comparisons take constant time
 * in the length of what is compared.
 */
#include <crypt.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static int
same(const void *a, size_t an, const void *b, size_t bn)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = an != bn;
	size_t i, n = an < bn ? an : bn;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static int
crypt_match(const char *stored, const char *plain)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(plain, stored, cd);
	int ok = h != NULL && h[0] != '*' &&
	    same(h, strlen(h), stored, strlen(stored));

	free(cd);
	return ok;
}

/* Decodes base64 or hex; returns the length or -1. */
static long
decode(const char *s, int hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(s), i;
	int len, pad = 0;

	if (hex) {
		if (n % 2 != 0 || n / 2 > cap)
			return -1;
		for (i = 0; i < n / 2; i++) {
			char b[3] = { s[2 * i], s[2 * i + 1], 0 };

			if (!isxdigit((unsigned char)b[0]) ||
			    !isxdigit((unsigned char)b[1]))
				return -1;
			out[i] = (unsigned char)strtoul(b, NULL, 16);
		}
		return (long)(n / 2);
	}
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap)
		return -1;
	len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0)
		return -1;
	while (n > 0 && s[n - 1] == '=') {
		pad++;
		n--;
	}
	return (long)len - pad;
}

static int
digest_match(const char *md, int salted, const char *data, int hex,
    const char *plain)
{
	const EVP_MD *type = EVP_get_digestbyname(md);
	unsigned char want[256], got[EVP_MAX_MD_SIZE];
	unsigned int glen;
	EVP_MD_CTX *ctx;
	long wlen;
	size_t dlen;

	if (type == NULL)
		return 0;
	dlen = (size_t)EVP_MD_get_size(type);
	wlen = decode(data, hex, want, sizeof(want));
	if (wlen < 0 || (size_t)wlen < dlen || (!salted &&
	    (size_t)wlen != dlen))
		return 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (EVP_DigestInit_ex(ctx, type, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, plain, strlen(plain)) != 1 ||
	    (salted && EVP_DigestUpdate(ctx, want + dlen,
	    (size_t)wlen - dlen) != 1) ||
	    EVP_DigestFinal_ex(ctx, got, &glen) != 1) {
		EVP_MD_CTX_free(ctx);
		return 0;
	}
	EVP_MD_CTX_free(ctx);
	return same(got, glen, want, dlen);
}

int
auth_password_match(const char *stored, const char *plain,
    const char *default_scheme)
{
	char scheme[64];
	const char *data = stored, *dot;
	int hex = 0;

	if (stored[0] == '{' && strchr(stored, '}') != NULL) {
		size_t n = (size_t)(strchr(stored, '}') - stored - 1);

		if (n >= sizeof(scheme))
			return -1;
		memcpy(scheme, stored + 1, n);
		scheme[n] = '\0';
		data = stored + n + 2;
	} else if (str_copy(scheme, default_scheme ? default_scheme :
	    "CRYPT", sizeof(scheme)) == -1)
		return -1;
	for (char *c = scheme; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	if ((dot = strchr(scheme, '.')) != NULL) {
		hex = strcmp(dot, ".HEX") == 0;
		if (!hex && strcmp(dot, ".B64") != 0 &&
		    strcmp(dot, ".BASE64") != 0)
			return -1;
		scheme[dot - scheme] = '\0';
	}
	if (strcmp(scheme, "PLAIN") == 0 || strcmp(scheme, "CLEARTEXT") == 0)
		return same(data, strlen(data), plain, strlen(plain));
	if (strcmp(scheme, "CRYPT") == 0 || strcmp(scheme, "MD5-CRYPT") == 0 ||
	    strcmp(scheme, "SHA256-CRYPT") == 0 ||
	    strcmp(scheme, "SHA512-CRYPT") == 0 ||
	    strcmp(scheme, "BLF-CRYPT") == 0 ||
	    strcmp(scheme, "DES-CRYPT") == 0 || strcmp(scheme, "MD5") == 0)
		return crypt_match(data, plain);
	if (strcmp(scheme, "SHA") == 0 || strcmp(scheme, "SHA1") == 0)
		return digest_match("SHA1", 0, data, hex, plain);
	if (strcmp(scheme, "SSHA") == 0)
		return digest_match("SHA1", 1, data, hex, plain);
	if (strcmp(scheme, "SHA256") == 0)
		return digest_match("SHA256", 0, data, hex, plain);
	if (strcmp(scheme, "SSHA256") == 0)
		return digest_match("SHA256", 1, data, hex, plain);
	if (strcmp(scheme, "SHA512") == 0)
		return digest_match("SHA512", 0, data, hex, plain);
	if (strcmp(scheme, "SSHA512") == 0)
		return digest_match("SHA512", 1, data, hex, plain);
	if (strcmp(scheme, "PLAIN-MD5") == 0)	/* hex unless .B64 */
		return digest_match("MD5", 0, data, dot ? hex : 1, plain);
	if (strcmp(scheme, "LDAP-MD5") == 0)
		return digest_match("MD5", 0, data, hex, plain);
	if (strcmp(scheme, "SMD5") == 0)
		return digest_match("MD5", 1, data, hex, plain);
	return -1;
}
