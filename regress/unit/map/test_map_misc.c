/*
 * test_map_misc.c -- dequote, arith, macro, null and syslog classes,
 * with the results and statuses sendmail 8.17 gives (checked by -bt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "map/map.h"

struct lcase {
	const char	*key;
	const char	*arg1, *arg2;
	enum map_result	 res;
	const char	*val;
	int		 stat;
};

static void
run_cases(const char *cls, const char *args, const struct lcase *c, size_t n)
{
	struct map_set *set = map_set_new(NULL);
	struct map *m;
	struct err err;
	struct buf v;
	const char *av[2];
	size_t i, na;
	int st;

	m = map_declare(set, "m", cls, args, &err);
	assert_non_null(m);
	buf_init(&v, 0);
	for (i = 0; i < n; i++) {
		av[0] = c[i].arg1;
		av[1] = c[i].arg2;
		na = c[i].arg2 ? 2 : c[i].arg1 ? 1 : 0;
		assert_int_equal(map_lookup(m, c[i].key, av, na, &v, &st,
		    &err), c[i].res);
		if (c[i].res == MAP_FOUND)
			assert_string_equal(buf_cstr(&v), c[i].val);
		assert_int_equal(st, c[i].stat);
	}
	buf_free(&v);
	map_set_free(set);
}

static void
test_dequote_strips_quotes_and_refuses_what_sendmail_refuses(void **state)
{
	static const struct lcase c[] = {
		{ "\"quoted\"", NULL, NULL, MAP_FOUND, "quoted", 0 },
		{ "\"a\"b", NULL, NULL, MAP_FOUND, "ab", 0 },
		{ "a\"b\"c", NULL, NULL, MAP_FOUND, "abc", 0 },
		{ "\"<a>\"", NULL, NULL, MAP_FOUND, "<a>", 0 },
		{ "\"\"", NULL, NULL, MAP_FOUND, "", 0 },
		{ "\"a\\\"b\"", NULL, NULL, MAP_FOUND, "a\\\"b", 0 },
		{ "plain", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "\"a b\"", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "\"a\tb\"", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "\"a(b\"", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "\"a)b\"", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "(a\"b\")", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "\"a", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
		{ "a\\\"b", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
	};

	run_cases("dequote", "", c, sizeof(c) / sizeof(c[0]));
}

static void
test_dequote_s_flag_replaces_blanks(void **state)
{
	static const struct lcase c[] = {
		{ "\"a b c\"", NULL, NULL, MAP_FOUND, "a+b+c", 0 },
		{ "x\"a  b\"", NULL, NULL, MAP_FOUND, "xa++b", 0 },
		{ "a b", NULL, NULL, MAP_NOTFOUND, NULL, 0 },
	};

	run_cases("dequote", "-s+", c, sizeof(c) / sizeof(c[0]));
}

static void
test_arith_operators_and_errors(void **state)
{
	static const struct lcase c[] = {
		{ "+", "2", "3", MAP_FOUND, "5", 0 },
		{ "-", "2", "5", MAP_FOUND, "-3", 0 },
		{ "*", "4", "5", MAP_FOUND, "20", 0 },
		{ "/", "7", "2", MAP_FOUND, "3", 0 },
		{ "/", "-7", "2", MAP_FOUND, "-3", 0 },
		{ "%", "-7", "2", MAP_FOUND, "-1", 0 },
		{ "|", "5", "2", MAP_FOUND, "7", 0 },
		{ "&", "6", "3", MAP_FOUND, "2", 0 },
		{ "l", "2", "3", MAP_FOUND, "TRUE", 0 },
		{ "l", "3", "2", MAP_FOUND, "FALSE", 0 },
		{ "=", "3", "3", MAP_FOUND, "TRUE", 0 },
		{ "=", "3", "4", MAP_FOUND, "FALSE", 0 },
		{ "r", "1", "1", MAP_FOUND, "1", 0 },
		{ "+", "a", "2", MAP_FOUND, "2", 0 },
		{ "+", "99999999999", "1", MAP_FOUND, "100000000000", 0 },
		{ "/", "7", "0", MAP_NOTFOUND, NULL, 0 },
		{ "%", "7", "0", MAP_NOTFOUND, NULL, 0 },
		{ "x", "1", "2", MAP_NOTFOUND, NULL, 78 },
		{ "L", "2", "3", MAP_NOTFOUND, NULL, 78 },
		{ "+", NULL, NULL, MAP_NOTFOUND, NULL, 78 },
	};

	run_cases("arith", "", c, sizeof(c) / sizeof(c[0]));
}

static void
test_arith_does_not_substitute_percent_args(void **state)
{
	static const struct lcase c[] = {
		{ "+", "%1", "1", MAP_FOUND, "1", 0 },
	};

	run_cases("arith", "", c, sizeof(c) / sizeof(c[0]));
}

static void
test_null_never_matches_with_status_68(void **state)
{
	static const struct lcase c[] = {
		{ "x", NULL, NULL, MAP_NOTFOUND, NULL, 68 },
	};

	run_cases("null", "", c, sizeof(c) / sizeof(c[0]));
}

static void
test_syslog_returns_empty_value(void **state)
{
	static const struct lcase c[] = {
		{ "hello from test_map_misc", NULL, NULL, MAP_FOUND, "", 0 },
	};

	run_cases("syslog", "-Lnotice", c, sizeof(c) / sizeof(c[0]));
}

struct macro_seen {
	char	name[64];
	char	value[64];
	int	undef;
};

static void
record_macro(void *arg, const char *name, const char *value)
{
	struct macro_seen *s = arg;

	snprintf(s->name, sizeof(s->name), "%s", name);
	s->undef = value == NULL;
	snprintf(s->value, sizeof(s->value), "%s", value ? value : "");
}

static void
test_macro_sets_with_arg_and_clears_without(void **state)
{
	struct macro_seen seen;
	struct map_env env = { .arg = &seen, .macro_set = record_macro };
	struct map_set *set = map_set_new(&env);
	struct map *m;
	struct err err;
	struct buf v;
	const char *av[1] = { "hello" };
	int st;

	memset(&seen, 0, sizeof(seen));
	m = map_declare(set, "storage", "macro", "", &err);
	assert_non_null(m);
	buf_init(&v, 0);
	assert_int_equal(map_lookup(m, "{MyMac}", av, 1, &v, &st, &err),
	    MAP_FOUND);
	assert_string_equal(buf_cstr(&v), "");
	assert_string_equal(seen.name, "MyMac");
	assert_string_equal(seen.value, "hello");
	assert_int_equal(map_lookup(m, "x", NULL, 0, &v, &st, &err),
	    MAP_FOUND);
	assert_string_equal(seen.name, "x");
	assert_true(seen.undef);
	buf_free(&v);
	map_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_dequote_strips_quotes_and_refuses_what_sendmail_refuses),
		cmocka_unit_test(test_dequote_s_flag_replaces_blanks),
		cmocka_unit_test(test_arith_operators_and_errors),
		cmocka_unit_test(test_arith_does_not_substitute_percent_args),
		cmocka_unit_test(test_null_never_matches_with_status_68),
		cmocka_unit_test(test_syslog_returns_empty_value),
		cmocka_unit_test(test_macro_sets_with_arg_and_clears_without),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
