/*
 * test_prescan.c -- cf_prescan's shortcut for one plain word gives what
 * the scanner gives: the same tokens, the same stopping place and no
 * message, on generated strings of letters, digits, -, _ and the
 * characters around them (delimiters, operators, quotes, blanks, 8-bit),
 * for the external and internal token tables and several delimiters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cf/cf_int.h"

/* '-' an operator in the first, an atom character in the second */
static const char *const cf_texts[] = {
	"V10/Berkeley\n"
	"O QueueDirectory=/tmp\n"
	"O OperatorChars=.:%@!^/[]+-\n",
	"V10/Berkeley\n"
	"O QueueDirectory=/tmp\n"
	"O OperatorChars=.:%@!^/[]+\n",
};

static void
nomsg(void *arg, const char *msg)
{
	(void)msg;
	*(int *)arg = 1;
}

static void
compare(struct cf *cf, const struct addr_toktab *tab, const char *s,
    int delim)
{
	struct addr_tokens t;
	char **pvp = cf_pvp_new(cf);
	size_t end = 99999, tend = 99999, i;
	int said = 0, rc, trc;

	rc = cf_prescan(cf, s, delim, tab, pvp, &end, NULL);
	trc = addr_prescan(s, delim, tab, 0, &t, &tend, nomsg, &said);
	if (trc != ADDR_SCAN_OK) {
		assert_int_equal(rc, -1);
		cf_pvp_free(cf, pvp);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(end, tend);
	for (i = 0; i < t.n; i++) {
		assert_non_null(pvp[i]);
		assert_string_equal(pvp[i], t.v[i]);
	}
	assert_null(pvp[t.n]);
	addr_tokens_free(&t);
	cf_pvp_free(cf, pvp);
	cf_arena_reset(cf);
}

static void
scan_all(const char *cf_text)
{
	static const char alphabet[] =
	    "aZ09-_-_xQ:,<> \t\"\\().@\x80!";
	static const int delims[] = { '\0', ':', ',', ' ', '-', 'a' };
	struct cf *cf = cf_new();
	FILE *out;
	char *text = NULL, s[300];
	size_t len = 0, n, i, d, k;
	unsigned seed = 11;

	out = open_memstream(&text, &len);
	assert_non_null(out);
	cf_set_output(cf, out);
	cf_read_buffer(cf, "test.cf", cf_text, strlen(cf_text));
	assert_int_equal(cf_nerrors(cf), 0);
	cf_tokens_prepare(cf);
	for (k = 0; k < 20000; k++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 12;
		if (k % 500 == 0)
			n = 250 + k / 500 % 12;	/* around the token limit */
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly word characters, so whole words come up */
			s[i] = alphabet[(seed >> 16) % (seed & 0x10000 ?
			    sizeof(alphabet) - 1 : 10)];
		}
		s[n] = '\0';
		if (k < 20) {		/* one long word: the token limit */
			n = 245 + k;
			memset(s, 'w', n);
			s[n] = '\0';
		}
		for (d = 0; d < sizeof(delims) / sizeof(delims[0]); d++) {
			compare(cf, &cf->tok_ext, s, delims[d]);
			compare(cf, &cf->tok_int, s, delims[d]);
		}
	}
	cf_free(cf);
	assert_int_equal(fclose(out), 0);
	free(text);
}

static void
test_plain_words_scan_as_the_scanner_scans(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cf_texts) / sizeof(cf_texts[0]); i++)
		scan_all(cf_texts[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words_scan_as_the_scanner_scans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
