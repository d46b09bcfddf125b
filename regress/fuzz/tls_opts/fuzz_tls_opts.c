/*
 * fuzz_tls_opts.c -- the SSL option word parser (ServerSSLOptions,
 * ClientSSLOptions from the cf) on arbitrary bytes: it must never crash
 * or read past the NUL; a success never both sets and clears one bit,
 * and a failure names the word in its message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	unsigned long long set, clear;
	struct err err;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tls_opts_parse(s, &set, &clear, &err) == 0) {
		if (set & clear)
			abort();
	} else if (strstr(err.msg, "SSL option") == NULL)
		abort();
	free(s);
	return 0;
}
