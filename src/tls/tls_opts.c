/*
 * tls_opts.c -- sendmail's SSL option words (ServerSSLOptions,
 * ClientSSLOptions): "+SSL_OP_NO_TLSv1 -SSL_OP_ALL 0x4000" into the bits
 * to set and to clear.  No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "tls.h"

static const struct {
	const char		*name;
	unsigned long long	 bit;
} opt_names[] = {
	{ "SSL_OP_ALL", SSL_OP_ALL },
	{ "SSL_OP_NO_SSLv2", SSL_OP_NO_SSLv2 },
	{ "SSL_OP_NO_SSLv3", SSL_OP_NO_SSLv3 },
	{ "SSL_OP_NO_TLSv1", SSL_OP_NO_TLSv1 },
	{ "SSL_OP_NO_TLSv1_1", SSL_OP_NO_TLSv1_1 },
	{ "SSL_OP_NO_TLSv1_2", SSL_OP_NO_TLSv1_2 },
	{ "SSL_OP_NO_TLSv1_3", SSL_OP_NO_TLSv1_3 },
	{ "SSL_OP_CIPHER_SERVER_PREFERENCE", SSL_OP_CIPHER_SERVER_PREFERENCE },
	{ "SSL_OP_NO_COMPRESSION", SSL_OP_NO_COMPRESSION },
	{ "SSL_OP_NO_TICKET", SSL_OP_NO_TICKET },
	{ "SSL_OP_NO_RENEGOTIATION", SSL_OP_NO_RENEGOTIATION },
	{ "SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION",
	    SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION },
	{ "SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION",
	    SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION },
	{ "SSL_OP_LEGACY_SERVER_CONNECT", SSL_OP_LEGACY_SERVER_CONNECT },
	{ "SSL_OP_PRIORITIZE_CHACHA", SSL_OP_PRIORITIZE_CHACHA },
	{ "SSL_OP_ENABLE_MIDDLEBOX_COMPAT", SSL_OP_ENABLE_MIDDLEBOX_COMPAT },
	{ "SSL_OP_NO_ANTI_REPLAY", SSL_OP_NO_ANTI_REPLAY },
	{ "SSL_OP_NO_QUERY_MTU", SSL_OP_NO_QUERY_MTU },
	{ "SSL_OP_TLSEXT_PADDING", SSL_OP_TLSEXT_PADDING },
	{ "SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS",
	    SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS },
	{ "SSL_OP_NO_ENCRYPT_THEN_MAC", SSL_OP_NO_ENCRYPT_THEN_MAC },
	{ "SSL_OP_IGNORE_UNEXPECTED_EOF", SSL_OP_IGNORE_UNEXPECTED_EOF },
	{ NULL, 0 }
};

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

int
tls_opts_parse(const char *s, unsigned long long *set_out,
    unsigned long long *clear_out, struct err *err)
{
	unsigned long long set = 0, clear = 0, bit;

	while (s != NULL && *s != '\0') {
		const char *w;
		size_t n, i;
		int minus = 0;
		char *end;

		while (is_sep(*s))
			s++;
		if (*s == '\0')
			break;
		if (*s == '+' || *s == '-')
			minus = *s++ == '-';
		w = s;
		while (*s != '\0' && !is_sep(*s))
			s++;
		n = (size_t)(s - w);
		if (n == 0)
			return err_set(err, ERR_CONFIG, "SSL option: sign "
			    "without a name");
		if (w[0] >= '0' && w[0] <= '9') {
			bit = strtoull(w, &end, 0);
			if (end != s)
				return err_set(err, ERR_CONFIG, "SSL option "
				    "%.*s: not a number", (int)(n > 64 ? 64 : n),
				    w);
		} else {
			for (i = 0; opt_names[i].name != NULL; i++)
				if (strlen(opt_names[i].name) == n &&
				    strncmp(opt_names[i].name, w, n) == 0)
					break;
			if (opt_names[i].name == NULL)
				return err_set(err, ERR_CONFIG, "SSL option "
				    "%.*s: unknown", (int)(n > 64 ? 64 : n), w);
			bit = opt_names[i].bit;
		}
		if (minus) {
			clear |= bit;
			set &= ~bit;
		} else {
			set |= bit;
			clear &= ~bit;
		}
	}
	*set_out = set;
	*clear_out = clear;
	return 0;
}
