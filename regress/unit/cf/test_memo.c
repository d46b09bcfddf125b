/*
 * test_memo.c -- newaliases' one-atom shortcut (cf_memo.c) gives the
 * answers of the full rulesets: names through cf_parseaddr with the
 * memo and without it, on a cf whose rules treat some one-atom names
 * differently by each kind of test the memo records (a literal, a
 * class, a class phrase that runs past the name, $~X, a regex map
 * that finds some names, dequote, a macro read), in several orders;
 * a macro changed between two names, and a hash map looked up with a
 * fixed key rebuilt between two names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cf/cf_int.h"

static const char cf_text[] =
	"V10/Berkeley\n"
	"O QueueDirectory=/tmp\n"
	"O OperatorChars=.:%@!^/[]+\n"
	"D{Tag}tagged\n"
	"CXclassy Other\n"
	"CPphr<@>\n"
	"CNnotneg\n"
	"Kre regex -a.YES ^magic[0-9]*$\n"
	"Kd dequote\n"
	"S3\n"
	"R$*\t$: $1 < @ >\n"
	"R$=P\t$: phrase-matched\n"
	"R$* < @ >\t$: $1\n"
	"S0\n"
	"R special\t$#error $@ 5.1.1 $: \"550 special\"\n"
	"R$=X\t$#error $@ 5.1.1 $: \"550 in class\"\n"
	"R$~N\t$: $1\n"
	"R$=N\t$: neg $1\n"
	"R$+\t$: < $(re $1 $) >\n"
	"R< $+ . YES >\t$#error $@ 5.1.1 $: \"550 regex\"\n"
	"R< $+ >\t$: $1\n"
	"R$+\t$: $(d $1 $) $&{Tag}\n"
	"R$+ tagged\t$: $1\n"
	"R$-\t$#local $: $1\n"
	"R$+\t$#error $: \"550 odd\"\n"
	"Mlocal, P=/bin/true, F=lsDFMAw5:/|@qPn9S, A=mail $u\n";

static const char *const names[] = {
	"alias1", "alias2", "special", "SPECIAL", "alias3", "classy",
	"other", "alias4", "magic", "magic42", "alias5", "phr", "PHR",
	"notneg", "alias6", "MAILER-DAEMON", "a_b", "tagged", "alias7",
	"a.b", "x@y", "alias8",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

static struct cf *
load_text(const char *cftext, FILE **out, char **text, size_t *len)
{
	struct cf *cf;

	*out = open_memstream(text, len);
	assert_non_null(*out);
	cf = cf_new();
	cf_set_output(cf, *out);
	cf_read_buffer(cf, "test.cf", cftext, strlen(cftext));
	assert_int_equal(cf_nerrors(cf), 0);
	return cf;
}

static struct cf *
load(FILE **out, char **text, size_t *len)
{
	return load_text(cf_text, out, text, len);
}

/* "mailer|host|user|bad" of one name, or "syntax". */
static char *
resolve(struct cf *cf, const char *name)
{
	struct cf_addr a;
	char *s;
	size_t n;

	if (cf_parseaddr(cf, name, 0, '\0', NULL, &a) == -1)
		return strdup("syntax");
	n = strlen(name) + 200 + (a.host ? strlen(a.host) : 0) +
	    (a.user ? strlen(a.user) : 0);
	s = malloc(n);
	assert_non_null(s);
	(void)snprintf(s, n, "%s|%s|%s|%d", a.mailer ? a.mailer->name : "-",
	    a.host ? a.host : "-", a.user ? a.user : "-", a.bad);
	cf_addr_free(&a);
	cf_arena_reset(cf);
	return s;
}

static void
expect(struct cf *cf, const char *name, const char *want)
{
	char *s = resolve(cf, name);

	assert_string_equal(s, want);
	free(s);
}

/*
 * list[idx[0..n)] through cftext's rulesets without the memo, then with
 * it: the same answers.  Returns the first answer (free it).
 */
static char *
compare_text(const char *cftext, const char *const *list, const size_t *idx,
    size_t n, unsigned long *replays)
{
	FILE *out;
	char *text = NULL, *want[NNAMES], *got, *first;
	size_t len = 0, i;
	struct cf *cf = load_text(cftext, &out, &text, &len);

	assert_true(n <= NNAMES);
	for (i = 0; i < n; i++)
		want[i] = resolve(cf, list[idx[i]]);
	first = strdup(want[0]);
	cf_memo_enable(cf);
	for (i = 0; i < n; i++) {
		got = resolve(cf, list[idx[i]]);
		if (strcmp(got, want[i]) != 0)
			print_error("name %s\n", list[idx[i]]);
		assert_string_equal(got, want[i]);
		free(got);
		free(want[i]);
	}
	*replays += cf_memo_replays(cf);
	cf_memo_free(cf);
	cf_free(cf);
	assert_int_equal(fclose(out), 0);
	free(text);
	return first;
}

static void
compare(const size_t *idx, size_t n, unsigned long *replays)
{
	free(compare_text(cf_text, names, idx, n, replays));
}

static void
test_memo_answers_as_the_rulesets(void **state)
{
	size_t idx[NNAMES], i, j, t;
	unsigned long replays = 0;
	unsigned seed = 7;

	(void)state;
	for (i = 0; i < NNAMES; i++)
		idx[i] = i;
	compare(idx, NNAMES, &replays);
	for (i = 0; i < NNAMES; i++)
		idx[i] = NNAMES - 1 - i;
	compare(idx, NNAMES, &replays);
	for (t = 0; t < 20; t++) {
		for (i = NNAMES - 1; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			j = (seed >> 16) % (i + 1);
			size_t k = idx[i];
			idx[i] = idx[j];
			idx[j] = k;
		}
		compare(idx, NNAMES, &replays);
	}
	/* the shortcut was taken, not only the full path */
	assert_true(replays > 0);
}

/* The special names do differ from a plain one: the cf tests something. */
static void
test_cf_tells_the_special_names_apart(void **state)
{
	FILE *out;
	char *text = NULL, *plain, *s;
	size_t len = 0, i;
	struct cf *cf = load(&out, &text, &len);
	static const char *const special[] = {
		"special", "classy", "magic", "phr", "notneg"
	};

	(void)state;
	plain = resolve(cf, "alias1");
	assert_string_equal(plain, "local|-|alias1|0");
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		s = resolve(cf, special[i]);
		assert_true(strncmp(s, "local|-|", 8) != 0 ||
		    strcmp(s + 8, special[i]) != 0);
		free(s);
	}
	free(plain);
	cf_free(cf);
	assert_int_equal(fclose(out), 0);
	free(text);
}

/* A macro the rules read changes between two names: no stale answer. */
static void
test_memo_sees_a_changed_macro(void **state)
{
	FILE *out;
	char *text = NULL;
	size_t len = 0;
	struct cf *cf = load(&out, &text, &len);
	int id = cf_macid_find(cf, "Tag");

	(void)state;
	assert_true(id > 0);
	cf_memo_enable(cf);
	expect(cf, "alias1", "local|-|alias1|0");
	cf_macdefine(cf, id, "changed");
	expect(cf, "alias2", "-|-|\"550 odd\"|1");
	cf_memo_free(cf);
	cf_free(cf);
	assert_int_equal(fclose(out), 0);
	free(text);
}

/* dir/m.db with the one entry constkey -> value, renamed into place. */
static void
build_map(const char *dir, const char *value)
{
	struct map_db_opts o;
	struct map_db *db;
	struct err err;
	char tmp[4096], path[4096];

	(void)snprintf(tmp, sizeof(tmp), "%s/new.db", dir);
	(void)snprintf(path, sizeof(path), "%s/m.db", dir);
	(void)unlink(tmp);
	memset(&o, 0, sizeof(o));
	o.type = MAP_DB_HASH;
	o.create = 1;
	db = map_db_open(tmp, &o, &err);
	assert_non_null(db);
	assert_int_equal(map_db_put(db, "constkey", 8, value, strlen(value),
	    0, &err), 0);
	assert_int_equal(map_db_close(db, &err), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/*
 * A hash map the rules ask with a key of their own is rebuilt between
 * two names: the memo asks it again and sees the new answer.
 */
static void
test_memo_asks_a_rebuilt_map_again(void **state)
{
	char dir[] = "/tmp/test_memo.XXXXXX", text[8192], path[4096];
	char *out_text = NULL;
	size_t out_len = 0;
	FILE *out;
	struct cf *cf;

	(void)state;
	assert_non_null(mkdtemp(dir));
	build_map(dir, "no");
	(void)snprintf(text, sizeof(text),
	    "V10/Berkeley\n"
	    "O QueueDirectory=/tmp\n"
	    "O DontBlameSendmail=TrustStickyBit\n"
	    "Km hash %s/m\n"
	    "S3\n"
	    "R$*\t$: $1\n"
	    "S0\n"
	    "R$+\t$: $1 < $(m constkey $) >\n"
	    "R$+ < yes >\t$#error $: \"550 flag\"\n"
	    "R$+ < $* >\t$#local $: $1\n"
	    "Mlocal, P=/bin/true, F=lsDFMAw5:/|@qPn9S, A=mail $u\n", dir);
	out = open_memstream(&out_text, &out_len);
	assert_non_null(out);
	cf = cf_new();
	cf_set_output(cf, out);
	cf_read_buffer(cf, "test.cf", text, strlen(text));
	assert_int_equal(cf_nerrors(cf), 0);
	cf_memo_enable(cf);
	expect(cf, "alias1", "local|-|alias1|0");
	expect(cf, "alias2", "local|-|alias2|0");
	assert_int_equal(cf_memo_replays(cf), 1);
	build_map(dir, "yes");
	sleep(2);	/* a map's file is looked at once a second */
	expect(cf, "alias3", "-|-|\"550 flag\"|1");
	cf_memo_free(cf);
	cf_free(cf);
	assert_int_equal(fclose(out), 0);
	free(out_text);
	(void)snprintf(path, sizeof(path), "%s/m.db", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

/*
 * A name the memo must not shortcut: one that names the map a rule
 * looks up (fails without the guard in do_lookups); a lone "-", an
 * operator in this cf, goes by as well.
 */
static void
test_memo_leaves_names_it_cannot_follow(void **state)
{
	static const char text1[] =
	    "V10/Berkeley\n"
	    "O QueueDirectory=/tmp\n"
	    "O OperatorChars=.:%@!^/[]+-\n"
	    "Kalias1 regex -a.YES ^key$\n"
	    "S3\n"
	    "R$*\t$: $1\n"
	    "S0\n"
	    "R$+\t$: $( $1 key $: none $)\n"
	    "R$+\t$: $1 x\n"
	    "R$+\t$#local $: $1\n"
	    "Mlocal, P=/bin/true, F=lsDFMAw5:/|@qPn9S, A=mail $u\n";
	static const char *const seq[] = {
		"alias1", "alias2", "a", "-", "b", "-", "alias1", "c",
	};
	static const size_t idx[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	unsigned long replays = 0;
	char *first, *other;

	(void)state;
	first = compare_text(text1, seq, idx, 8, &replays);
	/* the map named alias1 answers for it alone */
	other = compare_text(text1, seq, idx + 1, 7, &replays);
	assert_string_not_equal(first, other);
	free(first);
	free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cf_tells_the_special_names_apart),
		cmocka_unit_test(test_memo_answers_as_the_rulesets),
		cmocka_unit_test(test_memo_sees_a_changed_macro),
		cmocka_unit_test(test_memo_asks_a_rebuilt_map_again),
		cmocka_unit_test(test_memo_leaves_names_it_cannot_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
