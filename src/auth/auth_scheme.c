/*
 * auth_scheme.c -- dovecot password schemes: {PLAIN}, {CLEARTEXT},
 * crypt(3) families ({CRYPT} {MD5-CRYPT} {SHA256-CRYPT} {SHA512-CRYPT}
 * {BLF-CRYPT} {DES-CRYPT}), salted and plain digests ({SHA} {SHA1}
 * {SSHA} {SHA256} {SSHA256} {SHA512} {SSHA512} {PLAIN-MD5} {LDAP-MD5}
 * {SMD5}) in base64 or, with .HEX, hex.  Comparisons take constant time
 * in the length of what is compared.  Hashing itself is done by the
 * functions the program supplied with auth_set_sys().
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "auth_int.h"
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

static struct auth_sys sys;

void
auth_set_sys(const struct auth_sys *s)
{
	sys = *s;
}

const struct auth_sys *
auth_sys_get(void)
{
	return &sys;
}

static int
crypt_match(const char *stored, const char *plain)
{
	char h[512];

	if (sys.crypt == NULL || sys.crypt(plain, stored, h, sizeof(h)) == -1)
		return 0;
	return h[0] != '*' && same(h, strlen(h), stored, strlen(stored));
}

/* Decodes base64 or hex; returns the length or -1. */
static long
decode(const char *s, int hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(s), i;
	struct buf b;
	long len;

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
	if (n == 0 || n / 4 * 3 > cap)
		return -1;
	buf_init(&b, cap);
	if (base64_decode(s, n, &b) == -1) {
		buf_free(&b);
		return -1;
	}
	memcpy(out, b.data, b.len);
	len = (long)b.len;
	buf_free(&b);
	return len;
}

static int
digest_match(const char *md, int salted, const char *data, int hex,
    const char *plain)
{
	unsigned char want[256], got[64];
	long wlen;
	int glen;
	size_t dlen;

	if (sys.digest == NULL)
		return 0;
	dlen = strcmp(md, "MD5") == 0 ? 16 : strcmp(md, "SHA1") == 0 ? 20 :
	    strcmp(md, "SHA256") == 0 ? 32 : 64;
	wlen = decode(data, hex, want, sizeof(want));
	if (wlen < 0 || (size_t)wlen < dlen || (!salted &&
	    (size_t)wlen != dlen))
		return 0;
	glen = sys.digest(md, plain, strlen(plain), want + dlen,
	    salted ? (size_t)wlen - dlen : 0, got, sizeof(got));
	if (glen < 0 || (size_t)glen != dlen)
		return 0;
	return same(got, dlen, want, dlen);
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
