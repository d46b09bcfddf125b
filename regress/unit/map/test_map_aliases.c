/*
 * test_map_aliases.c -- the aliases(5) parser (map_aliases.c): each
 * table input is parsed whole and again fed one byte at a time, and
 * both must give the same logical lines as sendmail 8.17 reads them
 * (expectations checked against its newaliases).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "map/map.h"

/* Renders every result as "lineno K text" lines, K = E(ntry) or the error. */
static char *
render(const char *in, size_t len, int bytewise, size_t linemax)
{
	struct map_alias_parser *p = map_alias_parser_new(linemax);
	struct map_alias_ent e;
	enum map_alias_next r;
	struct buf out;
	size_t off = 0;

	buf_init(&out, 0);
	for (;;) {
		r = map_alias_parser_next(p, &e);
		if (r == MAP_ALIAS_END)
			break;
		if (r == MAP_ALIAS_MORE) {
			if (off == len)
				map_alias_parser_eof(p);
			else if (bytewise)
				map_alias_parser_feed(p, in + off++, 1);
			else {
				map_alias_parser_feed(p, in, len);
				off = len;
			}
			continue;
		}
		if (r == MAP_ALIAS_ENT)
			buf_printf(&out, "%lu E [%.*s] [%s]%s\n", e.lineno,
			    (int)e.colon, e.line, e.rhs,
			    e.rhs_blank ? " blank" : "");
		else
			buf_printf(&out, "%lu %s\n", e.lineno,
			    map_alias_strerror(e.kind));
	}
	map_alias_parser_free(p);
	return buf_steal(&out);
}

struct pcase {
	const char	*name;
	const char	*in;
	const char	*want;
};

static const struct pcase cases[] = {
	{ "simple", "a: b\nc:d\n", "1 E [a] [b]\n2 E [c] [d]\n" },
	{ "no final newline", "a: b", "1 E [a] [b]\n" },
	{ "empty input", "", "" },
	{ "comments and blanks skipped", "# x\n\na: b\n#y\n",
	    "3 E [a] [b]\n" },
	{ "space continuation keeps white space", "l: a,\n  b\n\tc\n",
	    "3 E [l] [a,  b\tc]\n" },
	{ "backslash continuation drops both", "l: a,\\\n  b\nx: y\\\nz\n",
	    "2 E [l] [a,  b]\n4 E [x] [yz]\n" },
	{ "continuation of a comment is a comment", "a: b\n# c\n  x\nd: e\n",
	    "1 E [a] [b]\n4 E [d] [e]\n" },
	{ "space line after a blank line", "a: b\n\n  x\n",
	    "1 E [a] [b]\n3 Non-continuation line starts with space\n" },
	{ "leading space counts its continuations", "  lead\n  more\nA: x\n",
	    "2 Non-continuation line starts with space\n3 E [A] [x]\n" },
	{ "missing colon at its last line", "z\n  cont\nq: r\n",
	    "2 missing colon\n3 E [q] [r]\n" },
	{ "first colon splits", "x:y:z\n", "1 E [x] [y:z]\n" },
	{ "value: leading white space skipped, trailing kept", "a:  b  \n",
	    "1 E [a] [b  ]\n" },
	{ "blank value", "e:\nf:   \n", "1 E [e] [] blank\n2 E [f] [] blank\n" },
	{ "CR stays in the value", "a: b\r\n", "1 E [a] [b\r]\n" },
	{ "backslash at end of input", "a: b\\", "1 E [a] [b\\]\n" },
	{ "backslash-newline at end of input", "a: b\\\n", "1 E [a] [b]\n" },
	{ "lone backslash line joins the next", "a: b\n\\\nc: d\n",
	    "1 E [a] [b]\n3 E [c] [d]\n" },
	{ "NUL ends the line's content", "a: b\0junk\nc: d\n",
	    "1 alias line too long\n" },
};

static void
test_table_whole_and_bytewise(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);
		char *whole, *bytes;

		if (strcmp(cases[i].name, "NUL ends the line's content") == 0)
			len = 15;
		whole = render(cases[i].in, len, 0, 0);
		bytes = render(cases[i].in, len, 1, 0);
		if (strcmp(whole, cases[i].want) != 0)
			fail_msg("%s: got\n%s", cases[i].name, whole);
		assert_string_equal(bytes, whole);
		free(whole);
		free(bytes);
	}
}

static void
test_too_long_line_is_skipped_with_continuations(void **state)
{
	/* linemax 8: "a: 12345" fills it, the rest and " cont" go */
	const char *in = "a: 1234567890\n cont\nb: c\n";
	char *w = render(in, strlen(in), 0, 8);
	char *b = render(in, strlen(in), 1, 8);

	(void)state;
	/* sendmail does not count the skipped lines */
	assert_string_equal(w, "1 alias line too long\n2 E [b] [c]\n");
	assert_string_equal(b, w);
	free(w);
	free(b);
}

static void
test_too_long_at_end_of_input_is_kept(void **state)
{
	char *w = render("a: 12345", 8, 1, 8);

	(void)state;
	assert_string_equal(w, "1 E [a] [12345]\n");
	free(w);
}

static void
test_continuation_past_the_limit(void **state)
{
	const char *in = "a: 123\n 4567\nb: c\n";
	char *w = render(in, strlen(in), 0, 10);
	char *b = render(in, strlen(in), 1, 10);

	(void)state;
	assert_string_equal(w, "2 alias line too long\n3 E [b] [c]\n");
	assert_string_equal(b, w);
	free(w);
	free(b);
}

static void
test_line_numbers_across_many_lines(void **state)
{
	struct buf in;
	char *w;
	int i;

	(void)state;
	buf_init(&in, 0);
	for (i = 0; i < 1000; i++)
		buf_printf(&in, "k%d: v\n%s", i, i % 2 ? " more\n" : "");
	buf_adds(&in, "last\n");
	w = render(in.data, in.len, 0, 0);
	assert_non_null(strstr(w, "1501 missing colon\n"));
	assert_non_null(strstr(w, "1500 E [k999] [v more]\n"));
	free(w);
	buf_free(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_whole_and_bytewise),
		cmocka_unit_test(test_too_long_line_is_skipped_with_continuations),
		cmocka_unit_test(test_too_long_at_end_of_input_is_kept),
		cmocka_unit_test(test_continuation_past_the_limit),
		cmocka_unit_test(test_line_numbers_across_many_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
