/*
 * test_map_text.c -- the text class: key and value columns (-k, -v,
 * 0-based, value column 0 by default), -z delimiter, comments, keys
 * compared without case even with -f, status 68 when not found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "map/map.h"

static char dir[] = "/tmp/test_map_text.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("colon", "alpha:one:two\nbeta:three:four\n# comment\n"
	    "Gamma:five:six\nshort\n");
	write_file("ws", "alpha one\nBeta two\n  gamma   three four \n");
	write_file("nonl", "last value");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct lcase {
	const char	*flags;
	const char	*file;
	const char	*key;
	enum map_result	 res;
	const char	*val;
	int		 stat;
};

static void
test_text_columns_and_delimiters(void **state)
{
	static const struct lcase c[] = {
		{ "-k0 -v1 -z:", "colon", "alpha", MAP_FOUND, "one", 0 },
		{ "-k0 -v1 -z:", "colon", "ALPHA", MAP_FOUND, "one", 0 },
		{ "-k0 -v1 -z:", "colon", "gamma", MAP_FOUND, "five", 0 },
		{ "-k0 -v1 -z:", "colon", "nope", MAP_NOTFOUND, NULL, 68 },
		{ "-k0 -v1 -z:", "colon", "# comment", MAP_NOTFOUND, NULL,
		    68 },
		{ "-v2 -z:", "colon", "alpha", MAP_FOUND, "two", 0 },
		{ "-k1 -v0 -z:", "colon", "five", MAP_FOUND, "Gamma", 0 },
		{ "", "ws", "alpha", MAP_FOUND, "alpha", 0 },
		{ "", "ws", "gamma", MAP_FOUND, "gamma", 0 },
		{ "", "ws", "beta", MAP_FOUND, "Beta", 0 },
		{ "-f", "ws", "beta", MAP_FOUND, "Beta", 0 },
		{ "-v1", "ws", "gamma", MAP_FOUND, "three", 0 },
		{ "-v1", "nonl", "last", MAP_FOUND, "value", 0 },
		{ "-v1 -m -a!", "ws", "ALPHA", MAP_FOUND, "ALPHA!", 0 },
		{ "", "missing", "x", MAP_TEMPFAIL, NULL, 75 },
	};
	struct map_set *set;
	struct map *m;
	struct err err;
	struct buf v;
	char args[512];
	size_t i;
	int st;

	buf_init(&v, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		set = map_set_new(NULL);
		snprintf(args, sizeof(args), "%s %s/%s", c[i].flags, dir,
		    c[i].file);
		m = map_declare(set, "t", "text", args, &err);
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
test_text_missing_file_reason(void **state)
{
	struct map_set *set = map_set_new(NULL);
	struct err err;
	char args[512], want[700];
	struct map *m;

	snprintf(args, sizeof(args), "%s/missing", dir);
	m = map_declare(set, "t", "text", args, &err);
	assert_int_equal(map_open(m, O_RDONLY, &err), -1);
	snprintf(want, sizeof(want), "text map \"t\": unsafe map file %s",
	    args);
	assert_string_equal(err.msg, want);
	map_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_columns_and_delimiters),
		cmocka_unit_test(test_text_missing_file_reason),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
