/*
 * test_prescan.c -- addr_prescan, the address tokeniser: operator
 * characters, quoted strings, backslashes, comments (dropped with the
 * external table, tokens with the nocomment table), angle brackets, the
 * list delimiter, each patched syntax error with its message, the size
 * limits, and metasymbol bytes in the internal table.  Expectations were
 * checked against sendmail 8.17 -bt (V8 cf for the external table, V10
 * for the nocomment table).  Every prefix of every input is tokenised
 * too, as if the address arrived one byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr/addr.h"

#define OPS	".:%@!^/[]+"
#define MAXTOK	24

enum tab { EXT, INT, NOC };

struct pcase {
	const char	*in;
	enum tab	 tab;
	int		 delim;
	int		 ignore;
	enum addr_scan	 res;
	const char	*tok[MAXTOK];	/* NULL-ended; unused on error */
	const char	*msgs;		/* errfn's, each + "\n" */
	size_t		 end;		/* *end_out, END: strlen */
};

#define END	((size_t)-1)

static struct addr_toktab tabs[3];

static int
setup(void **state)
{
	addr_toktab_ext(&tabs[EXT], OPS);
	addr_toktab_int(&tabs[INT], OPS);
	addr_toktab_nocomment(&tabs[NOC], OPS);
	return 0;
}

struct msgbuf {
	char	text[1024];
	size_t	len;
	size_t	n;		/* messages, including any cut off */
};

static void
collect(void *arg, const char *msg)
{
	struct msgbuf *m = arg;
	int n;

	m->n++;
	n = snprintf(m->text + m->len, sizeof(m->text) - m->len, "%s\n", msg);
	if (n > 0 && (size_t)n < sizeof(m->text) - m->len)
		m->len += (size_t)n;
}

/* Tokenises in[0..len) (a copy, so nothing past len is read). */
static enum addr_scan
scan(const struct pcase *c, size_t len, struct addr_tokens *t,
    size_t *end, struct msgbuf *m)
{
	enum addr_scan r;
	char *s = malloc(len + 1);

	assert_non_null(s);
	memcpy(s, c->in, len);
	s[len] = '\0';
	m->len = 0;
	m->n = 0;
	m->text[0] = '\0';
	r = addr_prescan(s, c->delim, &tabs[c->tab], c->ignore, t, end,
	    collect, m);
	free(s);
	return r;
}

/*
 * Whether the first len bytes leave a quote, comment or angle bracket
 * open, i.e. whether sendmail would have to patch that prefix.
 */
static int
prefix_is_cut(const struct pcase *c, size_t len)
{
	int quote = 0, cmnt = 0, angle = 0, comments = c->tab != NOC;
	size_t i;
	char ch;

	for (i = 0; i < len; i++) {
		ch = c->in[i];
		if (ch == '\\') {
			i++;
			continue;
		}
		if (quote) {
			if (ch == '"')
				quote = 0;
		} else if (comments && ch == '(')
			cmnt++;
		else if (comments && ch == ')')
			cmnt--;
		else if (cmnt > 0)
			;
		else if (ch == '"')
			quote = 1;
		else if (ch == '<')
			angle++;
		else if (ch == '>')
			angle--;
		else if (ch == c->delim && angle == 0)
			break;
	}
	return quote || cmnt > 0 || angle > 0;
}

static void
check_case(const struct pcase *c)
{
	struct addr_tokens t, pt;
	struct msgbuf m, pm;
	size_t end, pend, len = strlen(c->in), plen, i, n;
	enum addr_scan r;

	r = scan(c, len, &t, &end, &m);
	if (r != c->res)
		fail_msg("\"%s\": result %d, want %d (%s)", c->in, r, c->res,
		    m.text);
	assert_string_equal(m.text, c->msgs);
	assert_int_equal(end, c->end == END ? len : c->end);
	if (r != ADDR_SCAN_OK) {
		assert_null(t.v);
		assert_null(t.store);
	} else {
		for (i = 0; c->tok[i] != NULL && i < t.n; i++)
			assert_string_equal(t.v[i], c->tok[i]);
		if (c->tok[i] != NULL || i != t.n)
			fail_msg("\"%s\": %zu tokens, want %zu", c->in, t.n,
			    i + (c->tok[i] != NULL));
		assert_null(t.v[t.n]);
	}

	/*
	 * One byte at a time: every prefix must scan without crashing; for
	 * valid input, a prefix is patched (with a message) exactly when it
	 * cuts a quote, comment or bracket, and otherwise gives the full
	 * parse's tokens with the last one possibly cut short.
	 */
	for (plen = 0; plen < len; plen++) {
		r = scan(c, plen, &pt, &pend, &pm);
		assert_true(pend <= plen);
		if (c->res == ADDR_SCAN_OK && c->msgs[0] == '\0' &&
		    !c->ignore) {
			assert_int_equal(r, ADDR_SCAN_OK);
			if (prefix_is_cut(c, plen)) {
				if (pm.n == 0)
					fail_msg("\"%.*s\": cut but no message",
					    (int)plen, c->in);
			} else {
				if (pm.n != 0)
					fail_msg("\"%.*s\": %s", (int)plen,
					    c->in, pm.text);
				assert_true(pt.n <= t.n);
				for (n = 0; n + 1 < pt.n; n++)
					assert_string_equal(pt.v[n], t.v[n]);
				if (pt.n > 0 && strncmp(t.v[pt.n - 1],
				    pt.v[pt.n - 1],
				    strlen(pt.v[pt.n - 1])) != 0)
					fail_msg("\"%.*s\": token %s is no "
					    "prefix of %s", (int)plen, c->in,
					    pt.v[pt.n - 1], t.v[pt.n - 1]);
			}
		}
		addr_tokens_free(&pt);
	}
	addr_tokens_free(&t);
}

static void
run_cases(const struct pcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_case(&c[i]);
}

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_operator_chars_are_single_tokens(void **state)
{
	static const struct pcase c[] = {
		{ "a.b:c%d@e!f^g/h[i]j+k", EXT, 0, 0, ADDR_SCAN_OK,
		  { "a", ".", "b", ":", "c", "%", "d", "@", "e", "!", "f",
		    "^", "g", "/", "h", "[", "i", "]", "j", "+", "k" },
		  "", END },
		{ "..@@", EXT, 0, 0, ADDR_SCAN_OK,
		  { ".", ".", "@", "@" }, "", END },
		{ "a;b", EXT, 0, 0, ADDR_SCAN_OK, { "a", ";", "b" }, "", END },
		{ "[1.2.3.4]", EXT, 0, 0, ADDR_SCAN_OK,
		  { "[", "1", ".", "2", ".", "3", ".", "4", "]" }, "", END },
		{ "a.", EXT, 0, 0, ADDR_SCAN_OK, { "a", "." }, "", END },
		{ "foo   bar", EXT, 0, 0, ADDR_SCAN_OK, { "foo", "bar" }, "",
		  END },
		{ " \t joe \r\n", EXT, 0, 0, ADDR_SCAN_OK, { "joe" }, "", END },
		{ "", EXT, 0, 0, ADDR_SCAN_OK, { NULL }, "", 0 },
		{ "   ", EXT, 0, 0, ADDR_SCAN_OK, { NULL }, "", END },
		/* '=' and '-' are not in OPS: part of the atom */
		{ "a=b-c", EXT, 0, 0, ADDR_SCAN_OK, { "a=b-c" }, "", END },
	};

	run_cases(c, NCASES(c));
}

static void
test_quoted_string_is_one_token(void **state)
{
	static const struct pcase c[] = {
		{ "\"John Doe\"@example.com", EXT, 0, 0, ADDR_SCAN_OK,
		  { "\"John Doe\"", "@", "example", ".", "com" }, "", END },
		{ "\"a\\\"b\"@x", EXT, 0, 0, ADDR_SCAN_OK,
		  { "\"a\\\"b\"", "@", "x" }, "", END },
		{ "\"\"", EXT, 0, 0, ADDR_SCAN_OK, { "\"\"" }, "", END },
		{ "\"\" x", EXT, 0, 0, ADDR_SCAN_OK, { "\"\"", "x" }, "", END },
		{ "a\"\"b", EXT, 0, 0, ADDR_SCAN_OK, { "a", "\"\"", "b" }, "",
		  END },
		{ "\"a\" \"b\"", EXT, 0, 0, ADDR_SCAN_OK,
		  { "\"a\"", "\"b\"" }, "", END },
		/* no comment, bracket or delimiter inside quotes */
		{ "\"a(b\"c", EXT, 0, 0, ADDR_SCAN_OK, { "\"a(b\"", "c" }, "",
		  END },
		{ "\"<a,b>\",c", EXT, ',', 0, ADDR_SCAN_OK, { "\"<a,b>\"" },
		  "", 7 },
	};

	run_cases(c, NCASES(c));
}

static void
test_backslash_is_kept_except_before_bang(void **state)
{
	static const struct pcase c[] = {
		{ "a\\@b@c", EXT, 0, 0, ADDR_SCAN_OK, { "a\\@b", "@", "c" },
		  "", END },
		/* \! outside quotes is a plain '!' operator */
		{ "a\\!b", EXT, 0, 0, ADDR_SCAN_OK, { "a", "!", "b" }, "",
		  END },
		{ "\"a\\!b\"", EXT, 0, 0, ADDR_SCAN_OK, { "\"a\\!b\"" }, "",
		  END },
		{ "a\\ b", EXT, 0, 0, ADDR_SCAN_OK, { "a\\ b" }, "", END },
		{ "a\\(b", EXT, 0, 0, ADDR_SCAN_OK, { "a\\(b" }, "", END },
		{ "a\\", EXT, 0, 0, ADDR_SCAN_OK, { "a" }, "", END },
		{ "\\", EXT, 0, 0, ADDR_SCAN_OK, { NULL }, "", END },
		{ "\\\\", EXT, 0, 0, ADDR_SCAN_OK, { "\\\\" }, "", END },
	};

	run_cases(c, NCASES(c));
}

static void
test_comments_are_dropped_by_external_table_only(void **state)
{
	static const struct pcase c[] = {
		{ "joe(Joe Bloggs)@example.com", EXT, 0, 0, ADDR_SCAN_OK,
		  { "joe", "@", "example", ".", "com" }, "", END },
		{ "joe (comment (nested) more) @ x", EXT, 0, 0, ADDR_SCAN_OK,
		  { "joe", "@", "x" }, "", END },
		{ "joe(x)bloggs", EXT, 0, 0, ADDR_SCAN_OK, { "joe", "bloggs" },
		  "", END },
		/* a backslash inside a comment escapes its ')' */
		{ "a(b\\)c)d", EXT, 0, 0, ADDR_SCAN_OK, { "a", "d" }, "", END },
		{ "(a,b),c", EXT, ',', 0, ADDR_SCAN_OK, { NULL }, "", 5 },
		{ "joe(Joe Bloggs)@example.com", NOC, 0, 0, ADDR_SCAN_OK,
		  { "joe", "(", "Joe", "Bloggs", ")", "@", "example", ".",
		    "com" }, "", END },
		{ "joe (comment (nested) more) @ x", NOC, 0, 0, ADDR_SCAN_OK,
		  { "joe", "(", "comment", "(", "nested", ")", "more", ")",
		    "@", "x" }, "", END },
		/* the internal table still has comments */
		{ "a(b)c", INT, 0, 0, ADDR_SCAN_OK, { "a", "c" }, "", END },
	};

	run_cases(c, NCASES(c));
}

static void
test_angle_brackets_are_tokens_and_hide_the_delimiter(void **state)
{
	static const struct pcase c[] = {
		{ "Joe Bloggs <joe@example.com>", EXT, 0, 0, ADDR_SCAN_OK,
		  { "Joe", "Bloggs", "<", "joe", "@", "example", ".", "com",
		    ">" }, "", END },
		{ "<<a>>", EXT, 0, 0, ADDR_SCAN_OK,
		  { "<", "<", "a", ">", ">" }, "", END },
		{ "a<b>c<d>", EXT, 0, 0, ADDR_SCAN_OK,
		  { "a", "<", "b", ">", "c", "<", "d", ">" }, "", END },
		/* a source route's commas stay inside the brackets */
		{ "<@a,@b:joe@c>", EXT, ',', 0, ADDR_SCAN_OK,
		  { "<", "@", "a", ",", "@", "b", ":", "joe", "@", "c", ">" },
		  "", END },
		{ "< @a,@b:joe@c>, d", EXT, ',', 0, ADDR_SCAN_OK,
		  { "<", "@", "a", ",", "@", "b", ":", "joe", "@", "c", ">" },
		  "", 14 },
		{ "<>", EXT, 0, 0, ADDR_SCAN_OK, { "<", ">" }, "", END },
	};

	run_cases(c, NCASES(c));
}

static void
test_delimiter_ends_the_address_and_sets_end(void **state)
{
	static const struct pcase c[] = {
		{ "a@b, c@d", EXT, ',', 0, ADDR_SCAN_OK, { "a", "@", "b" }, "",
		  3 },
		{ "a , b", EXT, ',', 0, ADDR_SCAN_OK, { "a" }, "", 2 },
		{ ",a", EXT, ',', 0, ADDR_SCAN_OK, { NULL }, "", 0 },
		/* without a delimiter ',' is an operator */
		{ "a@b, c@d", EXT, 0, 0, ADDR_SCAN_OK,
		  { "a", "@", "b", ",", "c", "@", "d" }, "", END },
		/* rule text: the tab ends the LHS */
		{ "\220 @ \220\t\227 x", INT, '\t', 0, ADDR_SCAN_OK,
		  { "\220", "@", "\220" }, "", 5 },
	};

	run_cases(c, NCASES(c));
}

static void
test_unbalanced_input_is_patched_with_a_message(void **state)
{
	static const struct pcase c[] = {
		{ "\"unbalanced", EXT, 0, 0, ADDR_SCAN_OK,
		  { "\"unbalanced\"" }, "553 Unbalanced '\"'\n", END },
		{ "(unbalanced", EXT, 0, 0, ADDR_SCAN_OK, { NULL },
		  "553 Unbalanced '('\n", END },
		{ "<unbalanced", EXT, 0, 0, ADDR_SCAN_OK,
		  { "<", "unbalanced", ">" }, "553 Unbalanced '<'\n", END },
		{ "unbalanced)", EXT, 0, 0, ADDR_SCAN_OK, { "unbalanced" },
		  "553 Unbalanced ')'\n", END },
		{ "unbalanced>", EXT, 0, 0, ADDR_SCAN_OK, { "unbalanced" },
		  "553 Unbalanced '>'\n", END },
		/* with the nocomment table parentheses are plain tokens */
		{ "(unbalanced", NOC, 0, 0, ADDR_SCAN_OK,
		  { "(", "unbalanced" }, "", END },
		{ "unbalanced)", NOC, 0, 0, ADDR_SCAN_OK,
		  { "unbalanced", ")" }, "", END },
		/* an open '<' before a list comma is closed there */
		{ "a<b,c>d", EXT, ',', 0, ADDR_SCAN_OK,
		  { "a", "<", "b", ">" }, "553 Unbalanced '<'\n", 3 },
		/* several patches at the end, innermost first */
		{ "<a(\"b", EXT, 0, 0, ADDR_SCAN_OK, { "<", "a", ">" },
		  "553 Unbalanced '('\n553 Unbalanced '<'\n", END },
		{ "<\"b", EXT, 0, 0, ADDR_SCAN_OK, { "<", "\"b\"", ">" },
		  "553 Unbalanced '\"'\n553 Unbalanced '<'\n", END },
		{ "a>>b", EXT, 0, 0, ADDR_SCAN_OK, { "ab" },
		  "553 Unbalanced '>'\n553 Unbalanced '>'\n", END },
		/* ignore_errors: nothing patched, nothing said */
		{ "<a", EXT, 0, 1, ADDR_SCAN_OK, { "<", "a" }, "", END },
		{ "\"a", EXT, 0, 1, ADDR_SCAN_OK, { "\"a" }, "", END },
	};

	run_cases(c, NCASES(c));
}

static void
test_metasymbol_bytes_in_internal_table(void **state)
{
	static const struct pcase c[] = {
		/* $* $+ are one-byte operators */
		{ "\220", INT, 0, 0, ADDR_SCAN_OK, { "\220" }, "", END },
		{ "\220\221", INT, 0, 0, ADDR_SCAN_OK, { "\220", "\221" }, "",
		  END },
		{ "a\220b", INT, 0, 0, ADDR_SCAN_OK, { "a", "\220", "b" }, "",
		  END },
		/* $=X $~X $n $x $&x take the following byte along */
		{ "\223X", INT, 0, 0, ADDR_SCAN_OK, { "\223X" }, "", END },
		{ "\223Xyz", INT, 0, 0, ADDR_SCAN_OK, { "\223X", "yz" }, "",
		  END },
		{ "\224w@", INT, 0, 0, ADDR_SCAN_OK, { "\224w", "@" }, "",
		  END },
		{ "\225" "1.\225" "2", INT, 0, 0, ADDR_SCAN_OK,
		  { "\225" "1", ".", "\225" "2" }, "", END },
		{ "\202x\201y", INT, 0, 0, ADDR_SCAN_OK, { "\202x", "\201y" },
		  "", END },
		/* a long macro name's id is a byte >= 0240 */
		{ "\223\241 \220", INT, 0, 0, ADDR_SCAN_OK,
		  { "\223\241", "\220" }, "", END },
		{ "\223", INT, 0, 0, ADDR_SCAN_OK, { "\223" }, "", END },
		{ "\230 \225" "1", NOC, 0, 0, ADDR_SCAN_OK,
		  { "\230", "\225" "1" }, "", END },
		/* in the external table they are ordinary atom bytes */
		{ "a\220b", EXT, 0, 0, ADDR_SCAN_OK, { "a\220b" }, "", END },
		{ "\223X.y", EXT, 0, 0, ADDR_SCAN_OK, { "\223X", ".", "y" },
		  "", END },
	};

	run_cases(c, NCASES(c));
}

/* Builds n copies of unit followed by tail; caller frees. */
static char *
repeat(const char *unit, size_t n, const char *tail)
{
	size_t ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(ul * n + tl + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	memcpy(s + ul * n, tail, tl + 1);
	return s;
}

struct lcase {
	const char	*unit;
	size_t		 n;
	enum addr_scan	 res;
	size_t		 ntok;
	const char	*msgs;
};

static void
test_size_limits_fail_with_their_message(void **state)
{
	static const struct lcase c[] = {
		{ "a", 255, ADDR_SCAN_OK, 1, "" },
		{ "a", 256, ADDR_SCAN_ERROR, 0,
		  "553 5.1.0 prescan: token too long\n" },
		{ "a", 1300, ADDR_SCAN_ERROR, 0,
		  "553 5.1.1 Address too long\n" },
		/* 1250 bytes of tokens plus their NULs is the buffer */
		{ "a.", 300, ADDR_SCAN_OK, 600, "" },
		{ "a.", 313, ADDR_SCAN_OK, 626, "" },
		{ "a.", 314, ADDR_SCAN_ERROR, 0,
		  "553 5.1.1 Address too long\n" },
		/*
		 * Each token costs at least two bytes of that buffer, so
		 * the address is too long before it has MAXATOM tokens:
		 * "prescan: too many tokens" cannot be reached, as in
		 * sendmail.
		 */
		{ ".", ADDR_MAXATOM + 10, ADDR_SCAN_ERROR, 0,
		  "553 5.1.1 Address too long\n" },
		{ "\220", ADDR_MAXATOM + 10, ADDR_SCAN_ERROR, 0,
		  "553 5.1.1 Address too long\n" },
		{ "\\a", 700, ADDR_SCAN_ERROR, 0,
		  "553 5.1.1 Address too long\n" },
	};
	struct addr_tokens t;
	struct msgbuf m;
	struct pcase pc;
	size_t i, end;
	enum addr_scan r;
	char *s;

	for (i = 0; i < NCASES(c); i++) {
		s = repeat(c[i].unit, c[i].n, "");
		memset(&pc, 0, sizeof(pc));
		pc.in = s;
		pc.tab = INT;
		r = scan(&pc, strlen(s), &t, &end, &m);
		if (r != c[i].res)
			fail_msg("%zu x \"%s\": result %d (%s)", c[i].n,
			    c[i].unit, r, m.text);
		assert_string_equal(m.text, c[i].msgs);
		assert_int_equal(t.n, c[i].ntok);
		addr_tokens_free(&t);
		free(s);
	}
}

/* A long address arriving byte by byte never overruns the buffer. */
static void
test_every_prefix_of_an_overlong_address_scans(void **state)
{
	static const char *const units[] = {
		"a.", "\"q\\\"\"", "(c)", "<", ">", "\\", "\223X", "a,",
	};
	struct addr_tokens t;
	struct msgbuf m;
	struct pcase pc;
	size_t i, len, end;
	char *s;

	for (i = 0; i < NCASES(units); i++) {
		s = repeat(units[i], 1400 / strlen(units[i]), "");
		memset(&pc, 0, sizeof(pc));
		pc.in = s;
		pc.delim = i % 2 ? ',' : 0;
		pc.tab = (enum tab)(i % 3);
		for (len = 1200; len <= strlen(s); len++) {
			(void)scan(&pc, len, &t, &end, &m);
			assert_true(end <= len);
			addr_tokens_free(&t);
		}
		free(s);
	}
}

static void
test_tokens_copy_owns_its_strings(void **state)
{
	char a[] = "one", b[] = "\"two words\"";
	char *v[] = { a, b };
	struct addr_tokens t;

	addr_tokens_copy(&t, v, 2);
	a[0] = 'X';
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0], "one");
	assert_string_equal(t.v[1], "\"two words\"");
	assert_null(t.v[2]);
	addr_tokens_free(&t);
	assert_null(t.v);
	addr_tokens_free(&t);
	addr_tokens_free(NULL);

	addr_tokens_copy(&t, v, 0);
	assert_int_equal(t.n, 0);
	assert_null(t.v[0]);
	addr_tokens_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operator_chars_are_single_tokens),
		cmocka_unit_test(test_quoted_string_is_one_token),
		cmocka_unit_test(
		    test_backslash_is_kept_except_before_bang),
		cmocka_unit_test(
		    test_comments_are_dropped_by_external_table_only),
		cmocka_unit_test(
		    test_angle_brackets_are_tokens_and_hide_the_delimiter),
		cmocka_unit_test(test_delimiter_ends_the_address_and_sets_end),
		cmocka_unit_test(
		    test_unbalanced_input_is_patched_with_a_message),
		cmocka_unit_test(test_metasymbol_bytes_in_internal_table),
		cmocka_unit_test(test_size_limits_fail_with_their_message),
		cmocka_unit_test(
		    test_every_prefix_of_an_overlong_address_scans),
		cmocka_unit_test(test_tokens_copy_owns_its_strings),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
