/*
 * fuzz_prescan.c -- addr_prescan on arbitrary bytes: the input (cut at
 * its first NUL, as a C string would be) is tokenised with the external,
 * internal and nocomment tables, as one address and as a comma list
 * walked the way sendmail walks a recipient list.  It must never crash,
 * leak, or report an end offset outside the input; on success every
 * token must be non-empty and fit the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr/addr.h"

static const char *const ops[] = { ".:%@!^/[]+", ".:@[]", "" };

static void
check(const char *s, size_t len, int delim, const struct addr_toktab *t,
    int ignore, size_t *end_out)
{
	struct addr_tokens tok;
	size_t i;

	if (addr_prescan(s, delim, t, ignore, &tok, end_out, NULL,
	    NULL) == ADDR_SCAN_OK) {
		if (tok.n > ADDR_MAXATOM)
			abort();
		for (i = 0; i < tok.n; i++)
			if (tok.v[i][0] == '\0' ||
			    strlen(tok.v[i]) >= ADDR_MAXNAME)
				abort();
		if (tok.v[tok.n] != NULL)
			abort();
	} else if (tok.v != NULL || tok.store != NULL)
		abort();
	addr_tokens_free(&tok);
	if (*end_out > len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_toktab tabs[3];
	char *s;
	size_t len, off, end;
	int t, o;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	/* the first byte picks OperatorChars, so all sets get coverage */
	o = size > 0 ? data[0] % 3 : 0;
	addr_toktab_ext(&tabs[0], ops[o]);
	addr_toktab_int(&tabs[1], ops[o]);
	addr_toktab_nocomment(&tabs[2], ops[o]);
	for (t = 0; t < 3; t++) {
		check(s, len, '\0', &tabs[t], 0, &end);
		check(s, len, '\0', &tabs[t], 1, &end);
		check(s, len, '\t', &tabs[t], 0, &end);
		/* a list: each address starts after the previous delimiter */
		for (off = 0; off < len; off += end + 1)
			check(s + off, len - off, ',', &tabs[t], 0, &end);
	}
	free(s);
	return 0;
}
