/*
 * test_map_regex.c -- the regex class: empty value on a match, -s
 * substrings joined by -d or by sendmail's $| byte, -n, -f, -b, -m,
 * -a, unmatched groups left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "map/map.h"

#define RE	"^([a-z]+)@(example\\.com)$"
#define RE3	"^([a-z]+)@(example)?(\\.com)$"

struct lcase {
	const char	*args;
	const char	*key;
	enum map_result	 res;
	const char	*val;
};

static void
test_regex_values_match_sendmail(void **state)
{
	static const struct lcase c[] = {
		{ RE, "joe@example.com", MAP_FOUND, "" },
		{ RE, "JOE@EXAMPLE.COM", MAP_FOUND, "" },
		{ RE, "x", MAP_NOTFOUND, NULL },
		{ "-s1,2 -d+ " RE, "joe@example.com", MAP_FOUND,
		    "joe+example.com" },
		{ "-s1,2 " RE, "joe@example.com", MAP_FOUND,
		    "joe\233example.com" },
		{ "-a.MATCH " RE, "joe@example.com", MAP_FOUND, ".MATCH" },
		{ "-n " RE, "joe@example.com", MAP_NOTFOUND, NULL },
		{ "-n " RE, "x", MAP_FOUND, "" },
		{ "-f " RE, "JOE@example.com", MAP_NOTFOUND, NULL },
		{ "-s2 " RE, "joe@example.com", MAP_FOUND, "example.com" },
		{ "-m " RE, "Joe@example.com", MAP_FOUND, "Joe@example.com" },
		{ "-b ^\\([a-z]*\\)@x$", "abc@x", MAP_FOUND, "" },
		{ "-s0 " RE, "joe@example.com", MAP_FOUND, "joe@example.com" },
		{ "-s1,3 " RE3, "joe@.com", MAP_FOUND, "joe\233.com" },
		{ "-s3,1 " RE3, "joe@example.com", MAP_FOUND, ".com\233joe" },
		{ "-m -a.M -s1 " RE, "joe@example.com", MAP_FOUND,
		    "joe@example.com.M" },
		{ "^a b$", "A B", MAP_FOUND, "" },
		{ "", "anything", MAP_FOUND, "" },
	};
	struct map_set *set;
	struct map *m;
	struct err err;
	struct buf v;
	size_t i;
	int st;

	buf_init(&v, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		set = map_set_new(NULL);
		m = map_declare(set, "r", "regex", c[i].args, &err);
		assert_non_null(m);
		assert_int_equal(map_lookup(m, c[i].key, NULL, 0, &v, &st,
		    &err), c[i].res);
		if (c[i].val != NULL)
			assert_string_equal(buf_cstr(&v), c[i].val);
		assert_int_equal(st, 0);
		map_set_free(set);
	}
	buf_free(&v);
}

static void
test_regex_bad_pattern_fails_declaration(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;

	assert_null(map_declare(set, "r", "regex", "a(b", &err));
	assert_int_not_equal(err.kind, ERR_NONE);
	assert_null(map_declare(set, "r2", "regex", "-s5 ^(a)$", &err));
	map_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_values_match_sendmail),
		cmocka_unit_test(test_regex_bad_pattern_fails_declaration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
