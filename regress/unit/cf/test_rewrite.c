/*
 * test_rewrite.c -- the rewriting engine through -bt, on a small cf read
 * from memory: each LHS operator ($* $+ $- $@ $=X $~X $&x, literal
 * tokens without case, backtracking), each RHS operator ($n, $: $@ $>
 * $[ $] $( $) $# $&x $|), and the three limits (100 passes, recursion,
 * expansion length).  The transcripts are sendmail 8.17's, taken with
 * `sendmail -bt -C` on the same cf, one input per fresh process.
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

#define DOT10	"$+ . $+ . $+ . $+ . $+ . $+ . $+ . $+ . $+ . $+ . "

static const char cf_text[] =
	"V10/Berkeley\n"
	"O QueueDirectory=/tmp\n"
	"O OperatorChars=.:%@!^/[]+\n"
	"DXmacx\n"
	"D{Dom}example.com\n"
	"CWalpha beta\n"
	"CWfoo.bar\n"
	"Kd dequote\n"
	"Kmac macro\n"
	"Kre regex -a.YES ^[0-9]+$\n"
	"Kre2 regex -s1 ^([a-z]+)-([0-9]+)$\n"
	"S0\n"
	"R$*\t$#local $: $1\n"
	"SStar\n"
	"R$* @ $*\t$@ <$1> at <$2>\n"
	"SPlus\n"
	"R$+ @ $+\t$@ plus $1 $2\n"
	"R$*\t$@ none\n"
	"SMinus\n"
	"R$- @ $-\t$@ one $1 $2\n"
	"R$*\t$@ none\n"
	"SAt\n"
	"R$@\t$@ empty\n"
	"R a $@ b\t$@ zero\n"
	"R$*\t$@ nonempty\n"
	"SAt0\n"
	"R$*\t$: $>At\n"
	"SClass\n"
	"R$=W\t$@ in $1\n"
	"R$* $=W\t$@ tail $1 / $2\n"
	"R$*\t$@ out\n"
	"SNclass\n"
	"R$~W\t$@ notin $1\n"
	"R$*\t$@ other\n"
	"SDefer\n"
	"R$&X\t$@ matched\n"
	"R$*\t$@ nomatch\n"
	"SLit\n"
	"R FOO @ Bar\t$@ literal\n"
	"R$*\t$@ nolit\n"
	"SBack\n"
	"R$* @ $* . $+\t$@ user $1 host $2 tld $3\n"
	"SBack2\n"
	"R$+ . $+ . $+\t$@ $1 | $2 | $3\n"
	"SRepl\n"
	"R$+ @ $+\t$2 ! $1\n"
	"SOnce\n"
	"R$+\t$: x $1\n"
	"R$+\t$: y $1\n"
	"SRet\n"
	"R$+\t$@ ret $1\n"
	"R$+\t$@ never\n"
	"SCall\n"
	"R$+\t$: $>Sub $1\n"
	"R$+\t$@ after $1\n"
	"SSub\n"
	"R$+\t$@ sub $1\n"
	"SEmpty\n"
	"SCallEmpty\n"
	"R$+\t$: $>Empty $1\n"
	"R$+\t$@ back $1\n"
	"SHost\n"
	"R$+\t$@ $[ $1 $]\n"
	"SHostDef\n"
	"R$+\t$@ $[ $1 $: nohost $]\n"
	"SDeq\n"
	"R$+\t$@ $(d $1 $)\n"
	"SMac\n"
	"R$+\t$@ $(mac {Dom} $@ $1 $) $&{Dom}\n"
	"SRegex\n"
	"R$+\t$@ $(re $1 $: no $)\n"
	"SRegex2\n"
	"R$+\t$@ $(re2 $1 $: no $)\n"
	"SNomap\n"
	"R$+\t$@ $(nosuch $1 $: dflt $)\n"
	"SRes\n"
	"R$+\t$#smtp $@ $1 $: $1\n"
	"R$+\t$@ unreached\n"
	"SDeferR\n"
	"R$*\t$@ $&X $&{Dom} $1\n"
	"SSep\n"
	"R$* $| $*\t$@ right $2 left $1\n"
	"R$*\t$: $1 $| sep\n"
	"R$* $| $*\t$@ $2 then $1\n"
	"SLoop\n"
	"R$+\t$1\n"
	"SRec\n"
	"R$+\t$: $>Rec $1\n"
	"SLong\n"
	"R$+\t$1 $1\n"
	"SVeryLongRulesetName17\n"
	"R$*\t$@ long $1\n"
	"S98\n"
	"R$+\t$@ $>Star $1\n"
	/* more LHS operators, and a longer tail after a lookup, than the
	 * engine keeps on its stack (64 each) */
	"SWide\n"
	"R" DOT10 DOT10 DOT10 DOT10 DOT10 DOT10 DOT10 "$+\t$@ wide $1 $9\n"
	"SDeqTail\n"
	"R$+\t$@ $(d x $) $1\n"
	/* exponential work (2 calls per level) */
	"STwice\n"
	"R$+\t$: $>Twice $1\n"
	"R$+\t$: $>Twice $1\n"
	"SDeep\n"
	"R x $*\t$: x $>Deep $1\n"
	"R x $*\t$: x $>Deep $1\n"
	"Mlocal, P=/bin/true, F=lsDFMAw5:/|@qPn9S, S=10, R=20, A=mail $u\n";

#define BANNER \
	"ADDRESS TEST MODE (ruleset 3 NOT automatically invoked)\n" \
	"Enter <ruleset> <address>\n"

struct btcase {
	const char	*in;		/* -bt input lines */
	const char	*out;		/* transcript between prompts */
};

struct capture {
	FILE	*f;
	char	*text;
	size_t	 len;
};

/* A fresh cf read from cf_text, its messages going to cap. */
static struct cf *
load(struct capture *cap)
{
	struct cf *cf;

	cap->text = NULL;
	cap->len = 0;
	cap->f = open_memstream(&cap->text, &cap->len);
	assert_non_null(cap->f);
	cf = cf_new();
	cf_set_output(cf, cap->f);
	cf_read_buffer(cf, "test.cf", cf_text, sizeof(cf_text) - 1);
	assert_int_equal(fflush(cap->f), 0);
	if (cf_nerrors(cf) != 0 || cap->len != 0)
		fail_msg("reading the cf: %s", cap->text);
	return cf;
}

static void
unload(struct cf *cf, struct capture *cap)
{
	cf_free(cf);
	assert_int_equal(fclose(cap->f), 0);
	free(cap->text);
}

/* Runs the lines through cf_testmode; returns the transcript (free it). */
static char *
bt(const char *in)
{
	struct capture cap;
	struct cf *cf = load(&cap);
	FILE *inf;
	char *text;

	inf = fmemopen((void *)in, strlen(in), "r");
	assert_non_null(inf);
	(void)cf_testmode(cf, inf, cap.f);
	assert_int_equal(fclose(inf), 0);
	assert_int_equal(fflush(cap.f), 0);
	text = strdup(cap.text);
	assert_non_null(text);
	unload(cf, &cap);
	return text;
}

static void
run_bt(const struct btcase *c, size_t n)
{
	char *got, *want;
	size_t i, wl;

	for (i = 0; i < n; i++) {
		wl = strlen(BANNER) + strlen(c[i].out) + 5;
		want = malloc(wl);
		assert_non_null(want);
		(void)snprintf(want, wl, "%s> %s> ", BANNER, c[i].out);
		got = bt(c[i].in);
		if (strcmp(got, want) != 0)
			print_error("input %s", c[i].in);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
}

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_lhs_operators_match_like_sendmail(void **state)
{
	static const struct btcase c[] = {
		{ "Star joe@example.com\n",
		  "Star               input: joe @ example . com\n"
		  "Star             returns: < joe > at < example . com >\n" },
		{ "Star @\n",
		  "Star               input: @\n"
		  "Star             returns: < > at < >\n" },
		{ "Star joe\n",
		  "Star               input: joe\n"
		  "Star             returns: joe\n" },
		{ "Plus joe@example.com\n",
		  "Plus               input: joe @ example . com\n"
		  "Plus             returns: plus joe example . com\n" },
		{ "Plus @x\n",
		  "Plus               input: @ x\n"
		  "Plus             returns: none\n" },
		{ "Minus a@b\n",
		  "Minus              input: a @ b\n"
		  "Minus            returns: one a b\n" },
		{ "Minus a.b@c\n",
		  "Minus              input: a . b @ c\n"
		  "Minus            returns: none\n" },
		{ "At0 x\n",
		  "At0                input: x\n"
		  "At                 input:\n"
		  "At               returns: empty\n"
		  "At0              returns: empty\n" },
		{ "At x\n",
		  "At                 input: x\n"
		  "At               returns: nonempty\n" },
		{ "At a b\n",
		  "At                 input: a b\n"
		  "At               returns: zero\n" },
		{ "Class beta\n",
		  "Class              input: beta\n"
		  "Class            returns: in beta\n" },
		{ "Class foo.bar\n",
		  "Class              input: foo . bar\n"
		  "Class            returns: in foo . bar\n" },
		{ "Class x y ALPHA\n",
		  "Class              input: x y ALPHA\n"
		  "Class            returns: tail x y / ALPHA\n" },
		{ "Class gamma\n",
		  "Class              input: gamma\n"
		  "Class            returns: out\n" },
		{ "Nclass gamma\n",
		  "Nclass             input: gamma\n"
		  "Nclass           returns: notin gamma\n" },
		{ "Nclass alpha\n",
		  "Nclass             input: alpha\n"
		  "Nclass           returns: other\n" },
		{ "Nclass a b\n",
		  "Nclass             input: a b\n"
		  "Nclass           returns: other\n" },
		{ "Defer macx\n",
		  "Defer              input: macx\n"
		  "Defer            returns: matched\n" },
		{ "Defer MACX\n",
		  "Defer              input: MACX\n"
		  "Defer            returns: matched\n" },
		{ "Defer other\n",
		  "Defer              input: other\n"
		  "Defer            returns: nomatch\n" },
		{ "Lit foo@bar\n",
		  "Lit                input: foo @ bar\n"
		  "Lit              returns: literal\n" },
		{ "Lit foo@baz\n",
		  "Lit                input: foo @ baz\n"
		  "Lit              returns: nolit\n" },
	};

	run_bt(c, NCASES(c));
}

static void
test_lhs_backtracks_to_the_last_dot(void **state)
{
	static const struct btcase c[] = {
		{ "Back joe@mail.example.com\n",
		  "Back               input: joe @ mail . example . com\n"
		  "Back             returns: user joe host mail tld "
		  "example . com\n" },
		{ "Back a@b@c.d.e\n",
		  "Back               input: a @ b @ c . d . e\n"
		  "Back             returns: user a host b @ c tld d . e\n" },
		{ "Back joe@localhost\n",
		  "Back               input: joe @ localhost\n"
		  "Back             returns: joe @ localhost\n" },
		{ "Back2 a.b.c.d\n",
		  "Back2              input: a . b . c . d\n"
		  "Back2            returns: a | b | c . d\n" },
		{ "Back2 a.b\n",
		  "Back2              input: a . b\n"
		  "Back2            returns: a . b\n" },
	};

	run_bt(c, NCASES(c));
}

static void
test_rhs_substitutes_and_obeys_its_prefixes(void **state)
{
	static const struct btcase c[] = {
		{ "Repl joe@host\n",
		  "Repl               input: joe @ host\n"
		  "Repl             returns: host ! joe\n" },
		{ "Once a\n",
		  "Once               input: a\n"
		  "Once             returns: y x a\n" },
		{ "Ret a\n",
		  "Ret                input: a\n"
		  "Ret              returns: ret a\n" },
		{ "Res joe\n",
		  "Res                input: joe\n"
		  "Res              returns: $# smtp $@ joe $: joe\n" },
		{ "Res joe,fred\n",
		  "Res                input: joe\n"
		  "Res              returns: $# smtp $@ joe $: joe\n"
		  "Res                input: fred\n"
		  "Res              returns: $# smtp $@ fred $: fred\n" },
		{ "Sep a\n",
		  "Sep                input: a\n"
		  "Sep              returns: sep then a\n" },
		{ "Sep a|b\n",
		  "Sep                input: a|b\n"
		  "Sep              returns: sep then a|b\n" },
		{ "DeferR x\n",
		  "DeferR             input: x\n"
		  "DeferR           returns: macx example . com x\n" },
	};

	run_bt(c, NCASES(c));
}

static void
test_subroutine_calls_skip_empty_rulesets(void **state)
{
	static const struct btcase c[] = {
		{ "Call a\n",
		  "Call               input: a\n"
		  "Sub                input: a\n"
		  "Sub              returns: sub a\n"
		  "Call             returns: after sub a\n" },
		{ "CallEmpty a\n",
		  "CallEmpty          input: a\n"
		  "CallEmpty        returns: back a\n" },
		{ "98 x@y\n",
		  "98                 input: x @ y\n"
		  "Star               input: x @ y\n"
		  "Star             returns: < x > at < y >\n"
		  "98               returns: < x > at < y >\n" },
		{ "Star,Plus a@b\n",
		  "Star               input: a @ b\n"
		  "Star             returns: < a > at < b >\n"
		  "Plus               input: < a > at < b >\n"
		  "Plus             returns: none\n" },
		{ "3,0 joe@example.com\n",
		  "3                  input: joe @ example . com\n"
		  "3                returns: joe @ example . com\n"
		  "0                  input: joe @ example . com\n"
		  "0                returns: $# local $: "
		  "joe @ example . com\n" },
		{ "VeryLongRulesetName17 a\n",
		  "VeryLongRulesetN   input: a\n"
		  "VeryLongRulesetN returns: long a\n" },
	};

	run_bt(c, NCASES(c));
}

static void
test_map_lookups_use_key_args_and_default(void **state)
{
	static const struct btcase c[] = {
		{ "Deq \"quoted\"\n",
		  "Deq                input: \"quoted\"\n"
		  "Deq              returns: quoted\n" },
		{ "Mac val\n",
		  "Mac                input: val\n"
		  "Mac              returns: example . com\n" },
		{ "Mac val\n"
		  "DeferR x\n",
		  "Mac                input: val\n"
		  "Mac              returns: example . com\n"
		  "> DeferR             input: x\n"
		  "DeferR           returns: macx val x\n" },
		{ "Regex 12345\n",
		  "Regex              input: 12345\n"
		  "Regex            returns: . YES\n" },
		{ "Regex abc\n",
		  "Regex              input: abc\n"
		  "Regex            returns: no\n" },
		/* keys lose their quotes unless the map says -q */
		{ "Regex \"123\"45\n",
		  "Regex              input: \"123\" 45\n"
		  "Regex            returns: . YES\n" },
		{ "Regex2 abc-12\n",
		  "Regex2             input: abc-12\n"
		  "Regex2           returns: abc\n" },
		{ "Regex2 abc\n",
		  "Regex2             input: abc\n"
		  "Regex2           returns: no\n" },
		{ "Nomap key\n",
		  "Nomap              input: key\n"
		  "rewrite: map nosuch not found\n"
		  "Nomap            returns: dflt\n" },
	};

	run_bt(c, NCASES(c));
}

static void
test_loop_and_expansion_limits_report_errors(void **state)
{
	static const struct btcase c[] = {
		{ "Loop a\n",
		  "Loop               input: a\n"
		  "Infinite loop in ruleset Loop, rule 1\n"
		  "Loop             returns: a\n" },
		{ "Long a\n",
		  "Long               input: a\n"
		  "rewrite: expansion too long\n"
		  "== Ruleset Long (169) status 65\n" },
	};

	run_bt(c, NCASES(c));
}

/*
 * Ruleset Rec calls itself: levels 0..51 are traced, the 52nd call
 * fails, and the failure unwinds through every level.
 */
static void
test_recursion_stops_after_fifty_levels(void **state)
{
	static const char in[] = "Rec                input: a\n";
	static const char err[] =
	    "rewrite: excessive recursion (max 50), ruleset Rec\n";
	static const char ret[] = "Rec              returns: a\n";
	static const char tail[] = "== Ruleset Rec (170) status 78\n";
	struct btcase c;
	char *out, *p;
	size_t i;

	out = malloc(52 * sizeof(in) + sizeof(err) + 51 * sizeof(ret) +
	    sizeof(tail));
	assert_non_null(out);
	p = out;
	for (i = 0; i < 52; i++)
		p = stpcpy(p, in);
	p = stpcpy(p, err);
	for (i = 0; i < 51; i++)
		p = stpcpy(p, ret);
	(void)stpcpy(p, tail);
	c.in = "Rec a\n";
	c.out = out;
	run_bt(&c, 1);
	free(out);
}

/*
 * $[ $] is the host map with -a.: a literal address found in
 * /etc/hosts comes back canonical with a trailing dot.  The name itself
 * depends on the host, so only the shape is checked.
 */
static void
test_host_lookup_canonifies_address_literal(void **state)
{
	static const char want[] = BANNER
	    "> Host               input: [ 127 . 0 . 0 . 1 ]\n"
	    "Host             returns: ";
	char *got = bt("Host [127.0.0.1]\n");
	size_t gl = strlen(got);

	assert_true(gl > sizeof(want) + 4);
	assert_memory_equal(got, want, sizeof(want) - 1);
	assert_string_equal(got + gl - 5, " .\n> ");
	assert_null(strstr(got, "status"));
	free(got);
}

struct rcase {
	const char	*rs;
	const char	*in;
	int		 maxatom;
	int		 status;
	const char	*result;	/* tokens joined by ' ', raw bytes */
	const char	*msgs;
};

/* cf_rewrite itself, outside test mode: status, workspace, messages. */
static void
test_rewrite_returns_status_and_result_without_trace(void **state)
{
	static const struct rcase c[] = {
		{ "Star", "joe@example.com", ADDR_MAXATOM, 0,
		  "< joe > at < example . com >", "" },
		{ "Res", "joe", ADDR_MAXATOM, 0,
		  "\226 smtp \227 joe \230 joe", "" },
		{ "Sep", "a", ADDR_MAXATOM, 0, "sep then a", "" },
		{ "Loop", "a", ADDR_MAXATOM, 0, "a",
		  "Infinite loop in ruleset Loop, rule 1\n" },
		{ "Rec", "a", ADDR_MAXATOM, 78, NULL,
		  "rewrite: excessive recursion (max 50), ruleset Rec\n" },
		/* 2^50 calls for sendmail: the first too deep one ends it */
		{ "Twice", "a", ADDR_MAXATOM, 78, NULL,
		  "rewrite: excessive recursion (max 50), ruleset Twice\n" },
		/* 2^25 calls, none too deep: the budget of rules tried */
		{ "Deep", "x x x x x x x x x x x x x x x x x x x x x x x x x",
		  ADDR_MAXATOM, 78, NULL,
		  "rewrite: over 1000000 rules tried, ruleset Deep\n" },
		{ "Long", "a", ADDR_MAXATOM, 65, NULL,
		  "rewrite: expansion too long\n" },
		/* the caller's limit on the workspace */
		{ "Star", "a@b", 6, 65, NULL,
		  "rewrite: expansion too long\n" },
		{ "Star", "a@b", 7, 0, "< a > at < b >", "" },
		{ "Nomap", "key", ADDR_MAXATOM, 0, "dflt",
		  "rewrite: map nosuch not found\n" },
		{ "Empty", "a b", ADDR_MAXATOM, 0, "a b", "" },
	};
	struct capture cap;
	struct cf *cf;
	struct buf res;
	char **pvp;
	size_t i, j;
	int rs, st;

	buf_init(&res, 0);
	for (i = 0; i < NCASES(c); i++) {
		cf = load(&cap);
		pvp = cf_pvp_new(cf);
		assert_int_equal(cf_prescan(cf, c[i].in, '\0', NULL, pvp, NULL,
		    NULL), 0);
		rs = cf_rwset(cf, c[i].rs, 0, NULL);
		assert_true(rs >= 0);
		st = cf_rewrite(cf, pvp, rs, 0, c[i].maxatom);
		assert_int_equal(fflush(cap.f), 0);
		if (st != c[i].status)
			fail_msg("%s %s: status %d: %s", c[i].rs, c[i].in, st,
			    cap.text);
		assert_string_equal(cap.text, c[i].msgs);
		if (c[i].result != NULL) {
			buf_reset(&res);
			for (j = 0; pvp[j] != NULL; j++) {
				if (j > 0)
					buf_addc(&res, ' ');
				buf_adds(&res, pvp[j]);
			}
			assert_string_equal(buf_cstr(&res), c[i].result);
		}
		cf_arena_reset(cf);
		free(pvp);
		unload(cf, &cap);
	}
	buf_free(&res);
}

/* cf_rewrite of in by ruleset rs, outside test mode: tokens joined by ' '. */
static void
rewrite_joined(struct cf *cf, const char *rs, const char *in, struct buf *res)
{
	char **pvp = cf_pvp_new(cf);
	size_t j;

	assert_int_equal(cf_prescan(cf, in, '\0', NULL, pvp, NULL, NULL), 0);
	assert_int_equal(cf_rewrite(cf, pvp, cf_rwset(cf, rs, 0, NULL), 0,
	    ADDR_MAXATOM), 0);
	buf_reset(res);
	for (j = 0; pvp[j] != NULL; j++)
		buf_printf(res, "%s%s", j ? " " : "", pvp[j]);
	cf_arena_reset(cf);
	free(pvp);
}

/* Rules and workspaces past the engine's stack arrays take the heap. */
static void
test_long_lhs_and_long_tail_rewrite_like_short_ones(void **state)
{
	struct capture cap;
	struct cf *cf;
	struct buf in, want, res;
	size_t j;

	(void)state;
	buf_init(&in, 0);
	buf_init(&want, 0);
	buf_init(&res, 0);
	cf = load(&cap);
	/* Wide: 71 $+ separated by dots */
	for (j = 0; j <= 70; j++)
		buf_printf(&in, "%sa%zu", j ? "." : "", j);
	rewrite_joined(cf, "Wide", buf_cstr(&in), &res);
	assert_string_equal(buf_cstr(&res), "wide a0 a8");
	/* DeqTail: 80 tokens behind a lookup */
	buf_reset(&in);
	buf_adds(&want, "x");
	for (j = 0; j < 80; j++) {
		buf_printf(&in, "%st%zu", j ? " " : "", j);
		buf_printf(&want, " t%zu", j);
	}
	rewrite_joined(cf, "DeqTail", buf_cstr(&in), &res);
	assert_string_equal(buf_cstr(&res), buf_cstr(&want));
	assert_int_equal(fflush(cap.f), 0);
	assert_string_equal(cap.text, "");
	unload(cf, &cap);
	buf_free(&in);
	buf_free(&want);
	buf_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lhs_operators_match_like_sendmail),
		cmocka_unit_test(
		    test_long_lhs_and_long_tail_rewrite_like_short_ones),
		cmocka_unit_test(test_lhs_backtracks_to_the_last_dot),
		cmocka_unit_test(test_rhs_substitutes_and_obeys_its_prefixes),
		cmocka_unit_test(test_subroutine_calls_skip_empty_rulesets),
		cmocka_unit_test(test_map_lookups_use_key_args_and_default),
		cmocka_unit_test(test_loop_and_expansion_limits_report_errors),
		cmocka_unit_test(test_recursion_stops_after_fifty_levels),
		cmocka_unit_test(test_host_lookup_canonifies_address_literal),
		cmocka_unit_test(
		    test_rewrite_returns_status_and_result_without_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
