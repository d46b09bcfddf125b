/*
 * test_map_user.c -- the user class (passwd fields by -v name, status
 * 67 for an unknown user, key folded) and the program class (first
 * output line of `program args key`, run without a shell).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "map/map.h"

struct lcase {
	const char	*cls;
	const char	*args;
	const char	*key;
	enum map_result	 res;
	const char	*val;
	int		 stat;
};

static void
run_cases(const struct lcase *c, size_t n)
{
	struct map_set *set;
	struct map *m;
	struct err err;
	struct buf v;
	size_t i;
	int st;

	buf_init(&v, 0);
	for (i = 0; i < n; i++) {
		set = map_set_new(NULL);
		m = map_declare(set, "u", c[i].cls, c[i].args, &err);
		assert_non_null(m);
		assert_int_equal(map_lookup(m, c[i].key, NULL, 0, &v, &st,
		    &err), c[i].res);
		if (c[i].val != NULL)
			assert_string_equal(buf_cstr(&v), c[i].val);
		assert_int_equal(st, c[i].stat);
		map_set_free(set);
	}
	buf_free(&v);
}

static void
test_user_fields_of_root(void **state)
{
	static const struct lcase c[] = {
		{ "user", "", "root", MAP_FOUND, "root", 0 },
		{ "user", "", "ROOT", MAP_FOUND, "root", 0 },
		{ "user", "-vname", "root", MAP_FOUND, "root", 0 },
		{ "user", "-vuid", "root", MAP_FOUND, "0", 0 },
		{ "user", "-vgid", "root", MAP_FOUND, "0", 0 },
		{ "user", "-vdir", "root", MAP_FOUND, "/root", 0 },
		{ "user", "", "nosuchuser-xyz", MAP_NOTFOUND, NULL, 67 },
	};

	run_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_user_unknown_field_fails_declaration(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;

	assert_null(map_declare(set, "u", "user", "-vbogus", &err));
	assert_string_equal(err.msg, "User map u: unknown column name bogus");
	map_set_free(set);
}

static void
test_program_gives_first_output_line(void **state)
{
	static const struct lcase c[] = {
		{ "program", "/bin/echo prog-said", "hello", MAP_FOUND,
		    "prog-said hello", 0 },
		{ "program", "/bin/echo -a.X", "k", MAP_FOUND, "-a.X k", 0 },
		{ "program", "-a.X /bin/echo", "k", MAP_FOUND, "k.X", 0 },
		{ "program", "/bin/false", "k", MAP_NOTFOUND, NULL, 1 },
		{ "program", "/bin/true", "k", MAP_NOTFOUND, NULL, 0 },
		{ "program", "/bin/printf x%s\\nsecond", "k", MAP_FOUND,
		    "xk", 0 },
		{ "program", "/bin/printf \\n%s", "k", MAP_FOUND, "", 0 },
	};

	run_cases(c, sizeof(c) / sizeof(c[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_fields_of_root),
		cmocka_unit_test(test_user_unknown_field_fails_declaration),
		cmocka_unit_test(test_program_gives_first_output_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
